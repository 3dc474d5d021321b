//! The Kit extension's module-level API over cm-manager's process-wide manager.
//!
//! `startup` starts a [`ManagerHandle`] on its own thread (cm-manager's singleton); every other
//! function uses that instance. The bookmark functions keep Kit's boolean answer and log the
//! reason of a `False` on the `connection_manager` logger; the registry's server calls raise
//! [`RegistryError`] with the reason instead, since their answer is the new server's id.
//!
//! Every call that waits for the registry or a server releases the GIL (see [`crate::gil`])
//! and goes through [`ManagerHandle::block_on`], which refuses (with a `RuntimeError`) to wait
//! on the manager's own thread: an observer running there that called back into the registry
//! would otherwise wait for itself.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cm_manager::{EnsureOptions, HttpStorageConfig, ManagerConfig, ManagerHandle};
use cm_registry::{DiscoveryServer, ManualServer, ServerId, ServerMatch};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::gil::{self, blocking};

create_exception!(
    connection_manager,
    RegistryError,
    PyException,
    "The registry refused a change; the message says why (invalid URL, duplicate, not saved...)."
);

const NOT_RUNNING: &str =
    "the connection manager is not running (call connection_manager.startup first)";
const ON_MANAGER_THREAD: &str = "this call would wait for the connection manager's own thread, \
     which is running it (an observer or callback): make the call from another thread";

/// The running manager; `None` (with the reason logged) before startup, as Kit's module
/// functions answer `False` when the extension is not loaded.
fn running(py: Python<'_>, call: &str) -> Option<ManagerHandle> {
    let manager = cm_manager::get_instance();
    if manager.is_none() {
        log_warning(py, &format!("{call}: {NOT_RUNNING}"));
    }
    manager
}

/// Waits for `future` with the GIL released; a `RuntimeError` on the manager's own thread, the
/// `KeyboardInterrupt` of a Ctrl-C during the wait (see [`gil::wait_interruptibly`]).
fn wait<F>(py: Python<'_>, manager: &ManagerHandle, future: F) -> PyResult<F::Output>
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    if manager.is_manager_thread() {
        return Err(PyRuntimeError::new_err(ON_MANAGER_THREAD));
    }
    gil::wait_interruptibly(py, future)
}

/// Logs a warning on the `connection_manager` logger (where a Kit user looks for them).
pub(crate) fn log_warning(py: Python<'_>, message: &str) {
    if gil::exiting() {
        // Logging may release the GIL, which a daemon thread must not take back now (see
        // `gil::blocking`).
        tracing::warn!(message);
        return;
    }
    let logged = py
        .import("logging")
        .and_then(|logging| logging.call_method1("getLogger", ("connection_manager",)))
        .and_then(|logger| logger.call_method1("warning", ("%s", message)));
    if let Err(error) = logged {
        // A Ctrl-C that lands inside logging must still reach the caller.
        gil::rearm_interrupt(py, &error);
        tracing::warn!(message);
    }
}

/// Kit's boolean answer for a change, with the reason of a `False` logged.
///
/// The registry's rule for a change it could not save ([`RegistryError::NotSaved`]): the
/// change is in effect in memory, announced, and written by the next successful save, so the
/// answer is True (with a warning), and `get_bookmarks()` lists it. A change the store refused
/// outright (a limit, a wrong-typed entry) was undone: False.
fn logged_bool<T>(
    py: Python<'_>,
    call: &str,
    result: Result<T, cm_registry::RegistryError>,
) -> bool {
    match result {
        Ok(_) => true,
        Err(cm_registry::RegistryError::NotSaved { source, .. }) if source.is_refused_change() => {
            log_warning(py, &format!("{call} refused (nothing changed): {source}"));
            false
        }
        Err(error) if error.change_applied() => {
            log_warning(
                py,
                &format!(
                    "{call}: {error} (the change is in effect and will be written by the next \
                     successful save)"
                ),
            );
            true
        }
        Err(error) => {
            log_warning(py, &format!("{call} refused: {error}"));
            false
        }
    }
}

fn registry_error(error: cm_registry::RegistryError) -> PyErr {
    match error {
        // Undone by the registry: "changed in memory" would be untrue.
        cm_registry::RegistryError::NotSaved { source, .. } if source.is_refused_change() => {
            RegistryError::new_err(format!("refused (nothing changed): {source}"))
        }
        error => RegistryError::new_err(error.to_string()),
    }
}

