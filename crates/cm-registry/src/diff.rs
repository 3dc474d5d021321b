//! Reconciling the in-memory state with what `omniverse.toml` now says.
//!
//! When another process (or a hand edit) changes the file, the watcher hands
//! the registry the file's new content. [`reconcile`] makes the state equal to
//! it and returns exactly the events that describe the difference:
//!
//! * bookmarks are matched by name; a name whose URL changed is a rename onto
//!   itself (`old_name == new_name`, new `url`), like the API's
//!   `rename_bookmark(name, name, url)`; a name that disappeared while a new
//!   name with the same URL appeared is a rename; and a name that disappeared
//!   while a new name appeared in its place is a rename with a new URL, because
//!   that is the file `rename_bookmark(old, new, url)` writes (it keeps the
//!   bookmark's place): the hand edit and the API call are one change, announced
//!   alike. "In its place" means: the only vanished and the only new name
//!   between the same two surviving bookmarks, and at least one bookmark
//!   survives (a file whose every bookmark was replaced, such as a recreated
//!   file, is deletions and additions, not a guess at renames);
//! * servers are matched by normalised URL; a server whose name changed is
//!   announced as removed then added, keeping its [`ServerId`];
//! * a discovery server whose cached addresses changed is announced as updated.
//!
//! A file that equals memory (such as our own last write) produces no event.
//! The state takes the file's order. Events come out per section (bookmarks,
//! discovery servers, manual servers), removals first, then renames, additions
//! and updates.
//!
//! The bookmark rules live in `bookmark_diff`, which applies them to the
//! entries that changed rather than to every bookmark.

use std::collections::HashMap;
use std::sync::Arc;

use crate::bookmark_diff::reconcile_bookmarks;
use crate::events::RegistryEvent;
use crate::ids::ServerId;
use crate::state::{RegistryState, ServerEntry, Slot};
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

/// The rule both kinds of server share: match the file's entries to the
/// state's slots by normalised URL, let `merge` decide each entry (`None` for a
/// URL that is new; it returns the new slot and whether anything changed), take
/// the file's order and mark the servers dirty when anything changed. Returns
/// the slots that are gone from the file, by id.
fn reconcile_slots<T: ServerEntry, E>(
    slots: &mut Vec<Slot<T>>,
    dirty: &mut bool,
    new: Vec<E>,
    url_of: impl Fn(&E) -> &Arc<str>,
    mut merge: impl FnMut(Option<Slot<T>>, E) -> (Slot<T>, bool),
) -> Vec<Slot<T>> {
    let old_order: Vec<ServerId> = slots.iter().map(|s| s.server.id()).collect();
    let mut old: HashMap<Arc<str>, Slot<T>> = slots
        .drain(..)
        .map(|s| (s.server.url().clone(), s))
        .collect();
    let mut next: Vec<Slot<T>> = Vec::with_capacity(new.len());
    let mut changed = false;
    for entry in new {
        let existing = old.remove(url_of(&entry));
        let (slot, entry_changed) = merge(existing, entry);
        changed |= entry_changed;
        next.push(slot);
    }
    // What is left in `old` is gone from the file; announce in the old order.
    let mut gone: Vec<Slot<T>> = old.into_values().collect();
    gone.sort_by_key(|s| s.server.id());
    changed |= !gone.is_empty();
    let new_order = next.iter().map(|s| s.server.id());
    if changed || new_order.ne(old_order.iter().copied()) {
        *dirty = true;
    }
    *slots = next;
    gone
}

fn reconcile_discovery(state: &mut RegistryState, new: Vec<FileDiscovery>, out: &mut Reconciled) {
    let mut removed = Vec::new();
    let mut added = Vec::new();
    let mut updated = Vec::new();
    let gone = reconcile_slots(
        &mut state.discovery,
        &mut state.dirty.servers,
        new,
        |entry| &entry.url,
        |existing, entry| match existing {
            Some(slot) => {
                let was = &slot.server;
                if was.name == entry.name
                    && was.cached_addresses == entry.cached_addresses
                    && slot.written_as == entry.written_as
                {
                    return (slot, false);
                }
                let mut server = (**was).clone();
                if was.name != entry.name {
                    removed.push(was.removed_event());
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
                let slot = Slot {
                    server: Arc::new(server),
                    written_as: entry.written_as,
                };
                (slot, true)
            }
            None => {
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
                let slot = Slot {
                    server,
                    written_as: entry.written_as,
                };
                (slot, true)
            }
        },
    );
    for slot in gone {
        out.discovery_removed.push(slot.server.id);
        removed.push(slot.server.removed_event());
    }
    // One stable order: removals by id, then additions and updates in file order.
    removed.sort_by_key(event_server_id);
    out.events.extend(removed);
    out.events.extend(added);
    out.events.extend(updated);
}

fn event_server_id(event: &RegistryEvent) -> u64 {
    match event {
        RegistryEvent::DiscoveryServerRemoved { id, .. }
        | RegistryEvent::ManualServerRemoved { id, .. } => id.get(),
        _ => 0,
    }
}

fn reconcile_manual(
    state: &mut RegistryState,
    new: Vec<FileServer>,
    events: &mut Vec<RegistryEvent>,
) {
    let mut removed = Vec::new();
    let mut added = Vec::new();
    let gone = reconcile_slots(
        &mut state.manual,
        &mut state.dirty.servers,
        new,
        |entry| &entry.url,
        |existing, entry| {
            let id = match existing {
                Some(slot) if slot.server.name == entry.name => {
                    let changed = slot.written_as != entry.written_as;
                    let slot = Slot {
                        server: slot.server,
                        written_as: entry.written_as,
                    };
                    return (slot, changed);
                }
                // Renamed in the file: announced as removed and added again, under the same id.
                Some(slot) => {
                    removed.push(slot.server.removed_event());
                    slot.server.id
                }
                None => state.ids.allocate(),
            };
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
            let slot = Slot {
                server: Arc::new(server),
                written_as: entry.written_as,
            };
            (slot, true)
        },
    );
    removed.extend(gone.iter().map(|slot| slot.server.removed_event()));
    removed.sort_by_key(event_server_id);
    events.extend(removed);
    events.extend(added);
}

#[cfg(test)]
#[path = "diff_tests.rs"]
mod tests;
