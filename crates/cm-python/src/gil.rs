//! The threading rules of the bindings, in one place.
//!
//! * Python → Rust: a call that may wait (on the registry's actor, the manager's thread, a
//!   server, another thread inside an observer) runs inside [`blocking`], which releases the
//!   GIL. Otherwise a Rust thread that needs the GIL to run a Python observer would wait for a
//!   Python thread that waits for it.
//! * Rust → Python: a callback takes the GIL for its own duration only ([`with_python`]) and
//!   never while a Rust lock is held. An exception it raises is logged with its traceback on the
//!   `connection_manager` logger ([`log_exception`]) and goes no further: the next observer
//!   still runs, as a panicking Rust observer does not stop the others.
//! * Exit: [`at_exit`] (registered with `atexit` by the package) stops the manager and sets a
//!   flag after which no Rust thread enters Python again ([`with_python`] answers `None`).
//!   Python objects the Rust side still holds then are never released, which is harmless: the
//!   process is ending.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::ThreadId;

use pyo3::prelude::*;
use pyo3::types::PyTuple;

static EXITING: AtomicBool = AtomicBool::new(false);
/// The thread that ran [`at_exit`] (the one finalizing the interpreter).
static FINALIZER: OnceLock<ThreadId> = OnceLock::new();

/// Whether the interpreter is on its way out (after [`at_exit`]).
pub(crate) fn exiting() -> bool {
    EXITING.load(Ordering::Acquire)
}

/// Runs `f` with the GIL, from any thread; `None` (and `f` not run) once the interpreter is
/// exiting or finalized.
pub(crate) fn with_python<R>(f: impl for<'py> FnOnce(Python<'py>) -> R) -> Option<R> {
    if exiting() {
        return None;
    }
    Python::try_attach(f)
}

/// Runs `f` with the GIL released (the rule for every call that may wait).
///
/// A thread that comes back from `f` after [`at_exit`] on another thread than the exiting
/// one is a daemon thread (Python joined the others before `atexit`). Taking the GIL back
/// would let CPython (before 3.14) end it with `pthread_exit`, whose forced unwind through
/// these Rust frames aborts the process ("FATAL: exception not rethrown"); it parks instead,
/// as CPython 3.14 itself does, until the process ends.
pub(crate) fn blocking<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> T {
    py.detach(|| {
        let value = f();
        if exiting() && FINALIZER.get() != Some(&std::thread::current().id()) {
            loop {
                std::thread::park();
            }
        }
        value
    })
}

/// Logs `error` (with its traceback) on the `connection_manager` logger at ERROR, saying what
/// raised it. Falls back to printing it on `sys.stderr` if logging itself fails.
pub(crate) fn log_exception(py: Python<'_>, error: PyErr, what: &str) {
    tracing::warn!(what, "a Python callback raised an exception");
    if exiting() {
        // Logging may release the GIL (it writes to a stream); see `blocking`.
        return;
    }
    let logged = (|| -> PyResult<()> {
        let logger = py
            .import("logging")?
            .call_method1("getLogger", ("connection_manager",))?;
        let exc_info = PyTuple::new(
            py,
            [
                error.get_type(py).into_any(),
                error.value(py).clone().into_any(),
                error
                    .traceback(py)
                    .map_or_else(|| py.None().into_bound(py), Bound::into_any),
            ],
        )?;
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("exc_info", exc_info)?;
        logger.call_method("error", ("%s raised an exception", what), Some(&kwargs))?;
        Ok(())
    })();
    if let Err(logging_failed) = logged {
        error.print(py);
        logging_failed.print(py);
    }
}

/// Calls `callable(*args)` from a Rust thread: with the GIL, exceptions logged (see
/// [`log_exception`]); nothing once the interpreter is exiting. Answers the result, if any.
pub(crate) fn call_logged<A>(callable: &Py<PyAny>, what: &str, args: A) -> Option<Py<PyAny>>
where
    A: for<'py> pyo3::call::PyCallArgs<'py>,
{
    with_python(|py| match callable.call1(py, args) {
        Ok(value) => Some(value),
        Err(error) => {
            log_exception(py, error, what);
            None
        }
    })
    .flatten()
}

/// Called by the package's `atexit` hook: stops the process-wide manager (its thread, watcher
/// and discovery actors) with the GIL released, then stops every Rust → Python call.
#[pyfunction]
#[pyo3(name = "_at_exit")]
pub(crate) fn at_exit(py: Python<'_>) {
    let _ = FINALIZER.set(std::thread::current().id());
    EXITING.store(true, Ordering::Release);
    blocking(py, || {
        cm_manager::shutdown();
    });
}