/// A discovery server as the registry holds it.
#[pyclass(
    name = "DiscoveryServer",
    module = "connection_manager",
    frozen,
    get_all
)]
pub(crate) struct PyDiscoveryServer {
    /// The registry's id of the server.
    server_id: u64,
    /// The display name.
    name: String,
    /// The discovery URL (normalised).
    url: String,
    /// The storage addresses the last discovery found.
    cached_addresses: Vec<String>,
    /// `pending`, `discovering`, `ready` or `error`.
    status: String,
    /// Why the discovery failed, when `status` is `error`.
    error: Option<String>,
}

impl From<&DiscoveryServer> for PyDiscoveryServer {
    fn from(server: &DiscoveryServer) -> Self {
        Self {
            server_id: server.id.get(),
            name: server.name.to_string(),
            url: server.url.to_string(),
            cached_addresses: server
                .cached_addresses
                .iter()
                .map(|a| a.to_string())
                .collect(),
            status: server.status.as_str().to_owned(),
            error: server.status.error().map(str::to_owned),
        }
    }
}

#[pymethods]
impl PyDiscoveryServer {
    fn __repr__(&self) -> String {
        format!(
            "DiscoveryServer(server_id={}, name={:?}, url={:?}, status={:?})",
            self.server_id, self.name, self.url, self.status
        )
    }
}

/// A manual (Nucleus or HTTP) server as the registry holds it.
#[pyclass(name = "ManualServer", module = "connection_manager", frozen, get_all)]
pub(crate) struct PyManualServer {
    /// The registry's id of the server.
    server_id: u64,
    /// The display name.
    name: String,
    /// The server root URL (normalised).
    url: String,
    /// The URL kind: `nucleus`, `http`, `s3`, `azure`, `gcs`, ...
    kind: String,
}

impl From<&ManualServer> for PyManualServer {
    fn from(server: &ManualServer) -> Self {
        Self {
            server_id: server.id.get(),
            name: server.name.to_string(),
            url: server.url.to_string(),
            kind: server.kind.as_str().to_owned(),
        }
    }
}

#[pymethods]
impl PyManualServer {
    fn __repr__(&self) -> String {
        format!(
            "ManualServer(server_id={}, name={:?}, url={:?}, kind={:?})",
            self.server_id, self.name, self.url, self.kind
        )
    }
}

/// The server that owns a URL (`find_server_for_url`).
#[pyclass(name = "ServerMatch", module = "connection_manager", frozen, get_all)]
pub(crate) struct PyServerMatch {
    /// `discovery` or `manual`.
    kind: String,
    /// The owning server's id.
    server_id: u64,
    /// The owning server's name.
    name: String,
    /// The root the URL lies under (a discovery server's matching address, or the manual
    /// server's URL).
    root: String,
}

#[pymethods]
impl PyServerMatch {
    fn __repr__(&self) -> String {
        format!(
            "ServerMatch(kind={:?}, server_id={}, name={:?}, root={:?})",
            self.kind, self.server_id, self.name, self.root
        )
    }
}

fn bookmarks_dict<'py>(py: Python<'py>, manager: &ManagerHandle) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for bookmark in manager.bookmarks() {
        dict.set_item(&*bookmark.name, &*bookmark.url)?;
    }
    Ok(dict)
}

/// `get_instance().registry`: bookmarks, discovery servers and manual servers, each change
/// written to `omniverse.toml` and announced as an event before the call returns.
#[pyclass(name = "ConnectionRegistry", module = "connection_manager", frozen)]
pub(crate) struct PyConnectionRegistry {
    manager: ManagerHandle,
}

#[pymethods]
impl PyConnectionRegistry {
    /// Adds a discovery server and starts discovering it; returns its id.
    /// Raises `RegistryError` with the reason if refused.
    #[pyo3(signature = (name, discovery_url))]
    fn add_discovery_server(
        &self,
        py: Python<'_>,
        name: &str,
        discovery_url: &str,
    ) -> PyResult<u64> {
        let registry = self.manager.registry();
        wait(
            py,
            &self.manager,
            registry.add_discovery_server(name, discovery_url),
        )?
        .map(ServerId::get)
        .map_err(registry_error)
    }

    /// Adds a manual Nucleus or HTTP(S)/S3/Azure/GCS server (stored as its server root);
    /// returns its id. Raises `RegistryError` with the reason if refused.
    #[pyo3(signature = (name, url))]
    fn add_manual_server(&self, py: Python<'_>, name: &str, url: &str) -> PyResult<u64> {
        let registry = self.manager.registry();
        wait(py, &self.manager, registry.add_manual_server(name, url))?
            .map(ServerId::get)
            .map_err(registry_error)
    }

