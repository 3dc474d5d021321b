//! The immutable view of the registry that every reader gets.
//!
//! The actor builds a new [`RegistrySnapshot`] after each change and swaps it
//! in atomically (arc-swap). Readers on any thread load the current one without
//! waiting on the actor or any lock, and keep a consistent view for as long as
//! they hold it. Parts that did not change are shared between consecutive
//! snapshots, so a bookmark edit does not rebuild the server index and vice versa,
//! and the bookmarks themselves are a persistent map ([`Bookmarks`]): a new
//! generation shares all but the edited path with the previous one, so
//! publishing after one bookmark edit costs O(log n), not a copy of the list.

use std::path::PathBuf;
use std::sync::Arc;

use arc_swap::ArcSwap;
use tokio::sync::watch;

use crate::bookmarks::Bookmarks;
use crate::file_save::StoreError;
use crate::ids::ServerId;
use crate::index::UrlIndex;
use crate::state::RegistryState;
use crate::values::{Bookmark, DiscoveryServer, ManualServer, ServerMatch};

/// The servers and their lookup index, rebuilt together.
#[derive(Debug, Default)]
pub(crate) struct ServerTable {
    discovery: Vec<Arc<DiscoveryServer>>,
    manual: Vec<Arc<ManualServer>>,
    index: UrlIndex,
}

impl ServerTable {
    fn build(state: &RegistryState) -> Self {
        let discovery: Vec<_> = state.discovery.iter().map(|s| s.server.clone()).collect();
        let manual: Vec<_> = state.manual.iter().map(|s| s.server.clone()).collect();
        let index = UrlIndex::build(&discovery, &manual);
        Self {
            discovery,
            manual,
            index,
        }
    }
}

/// How `omniverse.toml` is doing, as of a snapshot.
#[derive(Clone, Debug, Default)]
pub struct StorageStatus {
    /// The file, when persistence is on.
    pub path: Option<PathBuf>,
    /// Why the last load or reload failed, if it did. The registry kept its
    /// previous state; the next good reload clears this.
    pub last_load_error: Option<StoreError>,
    /// Entries of the last good load that the registry skipped or doubts
    /// (one line each, with file position).
    pub load_warnings: Arc<[String]>,
    /// Why the last save failed, if it did; cleared by the next good save.
    pub last_save_error: Option<StoreError>,
    /// File edits applied in memory but not yet written (retried on the next
    /// save and before the next reload is applied).
    pub unsaved_changes: usize,
}

/// An immutable, consistent view of the whole registry.
#[derive(Clone, Debug, Default)]
pub struct RegistrySnapshot {
    generation: u64,
    bookmarks: Bookmarks,
    servers: Arc<ServerTable>,
    storage: Arc<StorageStatus>,
}

impl RegistrySnapshot {
    /// Increases by one with every published change; 0 is the empty registry
    /// before the first load.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Bookmarks in display (file) order.
    pub fn bookmarks(&self) -> &Bookmarks {
        &self.bookmarks
    }

    /// The bookmark called `name` (O(log n)).
    pub fn bookmark(&self, name: &str) -> Option<&Bookmark> {
        self.bookmarks.get(name)
    }

    /// Discovery servers in display (file) order.
    pub fn discovery_servers(&self) -> &[Arc<DiscoveryServer>] {
        &self.servers.discovery
    }

    /// Manual servers in display (file) order.
    pub fn manual_servers(&self) -> &[Arc<ManualServer>] {
        &self.servers.manual
    }

    /// The discovery server with this id.
    pub fn discovery_server(&self, id: ServerId) -> Option<&Arc<DiscoveryServer>> {
        self.servers.discovery.iter().find(|s| s.id == id)
    }

    /// The manual server with this id.
    pub fn manual_server(&self, id: ServerId) -> Option<&Arc<ManualServer>> {
        self.servers.manual.iter().find(|s| s.id == id)
    }

    /// The discovery server whose discovery URL is `url` (compared normalised).
    pub fn discovery_server_by_url(&self, url: &str) -> Option<&Arc<DiscoveryServer>> {
        let url = crate::url_policy::normalize_discovery(url).ok()?;
        self.servers.discovery.iter().find(|s| *s.url == *url)
    }

    /// The manual server whose root is `url`'s server root.
    pub fn manual_server_by_url(&self, url: &str) -> Option<&Arc<ManualServer>> {
        let (root, _) = crate::url_policy::manual_server_root(url).ok()?;
        self.servers.manual.iter().find(|s| *s.url == *root)
    }

