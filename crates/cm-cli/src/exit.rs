//! Errors of the `cm` tool and the exit status each one maps to.
//!
//! Three statuses, so scripts can tell "try again later" from "fix your input":
//!
//! * `0` success;
//! * `1` the operation failed: unreachable, not found, duplicate, could not write;
//! * `2` bad input: usage, an invalid URL or name, a malformed config file, a config file
//!   the user may not write, a change the store refuses (too long, the file would grow over
//!   16 MiB, a wrong-typed entry without `--force`); clap's own usage errors also exit 2.
//!
//! Every message is one line that names the problem and the input (URLs redacted).

use std::process::ExitCode;

use cm_registry::RegistryError;
use cm_toml_store::{Refusal, StoreError};
use cm_url::UrlError;

/// Exit status for success.
pub(crate) const SUCCESS: u8 = 0;
/// Exit status when the operation failed.
pub(crate) const FAILURE: u8 = 1;
/// Exit status for bad input.
pub(crate) const BAD_INPUT: u8 = 2;

/// Why a `cm` command did not succeed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// A URL given on the command line does not parse.
    #[error("{0}")]
    InvalidUrl(#[from] UrlError),
    /// Other input the user must fix (wrong kind of URL, empty answer, ...).
    #[error("{0}")]
    BadInput(String),
    /// The config file could not be located, read or used.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The registry refused or only half did the request.
    #[error("{}", registry_message(.0))]
    Registry(#[from] RegistryError),
    /// The operation ran and failed (the message says why).
    #[error("{0}")]
    Failed(String),
    /// The operation failed and the reason was already printed (e.g. as JSON on stdout).
    #[error("")]
    AlreadyReported,
}

impl CliError {
    /// The process exit status for this error.
    pub(crate) fn exit_status(&self) -> u8 {
        match self {
            CliError::InvalidUrl(_) | CliError::BadInput(_) => BAD_INPUT,
            CliError::Store(e) => store_status(e),
            CliError::Registry(e) => registry_status(e),
            CliError::Failed(_) | CliError::AlreadyReported => FAILURE,
        }
    }

    /// The process exit code for this error.
    pub(crate) fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit_status())
    }

    /// Whether a line should be printed on stderr for this error.
    pub(crate) fn should_print(&self) -> bool {
        !matches!(self, CliError::AlreadyReported)
    }
}

/// The registry's message, minus what only matters to a long-running process: for a
/// one-shot command a change that was not saved simply did not happen.
fn registry_message(e: &RegistryError) -> String {
    match e {
        RegistryError::NotSaved {
            source:
                source @ StoreError::Refused {
                    reason: Refusal::WrongTypedEntry { .. },
                    ..
                },
            ..
        } => format!("{source}; --force replaces it"),
        RegistryError::NotSaved { source, .. } => format!("nothing changed: {source}"),
        // Server ids are the process's own bookkeeping: a message names servers by name or
        // URL (the commands name the server that has a URL where they can look it up).
        RegistryError::DuplicateServerName { name, .. } => {
            format!("a server named {name:?} already exists")
        }
        RegistryError::DuplicateServerUrl { url, .. } => {
            format!("another server already has the URL {url:?}")
        }
        RegistryError::UnknownManualServer { .. }
        | RegistryError::UnknownDiscoveryServer { .. } => {
            "that server is gone (another process removed it meanwhile)".to_owned()
        }
        other => other.to_string(),
    }
}

fn store_status(e: &StoreError) -> u8 {
    // A file the user may not write is input to fix (its permissions), not a failure to
    // retry; a lock held too long (LockTimeout) is worth retrying: exit 1.
    if e.is_malformed_file()
        || e.is_refused_change()
        || matches!(
            e,
            StoreError::NoConfigLocation { .. }
                | StoreError::NotWritable { .. }
                | StoreError::UnsafeLockFile { .. }
        )
    {
        BAD_INPUT
    } else {
        FAILURE
    }
}

fn registry_status(e: &RegistryError) -> u8 {
    match e {
        RegistryError::InvalidUrl { .. }
        | RegistryError::CredentialInUrl { .. }
        | RegistryError::UnsupportedDiscoveryUrl { .. }
        | RegistryError::InvalidName { .. } => BAD_INPUT,
        RegistryError::NotSaved { source, .. } | RegistryError::LoadFailed { source } => {
            store_status(source)
        }
        _ => FAILURE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_and_failures_map_to_their_statuses() {
        let url = cm_url::parse("ftp://x").unwrap_err();
        assert_eq!(CliError::InvalidUrl(url).exit_status(), BAD_INPUT);
        assert_eq!(
            CliError::Registry(RegistryError::UnknownBookmark { name: "x".into() }).exit_status(),
            FAILURE
        );
        assert_eq!(
            CliError::Store(StoreError::NoConfigLocation { home_var: "HOME" }).exit_status(),
            BAD_INPUT
        );
        assert_eq!(CliError::Failed("x".into()).exit_status(), FAILURE);
        let not_writable = StoreError::NotWritable {
            path: "/x".into(),
            reason: "r".into(),
        };
        assert_eq!(CliError::Store(not_writable).exit_status(), BAD_INPUT);
        let timeout = StoreError::LockTimeout {
            path: "/x.lock".into(),
            waited: std::time::Duration::from_secs(30),
            holder: None,
        };
        assert_eq!(CliError::Store(timeout).exit_status(), FAILURE);
        assert_eq!(SUCCESS, 0);
    }
}