    /// Removes the manual server whose URL is `url` (any spelling of its root); False if
    /// there is none.
    fn remove_manual_server(&self, py: Python<'_>, url: &str) -> PyResult<bool> {
        let Some(id) = manual_id(&self.manager, url) else {
            return Ok(false);
        };
        let registry = self.manager.registry();
        Ok(logged_bool(
            py,
            "remove_manual_server",
            wait(py, &self.manager, registry.remove_manual_server(id))?,
        ))
    }

    /// Removes the discovery server whose discovery URL is `url`; False if there is none.
    fn remove_discovery_server(&self, py: Python<'_>, url: &str) -> PyResult<bool> {
        let id = self
            .manager
            .registry()
            .reader()
            .with(|s| s.discovery_server_by_url(url).map(|server| server.id));
        let Some(id) = id else {
            return Ok(false);
        };
        let registry = self.manager.registry();
        Ok(logged_bool(
            py,
            "remove_discovery_server",
            wait(py, &self.manager, registry.remove_discovery_server(id))?,
        ))
    }

    /// The bookmarks, `{name: url}` in display order.
    fn get_bookmarks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        bookmarks_dict(py, &self.manager)
    }

    /// The discovery servers, in the file's order.
    fn get_discovery_servers(&self) -> Vec<PyDiscoveryServer> {
        let snapshot = self.manager.registry().snapshot();
        snapshot
            .discovery_servers()
            .iter()
            .map(|s| PyDiscoveryServer::from(&**s))
            .collect()
    }

    /// The manual servers, in the file's order.
    fn get_manual_servers(&self) -> Vec<PyManualServer> {
        let snapshot = self.manager.registry().snapshot();
        snapshot
            .manual_servers()
            .iter()
            .map(|s| PyManualServer::from(&**s))
            .collect()
    }

    /// The discovery server whose discovery URL is `url`, or None.
    fn get_discovery_server(&self, url: &str) -> Option<PyDiscoveryServer> {
        let snapshot = self.manager.registry().snapshot();
        snapshot
            .discovery_server_by_url(url)
            .map(|s| PyDiscoveryServer::from(&**s))
    }

    /// The manual server whose root is `url`'s, or None.
    fn get_manual_server(&self, url: &str) -> Option<PyManualServer> {
        let snapshot = self.manager.registry().snapshot();
        snapshot
            .manual_server_by_url(url)
            .map(|s| PyManualServer::from(&**s))
    }

    /// The server that owns `url` (a manual server's root or a discovery server's cached
    /// address it lies under), or None.
    fn find_server_for_url(&self, url: &str) -> Option<PyServerMatch> {
        self.manager
            .registry()
            .find_server_for_url(url)
            .map(|found| {
                let kind = match &found {
                    ServerMatch::Discovery { .. } => "discovery",
                    ServerMatch::Manual(_) => "manual",
                };
                PyServerMatch {
                    kind: kind.to_owned(),
                    server_id: found.id().get(),
                    name: found.name().to_owned(),
                    root: found.root().to_owned(),
                }
            })
    }

    /// The id of the server (discovery or manual) called `name`, or None.
    fn get_server_id_by_name(&self, name: &str) -> Option<u64> {
        self.manager
            .registry()
            .reader()
            .with(|s| s.server_id_by_name(name))
            .map(ServerId::get)
    }

    /// Starts a new discovery round for `server_id`, or for every discovery server.
    #[pyo3(signature = (server_id=None))]
    fn refresh_discovery(&self, py: Python<'_>, server_id: Option<u64>) -> PyResult<()> {
        let registry = self.manager.registry();
        wait(
            py,
            &self.manager,
            registry.refresh_discovery(server_id.map(ServerId)),
        )?
        .map_err(registry_error)
    }

    /// Re-reads `omniverse.toml` now and applies (and announces) the difference. Raises
    /// `RegistryError` if the file cannot be used (the registry keeps its state).
    fn reload(&self, py: Python<'_>) -> PyResult<()> {
        let registry = self.manager.registry();
        wait(py, &self.manager, registry.reload())?.map_err(registry_error)
    }

    /// Why the last load of `omniverse.toml` failed (None when it is in use).
    #[getter]
    fn last_load_error(&self) -> Option<String> {
        let snapshot = self.manager.registry().snapshot();
        snapshot
            .storage()
            .last_load_error
            .as_ref()
            .map(|e| e.to_string())
    }
}

