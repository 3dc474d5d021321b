//! The values the registry holds: bookmarks, discovery servers, manual servers.
//!
//! They are immutable once published; the registry replaces a value rather than
//! editing it, so a snapshot handed out earlier never changes under its reader.
//! Strings are `Arc<str>` so that publishing a snapshot copies pointers, not text.

use std::fmt;
use std::sync::Arc;

use crate::ids::ServerId;
use crate::url_policy::UrlKind;

/// A named location: `[bookmarks] name = url` in `omniverse.toml`.
#[derive(Clone, Debug, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Bookmark {
    /// Unique among bookmarks.
    pub name: Arc<str>,
    /// Normalised URL (see the crate docs on normalisation).
    pub url: Arc<str>,
}

impl Bookmark {
    /// A bookmark from already-normalised parts.
    pub fn new(name: impl Into<Arc<str>>, url: impl Into<Arc<str>>) -> Self {
        Self {
            name: name.into(),
            url: url.into(),
        }
    }
}

/// Equal when name and URL are. A reload shares the strings of every entry it
/// did not change, so most comparisons are settled by the pointers; std's
/// `Arc` looks at the pointers first only for sized contents, not for `str`.
impl PartialEq for Bookmark {
    fn eq(&self, other: &Self) -> bool {
        let same = |a: &Arc<str>, b: &Arc<str>| Arc::ptr_eq(a, b) || a == b;
        same(&self.name, &other.name) && same(&self.url, &other.url)
    }
}

/// Where discovery of a discovery server's storage addresses stands.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum DiscoveryStatus {
    /// Known but not started yet (also the state after loading from the file).
    Pending,
    /// A discovery request is in flight (or waiting for its next retry).
    Discovering,
    /// The last discovery succeeded; `cached_addresses` holds its answer.
    Ready,
    /// The last discovery attempt failed; `cached_addresses` keeps the last
    /// good answer, if any.
    Error {
        /// What went wrong (URLs redacted).
        reason: Arc<str>,
        /// True when another attempt is scheduled (the status then goes back to
        /// `Discovering`); false when discovery gave up until a refresh.
        will_retry: bool,
    },
}

impl DiscoveryStatus {
    /// The `status` value event payloads carry: `pending`, `discovering`,
    /// `ready` or `error`.
    pub fn as_str(&self) -> &'static str {
        match self {
            DiscoveryStatus::Pending => "pending",
            DiscoveryStatus::Discovering => "discovering",
            DiscoveryStatus::Ready => "ready",
            DiscoveryStatus::Error { .. } => "error",
        }
    }

    /// True for a final answer of the current round: `Ready`, or `Error` with
    /// no retry coming. This is what `ensure_connection` waits for.
    pub fn is_settled(&self) -> bool {
        matches!(
            self,
            DiscoveryStatus::Ready
                | DiscoveryStatus::Error {
                    will_retry: false,
                    ..
                }
        )
    }

    /// The failure reason when the status is [`DiscoveryStatus::Error`].
    pub fn error(&self) -> Option<&str> {
        match self {
            DiscoveryStatus::Error { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

impl fmt::Display for DiscoveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiscoveryStatus::Error { reason, .. } => write!(f, "error: {reason}"),
            other => f.write_str(other.as_str()),
        }
    }
}

/// A discovery server: a URL that answers with the storage addresses behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DiscoveryServer {
    /// Stable for the life of the process.
    pub id: ServerId,
    /// Display name; unique among all servers.
    pub name: Arc<str>,
    /// Normalised discovery URL; unique among discovery servers.
    pub url: Arc<str>,
    /// Storage addresses from the last successful discovery (persisted).
    pub cached_addresses: Arc<[Arc<str>]>,
    /// Where discovery stands now (not persisted).
    pub status: DiscoveryStatus,
}

/// A server added by hand: `[servers] url = name` in `omniverse.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ManualServer {
    /// Stable for the life of the process.
    pub id: ServerId,
    /// Display name; unique among all servers.
    pub name: Arc<str>,
    /// Normalised server root URL; unique among manual servers.
    pub url: Arc<str>,
    /// What kind of storage the URL names (Nucleus, HTTP, S3, ...).
    pub kind: UrlKind,
}

/// The server that owns a URL, as found by
/// [`RegistrySnapshot::find_server_for_url`](crate::RegistrySnapshot::find_server_for_url).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerMatch {
    /// The URL lies under one of this discovery server's cached addresses.
    Discovery {
        /// The discovery server.
        server: Arc<DiscoveryServer>,
        /// The cached address the URL lies under.
        address: Arc<str>,
    },
    /// The URL lies under this manual server's root.
    Manual(Arc<ManualServer>),
}

impl ServerMatch {
    /// The id of the matched server.
    pub fn id(&self) -> ServerId {
        match self {
            ServerMatch::Discovery { server, .. } => server.id,
            ServerMatch::Manual(server) => server.id,
        }
    }

    /// The name of the matched server.
    pub fn name(&self) -> &str {
        match self {
            ServerMatch::Discovery { server, .. } => &server.name,
            ServerMatch::Manual(server) => &server.name,
        }
    }

    /// The root the URL lies under: the cached address for a discovery server,
    /// the server URL for a manual one.
    pub fn root(&self) -> &str {
        match self {
            ServerMatch::Discovery { address, .. } => address,
            ServerMatch::Manual(server) => &server.url,
        }
    }
}
