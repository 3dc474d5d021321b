//! How to start a connection manager.

use std::sync::Arc;
use std::time::Duration;

use cm_discovery::RetryPolicy;
use cm_events::Dispatcher;
use cm_registry::RegistryConfig;

use crate::storage::{HttpStorageConfig, StorageClient};

/// Settings for [`ManagerHandle::start`](crate::ManagerHandle::start) and
/// [`startup`](crate::startup).
///
/// | setting | default |
/// |---|---|
/// | registry | [`at_path`](Self::at_path) / [`new`](Self::new): the file you name; [`Default`]: the standard location; [`in_memory`](Self::in_memory): no file |
/// | [`retry_policy`](Self::retry_policy) | omni.client's schedule: 120 s budget, 100 ms base delay, 100 ms jitter |
/// | [`discovery_timeout`](Self::discovery_timeout) | 30 s |
/// | [`interactive_sign_in`](Self::interactive_sign_in) | off: a sign-in no auth callback answers fails at once |
/// | [`http_storage`](Self::http_storage) | connect 5 s, request 15 s, 5 credential rounds, `sign_in_timeout` 5 min, authorization-code browser sign-in that opens the browser |
/// | [`dispatcher`](Self::dispatcher) | the global `cm_events::dispatcher()` |
///
/// ```
/// use std::time::Duration;
/// use cm_manager::ManagerConfig;
/// use cm_registry::RegistryConfig;
///
/// let config = ManagerConfig::new(RegistryConfig::in_memory())
///     .retry_budget(Duration::from_secs(2))
///     .discovery_timeout(Duration::from_secs(5))
///     .dispatcher(cm_events::Dispatcher::new());
/// # let _ = config;
/// ```
#[derive(Clone)]
pub struct ManagerConfig {
    pub(crate) registry: RegistryConfig,
    pub(crate) retry: RetryPolicy,
    pub(crate) discovery_timeout: Duration,
    pub(crate) storage: Option<Arc<dyn StorageClient>>,
    pub(crate) http: HttpStorageConfig,
    pub(crate) dispatcher: Option<Dispatcher>,
    pub(crate) interactive_sign_in: bool,
}

impl Default for ManagerConfig {
    /// The `omniverse.toml` at its standard location (`$OMNI_CONFIG_PATH/omniverse.toml`, else
    /// under the home directory) and otherwise the defaults; with no home directory to find,
    /// an in-memory registry (logged at warn).
    fn default() -> Self {
        match RegistryConfig::at_default_location() {
            Ok(registry) => Self::new(registry),
            Err(error) => {
                tracing::warn!(%error, "no standard omniverse.toml location; using an in-memory registry");
                Self::in_memory()
            }
        }
    }
}

impl std::fmt::Debug for ManagerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagerConfig")
            .field("registry", &self.registry)
            .field("retry", &self.retry)
            .field("discovery_timeout", &self.discovery_timeout)
            .field("custom_storage", &self.storage.is_some())
            .field("http", &self.http)
            .field("interactive_sign_in", &self.interactive_sign_in)
            .finish_non_exhaustive()
    }
}

impl ManagerConfig {
    /// A manager over a registry started with `registry`; omni.client's retry schedule
    /// (120 s / 100 ms / 100 ms), a 30 s discovery wait, the HTTP storage client, and the
    /// global dispatcher. To use a private dispatcher, set it with
    /// [`dispatcher`](Self::dispatcher), which sets it on the registry too.
    pub fn new(registry: RegistryConfig) -> Self {
        Self {
            registry,
            retry: RetryPolicy::OMNI_CLIENT,
            discovery_timeout: Duration::from_secs(30),
            storage: None,
            http: HttpStorageConfig::default(),
            dispatcher: None,
            interactive_sign_in: false,
        }
    }

    /// A manager over the `omniverse.toml` at `path` (loaded, written on every change and
    /// watched, as [`RegistryConfig::new`]) and otherwise the defaults.
    pub fn at_path(path: impl Into<std::path::PathBuf>) -> Self {
        Self::new(RegistryConfig::new(path))
    }

    /// An in-memory registry (no file) and otherwise the defaults: for tests and tools.
    pub fn in_memory() -> Self {
        Self::new(RegistryConfig::in_memory())
    }

    /// The retry schedule for Nucleus stats.
    #[must_use]
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Shortcut: the default schedule with another total budget.
    #[must_use]
    pub fn retry_budget(mut self, budget: Duration) -> Self {
        self.retry = self.retry.with_budget(budget);
        self
    }

    /// How long `ensure_connection` waits for a discovery to settle (default 30 s).
    #[must_use]
    pub fn discovery_timeout(mut self, timeout: Duration) -> Self {
        self.discovery_timeout = timeout;
        self
    }

    /// Another storage backend (default: [`HttpStorageClient`](crate::HttpStorageClient)).
    #[must_use]
    pub fn storage_client(mut self, client: Arc<dyn StorageClient>) -> Self {
        self.storage = Some(client);
        self
    }

    /// Settings of the default HTTP storage client.
    #[must_use]
    pub fn http_storage(mut self, config: HttpStorageConfig) -> Self {
        self.http = config;
        self
    }

    /// Whether a sign-in that no authentication callback answers may wait for an interactive
    /// (browser) sign-in shown by [`ManagerHandle::auth_dialog`](crate::ManagerHandle::auth_dialog)
    /// — at most `HttpStorageConfig::sign_in_timeout` (5 min by default). When the server advertises a
    /// browser sign-in (`docs/PROTOCOL.md`), that wait runs it: the browser opens on the sign-in page
    /// and `SignInPrompt::Show` carries the link.
    ///
    /// Off by default: a headless program (a service, a CLI, a test) then fails such a
    /// sign-in at once with `EnsureError::AuthFailed`, whose reason names this setting. A UI
    /// that shows the auth dialog turns it on.
    #[must_use]
    pub fn interactive_sign_in(mut self, enabled: bool) -> Self {
        self.interactive_sign_in = enabled;
        self
    }

    /// The dispatcher both the registry's events and `CONNECTION_SUCCEEDED` go to
    /// (default: the global `cm_events::dispatcher()`).
    #[must_use]
    pub fn dispatcher(mut self, dispatcher: Dispatcher) -> Self {
        self.registry = self.registry.dispatcher(dispatcher.clone());
        self.dispatcher = Some(dispatcher);
        self
    }
}