fn manual_id(manager: &ManagerHandle, url: &str) -> Option<ServerId> {
    manager
        .registry()
        .reader()
        .with(|s| s.manual_server_by_url(url).map(|server| server.id))
}

/// The running connection manager (`get_instance()`).
#[pyclass(name = "ConnectionManager", module = "connection_manager", frozen)]
pub(crate) struct PyConnectionManager {
    pub(crate) manager: ManagerHandle,
}

#[pymethods]
impl PyConnectionManager {
    /// The registry: bookmarks, discovery servers, manual servers.
    #[getter]
    fn registry(&self) -> PyConnectionRegistry {
        PyConnectionRegistry {
            manager: self.manager.clone(),
        }
    }

    /// The `omniverse.toml` in use (None for an in-memory registry).
    #[getter]
    fn config_path(&self) -> Option<PathBuf> {
        self.manager.config_path()
    }

    /// False after `shutdown()`.
    #[getter]
    fn is_running(&self) -> bool {
        self.manager.is_running()
    }

    /// The connection status of `url`'s Nucleus server, by omni.client's names (`Connected`,
    /// `Disconnected`, `SignedOut`, `AuthFailed`, ...); None for other URLs.
    fn connection_status(&self, url: &str) -> Option<&'static str> {
        self.manager.connection_status(url).map(|s| s.as_str())
    }

    /// Whether an add-server dialog is open.
    #[getter]
    fn is_add_server_dialog_open(&self) -> bool {
        self.manager.is_add_server_dialog_open()
    }
}

/// Starts the process-wide connection manager over the `omniverse.toml` at `config_path`
/// (default: the standard location, `$OMNI_CONFIG_PATH/omniverse.toml` or under the home
/// directory). `interactive_sign_in` lets a sign-in no auth callback answers wait for the
/// message-box callback's `complete_sign_in` (at most `sign_in_timeout` seconds);
/// `retry_budget` bounds a Nucleus connection attempt (default 120 s); `discovery_timeout`
/// bounds `ensure_connection`'s wait for a discovery (default 30 s). Raises `RuntimeError` if
/// it is running already or cannot start (for example, the file's folder cannot be watched),
/// `ValueError` for a `config_path` that is empty, contains a NUL or is a directory.
#[pyfunction]
#[pyo3(signature = (config_path=None, *, interactive_sign_in=false, retry_budget=None, discovery_timeout=None, sign_in_timeout=None))]
fn startup(
    py: Python<'_>,
    config_path: Option<PathBuf>,
    interactive_sign_in: bool,
    retry_budget: Option<f64>,
    discovery_timeout: Option<f64>,
    sign_in_timeout: Option<f64>,
) -> PyResult<PyConnectionManager> {
    let seconds = |value: f64, name: &str| {
        Duration::try_from_secs_f64(value).map_err(|_| {
            pyo3::exceptions::PyValueError::new_err(format!(
                "{name} must be a number of seconds >= 0"
            ))
        })
    };
    if let Some(path) = &config_path {
        check_config_path(path)?;
    }
    let mut config = match config_path {
        Some(path) => ManagerConfig::at_path(path),
        None => ManagerConfig::default(),
    }
    .interactive_sign_in(interactive_sign_in);
    if let Some(budget) = retry_budget {
        config = config.retry_budget(seconds(budget, "retry_budget")?);
    }
    if let Some(timeout) = discovery_timeout {
        config = config.discovery_timeout(seconds(timeout, "discovery_timeout")?);
    }
    if let Some(timeout) = sign_in_timeout {
        config = config.http_storage(HttpStorageConfig {
            sign_in_timeout: seconds(timeout, "sign_in_timeout")?,
            ..HttpStorageConfig::default()
        });
    }
    let manager = blocking(py, || cm_manager::startup(config))
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    Ok(PyConnectionManager { manager })
}

/// Refuses a `config_path` no change could ever be saved to: empty, with a NUL byte (no file
/// system accepts one), or an existing directory. Anything else may be created by the first
/// save, as Kit does.
fn check_config_path(path: &std::path::Path) -> PyResult<()> {
    let refuse = |why: &str| {
        Err(pyo3::exceptions::PyValueError::new_err(format!(
            "config_path {path:?}: {why}"
        )))
    };
    if path.as_os_str().is_empty() {
        return refuse("is empty (pass None for the standard location)");
    }
    if path.as_os_str().as_encoded_bytes().contains(&0) {
        return refuse("contains a NUL character");
    }
    if path.is_dir() {
        return refuse("is a directory; pass the path of the omniverse.toml file");
    }
    Ok(())
}

