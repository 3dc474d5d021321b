//! [`ManagerHandle`]: what applications, the CLI and UIs hold to use the connection manager.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::ThreadId;
use std::time::Duration;

use actix::{Actor, Addr};
use cm_events::Dispatcher;
use cm_registry::system_thread::SystemThread;
use cm_registry::{Bookmark, ConnectionRegistry, RegistryEvents, RegistryHandle, ServerMatch};
use cm_url::UrlKind;
use futures::StreamExt;
use futures::stream::BoxStream;
use parking_lot::Mutex;
use tokio::sync::watch;

use crate::actor::{
    ConnectionManager, EnsureNucleus, Reconnect, SignOut, StopManager, WaitForDiscovery,
};
use crate::classify::{Route, RouteCache};
use crate::config::ManagerConfig;
use crate::dialogs::{AuthDialog, DialogSlot, ProgressModel};
use crate::error::{EnsureError, Reachable, StartupError};
use crate::status::ConnectionStatus;
use crate::storage::{HttpStorageClient, StatusChange, StorageClient};

/// Options of [`ManagerHandle::ensure_connection_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EnsureOptions {
    /// Show the "connecting" progress model ([`ManagerHandle::connecting_dialog`]) while a
    /// connection attempt runs (for callers without their own UI).
    pub show_connecting_dialog: bool,
}

pub(crate) struct Inner {
    pub(crate) addr: Addr<ConnectionManager>,
    pub(crate) registry: RegistryHandle,
    pub(crate) client: Arc<dyn StorageClient>,
    dispatcher: Dispatcher,
    discovery_timeout: Duration,
    pub(crate) dialog_slot: DialogSlot,
    auth_dialog: AuthDialog,
    connecting: ProgressModel,
    routes: RouteCache,
    arbiter: actix::ArbiterHandle,
    /// The thread whose System runs the actors, when this handle started it.
    system: Mutex<Option<SystemThread>>,
    system_thread: Mutex<Option<ThreadId>>,
    /// False from the first `shutdown` on: every call then answers `NotRunning`.
    running: AtomicBool,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The last handle gone: a System this manager owns has nobody left to serve.
        if let Some(system) = self.system.get_mut().take() {
            system.stop_and_join();
        }
    }
}

/// A cheap, cloneable, `Send + Sync` handle to a running connection manager.
///
/// Async methods work from any thread and any async runtime: they send messages to the actors
/// and await the answer (actix `Addr::send` futures need no particular executor). Blocking
/// variants serve callers without a runtime. Two answers need no round trip at all: http(s)
/// (and S3/Azure/GCS/file) URLs are reachable at once, and a Nucleus server whose cached status
/// is `Connected` answers from that cache.
///
/// After [`shutdown`](Self::shutdown) every call answers as a stopped manager does:
/// [`EnsureError::NotRunning`], `false`, `None` or an empty list, including those that are
/// otherwise answered without a round trip.
///
/// ```
/// use cm_manager::{EnsureError, ManagerConfig, ManagerHandle, Reachable};
///
/// let manager = ManagerHandle::start(ManagerConfig::in_memory().dispatcher(cm_events::Dispatcher::new())).unwrap();
/// assert_eq!(manager.ensure_connection_blocking("https://example.com/a.usd"), Ok(Reachable::AlwaysReachable));
/// assert!(matches!(manager.ensure_connection_blocking("omniverse://"), Err(EnsureError::InvalidUrl(_))));
/// manager.shutdown();
/// assert_eq!(manager.ensure_connection_blocking("https://example.com/a.usd"), Err(EnsureError::NotRunning));
/// ```
#[derive(Clone)]
pub struct ManagerHandle {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for ManagerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagerHandle")
            .field("owns_system", &self.inner.system.lock().is_some())
            .finish_non_exhaustive()
    }
}

impl ManagerHandle {
    /// Starts a dedicated thread running an actix System that hosts the registry and the
    /// manager; [`shutdown`](Self::shutdown) stops it and joins the thread.
    pub fn start(config: ManagerConfig) -> Result<Self, StartupError> {
        let (system, handle) =
            SystemThread::spawn("cm-manager", move || Self::start_in_system(config))?;
        *handle.inner.system_thread.lock() = Some(system.thread_id());
        *handle.inner.system.lock() = Some(system);
        Ok(handle)
    }

