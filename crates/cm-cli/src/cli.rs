//! The command line: every subcommand, flag and help text, as clap derive types.
//!
//! Parsing only; nothing here touches the file or the network. `main.rs` hands the parsed
//! [`Cli`] to [`crate::commands::run`].

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

/// Manage Omniverse server connections and bookmarks in omniverse.toml.
///
/// cm reads and edits the same omniverse.toml that every Omniverse application uses, through
/// the connection-manager library: edits are atomic, made under a cross-process lock, and
/// keep comments, foreign sections and key order intact. A command that fails never changes
/// the file.
#[derive(Debug, Parser)]
#[command(
    name = "cm",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_help = "\
CONFIG FILE:
    --config FILE, else $OMNI_CONFIG_PATH/omniverse.toml,
    else $HOME/.nvidia-omniverse/config/omniverse.toml.

EXIT STATUS:
    0  success
    1  the operation failed (unreachable, not found, duplicate, could not write)
    2  bad input (usage, invalid URL, malformed config file, a config file you may not write)

EXAMPLES:
    cm bookmark add Projects omniverse://my-server/Projects/
    cm server list --json
    cm ensure omniverse://my-server/Projects/car.usd --timeout 10
    cm watch --json"
)]
pub(crate) struct Cli {
    /// The omniverse.toml to use (default: see CONFIG FILE below).
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Print machine-readable JSON on stdout (each command's schema is in its `--help`).
    #[arg(long, global = true)]
    pub(crate) json: bool,

    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = ArgAction::Count, conflicts_with = "quiet")]
    pub(crate) verbose: u8,

    /// Only errors on stderr; no progress, hints or warnings.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,

    /// When to use colours: auto (only on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub(crate) color: ColorChoice,

    /// Give up (exit 1) when another process holds omniverse.toml's lock this long; who
    /// holds it is said on stderr after 1 s.
    #[arg(long, global = true, default_value_t = 30.0, value_name = "SECS", value_parser = crate::session::parse_seconds)]
    pub(crate) lock_timeout: f64,

    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colours on a terminal only (and not when NO_COLOR is set).
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List, add, remove or rename bookmarks ([bookmarks] name = url).
    #[command(subcommand)]
    Bookmark(BookmarkCommand),

    /// List, add or remove manual servers ([servers] url = name).
    #[command(subcommand)]
    Server(ServerCommand),

    /// List, add, remove or refresh discovery servers ([[discovery_servers]]).
    #[command(subcommand)]
    Discovery(DiscoveryCommand),

    /// Check that a URL is reachable: exit 0 if it is, 1 (with the reason) if not.
    ///
    /// omniverse:// URLs connect (signing in when the server asks: credential flags, else a
    /// prompt on a terminal); discovery-provided URLs wait for that discovery to finish;
    /// http(s), S3, Azure, GCS and file URLs count as reachable without being contacted
    /// (`not checked`), unless --probe is given.
    #[command(after_long_help = crate::json_schemas::ENSURE)]
    Ensure(EnsureArgs),

    /// Sign out of the Nucleus server of URL (a no-op for other URLs).
    #[command(after_long_help = crate::json_schemas::DISCONNECT)]
    Disconnect(ConnectArgs),

    /// Connect again to the Nucleus server of URL and wait for the outcome.
    #[command(after_long_help = crate::json_schemas::ENSURE)]
    Reconnect(ReconnectArgs),

    /// Sign in to the Nucleus server of URL through your web browser.
    ///
    /// Opens the server's sign-in page in the browser ($BROWSER is honoured) and waits for
    /// it to redirect back to cm on 127.0.0.1. Exit status 0 once signed in; 1 when the sign-in
    /// is refused, cancelled (Ctrl-C) or not completed within --timeout.
    Login(LoginArgs),

    /// Sign out of the Nucleus server of URL.
    Logout(ConnectArgs),

    /// Migrate an old-style omniverse.toml (bookmarks only) to the servers layout.
    ///
    /// Shows the change as a unified diff of the file text.
    #[command(after_long_help = crate::json_schemas::MIGRATE)]
    Migrate(MigrateArgs),

    /// Answer URL questions the way the connection manager does (for scripts).
    #[command(subcommand, after_long_help = crate::json_schemas::URL)]
    Url(UrlCommand),

    /// Print every connection-manager event as it happens, until interrupted.
    ///
    /// Follows edits made by other processes (within the 1 s debounce) and runs discovery
    /// for the configured discovery servers. Prints `watching FILE` on stderr once live.
    /// Ctrl-C (SIGINT) or SIGTERM ends it with exit status 0.
    #[command(after_long_help = crate::json_schemas::WATCH)]
    Watch(WatchArgs),

    /// Which omniverse.toml cm uses, and what it holds.
    #[command(subcommand)]
    Config(ConfigCommand),

    /// Print a shell completion script on stdout.
    ///
    /// bash: `source <(cm completions bash)`, or save it as
    /// ~/.local/share/bash-completion/completions/cm. zsh: save it as `_cm` in a directory of
    /// your $fpath. fish: save it as ~/.config/fish/completions/cm.fish.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print the man page cm(1) on stdout, or write one page per command into a directory.
    ///
    /// `cm man | man -l -` reads it; `cm man --out-dir DIR` writes cm.1, cm-bookmark.1, ...
    /// for installing under a man1 directory.
    Man {
        /// Write cm.1 and one page per subcommand into DIR instead of printing cm.1.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },

    /// Open the connections panel in a window (built with the `gui` feature).
    ///
    /// The same panel as cm-egui's: bookmarks, servers and discovery, live as other
    /// processes edit omniverse.toml, with sign-in prompts.
    #[cfg(feature = "gui")]
    Gui,
}

