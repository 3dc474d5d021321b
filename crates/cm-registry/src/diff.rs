//! Reconciling the in-memory state with what `omniverse.toml` now says.
//!
//! When another process (or a hand edit) changes the file, the watcher hands
//! the registry the file's new content. [`reconcile`] makes the state equal to
//! it and returns exactly the events that describe the difference:
//!
//! * bookmarks are matched by name; a name whose URL changed is a rename onto
//!   itself (`old_name == new_name`, new `url`), like the API's
//!   `rename_bookmark(name, name, url)`; a name that disappeared while a new
//!   name with the same URL appeared is a rename;
//! * servers are matched by normalised URL; a server whose name changed is
//!   announced as removed then added, keeping its [`ServerId`];
//! * a discovery server whose cached addresses changed is announced as updated.
//!
//! A file that equals memory (such as our own last write) produces no event.
//! The state takes the file's order. Events come out per section (bookmarks,
//! discovery servers, manual servers), removals first, then renames, additions
//! and updates.

use std::collections::HashMap;
use std::collections::VecDeque;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use crate::events::RegistryEvent;
use crate::ids::ServerId;
use crate::state::{RegistryState, Slot};
use crate::url_policy::UrlKind;
use crate::values::{Bookmark, DiscoveryServer, DiscoveryStatus, ManualServer};

/// A `[servers]` entry after normalisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileServer {
    pub(crate) name: Arc<str>,
    pub(crate) url: Arc<str>,
    pub(crate) written_as: Arc<str>,
    pub(crate) kind: UrlKind,
}

/// A `[[discovery_servers]]` entry after normalisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileDiscovery {
    pub(crate) name: Arc<str>,
    pub(crate) url: Arc<str>,
    pub(crate) written_as: Arc<str>,
    pub(crate) cached_addresses: Arc<[Arc<str>]>,
}

/// The file's content in the registry's terms: URLs normalised, entries the
/// registry cannot use left out (and reported as warnings by the loader).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FileModel {
    pub(crate) bookmarks: Vec<Bookmark>,
    pub(crate) manual: Vec<FileServer>,
    pub(crate) discovery: Vec<FileDiscovery>,
}

/// What [`reconcile`] did.
#[derive(Debug, Default)]
pub(crate) struct Reconciled {
    pub(crate) events: Vec<RegistryEvent>,
    /// Discovery servers that are new and need a discovery actor.
    pub(crate) discovery_added: Vec<Arc<DiscoveryServer>>,
    /// Discovery servers that are gone and whose actor must stop.
    pub(crate) discovery_removed: Vec<ServerId>,
}

/// Makes `state` equal to `file` and reports the difference as events.
pub(crate) fn reconcile(state: &mut RegistryState, file: FileModel) -> Reconciled {
    let mut out = Reconciled::default();
    reconcile_bookmarks(state, file.bookmarks, &mut out.events);
    reconcile_discovery(state, file.discovery, &mut out);
    reconcile_manual(state, file.manual, &mut out.events);
    out
}