    /// Starts the registry and the manager actors in the current actix System (for actor
    /// users). Must be called from inside a running System; elsewhere (e.g. under
    /// `#[tokio::main]`) it fails with [`StartupError::Registry`] — use [`start`](Self::start).
    pub fn start_in_system(config: ManagerConfig) -> Result<Self, StartupError> {
        let client: Arc<dyn StorageClient> = match config.storage.clone() {
            Some(client) => client,
            None => Arc::new(HttpStorageClient::new(config.http.clone())?),
        };
        let dispatcher = config
            .dispatcher
            .clone()
            .unwrap_or_else(|| cm_events::dispatcher().clone());
        let registry = ConnectionRegistry::try_start(config.registry.clone())?;
        Ok(Self::assemble(client, registry, dispatcher, &config))
    }

    fn assemble(
        client: Arc<dyn StorageClient>,
        registry: RegistryHandle,
        dispatcher: Dispatcher,
        config: &ManagerConfig,
    ) -> Self {
        let addr = ConnectionManager::new(
            client.clone(),
            registry.clone(),
            dispatcher.clone(),
            config.retry,
        )
        .start();
        // The prompt is only fed when someone can answer it: otherwise a sign-in would wait
        // the whole sign_in_timeout for nobody (see ManagerConfig::interactive_sign_in).
        let auth_dialog = if config.interactive_sign_in {
            AuthDialog::attach(&client)
        } else {
            AuthDialog::detached(&client)
        };
        Self {
            inner: Arc::new(Inner {
                addr,
                registry,
                client,
                dispatcher,
                discovery_timeout: config.discovery_timeout,
                dialog_slot: DialogSlot::default(),
                auth_dialog,
                connecting: ProgressModel::new(),
                routes: RouteCache::default(),
                arbiter: actix::Arbiter::current(),
                system: Mutex::new(None),
                system_thread: Mutex::new(None),
                running: AtomicBool::new(true),
            }),
        }
    }

    /// Stops the manager: with a System of its own (from [`start`](Self::start)), stops it,
    /// drops what was in flight inside its runtime and joins its thread; otherwise stops the
    /// manager actor. Idempotent; every clone sees it. Calls made afterwards answer
    /// [`EnsureError::NotRunning`] (or `false`, `None`, an empty list).
    ///
    /// This blocks until the manager's thread has ended; in async code use
    /// [`shutdown_async`](Self::shutdown_async), which does not block the executor.
    pub fn shutdown(&self) {
        if let Some(system) = self.begin_shutdown() {
            system.stop_and_join();
        }
    }

    /// [`shutdown`](Self::shutdown) for async code: the manager's thread is joined on a helper
    /// thread, so the caller's executor keeps running. Works from any runtime.
    pub async fn shutdown_async(&self) {
        if let Some(system) = self.begin_shutdown() {
            system.stop_and_join_async().await;
        }
    }

    fn begin_shutdown(&self) -> Option<SystemThread> {
        self.inner.running.store(false, Ordering::SeqCst);
        self.inner.addr.do_send(StopManager);
        self.inner.system.lock().take()
    }

    /// Whether the manager runs (false after [`shutdown`](Self::shutdown)).
    pub fn is_running(&self) -> bool {
        self.inner.running.load(Ordering::SeqCst)
    }

    fn running(&self) -> Result<(), EnsureError> {
        if self.is_running() {
            Ok(())
        } else {
            Err(EnsureError::NotRunning)
        }
    }

    /// The `omniverse.toml` this manager's registry uses (`None` for an in-memory registry).
    pub fn config_path(&self) -> Option<PathBuf> {
        self.inner.registry.snapshot().storage().path.clone()
    }

    /// The registry's changes from now on, as typed events (see [`RegistryHandle::events`]):
    /// every registry event on this manager's [`dispatcher`](Self::dispatcher), so with the
    /// global dispatcher (the default) also those of other registries in the process. After
    /// [`shutdown`](Self::shutdown) the stream returned is already ended.
    pub fn events(&self) -> RegistryEvents {
        if self.is_running() {
            self.inner.registry.events()
        } else {
            RegistryEvents::ended()
        }
    }