/// `cm config ...`
#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Print the path of the omniverse.toml in use, and why that one (stderr).
    ///
    /// The file is --config FILE when given, else $OMNI_CONFIG_PATH/omniverse.toml when
    /// OMNI_CONFIG_PATH is set, else $HOME/.nvidia-omniverse/config/omniverse.toml.
    #[command(after_long_help = crate::json_schemas::CONFIG_PATH)]
    Path,
    /// Print what the file holds as cm reads it, with a warning for each skipped entry.
    ///
    /// Reads the file only (no write, no network). An old-style file is shown as it would
    /// be after its migration, which the next change to it performs.
    #[command(after_long_help = crate::json_schemas::CONFIG_SHOW)]
    Show,
}

/// `cm bookmark ...`
#[derive(Debug, Subcommand)]
pub(crate) enum BookmarkCommand {
    /// List bookmarks in file order.
    #[command(after_long_help = crate::json_schemas::BOOKMARK_LIST)]
    List,
    /// Add bookmark NAME pointing at URL.
    Add {
        /// The bookmark's name (unique).
        name: String,
        /// The URL it points at.
        url: String,
        /// Replace an entry called NAME that the file holds with the wrong type (skipped on
        /// load, such as `NAME = 1`) instead of refusing with exit status 2.
        #[arg(long)]
        force: bool,
    },
    /// Remove the bookmark called NAME.
    Remove {
        /// The bookmark's name.
        name: String,
    },
    /// Rename bookmark OLD to NEW (pointing at URL when given), keeping its place.
    Rename {
        /// The current name.
        old: String,
        /// The new name.
        new: String,
        /// The URL the renamed bookmark points at (default: the one it points at now).
        url: Option<String>,
    },
}

/// `cm server ...`
#[derive(Debug, Subcommand)]
pub(crate) enum ServerCommand {
    /// List manual servers and the addresses discovery servers provide.
    ///
    /// Reads the file only: discovery-provided addresses are the cached ones, and nothing
    /// touches the network.
    #[command(after_long_help = crate::json_schemas::SERVER_LIST)]
    List,
    /// Add a manual server (Nucleus, HTTP, S3, Azure or GCS); stored as its server root.
    Add(ServerAddArgs),
    /// Remove a manual server, named by its name or by a URL (any URL under the server).
    Remove {
        /// The server's name, or its URL.
        #[arg(value_name = "NAME|URL")]
        server: String,
    },
    /// Give a server (manual or discovery) a new display name, keeping its URL and place.
    Rename {
        /// The server's current name, or its URL.
        #[arg(value_name = "NAME|URL")]
        server: String,
        /// The new name (unique among servers).
        new: String,
    },
}

/// `cm server add`
#[derive(Debug, Args)]
pub(crate) struct ServerAddArgs {
    /// The display name (unique among servers).
    #[arg(required_unless_present = "interactive")]
    pub(crate) name: Option<String>,
    /// The server URL.
    #[arg(required_unless_present = "interactive")]
    pub(crate) url: Option<String>,
    /// Ask for the name and URL, connect, and only add a server that answers.
    ///
    /// Reads answers line by line from stdin, so it can be driven by a pipe.
    #[arg(short, long, conflicts_with_all = ["name", "url"])]
    pub(crate) interactive: bool,
    #[command(flatten)]
    pub(crate) options: AddOptions,
    #[command(flatten)]
    pub(crate) credentials: CredentialArgs,
}

/// The options `cm server add` and `cm discovery add` share, after their `--interactive`.
#[derive(Debug, Args)]
pub(crate) struct AddOptions {
    /// Replace an entry for this server that the file holds with the wrong type (skipped on
    /// load, such as `"omniverse://host" = 1`) instead of refusing with exit status 2.
    #[arg(long, conflicts_with = "interactive")]
    pub(crate) force: bool,
    /// With --interactive: how long one connection attempt may take, in seconds.
    #[arg(
        long,
        default_value_t = 15.0,
        value_name = "SECS", value_parser = crate::session::parse_seconds,
        requires = "interactive"
    )]
    pub(crate) timeout: f64,
}

