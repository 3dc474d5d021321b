//! `cm`: the connection manager's command-line tool.
//!
//! Parses the command line ([`cli`]), sets up logging and output ([`output`]), runs the
//! command ([`commands`]) and turns its error into one stderr line and an exit status
//! ([`exit`]). See the crate README for every command, the exit statuses and the JSON
//! schemas.

// Shipped code never unwraps: outside input gets an error, an internal invariant a narrow,
// documented `#[allow]`. Set here, not in `[lints]`, because Cargo applies `[lints]` to every
// target and this rule is for the library and binaries only; `#[cfg(test)]` code is exempt
// through clippy.toml. `cargo xtask tidy` checks every crate root carries it.
#![warn(clippy::unwrap_used, clippy::expect_used)]
// The doc comments on clap's types are the `--help` text users read, where `[bookmarks]` names
// a TOML section; rustdoc would take it for a link. Escaping it would show in `--help`.
#![allow(rustdoc::broken_intra_doc_links)]

mod browser_sign_in;
mod cli;
mod commands;
mod exit;
mod hidden_input;
mod json_schemas;
mod output;
mod prompt;
mod remembered;
mod session;
mod sign_in;

use std::process::ExitCode;

use std::io::{IsTerminal as _, Write as _};

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return clap_exit(&error),
    };
    let out = output::Output::new(cli.json, cli.quiet, cli.color);
    init_logging(cli.verbose, cli.quiet, out.color_err());
    match commands::run(cli, &out) {
        Ok(()) => ExitCode::from(exit::SUCCESS),
        Err(error) => {
            if error.should_print() {
                out.error(&error.to_string());
            }
            error.exit_code()
        }
    }
}

/// Ends a run clap stopped: `--help` and `--version` go to stdout through the same fallible
/// write as every result (a failing stdout is exit 1, a closed pipe exit 0); usage errors go
/// to stderr as clap prints them (exit 2).
fn clap_exit(error: &clap::Error) -> ExitCode {
    if error.use_stderr() {
        // Nowhere left to report a failing stderr to; the exit status still tells.
        let _ = error.print();
        return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(exit::FAILURE));
    }
    let rendered = error.render();
    let mut stdout = std::io::stdout().lock();
    let text = if stdout.is_terminal() {
        rendered.ansi().to_string()
    } else {
        rendered.to_string()
    };
    if let Err(write_error) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        drop(stdout);
        output::stdout_failed(&write_error);
    }
    ExitCode::from(exit::SUCCESS)
}

/// Logs go to stderr. By default only errors show
/// (the tool reports problems itself, in one line), plus the warning for each storage address
/// a discovery server listed and that was refused (it carried a credential or named local
/// files: see `cm_discovery::storage_address`), which names the discovery server; `-v`
/// raises everything to info (which config file, which server, each connection attempt and
/// the full error chain of a failure), `-vv` debug, `-vvv` trace; `RUST_LOG` overrides all
/// of it. Log lines are coloured exactly when stderr's other output is: `--color`, `NO_COLOR`
/// and whether stderr is a terminal decide.
fn init_logging(verbose: u8, quiet: bool, color: bool) {
    let refused = format!("error,{}=warn", cm_discovery::REFUSED_TARGET);
    let default = match (quiet, verbose) {
        (true, _) => "off",
        (false, 0) => refused.as_str(),
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| prompt::LogWriter)
        .with_ansi(color)
        .with_target(verbose > 1)
        .init();
}
