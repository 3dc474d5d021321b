//! The file edits one registry change needs, before they are handed to cm-toml-store.
//!
//! Keeping them as data lets the registry collect every edit of one request and
//! write them in a single locked read-modify-write, and remember edits that
//! could not be written so they go out with the next successful save.

use std::sync::Arc;

/// One edit of `omniverse.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum StoreOp {
    /// `[bookmarks] name = url` (insert or replace in place).
    SetBookmark { name: Arc<str>, url: Arc<str> },
    /// Remove `[bookmarks] name`.
    RemoveBookmark { name: Arc<str> },
    /// Rename `[bookmarks] old` to `new` keeping its position, pointing at `url`.
    RenameBookmark {
        old: Arc<str>,
        new: Arc<str>,
        url: Arc<str>,
    },
    /// `[servers] url = name`.
    SetServer { url: Arc<str>, name: Arc<str> },
    /// Remove `[servers] url`.
    RemoveServer { url: Arc<str> },
    /// Add or replace the `[[discovery_servers]]` table whose url is `url`.
    SetDiscoveryServer {
        name: Arc<str>,
        url: Arc<str>,
        cached_addresses: Arc<[Arc<str>]>,
    },
    /// Set only the `cached_addresses` of the discovery server whose url is `url` (a
    /// discovery result: never renames, never re-adds an entry another process removed).
    SetDiscoveryAddresses {
        url: Arc<str>,
        cached_addresses: Arc<[Arc<str>]>,
    },
    /// Remove the `[[discovery_servers]]` table whose url is `url`.
    RemoveDiscoveryServer { url: Arc<str> },
}
