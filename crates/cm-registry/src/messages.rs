//! The messages [`ConnectionRegistry`](crate::ConnectionRegistry) handles.
//!
//! Most callers use [`RegistryHandle`](crate::RegistryHandle), whose methods
//! send these; they are public for actors that want to `send` them directly or
//! hold a `Recipient`. Every mutation answers with a `Result` whose error is a
//! [`RegistryError`]; see there for what a failed save means.

use std::sync::Arc;

use actix::Message;

use crate::error::RegistryError;
use crate::ids::ServerId;
use crate::snapshot::RegistrySnapshot;
use crate::values::{Bookmark, DiscoveryServer, ManualServer, ServerMatch};

/// Adds bookmark `name` pointing at `url`.
#[derive(Clone, Debug, Message)]
#[rtype(result = "Result<(), RegistryError>")]
pub struct AddBookmark {
    /// Unique bookmark name.
    pub name: String,
    /// Any URL cm-url accepts; stored normalised, without user info.
    pub url: String,
}

/// Removes the bookmark called `name`; answers with what was removed.
#[derive(Clone, Debug, Message)]
#[rtype(result = "Result<Bookmark, RegistryError>")]
pub struct RemoveBookmark {
    /// Bookmark name.
    pub name: String,
}

/// Renames `old_name` to `new_name` and points it at `url`, keeping its
/// position (the seed's `rename_bookmark(old_name, new_name, url)`).
#[derive(Clone, Debug, Message)]
#[rtype(result = "Result<(), RegistryError>")]
pub struct RenameBookmark {
    /// Current name.
    pub old_name: String,
    /// New name (may equal `old_name` to only re-point the bookmark).
    pub new_name: String,
    /// The URL the bookmark points at afterwards.
    pub url: String,
}

/// Adds a discovery server and starts discovering it.
#[derive(Clone, Debug, Message)]
#[rtype(result = "Result<ServerId, RegistryError>")]
pub struct AddDiscoveryServer {
    /// Unique server name.
    pub name: String,
    /// The discovery URL (`http` or `https`).
    pub url: String,
}

/// Removes a discovery server and stops its discovery.
#[derive(Clone, Debug, Message)]
#[rtype(result = "Result<Arc<DiscoveryServer>, RegistryError>")]
pub struct RemoveDiscoveryServer {
    /// The server.
    pub id: ServerId,
}

/// Adds a manual server (Nucleus, HTTP, S3, Azure, GCS, file).
#[derive(Clone, Debug, Message)]
#[rtype(result = "Result<ServerId, RegistryError>")]
pub struct AddManualServer {
    /// Unique server name.
    pub name: String,
    /// Any URL on the server; its server root is stored.
    pub url: String,
}

/// Removes a manual server.
#[derive(Clone, Debug, Message)]
#[rtype(result = "Result<Arc<ManualServer>, RegistryError>")]
pub struct RemoveManualServer {
    /// The server.
    pub id: ServerId,
}

/// Starts a new discovery round for one discovery server, or for all.
#[derive(Clone, Copy, Debug, Message)]
#[rtype(result = "Result<(), RegistryError>")]
pub struct RefreshDiscovery {
    /// The server, or `None` for every discovery server.
    pub id: Option<ServerId>,
}

/// Re-reads `omniverse.toml` now and applies the difference (as the watcher
/// would). Answers with the load error when the file cannot be used.
#[derive(Clone, Copy, Debug, Message)]
#[rtype(result = "Result<(), RegistryError>")]
pub struct Reload;

/// Finds the server that owns a URL (answered from the current snapshot;
/// [`RegistryHandle::find_server_for_url`](crate::RegistryHandle::find_server_for_url)
/// does the same without a round trip).
#[derive(Clone, Debug, Message)]
#[rtype(result = "Option<ServerMatch>")]
pub struct FindServerForUrl {
    /// The URL to look up.
    pub url: String,
}

/// The current snapshot, after every message sent before this one was handled.
#[derive(Clone, Copy, Debug, Message)]
#[rtype(result = "Arc<RegistrySnapshot>")]
pub struct GetSnapshot;
