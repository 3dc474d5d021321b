//! `connection_manager.eventdispatcher`: Carbonite's `carb.eventdispatcher` over cm-events.
//!
//! [`PyEventDispatcher`] wraps the process-wide [`cm_events::dispatcher()`], the one the
//! connection manager announces its changes on, so a Python observer sees the same events a
//! Rust one does. A Python observer is a Rust closure that takes the GIL for the call
//! ([`gil::with_python`]) and logs an exception instead of passing it on; every call that may
//! run observers or wait for one ([`dispatch_event`](PyEventDispatcher::dispatch_event),
//! [`reset`](PyObserverGuard::reset), [`RunLoop.update`](PyRunLoop::update)) releases the GIL.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use cm_events::{Dispatcher, EventName, EventType, ObserveOptions, Payload};
use pyo3::exceptions::{PyKeyError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::{from_payload, from_variant, optional_payload, to_payload};
use crate::gil::{self, blocking, log_exception, with_python};

/// One event as an observer sees it: its name and a copy of its payload. Read a payload value
/// with `event["url"]` (a `KeyError` if absent) or `event.get("url", default)`.
#[pyclass(name = "Event", module = "connection_manager.eventdispatcher", frozen)]
pub(crate) struct PyEvent {
    name: EventName,
    payload: Payload,
}

#[pymethods]
impl PyEvent {
    /// The event's name.
    #[getter]
    fn event_name(&self) -> &'static str {
        self.name.as_str()
    }

    /// The payload as a new `dict`.
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        from_payload(py, &self.payload)
    }

    fn __getitem__<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        match self.payload.get(key) {
            Some(value) => from_variant(py, value),
            None => Err(PyKeyError::new_err(key.to_owned())),
        }
    }

    /// The payload value of `key`, or `default`.
    #[pyo3(signature = (key, default=None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: &str,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match self.payload.get(key) {
            Some(value) => from_variant(py, value),
            None => Ok(default.unwrap_or_else(|| py.None().into_bound(py))),
        }
    }

    fn __contains__(&self, key: &str) -> bool {
        self.payload.contains_key(key)
    }

    /// The payload's keys.
    fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.payload.iter().map(|(key, _)| key.as_str()))
    }

    fn __repr__(&self) -> String {
        format!(
            "Event({:?}, {})",
            self.name.as_str(),
            self.payload.to_json()
        )
    }
}

/// Keeps a Python observer registered. `reset()` (or leaving a `with` block, or dropping the
/// last reference) stops it; once `reset()` returns the callback is never called again.
///
/// `reset()` waits for other threads that are inside the callback (the Rust guard's rule,
/// Carbonite's), except on the connection manager's own thread (an observer of a manager
/// event): a callback running elsewhere may be waiting for that very thread (a blocking call
/// such as `add_bookmark`), so waiting there would deadlock both. There the callback is
/// switched off at once (it is not called again) and the registration is removed by a helper
/// thread that does the waiting; a call already running on another thread finishes after
/// `reset()` returned.
#[pyclass(name = "ObserverGuard", module = "connection_manager.eventdispatcher")]
pub(crate) struct PyObserverGuard {
    guard: Arc<cm_events::ObserverGuard>,
    /// Set by `reset`/drop before anything else; the callback checks it before entering Python.
    stopped: Arc<AtomicBool>,
}

/// Stops `guard` with the GIL released, waiting for other threads inside the callback, except
/// on the manager's thread (see [`PyObserverGuard`]).
fn reset_guard(py: Python<'_>, guard: Arc<cm_events::ObserverGuard>) {
    let on_manager_thread =
        cm_manager::get_instance().is_some_and(|manager| manager.is_manager_thread());
    if on_manager_thread {
        let waiter = Arc::clone(&guard);
        let spawned = std::thread::Builder::new()
            .name("cm-python-reset".to_owned())
            .spawn(move || waiter.reset());
        if spawned.is_err() {
            // No thread to wait on: the callback is switched off already, so leaving it
            // registered only costs a no-op call per dispatch.
            tracing::warn!("could not start a thread to remove a reset Python observer");
        }
        return;
    }
    // `reset` waits for other threads inside the callback, which need the GIL to finish.
    blocking(py, move || guard.reset());
}

impl PyObserverGuard {
    fn stop(&self, py: Python<'_>) {
        self.stopped.store(true, Ordering::Release);
        reset_guard(py, Arc::clone(&self.guard));
    }
}

impl Drop for PyObserverGuard {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::Release);
        let guard = std::mem::take(&mut self.guard);
        if gil::exiting() {
            // Waiting for a callback at exit could wait for a thread Python has stopped; the
            // callback is a no-op by now, so leave it registered.
            std::mem::forget(guard);
            return;
        }
        // Objects are freed with the GIL held; release it for the wait, as `reset` does.
        let mut guard = Some(guard);
        Python::try_attach(|py| {
            if let Some(guard) = guard.take() {
                reset_guard(py, guard);
            }
        });
        if let Some(guard) = guard {
            // No interpreter to release: the process is ending (see above).
            std::mem::forget(guard);
        }
    }
}

