//! How to start a registry: where its file is, whether to write and watch it,
//! how to discover, and where to announce changes.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix::ArbiterHandle;
use cm_discovery::{DiscoveryClient, RetryPolicy};
use cm_events::Dispatcher;
use cm_toml_store::{TomlStore, WatchConfig};

use crate::file_save::StoreError;

/// Settings for [`ConnectionRegistry::start`](crate::ConnectionRegistry::start).
///
/// ```
/// use std::time::Duration;
/// use cm_registry::RegistryConfig;
///
/// let config = RegistryConfig::new("/tmp/example/omniverse.toml")
///     .debounce(Duration::from_millis(200))
///     .dispatcher(cm_events::Dispatcher::new());
/// # let _ = config;
/// ```
#[derive(Clone)]
pub struct RegistryConfig {
    pub(crate) store: Option<TomlStore>,
    pub(crate) persist: bool,
    pub(crate) watch: Option<WatchConfig>,
    pub(crate) discovery: bool,
    pub(crate) discovery_client: Option<Arc<dyn DiscoveryClient>>,
    pub(crate) retry: RetryPolicy,
    pub(crate) dispatcher: Option<Dispatcher>,
    pub(crate) arbiter: Option<ArbiterHandle>,
}

impl std::fmt::Debug for RegistryConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryConfig")
            .field("path", &self.store.as_ref().map(TomlStore::path))
            .field("persist", &self.persist)
            .field("watch", &self.watch)
            .field("discovery", &self.discovery)
            .field("retry", &self.retry)
            .field("private_dispatcher", &self.dispatcher.is_some())
            .finish_non_exhaustive()
    }
}

impl RegistryConfig {
    /// A registry backed by the `omniverse.toml` at `path`: loaded (and
    /// migrated) at start, written on every change, watched with a 1 s debounce.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self::with_store(TomlStore::new(path))
    }

    /// Like [`RegistryConfig::new`] with an already-built store (for example
    /// one with relaxed durability for tests).
    pub fn with_store(store: TomlStore) -> Self {
        Self {
            store: Some(store),
            persist: true,
            watch: Some(WatchConfig::default()),
            ..Self::in_memory()
        }
    }

    /// The file at its standard location (`$OMNI_CONFIG_PATH/omniverse.toml`,
    /// else `$HOME/.nvidia-omniverse/config/omniverse.toml`).
    pub fn at_default_location() -> Result<Self, StoreError> {
        TomlStore::at_default_location().map(Self::with_store)
    }

    /// A registry with no file: nothing is loaded, written or watched.
    pub fn in_memory() -> Self {
        Self {
            store: None,
            persist: false,
            watch: None,
            discovery: true,
            discovery_client: None,
            retry: RetryPolicy::default(),
            dispatcher: None,
            arbiter: None,
        }
    }

    /// Whether changes are written to the file (default on when there is a
    /// file). Off makes the registry a read-only view of the file: it still
    /// loads it and, if watching, follows other processes' edits.
    #[must_use]
    pub fn persistence(mut self, on: bool) -> Self {
        self.persist = on && self.store.is_some();
        self
    }

    /// Whether external edits of the file are followed (default on when there
    /// is a file).
    #[must_use]
    pub fn watch(mut self, on: bool) -> Self {
        self.watch = match (on, self.store.is_some()) {
            (true, true) => Some(self.watch.unwrap_or_default()),
            _ => None,
        };
        self
    }

    /// The watcher's debounce (default 1 s); turns watching on when there is a file.
    #[must_use]
    pub fn debounce(mut self, debounce: Duration) -> Self {
        if self.store.is_some() {
            let mut watch = self.watch.unwrap_or_default();
            watch.debounce = debounce;
            self.watch = Some(watch);
        }
        self
    }

    /// All watcher settings at once (debounce and backend).
    #[must_use]
    pub fn watch_config(mut self, config: WatchConfig) -> Self {
        if self.store.is_some() {
            self.watch = Some(config);
        }
        self
    }

    /// Whether discovery servers are discovered (default on). Off keeps them
    /// `Pending` with their cached addresses: useful for tools that only list.
    #[must_use]
    pub fn discovery(mut self, on: bool) -> Self {
        self.discovery = on;
        self
    }

    /// The discovery backend (default: `cm_discovery::HttpDiscoveryClient`
    /// with default settings).
    #[must_use]
    pub fn discovery_client(mut self, client: Arc<dyn DiscoveryClient>) -> Self {
        self.discovery_client = Some(client);
        self
    }

    /// Retry timing of discovery (default: omni.client's 120 s / 100 ms / 100 ms).
    #[must_use]
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The dispatcher events go to (default: `cm_events::dispatcher()`, the
    /// global one). Tests pass a private `Dispatcher::new()`.
    #[must_use]
    pub fn dispatcher(mut self, dispatcher: Dispatcher) -> Self {
        self.dispatcher = Some(dispatcher);
        self
    }

    /// Runs the actor (and so the file I/O and event dispatch) on this arbiter
    /// instead of the current one.
    #[must_use]
    pub fn arbiter(mut self, arbiter: ArbiterHandle) -> Self {
        self.arbiter = Some(arbiter);
        self
    }
}
