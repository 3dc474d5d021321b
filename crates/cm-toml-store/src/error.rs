//! Typed errors and warnings for omniverse.toml handling.
//!
//! Errors ([`StoreError`]) stop an operation: the file cannot be read, is not
//! TOML, or one of our sections has the wrong shape. Warnings ([`LoadWarning`])
//! describe single entries that were skipped or look wrong while the rest of
//! the file loaded fine.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// Why an omniverse.toml operation failed.
///
/// Every variant names the file; parse and shape errors also carry the
/// 1-based line and column of the offending text. The type is `Clone` (the
/// I/O source is shared) so it can travel inside watcher notifications.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Reading, writing, renaming or syncing a file failed.
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// What was being done ("read", "write", "rename over", ...).
        action: &'static str,
        /// The operating system error.
        #[source]
        source: Arc<std::io::Error>,
    },
    /// The file is not valid UTF-8.
    #[error("{}:{line}:{column}: not valid UTF-8", path.display())]
    Encoding {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first invalid byte.
        line: usize,
        /// 1-based column (in characters) of the first invalid byte.
        column: usize,
    },
    /// The file is not valid TOML.
    #[error("{}:{line}:{column}: not valid TOML: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column (in characters) of the error.
        column: usize,
        /// The parser's description.
        message: String,
    },
    /// The file is valid TOML but one of our sections has the wrong type
    /// (e.g. `servers = 3`).
    #[error("{}:{line}:{column}: {message}", path.display())]
    Shape {
        /// The file.
        path: PathBuf,
        /// 1-based line of the offending item.
        line: usize,
        /// 1-based column (in characters) of the offending item.
        column: usize,
        /// What is wrong, e.g. "`servers` must be a table, found integer".
        message: String,
    },
    /// A change was refused before anything was written (the file is unchanged): it would
    /// write what the loader skips, exceed a limit, or replace a wrong-typed entry.
    #[error("{}: nothing written: {reason}", path.display())]
    Refused {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: crate::Refusal,
    },
    /// Neither an explicit path, `OMNI_CONFIG_PATH` nor a home directory is available.
    #[error(
        "cannot locate omniverse.toml: no explicit path, OMNI_CONFIG_PATH is unset and no home directory ({home_var}) is set"
    )]
    NoConfigLocation {
        /// The home variable consulted (`HOME` or `USERPROFILE`).
        home_var: &'static str,
    },
    /// The file exists but this process may not replace it: it is read-only, this
    /// process could not write it in place (a rename would bypass that), or the replacement
    /// could not keep its owner. The file is left untouched.
    #[error("cannot replace {}: {reason}", path.display())]
    NotWritable {
        /// The file (the symlink's target when the config is a link).
        path: PathBuf,
        /// Why, in words.
        reason: String,
    },
    /// The lock file is not one this process may lock and write: a symbolic link (followed,
    /// root would truncate and give away the link's target), a file with other hard links,
    /// or something other than a regular file or FIFO. Nothing was opened for writing.
    #[error("lock file {} {reason}; remove it (nothing was written)", path.display())]
    UnsafeLockFile {
        /// The lock file.
        path: PathBuf,
        /// What it is, in words: "is a symbolic link", "is not a regular file", ...
        reason: String,
    },
    /// Another process held the lock for longer than the store's
    /// [`LockWait::timeout`](crate::LockWait::timeout); nothing was written.
    #[error(
        "gave up waiting for the lock on {} after {:.1} s: it is held by {}",
        path.display(),
        waited.as_secs_f64(),
        crate::lock::holder_text(holder.as_ref())
    )]
    LockTimeout {
        /// The sidecar lock file.
        path: PathBuf,
        /// How long this process waited.
        waited: std::time::Duration,
        /// Who held it, when the sidecar said.
        holder: Option<crate::LockHolder>,
    },
    /// Another program (one that does not take the lock) kept saving the file while this
    /// process tried to edit it: every attempt found, right before replacing the file, that
    /// it had changed since it was read. Nothing was written; trying again later is safe.
    #[error(
        "{} kept changing while this process edited it ({attempts} attempts); nothing was written",
        path.display()
    )]
    KeepsChanging {
        /// The file (as resolved through links).
        path: PathBuf,
        /// How many times the edit was tried.
        attempts: usize,
    },
    /// The file watcher could not be started.
    #[error("could not watch {}: {message}", path.display())]
    Watch {
        /// The directory that was to be watched.
        path: PathBuf,
        /// The watcher backend's description.
        message: String,
    },
}