/// Stops the process-wide manager (its thread, file watcher and discoveries) and waits for
/// it; False if none was running. The open add-server dialog is cancelled first (its
/// `on_failed` runs), an awaited `ensure_connection` still under way answers False, and the
/// callback ids of this manager answer False in `unregister_callback` from now on.
#[pyfunction]
fn shutdown(py: Python<'_>) -> bool {
    crate::dialogs::cancel_open_dialog(py);
    let stopped = blocking(py, cm_manager::shutdown);
    crate::auth::forget_callbacks();
    fail_ensures_in_flight(py);
    stopped
}

/// The running connection manager, or None before `startup()` / after `shutdown()`.
#[pyfunction]
fn get_instance() -> Option<PyConnectionManager> {
    cm_manager::get_instance().map(|manager| PyConnectionManager { manager })
}

fn ensure_options(show_connecting_dialog: bool) -> EnsureOptions {
    EnsureOptions {
        show_connecting_dialog,
    }
}

/// Logs why an `ensure_connection` failed; answers Kit's boolean.
fn ensure_answer(
    py: Python<'_>,
    url: &str,
    result: Result<cm_manager::Reachable, cm_manager::EnsureError>,
) -> bool {
    match result {
        Ok(_) => true,
        Err(error) => {
            // The Rust message names the Rust option; a Python user sets it at startup.
            let why = error.to_string().replace(
                "ManagerConfig::interactive_sign_in",
                "connection_manager.startup(interactive_sign_in=True)",
            );
            log_warning(
                py,
                &format!("ensure_connection({}) failed: {why}", cm_url::redact(url)),
            );
            false
        }
    }
}

/// Blocking `ensure_connection`: True if `url` is reachable (see `ensure_connection`: a
/// discovery server's own http(s) discovery URL is reachable at once, whatever its
/// discovery's status). Releases the GIL while it waits, so Python auth callbacks and
/// observers can run; Ctrl-C raises `KeyboardInterrupt` here within a fraction of a second.
#[pyfunction]
#[pyo3(signature = (url, show_connecting_dialog=false))]
fn ensure_connection_sync(
    py: Python<'_>,
    url: &str,
    show_connecting_dialog: bool,
) -> PyResult<bool> {
    let Some(manager) = running(py, "ensure_connection") else {
        return Ok(false);
    };
    let result = wait(
        py,
        &manager,
        manager.ensure_connection_with(url, ensure_options(show_connecting_dialog)),
    )?;
    Ok(ensure_answer(py, url, result))
}

/// The `done` callbacks of the `ensure_connection`s under way, by a key of their own: the one
/// that takes a callback out calls it, so each is called exactly once, by the task when it
/// ends or by [`shutdown`] (with False) when the manager stops under it.
static ENSURES_IN_FLIGHT: parking_lot::Mutex<Option<HashMap<u64, Py<PyAny>>>> =
    parking_lot::Mutex::new(None);
static NEXT_ENSURE: AtomicU64 = AtomicU64::new(1);

fn take_in_flight(key: u64) -> Option<Py<PyAny>> {
    ENSURES_IN_FLIGHT.lock().as_mut()?.remove(&key)
}

/// Calls `done(False)` for every `ensure_connection` the stopped manager left unfinished.
fn fail_ensures_in_flight(py: Python<'_>) {
    let left = ENSURES_IN_FLIGHT.lock().take().unwrap_or_default();
    for (_, done) in left {
        if let Err(error) = done.call1(py, (false,)) {
            gil::log_exception(py, error, "ensure_connection's completion at shutdown");
        }
    }
}

/// Starts an `ensure_connection` on the manager's thread and calls `done(ok)` there when it
/// ends (the package's `async def ensure_connection` turns that into an asyncio result), or
/// `done(False)` from `shutdown()` if the manager stops first. False if the manager is not
/// running (`done` is then never called).
#[pyfunction]
#[pyo3(name = "_ensure_connection_start")]
fn ensure_connection_start(url: String, show_connecting_dialog: bool, done: Py<PyAny>) -> bool {
    let Some(manager) = cm_manager::get_instance() else {
        return false;
    };
    let key = NEXT_ENSURE.fetch_add(1, Ordering::Relaxed);
    ENSURES_IN_FLIGHT
        .lock()
        .get_or_insert_with(HashMap::new)
        .insert(key, done);
    let task = manager.clone();
    let spawned = manager.spawn(async move {
        let result = task
            .ensure_connection_with(&url, ensure_options(show_connecting_dialog))
            .await;
        gil::with_python(|py| {
            let ok = ensure_answer(py, &url, result);
            if let Some(done) = take_in_flight(key)
                && let Err(error) = done.call1(py, (ok,))
            {
                gil::log_exception(py, error, "ensure_connection's completion");
            }
        });
    });
    if !spawned {
        // Nothing will call it; the caller answers False itself.
        drop(take_in_flight(key));
    }
    spawned
}

