//! Writing the registry's changes to `omniverse.toml` through cm-toml-store.
//!
//! Each request's edits go out in one `TomlStore::apply` call: one locked
//! read-modify-write and atomic replace that applies only this process's edits
//! to the file as it is on disk, so edits by other processes survive.
//!
//! When a write fails (most often because the file on disk is malformed, which
//! cm-toml-store never overwrites) the edits are kept as *unsaved* and sent
//! again, before anything else, with the next write; they are also written
//! before a reload of the (repaired) file is applied, so the reload does not
//! mistake them for deletions by another process.

use std::path::Path;
use std::sync::Arc;

use cm_toml_store::{Change, DiscoveryEntry, Loaded, MigrationReport, TomlStore};

pub use cm_toml_store::StoreError;

use crate::file_edit::StoreOp;

/// The store, when persistence is on, plus the edits not yet written.
#[derive(Debug)]
pub(crate) struct Persistence {
    store: Option<TomlStore>,
    /// False for a read-only view of the file: loaded and watched, never written.
    write: bool,
    unsaved: Vec<StoreOp>,
}

fn to_change(op: &StoreOp) -> Change {
    let s = |a: &Arc<str>| a.to_string();
    match op {
        StoreOp::SetBookmark { name, url } => Change::AddBookmark {
            name: s(name),
            url: s(url),
        },
        StoreOp::RemoveBookmark { name } => Change::RemoveBookmark { name: s(name) },
        StoreOp::RenameBookmark { old, new, url } => Change::RenameBookmark {
            old_name: s(old),
            new_name: s(new),
            url: s(url),
        },
        StoreOp::SetServer { url, name } => Change::SetServer {
            url: s(url),
            name: s(name),
        },
        StoreOp::RemoveServer { url } => Change::RemoveServer { url: s(url) },
        StoreOp::SetDiscoveryServer {
            name,
            url,
            cached_addresses,
        } => Change::SetDiscoveryServer(DiscoveryEntry {
            name: s(name),
            url: s(url),
            cached_addresses: cached_addresses.iter().map(s).collect(),
        }),
        StoreOp::SetDiscoveryAddresses {
            url,
            cached_addresses,
        } => Change::SetDiscoveryAddresses {
            url: s(url),
            cached_addresses: cached_addresses.iter().map(s).collect(),
        },
        StoreOp::RemoveDiscoveryServer { url } => Change::RemoveDiscoveryServer { url: s(url) },
    }
}

impl Persistence {
    pub(crate) fn new(store: Option<TomlStore>, write: bool) -> Self {
        Self {
            store,
            write,
            unsaved: Vec::new(),
        }
    }

    pub(crate) fn store(&self) -> Option<&TomlStore> {
        self.store.as_ref()
    }

    pub(crate) fn path(&self) -> Option<&Path> {
        self.store.as_ref().map(TomlStore::path)
    }

    /// Whether saves go to a file (a refused change can only happen then).
    pub(crate) fn writes(&self) -> bool {
        self.write && self.store.is_some()
    }

    pub(crate) fn unsaved(&self) -> usize {
        self.unsaved.len()
    }

    /// Migrates an old-style file (once; not in read-only mode, which never
    /// writes) and reads the file; `None` when there is no file.
    pub(crate) fn load_at_startup(
        &self,
    ) -> Option<(Result<Loaded, StoreError>, Option<MigrationReport>)> {
        let store = self.store.as_ref()?;
        if !self.write {
            return Some((store.load(), None));
        }
        Some(match store.load_migrating() {
            Ok((loaded, migrated)) => (Ok(loaded), migrated),
            Err(e) => (Err(e), None),
        })
    }

    /// Writes `ops` (after any unsaved edits) in one locked replace. On
    /// failure all of them stay unsaved, except when the store refuses the
    /// change outright (`StoreError::Refused`): then this call's `ops` are
    /// dropped (sending them again could only fail again) and the caller
    /// undoes them. No-op when persistence is off.
    pub(crate) fn save(&mut self, ops: Vec<StoreOp>) -> Result<(), StoreError> {
        let Some(store) = self.store.as_ref().filter(|_| self.write) else {
            return Ok(());
        };
        let kept = self.unsaved.clone();
        for op in ops {
            // Rounds of discovery while the file is broken would otherwise
            // pile up one address update per round.
            if let StoreOp::SetDiscoveryAddresses { url, .. } = &op {
                self.unsaved.retain(
                    |old| !matches!(old, StoreOp::SetDiscoveryAddresses { url: u, .. } if u == url),
                );
            }
            self.unsaved.push(op);
        }
        if self.unsaved.is_empty() {
            return Ok(());
        }
        let changes: Vec<Change> = self.unsaved.iter().map(to_change).collect();
        match store.apply(&changes) {
            Ok(_) => {
                self.unsaved.clear();
                Ok(())
            }
            Err(e) if e.is_refused_change() => {
                self.unsaved = kept;
                Err(e)
            }
            Err(e) => {
                tracing::warn!(error = %e, unsaved = self.unsaved.len(), "could not save omniverse.toml; keeping the change in memory");
                Err(e)
            }
        }
    }

    /// Writes unsaved edits, if any, and returns the file as it is afterwards.
    /// `Ok(None)` when there was nothing unsaved.
    pub(crate) fn flush_unsaved(&mut self) -> Result<Option<Loaded>, StoreError> {
        let Some(store) = self.store.as_ref().filter(|_| self.write) else {
            return Ok(None);
        };
        if self.unsaved.is_empty() {
            return Ok(None);
        }
        let changes: Vec<Change> = self.unsaved.iter().map(to_change).collect();
        let loaded = store.apply(&changes)?;
        self.unsaved.clear();
        Ok(Some(loaded))
    }
}
