//! The registry's mutable state and its validated mutations.
//!
//! Only the actor owns a [`RegistryState`]. Each mutation validates its input
//! first and changes nothing when it fails; when it succeeds it returns an
//! [`Outcome`]: the events to announce and the file edits to persist. The
//! actor decides when to persist, publish and dispatch, so this module is plain
//! synchronous Rust with no I/O.

use std::sync::Arc;

use crate::bookmarks::Bookmarks;
use crate::error::RegistryError;
use crate::events::RegistryEvent;
use crate::file_edit::StoreOp;
use crate::ids::{IdAllocator, ServerId};
use crate::url_policy;
use crate::values::{Bookmark, DiscoveryServer, DiscoveryStatus, ManualServer};

/// What a successful mutation produced.
#[derive(Debug)]
pub(crate) struct Outcome<T> {
    pub(crate) value: T,
    pub(crate) events: Vec<RegistryEvent>,
    pub(crate) ops: Vec<StoreOp>,
}

impl<T> Outcome<T> {
    fn new(value: T, event: RegistryEvent, ops: Vec<StoreOp>) -> Self {
        Self {
            value,
            events: vec![event],
            ops,
        }
    }
}

/// A server plus the URL exactly as the file spells it, so that file edits
/// address the entry another process (or a hand edit) wrote un-normalised.
#[derive(Clone, Debug)]
pub(crate) struct Slot<T> {
    pub(crate) server: Arc<T>,
    pub(crate) written_as: Arc<str>,
}

/// What the state needs to know of a kind of server (discovery or manual),
/// so that the rules both kinds share are written once.
pub(crate) trait ServerEntry: Sized {
    fn id(&self) -> ServerId;
    fn url(&self) -> &Arc<str>;
    /// The state's list of servers of this kind.
    fn slots(state: &mut RegistryState) -> &mut Vec<Slot<Self>>;
    /// The event announcing that this server is gone.
    fn removed_event(&self) -> RegistryEvent;
    /// The file edit that removes the entry written as `written_as`.
    fn remove_op(written_as: Arc<str>) -> StoreOp;
    /// The error for an id that names no server of this kind.
    fn unknown(id: ServerId) -> RegistryError;
}

impl ServerEntry for DiscoveryServer {
    fn id(&self) -> ServerId {
        self.id
    }
    fn url(&self) -> &Arc<str> {
        &self.url
    }
    fn slots(state: &mut RegistryState) -> &mut Vec<Slot<Self>> {
        &mut state.discovery
    }
    fn removed_event(&self) -> RegistryEvent {
        RegistryEvent::DiscoveryServerRemoved {
            id: self.id,
            name: self.name.clone(),
            url: self.url.clone(),
        }
    }
    fn remove_op(url: Arc<str>) -> StoreOp {
        StoreOp::RemoveDiscoveryServer { url }
    }
    fn unknown(id: ServerId) -> RegistryError {
        RegistryError::UnknownDiscoveryServer { id }
    }
}

impl ServerEntry for ManualServer {
    fn id(&self) -> ServerId {
        self.id
    }
    fn url(&self) -> &Arc<str> {
        &self.url
    }
    fn slots(state: &mut RegistryState) -> &mut Vec<Slot<Self>> {
        &mut state.manual
    }
    fn removed_event(&self) -> RegistryEvent {
        RegistryEvent::ManualServerRemoved {
            id: self.id,
            name: self.name.clone(),
            url: self.url.clone(),
            kind: self.kind,
        }
    }
    fn remove_op(url: Arc<str>) -> StoreOp {
        StoreOp::RemoveServer { url }
    }
    fn unknown(id: ServerId) -> RegistryError {
        RegistryError::UnknownManualServer { id }
    }
}

/// Which parts of the published snapshot are stale.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Dirty {
    pub(crate) bookmarks: bool,
    pub(crate) servers: bool,
}

/// Bookmarks, discovery servers and manual servers, each in display order.
#[derive(Clone, Debug, Default)]
pub(crate) struct RegistryState {
    pub(crate) bookmarks: Bookmarks,
    pub(crate) discovery: Vec<Slot<DiscoveryServer>>,
    pub(crate) manual: Vec<Slot<ManualServer>>,
    pub(crate) ids: IdAllocator,
    pub(crate) dirty: Dirty,
}

pub(crate) fn validate_name(name: &str) -> Result<(), RegistryError> {
    let reason = if name.trim().is_empty() {
        "a name must contain a visible character"
    } else if name.chars().any(char::is_control) {
        "a name must not contain control characters"
    } else {
        return Ok(());
    };
    Err(RegistryError::InvalidName {
        name: name.to_owned(),
        reason,
    })
}

