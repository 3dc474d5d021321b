//! What `ensure_connection` answers, and why starting the manager can fail.

use std::time::Duration;

use crate::storage::ResultCode;

/// Why a URL counts as reachable.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Reachable {
    /// An http(s)/S3/Azure/GCS/file URL: reachable by definition (no round trip).
    AlwaysReachable,
    /// The Nucleus server was already connected (cached status, no round trip).
    AlreadyConnected,
    /// A connection attempt succeeded (shared by every caller waiting for it).
    Connected {
        /// Stat attempts it took (1 = first try).
        attempts: u32,
    },
    /// The URL lies under a discovery server's address and that discovery succeeded.
    Discovered {
        /// The discovery server's name.
        server: String,
    },
}

/// Why a URL is not reachable. Every URL in a message is redacted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnsureError {
    /// The URL does not parse or is not allowed (the message says why).
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    /// The discovery server the URL belongs to failed.
    #[error("discovery of {server} failed: {reason}")]
    DiscoveryFailed {
        /// Discovery server name.
        server: String,
        /// Why.
        reason: String,
    },
    /// The discovery did not settle in time.
    #[error("discovery of {server} did not finish within {timeout:?}")]
    DiscoveryTimeout {
        /// Discovery server name.
        server: String,
        /// How long was waited.
        timeout: Duration,
    },
    /// The authentication callback aborted the sign-in.
    #[error("sign-in to {server} was aborted")]
    AuthAborted {
        /// Server root (redacted).
        server: String,
    },
    /// The user cancelled the interactive sign-in.
    #[error("sign-in to {server} was cancelled")]
    AuthCancelled {
        /// Server root (redacted).
        server: String,
    },
    /// Credentials were rejected or signing in failed.
    #[error("sign-in to {server} failed: {reason}")]
    AuthFailed {
        /// Server root (redacted).
        server: String,
        /// Why.
        reason: String,
    },
    /// The server speaks another protocol version.
    #[error("{server} is not compatible: {reason}")]
    ServerIncompatible {
        /// Server root (redacted).
        server: String,
        /// Why.
        reason: String,
    },
    /// The server stayed unreachable until the retry budget was spent.
    #[error("{server} unreachable after {attempts} attempts: {reason}")]
    Unreachable {
        /// Server root (redacted).
        server: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        reason: String,
    },
    /// Another storage failure that retrying would not fix.
    #[error("{server}: {code}: {reason}")]
    Storage {
        /// Server root (redacted).
        server: String,
        /// The result code.
        code: ResultCode,
        /// Why.
        reason: String,
    },
    /// The manager is not running (before `startup` or after `shutdown`).
    #[error("the connection manager is not running")]
    NotRunning,
    /// A blocking call was made on the manager's own thread, where it would deadlock.
    #[error("a blocking call was made on the connection manager's own thread")]
    WouldDeadlock,
}

/// Starting the manager failed.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The HTTP storage client could not be built.
    #[error("cannot build the HTTP storage client: {0}")]
    StorageClient(#[from] reqwest::Error),
    /// The manager thread could not be spawned or died while starting.
    #[error("cannot start the connection manager thread: {0}")]
    Thread(String),
    /// The registry could not start (e.g. `start_in_system` outside an actix System).
    #[error(transparent)]
    Registry(cm_registry::StartError),
    /// `startup` was called while a manager is already installed.
    #[error("the connection manager is already running")]
    AlreadyRunning,
}

impl From<std::io::Error> for StartupError {
    fn from(e: std::io::Error) -> Self {
        StartupError::Thread(e.to_string())
    }
}

impl From<cm_registry::StartError> for StartupError {
    fn from(e: cm_registry::StartError) -> Self {
        match e {
            cm_registry::StartError::Thread(e) => StartupError::Thread(e.to_string()),
            other => StartupError::Registry(other),
        }
    }
}