#[pymethods]
impl PyObserverGuard {
    /// Stops the observer (idempotent): the callback is not called again once this returns.
    /// Waits until no other thread is inside the callback, except on the connection manager's
    /// thread, where waiting could deadlock (see the class docstring).
    fn reset(&self, py: Python<'_>) {
        self.stop(py);
    }

    /// True while the observer is registered.
    #[getter]
    fn is_active(&self) -> bool {
        !self.stopped.load(Ordering::Acquire) && self.guard.is_active()
    }

    /// Whether the observer is called (it stays registered while disabled).
    #[getter]
    fn get_enabled(&self) -> bool {
        self.guard.is_enabled()
    }

    #[setter]
    fn set_enabled(&self, enabled: bool) {
        self.guard.set_enabled(enabled);
    }

    /// The observer's order (lower runs first); `None` once reset.
    #[getter]
    fn get_order(&self) -> Option<i64> {
        if !self.is_active() {
            return None;
        }
        self.guard.order()
    }

    #[setter]
    fn set_order(&self, order: i64) {
        self.guard.set_order(order);
    }

    /// The observer's name.
    #[getter]
    fn observer_name(&self) -> Option<&'static str> {
        self.guard.observer_name().map(|k| k.as_str())
    }

    /// Returns the guard itself: `with d.observe_event(...) as guard:` observes for the block.
    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Stops the observer, as `reset()` does; the block's exception (if any) propagates.
    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.stop(py);
        false
    }
}

/// The event dispatcher (`carb.eventdispatcher.IEventDispatcher`): observe events by name,
/// dispatch them, queue them for a run loop.
#[pyclass(
    name = "EventDispatcher",
    module = "connection_manager.eventdispatcher",
    frozen,
    subclass
)]
pub(crate) struct PyEventDispatcher {
    dispatcher: Dispatcher,
}

/// A default observer name: the callable's `__qualname__`, as Kit's log lines show it.
fn default_observer_name(on_event: &Bound<'_, PyAny>) -> String {
    on_event
        .getattr("__qualname__")
        .and_then(|name| name.extract::<String>())
        .unwrap_or_else(|_| "python observer".to_owned())
}

#[pymethods]
impl PyEventDispatcher {
    /// A handle to the process-wide dispatcher (what `get_eventdispatcher()` returns).
    #[new]
    fn new() -> Self {
        Self {
            dispatcher: cm_events::dispatcher().clone(),
        }
    }

