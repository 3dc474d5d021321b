//! `cm url normalize | root | kind`: cm-url's answers, for scripts.
//!
//! Output is redacted like everything `cm` prints: a password in the URL comes out as
//! `REDACTED`.

use serde_json::json;

use crate::cli::UrlCommand;
use crate::exit::CliError;
use crate::output::Output;

/// Runs a `cm url` subcommand.
pub(crate) fn run(command: &UrlCommand, out: &Output) -> Result<(), CliError> {
    let (input, field, answer) = match command {
        UrlCommand::Normalize { url } => {
            (url, "normalized", cm_url::redact(&cm_url::normalize(url)?))
        }
        UrlCommand::Root { url } => (url, "root", cm_url::server_root(url)?),
        UrlCommand::Kind { url } => (url, "kind", cm_url::kind(url)?.as_str().to_owned()),
    };
    if out.json {
        out.json_value(&json!({ "input": echo(input), field: answer }));
    } else {
        out.line(&answer);
    }
    Ok(())
}

/// The input as given, unless it holds a secret: then its redacted form.
fn echo(input: &str) -> String {
    let redacted = cm_url::redact(input);
    if redacted.contains(cm_url::REDACTED) {
        redacted
    } else {
        input.to_owned()
    }
}