impl StoreError {
    pub(crate) fn io(
        path: impl Into<PathBuf>,
        action: &'static str,
        source: std::io::Error,
    ) -> Self {
        StoreError::Io {
            path: path.into(),
            action,
            source: Arc::new(source),
        }
    }

    /// The 1-based (line, column) of the problem, for errors that point into the file.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            StoreError::Encoding { line, column, .. }
            | StoreError::Parse { line, column, .. }
            | StoreError::Shape { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }

    /// True when a change was refused because of what it asked for (the caller's input is at
    /// fault, not the file or the system); nothing was written.
    pub fn is_refused_change(&self) -> bool {
        matches!(self, StoreError::Refused { .. })
    }

    /// True when the file's content (not the system) is at fault: such a file is
    /// never overwritten by a save.
    pub fn is_malformed_file(&self) -> bool {
        matches!(
            self,
            StoreError::Encoding { .. } | StoreError::Parse { .. } | StoreError::Shape { .. }
        )
    }
}

/// Which of our sections a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// `[bookmarks]`
    Bookmarks,
    /// `[servers]`
    Servers,
    /// `[[discovery_servers]]`
    DiscoveryServers,
}

impl Section {
    /// The TOML key of the section.
    pub fn key(self) -> &'static str {
        match self {
            Section::Bookmarks => "bookmarks",
            Section::Servers => "servers",
            Section::DiscoveryServers => "discovery_servers",
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// What is wrong with a single entry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WarningKind {
    /// The entry (or one of its fields) has the wrong TOML type; it was skipped.
    WrongType {
        /// The field, when the problem is inside a discovery server table.
        field: Option<&'static str>,
        /// What was expected ("string", "array of strings", ...).
        expected: &'static str,
        /// The TOML type found.
        found: &'static str,
    },
    /// A discovery server table lacks a required field; it was skipped.
    MissingField {
        /// The missing field.
        field: &'static str,
    },
    /// A server or discovery server whose URL names the same server as an earlier entry
    /// (`omniverse://a` and `omniverse://A/`, or a repeated `[[discovery_servers]]` table).
    /// Servers are identified by their URL, so only the first is loaded; the later one stays
    /// in the file, untouched, until someone removes it.
    DuplicateUrl {
        /// The URL as written in the skipped entry.
        url: String,
        /// The key of the entry that was kept (server URL or discovery server name).
        kept: String,
    },
    /// A URL does not parse; the entry was kept as written (so it is never
    /// silently dropped) but callers should not use it.
    InvalidUrl {
        /// The URL as written.
        url: String,
        /// Why it is invalid.
        reason: String,
    },
}

/// A problem with one entry that did not stop the rest of the file from loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadWarning {
    /// The section holding the entry.
    pub section: Section,
    /// The entry's key (bookmark name, server URL); for discovery servers the
    /// name, or `"#<index>"` of the table in the array when it has no usable name.
    pub entry: String,
    /// 1-based line of the entry.
    pub line: usize,
    /// 1-based column (in characters) of the entry.
    pub column: usize,
    /// What is wrong.
    pub kind: WarningKind,
}

impl fmt::Display for LoadWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: [{}] {:?}: ",
            self.line, self.column, self.section, self.entry
        )?;
        match &self.kind {
            WarningKind::WrongType {
                field,
                expected,
                found,
            } => {
                if let Some(field) = field {
                    write!(f, "field `{field}` ")?;
                }
                write!(f, "expected {expected}, found {found}; entry skipped")
            }
            WarningKind::MissingField { field } => {
                write!(f, "missing field `{field}`; entry skipped")
            }
            WarningKind::InvalidUrl { url, reason } => {
                write!(f, "invalid URL {url:?}: {reason}; entry kept as written")
            }
            WarningKind::DuplicateUrl { url, kept } => {
                write!(
                    f,
                    "URL {url:?} names the same server as {kept:?}; entry skipped (the first one is used)"
                )
            }
        }
    }
}
