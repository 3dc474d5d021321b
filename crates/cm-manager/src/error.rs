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

impl EnsureError {
    /// Why, in one short line for people: one plain cause (`connection refused`,
    /// `host not found`, `timed out`, `TLS: …`, `the server answered 503 Service
    /// Unavailable`) and, after retries, the attempt count, e.g. `connection refused after 10
    /// attempts`. No URL: the caller names what it asked about. [`Display`](std::fmt::Display)
    /// keeps the whole chain (for logs and `-v`).
    ///
    /// ```
    /// use cm_manager::EnsureError;
    /// let e = EnsureError::Unreachable {
    ///     server: "omniverse://127.0.0.1:1/".into(),
    ///     attempts: 10,
    ///     reason: "Connection: omniverse://127.0.0.1:1/: error sending request for url (<url>): \
    ///              client error (Connect): tcp connect error: Connection refused (os error 111)".into(),
    /// };
    /// assert_eq!(e.cause(), "connection refused after 10 attempts");
    /// ```
    pub fn cause(&self) -> String {
        match self {
            EnsureError::InvalidUrl(reason) => format!("invalid URL: {reason}"),
            EnsureError::DiscoveryFailed { server, reason } => {
                format!(
                    "discovery server {server:?} failed: {}",
                    plain_cause(None, reason)
                )
            }
            EnsureError::DiscoveryTimeout { server, timeout } => format!(
                "discovery server {server:?} did not finish within {:.1} s",
                timeout.as_secs_f64()
            ),
            EnsureError::AuthAborted { .. } => "sign-in aborted".to_owned(),
            EnsureError::AuthCancelled { .. } => "sign-in cancelled".to_owned(),
            EnsureError::AuthFailed { server, reason } => {
                format!("sign-in failed: {}", without_server(reason, server))
            }
            EnsureError::ServerIncompatible { server, reason } => {
                format!("not compatible: {}", without_server(reason, server))
            }
            EnsureError::Unreachable {
                attempts, reason, ..
            } => {
                let cause = plain_cause(None, reason);
                match attempts {
                    1 => cause,
                    n => format!("{cause} after {n} attempts"),
                }
            }
            EnsureError::Storage { code, reason, .. } => plain_cause(Some(*code), reason),
            EnsureError::NotRunning | EnsureError::WouldDeadlock => self.to_string(),
        }
    }
}

/// One plain cause for a failure whose `chain` is an error and its sources joined by `: `
/// (as storage messages and transport errors are), with `code` when one is known.
///
/// ```
/// use cm_manager::{ResultCode, plain_cause};
/// assert_eq!(plain_cause(None, "client error (Connect): tcp connect error: Connection refused (os error 111)"), "connection refused");
/// assert_eq!(plain_cause(Some(ResultCode::InvalidHost), "dns error: failed to lookup address information: Name or service not known"), "host not found");
/// assert_eq!(plain_cause(None, "omniverse://h/ answered 503 Service Unavailable"), "the server answered 503 Service Unavailable");
/// ```
pub fn plain_cause(code: Option<ResultCode>, chain: &str) -> String {
    let lower = chain.to_ascii_lowercase();
    let has = |needle: &str| lower.contains(needle);
    if code == Some(ResultCode::InvalidHost)
        || has("dns error")
        || has("failed to lookup address")
        || has("name or service not known")
        || has("no such host")
    {
        return "host not found".to_owned();
    }
    if has("connection refused") {
        return "connection refused".to_owned();
    }
    if has("certificate") || has("tls") || has("handshake") || has("corrupt message") {
        return tls_cause(&lower);
    }
    if has("invalid http version")
        || has("invalid status code")
        || has("invalid header")
        || has("invalid response")
        || has("http/0.9")
    {
        return "the server's answer is not HTTP".to_owned();
    }
    if has(" at line ") && has(" column ") {
        // serde_json's "expected value at line 1 column 36": where in the text is internal.
        return "the answer is not valid JSON".to_owned();
    }
    if code == Some(ResultCode::ErrorTimeout) || has("timed out") || has("deadline has elapsed") {
        return "timed out".to_owned();
    }
    if has("connection reset") {
        return "connection reset by the server".to_owned();
    }
    if has("incomplete message") || has("connection closed") || has("unexpected eof") {
        return "the server closed the connection".to_owned();
    }
    if let Some(at) = chain.find(" answered ") {
        return format!("the server answered {}", &chain[at + " answered ".len()..]);
    }
    if has("end of file before message length") || has("incomplete body") {
        return "the answer was cut short".to_owned();
    }
    last_cause(chain)
}

/// A TLS failure in words (`lower` is the lower-cased error chain): rustls' and the
/// platform verifier's variant names are internals.
fn tls_cause(lower: &str) -> String {
    let has = |needle: &str| lower.contains(needle);
    let words = if has("expired") {
        "certificate has expired"
    } else if has("notvalidforname") || has("not valid for name") || has("hostname") {
        "certificate is for another host name"
    } else if has("notyetvalid") || has("not yet valid") {
        "certificate is not valid yet"
    } else if has("revoked") {
        "certificate has been revoked"
    } else if has("certificate") || has("unknownissuer") || has("caused") || has("self") {
        "certificate is not trusted"
    } else if has("corrupt") || has("invalidcontenttype") || has("wrong version") {
        "the server does not speak TLS"
    } else {
        "the secure handshake failed"
    };
    format!("TLS: {words}")
}

/// The innermost cause of a `: `-joined chain, without the OS error number.
fn last_cause(chain: &str) -> String {
    let last = chain.rsplit(": ").next().unwrap_or(chain).trim();
    let last = match last.find(" (os error ") {
        Some(at) => &last[..at],
        None => last,
    };
    let mut chars = last.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => chain.to_owned(),
    }
}

/// `reason` without a leading `SERVER: ` and with the server named as "the server".
fn without_server(reason: &str, server: &str) -> String {
    let reason = reason
        .strip_prefix(server)
        .and_then(|rest| rest.strip_prefix(": "))
        .unwrap_or(reason);
    reason.replace(server, "the server")
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

#[cfg(test)]
mod cause_tests {
    use super::plain_cause;

    #[test]
    fn causes_are_words_not_internals() {
        for (chain, cause) in [
            (
                "error sending request: client error (Connect): invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))",
                "TLS: certificate is not trusted",
            ),
            (
                "invalid peer certificate: UnknownIssuer",
                "TLS: certificate is not trusted",
            ),
            (
                "invalid peer certificate: Expired",
                "TLS: certificate has expired",
            ),
            (
                "invalid peer certificate: NotValidForName",
                "TLS: certificate is for another host name",
            ),
            (
                "received corrupt message of type InvalidContentType",
                "TLS: the server does not speak TLS",
            ),
            (
                "error sending request: invalid HTTP version parsed",
                "the server's answer is not HTTP",
            ),
            (
                "error decoding response body: end of file before message length reached",
                "the answer was cut short",
            ),
            (
                "expected value at line 1 column 36",
                "the answer is not valid JSON",
            ),
        ] {
            assert_eq!(plain_cause(None, chain), cause, "{chain}");
        }
    }
}