impl RegistryState {
    fn check_bookmark_url_free(
        &self,
        url: &str,
        except: Option<&str>,
    ) -> Result<(), RegistryError> {
        match self.bookmarks.first_with_url(url, except) {
            Some(existing) => Err(RegistryError::DuplicateBookmarkUrl {
                url: url_policy::redact(url),
                existing: existing.name.to_string(),
            }),
            None => Ok(()),
        }
    }

    /// The server (of either kind) called `name`.
    pub(crate) fn server_named(&self, name: &str) -> Option<ServerId> {
        self.discovery
            .iter()
            .map(|s| (s.server.id, &s.server.name))
            .chain(self.manual.iter().map(|s| (s.server.id, &s.server.name)))
            .find(|(_, n)| &***n == name)
            .map(|(id, _)| id)
    }

    fn check_server_name_free(&self, name: &str) -> Result<(), RegistryError> {
        match self.server_named(name) {
            Some(existing) => Err(RegistryError::DuplicateServerName {
                name: name.to_owned(),
                existing,
            }),
            None => Ok(()),
        }
    }

    pub(crate) fn add_bookmark(
        &mut self,
        name: &str,
        url: &str,
    ) -> Result<Outcome<()>, RegistryError> {
        validate_name(name)?;
        let url: Arc<str> = url_policy::normalize_new(url)?.into();
        if self.bookmarks.contains(name) {
            return Err(RegistryError::DuplicateBookmarkName {
                name: name.to_owned(),
            });
        }
        self.check_bookmark_url_free(&url, None)?;
        let name: Arc<str> = name.into();
        self.bookmarks
            .push(Bookmark::new(name.clone(), url.clone()));
        self.dirty.bookmarks = true;
        Ok(Outcome::new(
            (),
            RegistryEvent::BookmarkAdded {
                name: name.clone(),
                url: url.clone(),
            },
            vec![StoreOp::SetBookmark { name, url }],
        ))
    }

    pub(crate) fn remove_bookmark(
        &mut self,
        name: &str,
    ) -> Result<Outcome<Bookmark>, RegistryError> {
        let Some(removed) = self.bookmarks.remove(name) else {
            return Err(RegistryError::UnknownBookmark {
                name: name.to_owned(),
            });
        };
        self.dirty.bookmarks = true;
        Ok(Outcome::new(
            removed.clone(),
            RegistryEvent::BookmarkDeleted {
                name: removed.name.clone(),
                url: removed.url.clone(),
            },
            vec![StoreOp::RemoveBookmark { name: removed.name }],
        ))
    }

    /// Renames `old_name` to `new_name` and points it at `url`, keeping its
    /// position. Nothing changes (and nothing is announced) when both the name
    /// and the normalised URL are already as asked.
    pub(crate) fn rename_bookmark(
        &mut self,
        old_name: &str,
        new_name: &str,
        url: &str,
    ) -> Result<Outcome<()>, RegistryError> {
        validate_name(new_name)?;
        let given = url;
        let url: Arc<str> = url_policy::normalize(given)?.into();
        let Some((at, old)) = self.bookmarks.position(old_name) else {
            return Err(RegistryError::UnknownBookmark {
                name: old_name.to_owned(),
            });
        };
        let old = old.clone();
        // A bookmark read from the file keeps its URL through a rename even when that URL
        // carries a credential (it is already there); only a new URL is refused.
        if old.url != url {
            url_policy::refuse_secret_in_stored(&url, given)?;
        }
        if old_name != new_name && self.bookmarks.contains(new_name) {
            return Err(RegistryError::DuplicateBookmarkName {
                name: new_name.to_owned(),
            });
        }
        self.check_bookmark_url_free(&url, Some(old_name))?;
        if &*old.name == new_name && old.url == url {
            return Ok(Outcome {
                value: (),
                events: Vec::new(),
                ops: Vec::new(),
            });
        }
        let new_name: Arc<str> = new_name.into();
        // `at` still holds: nothing changed the bookmarks since `position`.
        self.bookmarks
            .replace_at(at, Bookmark::new(new_name.clone(), url.clone()));
        self.dirty.bookmarks = true;
        Ok(Outcome::new(
            (),
            RegistryEvent::BookmarkRenamed {
                old_name: old.name.clone(),
                new_name: new_name.clone(),
                url: url.clone(),
            },
            vec![StoreOp::RenameBookmark {
                old: old.name,
                new: new_name,
                url,
            }],
        ))
    }