    /// Every connection status change of every server, from now on, as a stream. Ends when
    /// the storage client goes away; empty for a storage client without a status board, and
    /// after [`shutdown`](Self::shutdown). A consumer that falls more than 256 changes behind
    /// skips the oldest (the current status is always in [`connection_status`](Self::connection_status)).
    pub fn status_changes(&self) -> BoxStream<'static, StatusChange> {
        let receiver = if self.is_running() {
            self.inner.client.status_changes()
        } else {
            None
        };
        futures::stream::unfold(receiver, |receiver| async move {
            let mut receiver = receiver?;
            loop {
                match receiver.recv().await {
                    Ok(change) => return Some((change, Some(receiver))),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(skipped)) => {
                        tracing::warn!(skipped, "status_changes consumer fell behind");
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
        .boxed()
    }

    pub(crate) fn discovery_timeout(&self) -> Duration {
        self.inner.discovery_timeout
    }

    /// The registry (bookmarks, servers, snapshots).
    pub fn registry(&self) -> &RegistryHandle {
        &self.inner.registry
    }

    /// The dispatcher the registry's events and `CONNECTION_SUCCEEDED` go to (the one from
    /// [`ManagerConfig::dispatcher`], else the global one).
    pub fn dispatcher(&self) -> &Dispatcher {
        &self.inner.dispatcher
    }

    /// The storage client (status streams, auth callbacks).
    pub fn storage(&self) -> &Arc<dyn StorageClient> {
        &self.inner.client
    }

    /// The manager actor, for actor users.
    pub fn addr(&self) -> &Addr<ConnectionManager> {
        &self.inner.addr
    }

    /// The sign-in prompt model, fed by the storage client's message-box callback.
    pub fn auth_dialog(&self) -> &AuthDialog {
        &self.inner.auth_dialog
    }

    /// The "connecting" progress model shown by
    /// [`ensure_connection_with`](Self::ensure_connection_with) when asked.
    pub fn connecting_dialog(&self) -> &ProgressModel {
        &self.inner.connecting
    }

    /// Makes sure `url` is reachable and says why (not):
    ///
    /// * a URL under a discovery server's addresses waits until that discovery settles (at
    ///   most the configured discovery timeout) and succeeds if it succeeded;
    /// * `omniverse://` connects (stat of the server root with sign-in, reconnect after a drop,
    ///   retries on the configured schedule); concurrent calls for one server share one attempt,
    ///   and a server already `Connected` answers from the cached status;
    /// * anything else cm-url accepts (http, https, S3, Azure, GCS, file) is reachable at once;
    /// * an invalid URL fails with [`EnsureError::InvalidUrl`];
    /// * after [`shutdown`](Self::shutdown), everything fails with [`EnsureError::NotRunning`].
    ///
    /// Kit's boolean answer is `.is_ok()`.
    pub async fn ensure_connection(&self, url: &str) -> Result<Reachable, EnsureError> {
        self.ensure_connection_with(url, EnsureOptions::default())
            .await
    }

    /// [`ensure_connection`](Self::ensure_connection) with options.
    pub async fn ensure_connection_with(
        &self,
        url: &str,
        options: EnsureOptions,
    ) -> Result<Reachable, EnsureError> {
        self.running()?;
        let (root, normalized) = match self.inner.routes.route(url, &self.inner.registry)? {
            Route::Web => return Ok(Reachable::AlwaysReachable),
            Route::Nucleus { root, normalized } => (root, normalized),
            Route::Discovery(found) => return self.wait_for_discovery(options, found).await,
        };
        if self.inner.client.status(&root) == ConnectionStatus::Connected {
            return Ok(Reachable::AlreadyConnected);
        }
        let label = cm_url::redact(&root);
        let attempt = self.inner.addr.send(EnsureNucleus {
            url: normalized.to_string(),
            root: root.to_string(),
            fresh: false,
        });
        self.with_progress(options, &label, attempt).await
    }

    async fn wait_for_discovery(
        &self,
        options: EnsureOptions,
        found: ServerMatch,
    ) -> Result<Reachable, EnsureError> {
        let ServerMatch::Discovery { server, .. } = found else {
            return Ok(Reachable::AlwaysReachable);
        };
        if server.status == cm_registry::DiscoveryStatus::Ready {
            return Ok(Reachable::Discovered {
                server: server.name.to_string(),
            });
        }
        let wait = WaitForDiscovery {
            id: server.id,
            name: server.name.to_string(),
            timeout: self.inner.discovery_timeout,
        };
        self.with_progress(options, &server.name, self.inner.addr.send(wait))
            .await
    }

    async fn with_progress<F>(
        &self,
        options: EnsureOptions,
        label: &str,
        answer: F,
    ) -> Result<Reachable, EnsureError>
    where
        F: std::future::Future<
                Output = Result<Result<Reachable, EnsureError>, actix::MailboxError>,
            >,
    {
        if options.show_connecting_dialog {
            self.inner.connecting.show("Connecting", label);
        }
        let result = answer.await.unwrap_or(Err(EnsureError::NotRunning));
        if options.show_connecting_dialog {
            self.inner.connecting.hide();
        }
        result
    }

    /// Blocking [`ensure_connection`](Self::ensure_connection) for callers without an async
    /// runtime. Answers [`EnsureError::WouldDeadlock`] (never deadlocks) when called on the
    /// manager's own thread.
    pub fn ensure_connection_blocking(&self, url: &str) -> Result<Reachable, EnsureError> {
        self.block_on(self.ensure_connection(url))
            .unwrap_or(Err(EnsureError::WouldDeadlock))
    }

    /// Whether the calling thread is the manager's own thread (where its observers and
    /// callbacks run, and where no call may wait for the manager).
    pub fn is_manager_thread(&self) -> bool {
        *self.inner.system_thread.lock() == Some(std::thread::current().id())
    }

    /// Runs `future` to completion on this thread, unless this is the manager's own thread
    /// (an observer or callback running there would wait for itself): then it logs a warning
    /// and answers `None`. For bindings that offer blocking forms of the async calls (cm-python).
    pub fn block_on<F: std::future::Future>(&self, future: F) -> Option<F::Output> {
        if self.is_manager_thread() {
            tracing::warn!("blocking call on the connection manager's thread refused");
            return None;
        }
        Some(crate::runtime::block_on(future))
    }

    /// Signs out of the Nucleus server of `url` (its credentials are forgotten; the next
    /// `ensure_connection` signs in again). A no-op for other URLs. Returns whether it was a
    /// Nucleus URL and the manager ran.
    pub async fn disconnect(&self, url: &str) -> bool {
        let Some(root) = self.nucleus_root(url) else {
            return false;
        };
        self.inner.addr.send(SignOut { root }).await.is_ok()
    }

    /// Blocking [`disconnect`](Self::disconnect); false on the manager's own thread.
    pub fn disconnect_blocking(&self, url: &str) -> bool {
        self.block_on(self.disconnect(url)).unwrap_or(false)
    }

    /// Reconnects to the Nucleus server of `url` in the background (a fresh attempt, shared
    /// with any in flight). A no-op for other URLs. Returns whether a reconnect was started.
    pub fn reconnect(&self, url: &str) -> bool {
        if !self.is_running() {
            return false;
        }
        let Ok(parsed) = cm_url::parse(url) else {
            return false;
        };
        if parsed.kind() != UrlKind::Nucleus {
            return false;
        }
        let root = parsed.server_root();
        self.inner
            .addr
            .try_send(Reconnect {
                url: parsed.into_string(),
                root,
            })
            .is_ok()
    }

    /// Reconnects to the Nucleus server of `url` and waits for the outcome (a fresh attempt,
    /// shared with any in flight). Other URLs answer like `ensure_connection`.
    pub async fn reconnect_detailed(&self, url: &str) -> Result<Reachable, EnsureError> {
        self.running()?;
        let parsed = cm_url::parse(url).map_err(|e| EnsureError::InvalidUrl(e.to_string()))?;
        if parsed.kind() != UrlKind::Nucleus {
            return self.ensure_connection(url).await;
        }
        let root = parsed.server_root();
        let attempt = EnsureNucleus {
            url: parsed.into_string(),
            root,
            fresh: true,
        };
        self.inner
            .addr
            .send(attempt)
            .await
            .unwrap_or(Err(EnsureError::NotRunning))
    }

    /// Runs `future` on the manager's arbiter (for fire-and-forget work from callers without a
    /// runtime, e.g. a UI submitting a dialog). Returns false if the manager has stopped.
    pub fn spawn(&self, future: impl std::future::Future<Output = ()> + Send + 'static) -> bool {
        self.is_running() && self.inner.arbiter.spawn(future)
    }

    /// The connection status of the server of `url` (`None` for non-Nucleus or invalid URLs,
    /// and after [`shutdown`](Self::shutdown)).
    pub fn connection_status(&self, url: &str) -> Option<ConnectionStatus> {
        self.nucleus_root(url)
            .map(|root| self.inner.client.status(&root))
    }

    /// The status stream of the server of `url` (`None` for non-Nucleus or invalid URLs, and
    /// after [`shutdown`](Self::shutdown)).
    pub fn subscribe_status(&self, url: &str) -> Option<watch::Receiver<ConnectionStatus>> {
        self.nucleus_root(url)
            .map(|root| self.inner.client.subscribe(&root))
    }

    /// The bookmarks, in display order (from the registry snapshot, no round trip); empty
    /// after [`shutdown`](Self::shutdown).
    pub fn bookmarks(&self) -> Vec<Bookmark> {
        if !self.is_running() {
            return Vec::new();
        }
        self.inner.registry.bookmarks()
    }

    /// The server root of a Nucleus URL, while the manager runs.
    fn nucleus_root(&self, url: &str) -> Option<String> {
        if !self.is_running() {
            return None;
        }
        let parsed = cm_url::parse(url).ok()?;
        (parsed.kind() == UrlKind::Nucleus).then(|| parsed.server_root())
    }
}