fn reconcile_bookmarks(
    state: &mut RegistryState,
    new: Vec<Bookmark>,
    events: &mut Vec<RegistryEvent>,
) {
    if state.bookmarks == new {
        return;
    }
    if state.bookmarks.is_empty() {
        // The first load (or a file that was empty): everything is new, and nothing can
        // be a rename, so the name and URL tables below would be pure cost.
        events.extend(new.iter().map(|b| RegistryEvent::BookmarkAdded {
            name: b.name.clone(),
            url: b.url.clone(),
        }));
        state.bookmarks = new;
        state.dirty.bookmarks = true;
        return;
    }
    let new_by_name: HashMap<&str, &Bookmark> = new.iter().map(|b| (&*b.name, b)).collect();
    let old_names: HashMap<&str, ()> = state.bookmarks.iter().map(|b| (&*b.name, ())).collect();

    let mut gone: Vec<&Bookmark> = Vec::new();
    let mut renamed: Vec<RegistryEvent> = Vec::new();
    for old in &state.bookmarks {
        match new_by_name.get(&*old.name) {
            Some(now) if now.url == old.url => {}
            Some(now) => renamed.push(RegistryEvent::BookmarkRenamed {
                old_name: old.name.clone(),
                new_name: now.name.clone(),
                url: now.url.clone(),
            }),
            None => gone.push(old),
        }
    }
    // New names, grouped by URL in file order, so a vanished name can be paired
    // with the first new name that points where it pointed.
    let mut appeared_by_url: HashMap<&str, VecDeque<&Bookmark>> = HashMap::new();
    let mut appeared: Vec<&Bookmark> = Vec::new();
    for b in &new {
        if !old_names.contains_key(&*b.name) {
            appeared_by_url.entry(&b.url).or_default().push_back(b);
            appeared.push(b);
        }
    }
    let mut paired: HashMap<&str, ()> = HashMap::new();
    let mut deleted = Vec::new();
    for old in gone {
        let partner = match appeared_by_url.entry(&old.url) {
            Entry::Occupied(mut queue) => queue.get_mut().pop_front(),
            Entry::Vacant(_) => None,
        };
        match partner {
            Some(now) => {
                paired.insert(&now.name, ());
                renamed.push(RegistryEvent::BookmarkRenamed {
                    old_name: old.name.clone(),
                    new_name: now.name.clone(),
                    url: now.url.clone(),
                });
            }
            None => deleted.push(RegistryEvent::BookmarkDeleted {
                name: old.name.clone(),
                url: old.url.clone(),
            }),
        }
    }
    let added = appeared
        .into_iter()
        .filter(|b| !paired.contains_key(&*b.name))
        .map(|b| RegistryEvent::BookmarkAdded {
            name: b.name.clone(),
            url: b.url.clone(),
        });
    events.extend(deleted);
    events.extend(renamed);
    events.extend(added);
    state.bookmarks = new;
    state.dirty.bookmarks = true;
}

fn reconcile_discovery(state: &mut RegistryState, new: Vec<FileDiscovery>, out: &mut Reconciled) {
    let old_order: Vec<ServerId> = state.discovery.iter().map(|s| s.server.id).collect();
    let mut old: HashMap<Arc<str>, Slot<DiscoveryServer>> = state
        .discovery
        .drain(..)
        .map(|s| (s.server.url.clone(), s))
        .collect();
    let mut removed = Vec::new();
    let mut added = Vec::new();
    let mut updated = Vec::new();
    let mut next: Vec<Slot<DiscoveryServer>> = Vec::with_capacity(new.len());
    let mut changed = false;
    for entry in new {
        let slot = match old.remove(&entry.url) {
            Some(slot) => {
                let was = &slot.server;
                if was.name == entry.name
                    && was.cached_addresses == entry.cached_addresses
                    && slot.written_as == entry.written_as
                {
                    next.push(slot);
                    continue;
                }
                changed = true;
                let mut server = (**was).clone();
                if was.name != entry.name {
                    removed.push(discovery_removed(was));
                    added.push(RegistryEvent::DiscoveryServerAdded {
                        id: was.id,
                        name: entry.name.clone(),
                        url: entry.url.clone(),
                    });
                }
                if was.cached_addresses != entry.cached_addresses {
                    updated.push(RegistryEvent::DiscoveryServerUpdated {
                        id: was.id,
                        name: entry.name.clone(),
                        url: entry.url.clone(),
                        status: was.status.clone(),
                        addresses: entry.cached_addresses.clone(),
                    });
                }
                server.name = entry.name;
                server.cached_addresses = entry.cached_addresses;
                Slot {
                    server: Arc::new(server),
                    written_as: entry.written_as,
                }
            }
            None => {
                changed = true;
                let id = state.ids.allocate();
                let server = Arc::new(DiscoveryServer {
                    id,
                    name: entry.name,
                    url: entry.url,
                    cached_addresses: entry.cached_addresses,
                    status: DiscoveryStatus::Pending,
                });
                added.push(RegistryEvent::DiscoveryServerAdded {
                    id,
                    name: server.name.clone(),
                    url: server.url.clone(),
                });
                out.discovery_added.push(server.clone());
                Slot {
                    server,
                    written_as: entry.written_as,
                }
            }
        };
        next.push(slot);
    }
    // What is left in `old` is gone from the file; announce in the old order.
    let mut gone: Vec<Slot<DiscoveryServer>> = old.into_values().collect();
    gone.sort_by_key(|s| s.server.id);
    for slot in gone {
        changed = true;
        out.discovery_removed.push(slot.server.id);
        removed.push(discovery_removed(&slot.server));
    }
    // One stable order: removals by id, then additions and updates in file order.
    removed.sort_by_key(event_server_id);
    out.events.extend(removed);
    out.events.extend(added);
    out.events.extend(updated);
    let new_order = next.iter().map(|s| s.server.id);
    if changed || new_order.ne(old_order.iter().copied()) {
        state.dirty.servers = true;
    }
    state.discovery = next;
}