    pub(crate) fn add_discovery_server(
        &mut self,
        name: &str,
        url: &str,
    ) -> Result<Outcome<ServerId>, RegistryError> {
        validate_name(name)?;
        let url: Arc<str> = url_policy::normalize_new_discovery(url)?.into();
        self.check_server_name_free(name)?;
        if let Some(existing) = self.discovery.iter().find(|s| s.server.url == url) {
            return Err(RegistryError::DuplicateServerUrl {
                url: url_policy::redact(&url),
                existing: existing.server.id,
            });
        }
        let id = self.ids.allocate();
        let server = DiscoveryServer {
            id,
            name: name.into(),
            url: url.clone(),
            cached_addresses: Arc::from(Vec::new()),
            status: DiscoveryStatus::Pending,
        };
        let event = RegistryEvent::DiscoveryServerAdded {
            id,
            name: server.name.clone(),
            url: url.clone(),
        };
        let op = StoreOp::SetDiscoveryServer {
            name: server.name.clone(),
            url: url.clone(),
            cached_addresses: server.cached_addresses.clone(),
        };
        self.discovery.push(Slot {
            server: Arc::new(server),
            written_as: url,
        });
        self.dirty.servers = true;
        Ok(Outcome::new(id, event, vec![op]))
    }

    pub(crate) fn remove_discovery_server(
        &mut self,
        id: ServerId,
    ) -> Result<Outcome<Arc<DiscoveryServer>>, RegistryError> {
        self.remove_server(id)
    }

    /// Applies a discovery status report. `addresses` is the answer of a
    /// successful discovery (already normalised). Returns `None` when the
    /// server is gone (a late report) or nothing changed.
    pub(crate) fn update_discovery(
        &mut self,
        id: ServerId,
        status: DiscoveryStatus,
        addresses: Option<Arc<[Arc<str>]>>,
    ) -> Option<Outcome<()>> {
        let slot = self.discovery.iter_mut().find(|s| s.server.id == id)?;
        let old = &slot.server;
        let addresses_changed = addresses
            .as_ref()
            .is_some_and(|a| *a != old.cached_addresses);
        if old.status == status && !addresses_changed {
            return None;
        }
        let mut server = (**old).clone();
        server.status = status;
        let mut ops = Vec::new();
        if let Some(addresses) = addresses.filter(|_| addresses_changed) {
            server.cached_addresses = addresses;
            ops.push(StoreOp::SetDiscoveryAddresses {
                url: slot.written_as.clone(),
                cached_addresses: server.cached_addresses.clone(),
            });
        }
        let event = RegistryEvent::DiscoveryServerUpdated {
            id,
            name: server.name.clone(),
            url: server.url.clone(),
            status: server.status.clone(),
            addresses: server.cached_addresses.clone(),
        };
        slot.server = Arc::new(server);
        self.dirty.servers = true;
        Some(Outcome::new((), event, ops))
    }

    pub(crate) fn add_manual_server(
        &mut self,
        name: &str,
        url: &str,
    ) -> Result<Outcome<ServerId>, RegistryError> {
        validate_name(name)?;
        let (root, kind) = url_policy::manual_server_root(url)?;
        let root: Arc<str> = root.into();
        self.check_server_name_free(name)?;
        if let Some(existing) = self.manual.iter().find(|s| s.server.url == root) {
            return Err(RegistryError::DuplicateServerUrl {
                url: url_policy::redact(&root),
                existing: existing.server.id,
            });
        }
        let id = self.ids.allocate();
        let server = ManualServer {
            id,
            name: name.into(),
            url: root.clone(),
            kind,
        };
        let event = RegistryEvent::ManualServerAdded {
            id,
            name: server.name.clone(),
            url: root.clone(),
            kind,
        };
        // `[servers]` keys are roots without the trailing slash, as in the
        // seed's file and as migration writes them.
        let written_as: Arc<str> = url_policy::server_key(&root).into();
        let op = StoreOp::SetServer {
            url: written_as.clone(),
            name: server.name.clone(),
        };
        self.manual.push(Slot {
            server: Arc::new(server),
            written_as,
        });
        self.dirty.servers = true;
        Ok(Outcome::new(id, event, vec![op]))
    }

    pub(crate) fn remove_manual_server(
        &mut self,
        id: ServerId,
    ) -> Result<Outcome<Arc<ManualServer>>, RegistryError> {
        self.remove_server(id)
    }

    /// Removes server `id` of kind `T`: one rule for both kinds.
    fn remove_server<T: ServerEntry>(
        &mut self,
        id: ServerId,
    ) -> Result<Outcome<Arc<T>>, RegistryError> {
        let slots = T::slots(self);
        let Some(at) = slots.iter().position(|s| s.server.id() == id) else {
            return Err(T::unknown(id));
        };
        let slot = slots.remove(at);
        self.dirty.servers = true;
        let server = slot.server;
        Ok(Outcome::new(
            server.clone(),
            server.removed_event(),
            vec![T::remove_op(slot.written_as)],
        ))
    }
}
