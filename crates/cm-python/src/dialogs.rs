//! The add-server dialogs as view models a Python UI drives.
//!
//! `show_add_*_server_dialog(on_success, on_failed)` opens cm-manager's dialog and returns it:
//! read `state` (a `dict` whose `"state"` is `input`, `validating`, `connecting`, `success`,
//! `error` or `cancelled`, with the fields of that state), `set_name` / `set_url`, `submit()`,
//! `retry()`, `cancel()`. As in Kit, the dialog stays open until it succeeds or is cancelled,
//! whether or not the caller keeps the returned object (the module holds it meanwhile), and a
//! second `show_*` while one is open calls its `on_failed` at once and returns None.
//! `on_success(name, url, server_id)` and `on_failed()` run with the GIL on the thread that
//! finished the dialog; an exception they raise is logged with its traceback. `shutdown()`
//! cancels the open dialog (its `on_failed` runs) and `get_open_dialog()` answers None after.

use cm_manager::dialogs::{AddServerDialog, AddServerState, OnFailed, OnSuccess, ServerKind};
use parking_lot::Mutex;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::gil::{self, blocking, call_logged};

/// The dialog that is open, kept here until it finishes (a Kit dialog stays on screen whether
/// or not its opener kept a reference), with the number it was opened under: a dialog that
/// finishes clears the slot only if it still holds that dialog (not a newer one).
static OPEN: Mutex<Option<(u64, AddServerDialog)>> = Mutex::new(None);
static NEXT_DIALOG: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Cancels the open dialog (its `on_failed` runs) and clears the slot: called by `shutdown()`
/// before the manager stops, since no dialog outlives the manager it adds servers to.
pub(crate) fn cancel_open_dialog(py: Python<'_>) {
    let open = OPEN.lock().take();
    if let Some((_, dialog)) = open {
        blocking(py, || dialog.cancel());
    }
}

fn state_dict<'py>(py: Python<'py>, state: &AddServerState) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    match state {
        AddServerState::Input { name, url, problem } => {
            dict.set_item("state", "input")?;
            dict.set_item("name", name)?;
            dict.set_item("url", url)?;
            dict.set_item("problem", problem)?;
        }
        AddServerState::Validating { name, url } => {
            dict.set_item("state", "validating")?;
            dict.set_item("name", name)?;
            dict.set_item("url", url)?;
        }
        AddServerState::Connecting { name, url } => {
            dict.set_item("state", "connecting")?;
            dict.set_item("name", name)?;
            dict.set_item("url", url)?;
        }
        AddServerState::Success {
            name,
            url,
            server_id,
        } => {
            dict.set_item("state", "success")?;
            dict.set_item("name", name)?;
            dict.set_item("url", url)?;
            dict.set_item("server_id", server_id)?;
        }
        AddServerState::Error { name, url, message } => {
            dict.set_item("state", "error")?;
            dict.set_item("name", name)?;
            dict.set_item("url", url)?;
            dict.set_item("message", message)?;
        }
        AddServerState::Cancelled => {
            dict.set_item("state", "cancelled")?;
        }
    }
    Ok(dict)
}

/// An add-server dialog (input → validating → connecting → success / error).
#[pyclass(name = "AddServerDialog", module = "connection_manager", frozen)]
pub(crate) struct PyAddServerDialog {
    dialog: AddServerDialog,
}

impl PyAddServerDialog {
    /// Runs one of the dialog's async actions to its end with the GIL released.
    fn wait<'py, F>(&self, py: Python<'py>, action: F) -> PyResult<Bound<'py, PyDict>>
    where
        F: std::future::Future<Output = AddServerState> + Send,
    {
        let state = match cm_manager::get_instance() {
            Some(manager) if manager.is_manager_thread() => None,
            Some(_) => Some(gil::wait_interruptibly(py, action)?),
            // No manager to deadlock with: the dialog's backend answers "not running".
            None => Some(gil::wait_interruptibly(py, action)?),
        };
        match state {
            Some(state) => state_dict(py, &state),
            None => Err(pyo3::exceptions::PyRuntimeError::new_err(
                "submit() would wait for the connection manager's own thread, which is running it",
            )),
        }
    }
}