    /// Calls `on_event(event)` for every dispatch of `event_name` whose payload contains the
    /// `filter`'s key/value pairs. Lower `order` runs first. Returns the guard that keeps the
    /// observer registered. `on_event` runs with the GIL on the thread that dispatches; an
    /// exception it raises is logged with its traceback and the other observers still run.
    /// A `KeyboardInterrupt` / `SystemExit` is not logged: the other observers still run, then
    /// it is re-raised by the `dispatch_event` / `queue_event` / `RunLoop.update` that called
    /// the observer on this thread; on the manager's thread (no Python caller) a
    /// `KeyboardInterrupt` is passed to the main thread as a Ctrl-C and a `SystemExit` logged.
    #[pyo3(signature = (event_name, on_event, observer_name=None, order=0, filter=None))]
    fn observe_event(
        &self,
        event_name: &str,
        on_event: Bound<'_, PyAny>,
        observer_name: Option<String>,
        order: i64,
        filter: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyObserverGuard> {
        if !on_event.is_callable() {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "on_event must be callable",
            ));
        }
        let observer_name = observer_name.unwrap_or_else(|| default_observer_name(&on_event));
        let filter = filter.map(to_payload).transpose()?;
        let what = format!("observer {observer_name:?} of {event_name:?}");
        let callable: Py<PyAny> = on_event.unbind();
        let stopped = Arc::new(AtomicBool::new(false));
        let switched_off = Arc::clone(&stopped);
        let guard = self.dispatcher.observe_with(
            observer_name.as_str(),
            event_name,
            ObserveOptions {
                order,
                filter,
                ..ObserveOptions::default()
            },
            move |event| {
                if switched_off.load(Ordering::Acquire) {
                    return;
                }
                with_python(|py| {
                    let event = PyEvent {
                        name: event.name(),
                        payload: event.payload().clone(),
                    };
                    if let Err(error) = callable.call1(py, (event,)) {
                        log_exception(py, error, &what);
                    }
                });
            },
        );
        Ok(PyObserverGuard {
            guard: Arc::new(guard),
            stopped,
        })
    }

    /// Dispatches `event_name` with `payload` to its observers now, on this thread; returns how
    /// many were called. The GIL is released while observers run (Python ones take it back).
    /// With no observer it returns 0 at once, without converting the payload (so a value of an
    /// unsupported type raises `TypeError` only while someone observes the name).
    #[pyo3(signature = (event_name, payload=None))]
    fn dispatch_event(
        &self,
        py: Python<'_>,
        event_name: &str,
        payload: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<usize> {
        // Nobody listening (the common case): no payload to convert, no GIL to release.
        if !self.dispatcher.has_any_observers(event_name) {
            return Ok(0);
        }
        let payload = optional_payload(payload)?;
        blocking(py, || {
            gil::python_dispatch(|| self.dispatcher.dispatch(event_name, &payload))
        })
    }

    /// Whether `dispatch_event(event_name, filter or {})` would call an observer.
    #[pyo3(signature = (event_name, filter=None))]
    fn has_observers(
        &self,
        event_name: &str,
        filter: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<bool> {
        let filter = filter.map(to_payload).transpose()?;
        Ok(self.dispatcher.has_observers(event_name, filter.as_ref()))
    }

    /// Dispatches `<event_name>:immediate` now and queues `event_name` on the message bus of
    /// `runloop` (default: the main loop), delivered by that loop's next `update()`.
    #[pyo3(signature = (event_name, payload=None, runloop=None))]
    fn queue_event(
        &self,
        py: Python<'_>,
        event_name: &str,
        payload: Option<&Bound<'_, PyDict>>,
        runloop: Option<&str>,
    ) -> PyResult<()> {
        let payload = optional_payload(payload)?;
        blocking(py, || {
            gil::python_dispatch(|| self.dispatcher.queue_event(event_name, payload, runloop))
        })?
        .map_err(|e| match e {
            cm_events::QueueError::NotFound { .. } => PyRuntimeError::new_err(format!(
                "{e}: no run loop {:?} exists yet; create \
                 connection_manager.eventdispatcher.RunLoop({:?}) on the thread that will \
                 call its update() first",
                runloop.unwrap_or("main"),
                runloop.unwrap_or("main"),
            )),
            other => PyRuntimeError::new_err(other.to_string()),
        })
    }

    /// Registers `event_name` as the alias of the legacy integer type `event_type` (see
    /// `type_from_string`); False if that pair is registered already or the type is aliased to
    /// another name.
    fn register_event_alias(&self, event_type: u64, event_name: &str) -> bool {
        self.dispatcher
            .register_event_alias(EventType(event_type), event_name)
            .is_ok()
    }

    /// Removes the alias of `event_type`; False if it had none.
    fn unregister_event_alias(&self, event_type: u64) -> bool {
        self.dispatcher
            .unregister_event_alias(EventType(event_type))
            .is_some()
    }

    /// How many observers `event_name` has (enabled or not).
    fn observer_count(&self, event_name: &str) -> usize {
        self.dispatcher.get_observers(event_name).len()
    }
}

/// A run loop on the current thread: `update(dt)` dispatches its `preUpdate`, `update` and
/// `postUpdate` events and delivers the events queued for it. `update()` and `tick()` run on the
/// thread that made it (the loop's message queue is owned by that thread); from another thread
/// they raise `RuntimeError`.
#[pyclass(name = "RunLoop", module = "connection_manager.eventdispatcher")]
pub(crate) struct PyRunLoop {
    runloop: cm_events::RunLoop,
    owner: std::thread::ThreadId,
}

impl PyRunLoop {
    /// The loop, if this is the thread that made it.
    fn owned(&mut self) -> PyResult<&mut cm_events::RunLoop> {
        if std::thread::current().id() != self.owner {
            return Err(PyRuntimeError::new_err(format!(
                "RunLoop {:?} belongs to the thread that made it: update() and tick() must run there",
                self.runloop.name()
            )));
        }
        Ok(&mut self.runloop)
    }
}

#[pymethods]
impl PyRunLoop {
    /// The run loop called `name` (`"main"`: the one `queue_event` uses by default), owned by
    /// this thread.
    #[new]
    #[pyo3(signature = (name="main"))]
    fn new(name: &str) -> PyResult<Self> {
        cm_events::RunLoop::new(cm_events::dispatcher(), name)
            .map(|runloop| Self {
                runloop,
                owner: std::thread::current().id(),
            })
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// Runs one frame with `dt` seconds; returns how many queued events were delivered.
    fn update(&mut self, py: Python<'_>, dt: f64) -> PyResult<usize> {
        let runloop = self.owned()?;
        blocking(py, || gil::python_dispatch(|| runloop.update(dt)))?
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// Runs one frame with `dt` measured since the previous tick.
    fn tick(&mut self, py: Python<'_>) -> PyResult<usize> {
        let runloop = self.owned()?;
        blocking(py, || gil::python_dispatch(|| runloop.tick()))?
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// The loop's name.
    #[getter]
    fn name(&self) -> String {
        self.runloop.name().to_owned()
    }

    /// The number of the next frame.
    #[getter]
    fn frame_number(&self) -> i64 {
        self.runloop.frame_number()
    }
}

/// The legacy (Events 1.0) integer type of an event name: FNV-1a 64 of its UTF-8 bytes, the
/// same integer as Rust's `cm_events::type_from_string` and Kit's `carb.events.type_from_string`.
#[pyfunction]
fn type_from_string(name: &str) -> u64 {
    cm_events::type_from_string(name).0
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyEvent>()?;
    m.add_class::<PyObserverGuard>()?;
    m.add_class::<PyEventDispatcher>()?;
    m.add_class::<PyRunLoop>()?;
    m.add_function(wrap_pyfunction!(type_from_string, m)?)?;
    Ok(())
}