/// Signs out of the Nucleus server of `url` (its credentials are forgotten); a no-op (False)
/// for other URLs.
#[pyfunction]
fn disconnect(py: Python<'_>, url: &str) -> PyResult<bool> {
    let Some(manager) = cm_manager::get_instance() else {
        return Ok(false);
    };
    wait(py, &manager, manager.disconnect(url))
}

/// Reconnects to the Nucleus server of `url` in the background; a no-op (False) for other
/// URLs.
#[pyfunction]
fn reconnect(url: &str) -> bool {
    cm_manager::reconnect(url)
}

/// The bookmarks, `{name: url}` in display order (empty before `startup()`).
#[pyfunction]
fn get_bookmarks(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    match cm_manager::get_instance() {
        Some(manager) => bookmarks_dict(py, &manager),
        None => Ok(PyDict::new(py)),
    }
}

/// Adds bookmark `name` pointing at `url`; False (reason logged) if refused or before
/// `startup()`.
#[pyfunction]
fn add_bookmark(py: Python<'_>, name: &str, url: &str) -> PyResult<bool> {
    let Some(manager) = running(py, "add_bookmark") else {
        return Ok(false);
    };
    let registry = manager.registry();
    let result = wait(py, &manager, registry.add_bookmark(name, url))?;
    Ok(logged_bool(py, "add_bookmark", result))
}

/// Removes the bookmark called `name`; False (reason logged) if there is none or before
/// `startup()`.
#[pyfunction]
fn remove_bookmark(py: Python<'_>, name: &str) -> PyResult<bool> {
    let Some(manager) = running(py, "remove_bookmark") else {
        return Ok(false);
    };
    let registry = manager.registry();
    let result = wait(py, &manager, registry.remove_bookmark(name))?;
    Ok(logged_bool(py, "remove_bookmark", result))
}

/// Renames bookmark `old_name` to `new_name`, pointing at `url`; False (reason logged) if
/// refused or before `startup()`.
#[pyfunction]
fn rename_bookmark(py: Python<'_>, old_name: &str, new_name: &str, url: &str) -> PyResult<bool> {
    let Some(manager) = running(py, "rename_bookmark") else {
        return Ok(false);
    };
    let registry = manager.registry();
    let result = wait(
        py,
        &manager,
        registry.rename_bookmark(old_name, new_name, url),
    )?;
    Ok(logged_bool(py, "rename_bookmark", result))
}

/// A display name for a server URL (its host, or Azure's container); works without startup.
#[pyfunction]
fn fallback_name_for_url(url: &str) -> String {
    cm_manager::fallback_name_for_url(url)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyConnectionManager>()?;
    m.add_class::<PyConnectionRegistry>()?;
    m.add_class::<PyDiscoveryServer>()?;
    m.add_class::<PyManualServer>()?;
    m.add_class::<PyServerMatch>()?;
    for function in [
        wrap_pyfunction!(startup, m)?,
        wrap_pyfunction!(shutdown, m)?,
        wrap_pyfunction!(get_instance, m)?,
        wrap_pyfunction!(ensure_connection_sync, m)?,
        wrap_pyfunction!(ensure_connection_start, m)?,
        wrap_pyfunction!(disconnect, m)?,
        wrap_pyfunction!(reconnect, m)?,
        wrap_pyfunction!(get_bookmarks, m)?,
        wrap_pyfunction!(add_bookmark, m)?,
        wrap_pyfunction!(remove_bookmark, m)?,
        wrap_pyfunction!(rename_bookmark, m)?,
        wrap_pyfunction!(fallback_name_for_url, m)?,
    ] {
        m.add_function(function)?;
    }
    for name in cm_registry::events::ALL_EVENTS {
        let constant = format!("{}_EVENT", cm_registry::events::short_name(name));
        m.add(constant.as_str(), name)?;
    }
    Ok(())
}