#[pymethods]
impl PyAddServerDialog {
    /// `discovery`, `nucleus` or `http`.
    #[getter]
    fn kind(&self) -> &'static str {
        match self.dialog.kind() {
            ServerKind::Discovery => "discovery",
            ServerKind::Nucleus => "nucleus",
            ServerKind::Http => "http",
        }
    }

    /// What to draw now, as a `dict` (`state` plus that state's fields).
    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        state_dict(py, &self.dialog.state())
    }

    /// Whether the dialog succeeded or was cancelled.
    #[getter]
    fn is_finished(&self) -> bool {
        self.dialog.state().is_finished()
    }

    /// Sets the name field (in `input` or `error`); False in other states.
    fn set_name(&self, name: &str) -> bool {
        self.dialog.set_name(name)
    }

    /// Sets the URL field (in `input` or `error`); False in other states.
    fn set_url(&self, url: &str) -> bool {
        self.dialog.set_url(url)
    }

    /// Validates the fields, connects for real and adds the server; returns the state it ends
    /// in. Releases the GIL while it waits.
    fn submit<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.wait(py, self.dialog.submit())
    }

    /// Tries again from `error` with the same fields.
    fn retry<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.wait(py, self.dialog.retry())
    }

    /// `submit()` without waiting (for a UI loop): watch `state` or `observe` for the outcome.
    fn submit_in_background(&self) -> bool {
        self.dialog.submit_in_background()
    }

    /// Cancels the dialog (`on_failed` runs); False if it had finished.
    fn cancel(&self, py: Python<'_>) -> bool {
        blocking(py, || self.dialog.cancel())
    }

    /// Calls `observer(state: dict)` with every new state, on the thread that made the change.
    fn observe(&self, observer: Py<PyAny>) {
        self.dialog.observe(move |state| {
            crate::gil::with_python(|py| match state_dict(py, state) {
                Ok(state) => {
                    if let Err(error) = observer.call1(py, (state,)) {
                        crate::gil::log_exception(py, error, "add-server dialog observer");
                    }
                }
                Err(error) => crate::gil::log_exception(py, error, "add-server dialog observer"),
            });
        });
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let state = state_dict(py, &self.dialog.state())?;
        Ok(format!(
            "AddServerDialog(kind={:?}, state={})",
            self.kind(),
            state.repr()?
        ))
    }
}

fn callbacks(
    on_success: Option<Py<PyAny>>,
    on_failed: Option<Py<PyAny>>,
) -> (Option<OnSuccess>, Option<OnFailed>) {
    let on_success = on_success.map(|callback| -> OnSuccess {
        Box::new(move |name: &str, url: &str, server_id: u64| {
            call_logged(
                &callback,
                "on_success",
                (name.to_owned(), url.to_owned(), server_id),
            );
        })
    });
    let on_failed = on_failed.map(|callback| -> OnFailed {
        Box::new(move || {
            call_logged(&callback, "on_failed", ());
        })
    });
    (on_success, on_failed)
}

fn show(
    py: Python<'_>,
    kind: ServerKind,
    on_success: Option<Py<PyAny>>,
    on_failed: Option<Py<PyAny>>,
) -> Option<PyAddServerDialog> {
    let (on_success, on_failed) = callbacks(on_success, on_failed);
    let dialog = blocking(py, || {
        let dialog = match kind {
            ServerKind::Discovery => {
                cm_manager::show_add_discovery_server_dialog(on_success, on_failed)
            }
            ServerKind::Nucleus => {
                cm_manager::show_add_nucleus_server_dialog(on_success, on_failed)
            }
            ServerKind::Http => cm_manager::show_add_http_server_dialog(on_success, on_failed),
        }?;
        // Released when it finishes; the observer holds no clone (that would keep it alive).
        let number = NEXT_DIALOG.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        dialog.observe(move |state| {
            if state.is_finished() {
                let mut open = OPEN.lock();
                if open
                    .as_ref()
                    .is_some_and(|(open_number, _)| *open_number == number)
                {
                    open.take();
                }
            }
        });
        *OPEN.lock() = Some((number, dialog.clone()));
        Some(dialog)
    });
    if dialog.is_none() {
        crate::manager::log_warning(
            py,
            "an add-server dialog is already open (or the manager is not running): on_failed was called",
        );
    }
    dialog.map(|dialog| PyAddServerDialog { dialog })
}

/// Opens the add-discovery-server dialog; None (after calling `on_failed`) if one is open.
#[pyfunction]
#[pyo3(signature = (on_success=None, on_failed=None))]
fn show_add_discovery_server_dialog(
    py: Python<'_>,
    on_success: Option<Py<PyAny>>,
    on_failed: Option<Py<PyAny>>,
) -> Option<PyAddServerDialog> {
    show(py, ServerKind::Discovery, on_success, on_failed)
}

/// Opens the add-Nucleus-server dialog; None (after calling `on_failed`) if one is open.
#[pyfunction]
#[pyo3(signature = (on_success=None, on_failed=None))]
fn show_add_nucleus_server_dialog(
    py: Python<'_>,
    on_success: Option<Py<PyAny>>,
    on_failed: Option<Py<PyAny>>,
) -> Option<PyAddServerDialog> {
    show(py, ServerKind::Nucleus, on_success, on_failed)
}

/// Opens the add-HTTP-server dialog (HTTP(S), S3, Azure, GCS); None (after calling
/// `on_failed`) if one is open.
#[pyfunction]
#[pyo3(signature = (on_success=None, on_failed=None))]
fn show_add_http_server_dialog(
    py: Python<'_>,
    on_success: Option<Py<PyAny>>,
    on_failed: Option<Py<PyAny>>,
) -> Option<PyAddServerDialog> {
    show(py, ServerKind::Http, on_success, on_failed)
}

/// The add-server dialog that is open, or None.
#[pyfunction]
fn get_open_dialog() -> Option<PyAddServerDialog> {
    OPEN.lock().as_ref().map(|(_, dialog)| PyAddServerDialog {
        dialog: dialog.clone(),
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyAddServerDialog>()?;
    m.add_function(wrap_pyfunction!(show_add_discovery_server_dialog, m)?)?;
    m.add_function(wrap_pyfunction!(show_add_nucleus_server_dialog, m)?)?;
    m.add_function(wrap_pyfunction!(show_add_http_server_dialog, m)?)?;
    m.add_function(wrap_pyfunction!(get_open_dialog, m)?)?;
    Ok(())
}