fn event_server_id(event: &RegistryEvent) -> u64 {
    match event {
        RegistryEvent::DiscoveryServerRemoved { id, .. }
        | RegistryEvent::ManualServerRemoved { id, .. } => id.get(),
        _ => 0,
    }
}

/// The event announcing that discovery server `server` is gone.
fn discovery_removed(server: &DiscoveryServer) -> RegistryEvent {
    RegistryEvent::DiscoveryServerRemoved {
        id: server.id,
        name: server.name.clone(),
        url: server.url.clone(),
    }
}

/// The event announcing that manual server `server` is gone.
fn manual_removed(server: &ManualServer) -> RegistryEvent {
    RegistryEvent::ManualServerRemoved {
        id: server.id,
        name: server.name.clone(),
        url: server.url.clone(),
        kind: server.kind,
    }
}

fn reconcile_manual(
    state: &mut RegistryState,
    new: Vec<FileServer>,
    events: &mut Vec<RegistryEvent>,
) {
    let old_order: Vec<ServerId> = state.manual.iter().map(|s| s.server.id).collect();
    let mut old: HashMap<Arc<str>, Slot<ManualServer>> = state
        .manual
        .drain(..)
        .map(|s| (s.server.url.clone(), s))
        .collect();
    let mut removed = Vec::new();
    let mut added = Vec::new();
    let mut next: Vec<Slot<ManualServer>> = Vec::with_capacity(new.len());
    let mut changed = false;
    for entry in new {
        let id = match old.remove(&entry.url) {
            Some(slot) if slot.server.name == entry.name => {
                changed |= slot.written_as != entry.written_as;
                next.push(Slot {
                    server: slot.server,
                    written_as: entry.written_as,
                });
                continue;
            }
            // Renamed in the file: announced as removed and added again, under the same id.
            Some(slot) => {
                removed.push(manual_removed(&slot.server));
                slot.server.id
            }
            None => state.ids.allocate(),
        };
        changed = true;
        let server = ManualServer {
            id,
            name: entry.name,
            url: entry.url,
            kind: entry.kind,
        };
        added.push(RegistryEvent::ManualServerAdded {
            id: server.id,
            name: server.name.clone(),
            url: server.url.clone(),
            kind: server.kind,
        });
        next.push(Slot {
            server: Arc::new(server),
            written_as: entry.written_as,
        });
    }
    for slot in old.into_values() {
        changed = true;
        removed.push(manual_removed(&slot.server));
    }
    removed.sort_by_key(event_server_id);
    events.extend(removed);
    events.extend(added);
    let new_order = next.iter().map(|s| s.server.id);
    if changed || new_order.ne(old_order.iter().copied()) {
        state.dirty.servers = true;
    }
    state.manual = next;
}

#[cfg(test)]
#[path = "diff_tests.rs"]
mod tests;
