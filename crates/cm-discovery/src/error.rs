//! Why a discovery attempt failed.

use std::time::Duration;

/// A failed discovery attempt. URLs in it are redacted (no passwords or tokens). Cloneable and
/// comparable so it can travel in status messages and snapshots.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The discovery URL does not parse or is not `http(s)://`.
    #[error("discovery URL \"{url}\" is not usable: {reason}")]
    InvalidUrl {
        /// The (redacted) URL.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No TCP/TLS connection could be made (refused, unreachable, DNS failure).
    #[error("could not connect to discovery server {url}: {reason}")]
    Connect {
        /// The (redacted) URL.
        url: String,
        /// The underlying error chain.
        reason: String,
    },
    /// Connecting or the whole exchange took longer than allowed.
    #[error("discovery server {url} did not answer within {after:?}")]
    Timeout {
        /// The (redacted) URL.
        url: String,
        /// The limit that was hit.
        after: Duration,
    },
    /// The server answered with a non-success HTTP status.
    #[error("discovery server {url} answered HTTP {status}")]
    Status {
        /// The (redacted) URL.
        url: String,
        /// The HTTP status code.
        status: u16,
    },
    /// The response body is larger than the configured cap.
    #[error("discovery response from {url} is larger than the {limit}-byte limit")]
    TooLarge {
        /// The (redacted) URL.
        url: String,
        /// The cap in bytes.
        limit: u64,
    },
    /// The body is not a discovery document.
    #[error("discovery response from {url} is not a valid discovery document: {reason}")]
    Malformed {
        /// The (redacted) URL.
        url: String,
        /// The parse error.
        reason: String,
    },
    /// The document's `version` is one this client does not understand.
    #[error(
        "discovery document from {url} has version {version}; this client understands version 1"
    )]
    UnsupportedVersion {
        /// The (redacted) URL.
        url: String,
        /// The version the server sent.
        version: u64,
    },
    /// The server redirected more often than allowed, or in a loop.
    #[error("discovery server {url} redirected too often (limit {limit}) or in a loop")]
    Redirects {
        /// The (redacted) URL.
        url: String,
        /// The redirect limit.
        limit: usize,
    },
    /// The document listed storage addresses, but none of them is a valid URL.
    #[error("discovery response from {url} lists no valid storage address ({rejected} rejected)")]
    NoValidAddresses {
        /// The (redacted) URL.
        url: String,
        /// How many entries were rejected.
        rejected: usize,
    },
    /// Any other transport failure (connection reset mid-body, protocol error).
    #[error("discovery request to {url} failed: {reason}")]
    Transport {
        /// The (redacted) URL.
        url: String,
        /// The underlying error chain.
        reason: String,
    },
}

impl DiscoveryError {
    /// Whether trying again later may succeed: connection failures, timeouts, transport errors
    /// and HTTP 408, 429 and 5xx. A bad URL, a malformed or oversized document, a redirect loop
    /// or another 4xx is a definite answer; retrying it would only repeat it (a manual refresh
    /// still can).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Connect { .. } | Self::Timeout { .. } | Self::Transport { .. } => true,
            Self::Status { status, .. } => matches!(*status, 408 | 429 | 500..=599),
            Self::InvalidUrl { .. }
            | Self::TooLarge { .. }
            | Self::Malformed { .. }
            | Self::UnsupportedVersion { .. }
            | Self::Redirects { .. }
            | Self::NoValidAddresses { .. } => false,
        }
    }

    /// A stable short name for the variant (`"connect"`, `"timeout"`, `"status"`, ...), for
    /// logs, metrics and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidUrl { .. } => "invalid-url",
            Self::Connect { .. } => "connect",
            Self::Timeout { .. } => "timeout",
            Self::Status { .. } => "status",
            Self::TooLarge { .. } => "too-large",
            Self::Malformed { .. } => "malformed",
            Self::UnsupportedVersion { .. } => "unsupported-version",
            Self::Redirects { .. } => "redirects",
            Self::NoValidAddresses { .. } => "no-valid-addresses",
            Self::Transport { .. } => "transport",
        }
    }
}
