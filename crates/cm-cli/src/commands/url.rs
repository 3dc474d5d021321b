//! `cm url normalize | root | kind`: cm-url's answers, for scripts.
//!
//! Output is redacted like everything `cm` prints: a password or a token-like query value in
//! the URL comes out as `REDACTED`. `cm url normalize --show-secrets` prints the normalised
//! URL whole, so a script can use it. With `--json`, `input` is the input exactly as given
//! when secrets are shown, and otherwise the input with its secrets redacted; `redacted` says
//! whether anything was hidden.

use serde_json::json;

use crate::cli::UrlCommand;
use crate::exit::CliError;
use crate::output::Output;

/// Runs a `cm url` subcommand.
pub(crate) fn run(command: &UrlCommand, out: &Output) -> Result<(), CliError> {
    let (input, field, answer, show_secrets) = match command {
        UrlCommand::Normalize { url, show_secrets } => {
            let normalized = cm_url::normalize(url)?;
            let shown = if *show_secrets {
                normalized
            } else {
                cm_url::redact(&normalized)
            };
            (url, "normalized", shown, *show_secrets)
        }
        UrlCommand::Root { url } => (url, "root", cm_url::entry_root(url)?, false),
        UrlCommand::Kind { url } => (url, "kind", cm_url::kind(url)?.as_str().to_owned(), false),
    };
    let echoed = if show_secrets {
        input.clone()
    } else {
        echo(input)
    };
    if out.json {
        let redacted = !show_secrets && (echoed != *input || answer.contains(cm_url::REDACTED));
        out.json_value(&json!({ "input": echoed, field: answer, "redacted": redacted }));
    } else {
        out.line(&answer);
    }
    Ok(())
}

/// The input as given, unless it holds a secret: then as given with only the secret replaced
/// (`cm_url::redact_as_written`: host case, port and path kept).
fn echo(input: &str) -> String {
    if cm_url::redact(input).contains(cm_url::REDACTED) {
        cm_url::redact_as_written(input)
    } else {
        input.to_owned()
    }
}