    /// The id of the server (of either kind) called `name`.
    pub fn server_id_by_name(&self, name: &str) -> Option<ServerId> {
        let servers = &self.servers;
        servers
            .discovery
            .iter()
            .find(|s| &*s.name == name)
            .map(|s| s.id)
            .or_else(|| {
                servers
                    .manual
                    .iter()
                    .find(|s| &*s.name == name)
                    .map(|s| s.id)
            })
    }

    /// The server that owns `url`: first a discovery server one of whose cached
    /// addresses `url` lies under, then a manual server whose root it lies
    /// under (cm-url `is_under`); the longest root wins within each kind.
    pub fn find_server_for_url(&self, url: &str) -> Option<ServerMatch> {
        let servers = &self.servers;
        servers.index.find(url, &servers.discovery, &servers.manual)
    }

    /// The state of persistence as of this snapshot.
    pub fn storage(&self) -> &StorageStatus {
        &self.storage
    }
}

/// A cheap, cloneable reader of the current snapshot; never blocks.
#[derive(Clone, Debug)]
pub struct SnapshotReader {
    current: Arc<ArcSwap<RegistrySnapshot>>,
    changes: watch::Receiver<u64>,
}

impl SnapshotReader {
    /// The current snapshot.
    pub fn load(&self) -> Arc<RegistrySnapshot> {
        self.current.load_full()
    }

    /// Runs `f` on the current snapshot without taking a reference count;
    /// the cheapest read for short lookups.
    pub fn with<R>(&self, f: impl FnOnce(&RegistrySnapshot) -> R) -> R {
        f(&self.current.load())
    }

    /// A receiver of the generation number, marked changed with every
    /// published snapshot: `await` on `changed()` instead of polling.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.clone()
    }

    /// Waits until a published snapshot satisfies `condition` (checking the
    /// current one first) and returns it; `None` if the registry stopped.
    pub async fn wait_for(
        &self,
        mut condition: impl FnMut(&RegistrySnapshot) -> bool,
    ) -> Option<Arc<RegistrySnapshot>> {
        let mut changes = self.changes.clone();
        loop {
            changes.borrow_and_update();
            let now = self.load();
            if condition(&now) {
                return Some(now);
            }
            if changes.changed().await.is_err() {
                let now = self.load();
                return condition(&now).then_some(now);
            }
        }
    }
}

/// The actor's side: builds and publishes snapshots.
#[derive(Debug)]
pub(crate) struct Publisher {
    current: Arc<ArcSwap<RegistrySnapshot>>,
    changes: watch::Sender<u64>,
    storage: Arc<StorageStatus>,
}

impl Publisher {
    pub(crate) fn new() -> (Self, SnapshotReader) {
        let current = Arc::new(ArcSwap::from_pointee(RegistrySnapshot::default()));
        let (changes, receiver) = watch::channel(0);
        let reader = SnapshotReader {
            current: current.clone(),
            changes: receiver,
        };
        let publisher = Self {
            current,
            changes,
            storage: Arc::default(),
        };
        (publisher, reader)
    }

    /// Changes the storage status that the next publication carries.
    pub(crate) fn update_storage(&mut self, f: impl FnOnce(&mut StorageStatus)) {
        f(Arc::make_mut(&mut self.storage));
    }

    pub(crate) fn current(&self) -> Arc<RegistrySnapshot> {
        self.current.load_full()
    }

    pub(crate) fn storage(&self) -> &StorageStatus {
        &self.storage
    }

    /// Publishes the state if anything changed since the last publication
    /// (or `force`, after a storage status change); returns whether it did.
    pub(crate) fn publish(&self, state: &mut RegistryState, force: bool) -> bool {
        let dirty = state.dirty;
        if !(dirty.bookmarks || dirty.servers || force) {
            return false;
        }
        let previous = self.current.load();
        // O(1) either way: the state's bookmarks share their structure with
        // every snapshot taken of them (see `bookmarks`).
        let bookmarks = if dirty.bookmarks {
            state.bookmarks.clone()
        } else {
            previous.bookmarks.clone()
        };
        let servers = if dirty.servers {
            Arc::new(ServerTable::build(state))
        } else {
            previous.servers.clone()
        };
        let generation = previous.generation + 1;
        drop(previous);
        self.current.store(Arc::new(RegistrySnapshot {
            generation,
            bookmarks,
            servers,
            storage: self.storage.clone(),
        }));
        state.dirty = Default::default();
        self.changes.send_replace(generation);
        true
    }
}
