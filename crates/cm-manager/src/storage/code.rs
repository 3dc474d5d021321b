//! Result codes and errors of storage requests.

use std::fmt;

use crate::status::ConnectionStatus;

/// The outcome of a storage request, after omni.client's `Result` enum.
///
/// | code | meaning | retried by `ensure_connection` |
/// |---|---|---|
/// | `Ok` | the request succeeded | – |
/// | `NotFound` | the path does not exist (the server answered) | – (counts as reachable) |
/// | `AccessDenied` | sign-in aborted, cancelled or rejected | no |
/// | `Connection` | the server could not be reached or failed (5xx, refused, dropped) | yes |
/// | `ErrorTimeout` | the request timed out | yes |
/// | `BadRequest` | the server did not understand the request or its answer was unreadable | no |
/// | `InvalidPath` | the path is not absolute | no |
/// | `InvalidHost` | the host name does not resolve | no |
/// | `ServerIncompatible` | the server speaks another protocol version | no |
/// | `Cancelled` | the request was cancelled | no |
/// | `Error` | anything else | no |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResultCode {
    /// Success.
    Ok,
    /// The path does not exist.
    NotFound,
    /// Credentials missing, rejected, or the sign-in was aborted or cancelled.
    AccessDenied,
    /// The server was unreachable or failed.
    Connection,
    /// The request timed out.
    ErrorTimeout,
    /// The request or the answer was malformed.
    BadRequest,
    /// The path is not valid.
    InvalidPath,
    /// The host name does not resolve.
    InvalidHost,
    /// The server speaks a protocol version this client does not.
    ServerIncompatible,
    /// The request was cancelled.
    Cancelled,
    /// Any other failure.
    Error,
}

impl ResultCode {
    /// Whether trying again later may succeed (`Connection`, `ErrorTimeout`).
    pub const fn is_retryable(self) -> bool {
        matches!(self, Self::Connection | Self::ErrorTimeout)
    }

    /// The name, e.g. `"AccessDenied"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "Ok",
            Self::NotFound => "NotFound",
            Self::AccessDenied => "AccessDenied",
            Self::Connection => "Connection",
            Self::ErrorTimeout => "ErrorTimeout",
            Self::BadRequest => "BadRequest",
            Self::InvalidPath => "InvalidPath",
            Self::InvalidHost => "InvalidHost",
            Self::ServerIncompatible => "ServerIncompatible",
            Self::Cancelled => "Cancelled",
            Self::Error => "Error",
        }
    }
}

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a successful stat tells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatInfo {
    /// The path that was asked about, as the server spells it.
    pub path: String,
    /// Whether it is a folder.
    pub is_folder: bool,
    /// The signed-in user, if the server says.
    pub user: Option<String>,
}

/// A failed storage request: the code, the server status it left behind, and a message with
/// every URL redacted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct StorageError {
    /// The result code.
    pub code: ResultCode,
    /// The server's connection status after the failure.
    pub status: ConnectionStatus,
    /// What went wrong (URLs redacted).
    pub message: String,
}

impl StorageError {
    /// A new error.
    pub fn new(code: ResultCode, status: ConnectionStatus, message: impl Into<String>) -> Self {
        Self {
            code,
            status,
            message: message.into(),
        }
    }
}
