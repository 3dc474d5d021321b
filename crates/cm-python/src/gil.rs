//! The threading rules of the bindings, in one place.
//!
//! * Python → Rust: a call that may wait (on the registry's actor, the manager's thread, a
//!   server, another thread inside an observer) runs inside [`blocking`], which releases the
//!   GIL. Otherwise a Rust thread that needs the GIL to run a Python observer would wait for a
//!   Python thread that waits for it.
//! * Rust → Python: a callback takes the GIL for its own duration only ([`with_python`]) and
//!   never while a Rust lock is held. An exception it raises is logged with its traceback on the
//!   `connection_manager` logger ([`log_exception`]) and goes no further: the next observer
//!   still runs, as a panicking Rust observer does not stop the others. A `BaseException` that
//!   is not an `Exception` (`KeyboardInterrupt`, `SystemExit`) is not swallowed
//!   ([`escalate`]): raised in an observer called by a Python `dispatch_event` /
//!   `RunLoop.update` / `queue_event` on the same thread, it is re-raised to that caller once
//!   the other observers ran; raised on a Rust thread (the manager's), a `KeyboardInterrupt`
//!   becomes a Ctrl-C for the main thread (`PyErr_SetInterrupt`) and a `SystemExit` is logged
//!   (there is no Python caller to raise it to).
//! * A blocking wait ([`wait_interruptibly`]) wakes every [`SIGNAL_CHECK_INTERVAL`] to run the
//!   Python signal handlers, so Ctrl-C raises `KeyboardInterrupt` in the caller promptly (the
//!   awaited request is dropped).
//! * Exit: [`at_exit`] (registered with `atexit` by the package) stops the manager and sets a
//!   flag after which no Rust thread enters Python again ([`with_python`] answers `None`).
//!   Python objects the Rust side still holds then are never released, which is harmless: the
//!   process is ending.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

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

/// How often a blocking wait comes back to run Python's signal handlers.
pub(crate) const SIGNAL_CHECK_INTERVAL: Duration = Duration::from_millis(50);

struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to its end on this thread with the GIL released, coming back every
/// [`SIGNAL_CHECK_INTERVAL`] to run the signal handlers: an exception they raise (Ctrl-C's
/// `KeyboardInterrupt`) ends the wait and is the answer (the future is dropped).
pub(crate) fn wait_interruptibly<F>(py: Python<'_>, future: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut future = std::pin::pin!(future);
    loop {
        let step = blocking(py, || {
            let mut context = Context::from_waker(&waker);
            let deadline = Instant::now() + SIGNAL_CHECK_INTERVAL;
            loop {
                if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
                    return Some(output);
                }
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return None;
                }
                std::thread::park_timeout(left);
            }
        });
        match step {
            Some(output) => return Ok(output),
            None => py.check_signals()?,
        }
    }
}

thread_local! {
    /// How many Python-called dispatches (`dispatch_event`, `RunLoop.update`...) this thread
    /// is inside: a `BaseException` from an observer then goes back to that caller.
    static PYTHON_DISPATCHES: Cell<usize> = const { Cell::new(0) };
    /// The first `BaseException` an observer raised during the current Python-called dispatch.
    static ESCALATED: RefCell<Option<PyErr>> = const { RefCell::new(None) };
}

/// Runs `dispatch` (observers may run inside it) for a Python caller; answers its value, or
/// the first `KeyboardInterrupt` / `SystemExit` an observer raised on this thread (after the
/// other observers ran).
pub(crate) fn python_dispatch<T>(dispatch: impl FnOnce() -> T) -> PyResult<T> {
    PYTHON_DISPATCHES.with(|depth| depth.set(depth.get() + 1));
    let value = dispatch();
    PYTHON_DISPATCHES.with(|depth| depth.set(depth.get() - 1));
    match ESCALATED.with(|slot| slot.borrow_mut().take()) {
        Some(error) => Err(error),
        None => Ok(value),
    }
}

/// Whether `error` is a `BaseException` that is not an `Exception` (`KeyboardInterrupt`,
/// `SystemExit`, `GeneratorExit`): one that asks the program to stop, never to be swallowed.
fn asks_to_stop(py: Python<'_>, error: &PyErr) -> bool {
    !error.is_instance_of::<pyo3::exceptions::PyException>(py)
}

/// Passes a `KeyboardInterrupt` / `SystemExit` raised by a callback on (see the module docs);
/// true if it did (so the caller does not log it as an ordinary exception).
fn escalate(py: Python<'_>, error: &PyErr, what: &str) -> bool {
    if !asks_to_stop(py, error) {
        return false;
    }
    if PYTHON_DISPATCHES.with(Cell::get) > 0 {
        ESCALATED.with(|slot| {
            let mut slot = slot.borrow_mut();
            if slot.is_none() {
                *slot = Some(error.clone_ref(py));
            }
        });
        return true;
    }
    if rearm_interrupt(py, error) {
        tracing::warn!(
            what,
            "KeyboardInterrupt in a callback: passed to the main thread"
        );
        return true;
    }
    false
}

/// If `error` is a `KeyboardInterrupt` that cannot be raised where it was caught (inside
/// logging, or on a Rust thread), arms it again as a Ctrl-C for the main thread's next signal
/// check, so it is never swallowed. True if it did.
pub(crate) fn rearm_interrupt(py: Python<'_>, error: &PyErr) -> bool {
    if !error.is_instance_of::<pyo3::exceptions::PyKeyboardInterrupt>(py) {
        return false;
    }
    // SAFETY: callable from any thread; it only sets the flag the main thread's next signal
    // check turns into KeyboardInterrupt.
    unsafe { pyo3::ffi::PyErr_SetInterrupt() };
    true
}

/// Logs `error` (with its traceback) on the `connection_manager` logger at ERROR, saying what
/// raised it. Falls back to printing it on `sys.stderr` if logging itself fails.
pub(crate) fn log_exception(py: Python<'_>, error: PyErr, what: &str) {
    if escalate(py, &error, what) {
        return;
    }
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
        if !escalate(py, &logging_failed, "logging") {
            logging_failed.print(py);
        }
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
