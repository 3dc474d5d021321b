//! One module per command group; [`run`] dispatches the parsed command line to them.

mod bookmark;
mod config;
mod discovery;
mod docs;
mod ensure;
#[cfg(feature = "gui")]
mod gui;
mod interactive;
mod login;
mod migrate;
mod probe;
mod server;
mod suggest;
mod url;
mod watch;

use crate::cli::{Cli, Command};
use crate::exit::CliError;
use crate::output::Output;
use crate::session::ConfigFile;

/// Runs the command `cli` names.
pub(crate) fn run(cli: Cli, out: &Output) -> Result<(), CliError> {
    // `url` answers need no config file at all.
    let command = match cli.command {
        Command::Url(command) => return url::run(&command, out),
        // Neither do completions and the man page: they describe the command line itself.
        Command::Completions { shell } => return docs::completions(shell, out),
        Command::Man { out_dir } => return docs::man(out_dir.as_deref(), out),
        other => other,
    };
    let lock_timeout = crate::session::seconds("--lock-timeout", cli.lock_timeout)?;
    let file = ConfigFile::resolve(cli.config.as_deref(), lock_timeout, out)?;
    tracing::info!("config file {}", file.path().display());
    match command {
        Command::Bookmark(command) => bookmark::run(command, &file, out),
        Command::Server(command) => server::run(command, &file, out),
        Command::Discovery(command) => discovery::run(command, &file, out),
        Command::Ensure(args) => ensure::ensure(args, &file, out),
        Command::Disconnect(args) => ensure::disconnect(args, &file, out),
        Command::Reconnect(args) => ensure::reconnect(args, &file, out),
        Command::Login(args) => login::login(args, &file, out),
        Command::Logout(args) => login::logout(args, &file, out),
        Command::Migrate(args) => migrate::run(args, &file, out),
        Command::Watch(args) => watch::run(args, &file, out),
        Command::Config(command) => config::run(&command, cli.config.is_some(), &file, out),
        #[cfg(feature = "gui")]
        Command::Gui => gui::run(&file, out),
        Command::Url(command) => url::run(&command, out),
        Command::Completions { shell } => docs::completions(shell, out),
        Command::Man { out_dir } => docs::man(out_dir.as_deref(), out),
    }
}

/// What a migration that ran did, in one line (for the notice a writing command prints).
pub(crate) fn migration_summary(report: &cm_toml_store::MigrationReport) -> String {
    migrate::summary(report, false)
}