/// `cm discovery ...`
#[derive(Debug, Subcommand)]
pub(crate) enum DiscoveryCommand {
    /// List discovery servers with their status and cached addresses (no network).
    #[command(after_long_help = crate::json_schemas::DISCOVERY_LIST)]
    List,
    /// Add a discovery server (http or https URL). Run `cm discovery refresh` to discover.
    Add(DiscoveryAddArgs),
    /// Remove the discovery server with this URL.
    Remove {
        /// The discovery URL.
        url: String,
    },
    /// Run discovery now (for URL, or every discovery server) and save the addresses found.
    Refresh {
        /// The discovery URL (default: every discovery server).
        url: Option<String>,
        /// Give up waiting after this many seconds.
        #[arg(long, default_value_t = 30.0, value_name = "SECS", value_parser = crate::session::parse_seconds)]
        timeout: f64,
    },
}

/// `cm discovery add`
#[derive(Debug, Args)]
pub(crate) struct DiscoveryAddArgs {
    /// The display name (unique among servers).
    #[arg(required_unless_present = "interactive")]
    pub(crate) name: Option<String>,
    /// The discovery URL (http or https).
    #[arg(required_unless_present = "interactive")]
    pub(crate) url: Option<String>,
    /// Ask for the name and URL, run discovery, and only add a server whose discovery works.
    ///
    /// Reads answers line by line from stdin, so it can be driven by a pipe.
    #[arg(short, long, conflicts_with_all = ["name", "url"])]
    pub(crate) interactive: bool,
    #[command(flatten)]
    pub(crate) options: AddOptions,
}

/// Credentials for servers that ask for a sign-in. Secrets come from environment variables,
/// never from the command line (argv is visible to every user of the machine).
#[derive(Debug, Args, Default, Clone)]
pub(crate) struct CredentialArgs {
    /// Sign in with the bearer token held in environment variable VAR.
    #[arg(long, value_name = "VAR", conflicts_with_all = ["user", "password_env"])]
    pub(crate) token_env: Option<String>,
    /// Sign in as USER (with --password-env).
    #[arg(long, value_name = "USER", requires = "password_env")]
    pub(crate) user: Option<String>,
    /// The password for --user is in environment variable VAR.
    #[arg(long, value_name = "VAR", requires = "user")]
    pub(crate) password_env: Option<String>,
}

/// `cm ensure`
#[derive(Debug, Args)]
pub(crate) struct EnsureArgs {
    /// The URL to check.
    pub(crate) url: String,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 30.0, value_name = "SECS", value_parser = crate::session::parse_seconds)]
    pub(crate) timeout: f64,
    /// Really contact a non-Nucleus URL: an HTTP HEAD to an http(s) server root (any HTTP
    /// answer counts as reachable), the path of a file URL.
    #[arg(long)]
    pub(crate) probe: bool,
    #[command(flatten)]
    pub(crate) credentials: CredentialArgs,
}

/// `cm disconnect`
#[derive(Debug, Args)]
pub(crate) struct ConnectArgs {
    /// A URL on the server.
    pub(crate) url: String,
}

/// `cm reconnect`
#[derive(Debug, Args)]
pub(crate) struct ReconnectArgs {
    /// A URL on the server.
    pub(crate) url: String,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 30.0, value_name = "SECS", value_parser = crate::session::parse_seconds)]
    pub(crate) timeout: f64,
    #[command(flatten)]
    pub(crate) credentials: CredentialArgs,
}

/// `cm login`
#[derive(Debug, Args)]
pub(crate) struct LoginArgs {
    /// A URL on the server.
    pub(crate) url: String,
    /// Use the device flow: print a link and a code to enter on any device (no browser here).
    #[arg(long, conflicts_with = "no_browser")]
    pub(crate) device: bool,
    /// Do not open a browser: print the sign-in link to open by hand.
    #[arg(long)]
    pub(crate) no_browser: bool,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 300.0, value_name = "SECS", value_parser = crate::session::parse_seconds)]
    pub(crate) timeout: f64,
}

/// `cm migrate`
#[derive(Debug, Args)]
pub(crate) struct MigrateArgs {
    /// Show the diff without writing the file.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

/// `cm url ...`
#[derive(Debug, Subcommand)]
pub(crate) enum UrlCommand {
    /// Print the canonical spelling of URL (passwords and tokens redacted unless
    /// --show-secrets).
    Normalize {
        /// The URL.
        url: String,
        /// Print passwords and token-like query values as they are, for a script to use
        /// (they are redacted by default, as everywhere cm prints a URL).
        #[arg(long)]
        show_secrets: bool,
    },
    /// Print the root a server for URL stands for: what `cm server add` stores (its server
    /// root; for a `file:` URL, the directory it names).
    Root {
        /// The URL.
        url: String,
    },
    /// Print the kind of URL: nucleus, http, s3, azure, gcs or file.
    Kind {
        /// The URL.
        url: String,
    },
}

/// `cm watch`
#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    /// The watcher's debounce in milliseconds.
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    pub(crate) debounce_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
