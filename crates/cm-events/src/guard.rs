//! [`ObserverGuard`]: the handle that keeps an observer registered.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::dispatcher::DispatcherInner;
use crate::dispatcher::observer::Observer;
use crate::name::{EventName, Key};

/// Keeps an observer registered. Dropping it or calling [`ObserverGuard::reset`] stops the
/// observer; once `reset` returns the callback never runs again (it waits for other threads that
/// are inside the callback, but not for the current thread, so an observer may reset itself, nor
/// for another thread inside the callback that is resetting it too).
///
/// ```
/// use cm_events::{Dispatcher, Payload};
/// let d = Dispatcher::new();
/// let guard = d.observe("o", 0, "tick", None, |_| {});
/// assert_eq!(d.dispatch("tick", Payload::new()), 1);
/// guard.set_enabled(false);
/// assert_eq!(d.dispatch("tick", Payload::new()), 0);
/// guard.set_enabled(true);
/// guard.reset();
/// assert!(!guard.is_active());
/// assert_eq!(d.dispatch("tick", Payload::new()), 0);
/// ```
#[must_use = "dropping the guard stops the observer at once"]
#[derive(Default)]
pub struct ObserverGuard {
    inner: Option<(Arc<DispatcherInner>, Arc<Observer>)>,
    /// Set once a `reset` has returned (so `drop` after `reset` costs nothing).
    reset_done: AtomicBool,
}

/// An observer that outlives its guard ([`ObserverGuard::release`]); end it with
/// [`crate::Dispatcher::stop_observing`]. Dropping the handle does not stop the observer
/// (Carbonite's `ObserverGuard::release()` and `IEventDispatcher::stopObserving`).
///
/// ```
/// use cm_events::{Dispatcher, Payload};
/// let d = Dispatcher::new();
/// let handle = d.observe("o", 0, "tick", None, |_| {}).release().unwrap();
/// assert_eq!(d.dispatch("tick", Payload::new()), 1); // still observing
/// assert!(d.stop_observing(&handle));
/// assert!(!d.stop_observing(&handle)); // already stopped
/// assert_eq!(d.dispatch("tick", Payload::new()), 0);
/// ```
#[derive(Clone)]
pub struct ObserverHandle {
    pub(crate) observer: Arc<Observer>,
}

impl std::fmt::Debug for ObserverHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObserverHandle")
            .field("observer", &self.observer.name.as_str())
            .field("event", &self.observer.event.as_str())
            .field("active", &!self.observer.is_removed())
            .finish()
    }
}

impl ObserverHandle {
    /// True while the observer is registered.
    pub fn is_active(&self) -> bool {
        !self.observer.is_removed()
    }
}

impl ObserverGuard {
    pub(crate) fn new(dispatcher: Arc<DispatcherInner>, observer: Arc<Observer>) -> Self {
        ObserverGuard {
            inner: Some((dispatcher, observer)),
            reset_done: AtomicBool::new(false),
        }
    }

    /// A guard that observes nothing (what `Default` gives).
    pub fn empty() -> Self {
        Self::default()
    }

    /// Stops the observer and waits until no other thread is running its callback. Takes
    /// `&self`, so a guard shared between threads needs no lock to reset; idempotent (a second
    /// call returns at once once a reset has returned, and waits like the first while one is
    /// still under way, so the guarantee holds for every caller).
    ///
    /// ```
    /// use cm_events::{Dispatcher, Payload};
    /// use std::sync::Arc;
    /// let d = Dispatcher::new();
    /// let guard = Arc::new(d.observe("o", 0, "tick", None, |_| {}));
    /// let shared = guard.clone();
    /// std::thread::spawn(move || shared.reset()).join().unwrap();
    /// guard.reset(); // idempotent
    /// assert!(!guard.is_active());
    /// assert_eq!(d.dispatch("tick", Payload::new()), 0);
    /// ```
    pub fn reset(&self) {
        if self.reset_done.load(Ordering::Acquire) {
            return;
        }
        if let Some((dispatcher, observer)) = &self.inner {
            dispatcher.remove(observer);
        }
        self.reset_done.store(true, Ordering::Release);
    }

    /// Keeps the observer registered for the rest of the dispatcher's life (forgets the guard).
    pub fn detach(mut self) {
        self.inner = None;
    }

    /// Ends the guard without stopping the observer and returns a handle that can stop it later
    /// with [`crate::Dispatcher::stop_observing`] (Carbonite's `ObserverGuard::release`).
    /// `None` for an empty or already reset guard.
    pub fn release(mut self) -> Option<ObserverHandle> {
        let (_, observer) = self.inner.take()?;
        if observer.is_removed() || self.reset_done.load(Ordering::Acquire) {
            return None;
        }
        Some(ObserverHandle { observer })
    }

    /// True while the observer is registered (not reset, not removed by
    /// `remove_all_observers_for`).
    pub fn is_active(&self) -> bool {
        self.inner.as_ref().is_some_and(|(_, o)| !o.is_removed())
    }

    /// Enables or disables the observer without unregistering it.
    pub fn set_enabled(&self, enabled: bool) {
        if let Some((d, o)) = &self.inner {
            d.set_enabled(o, enabled);
        }
    }

    /// Whether the observer is enabled (false for an empty guard).
    pub fn is_enabled(&self) -> bool {
        self.inner.as_ref().is_some_and(|(_, o)| o.is_enabled())
    }

    /// Whether the observer still runs after an earlier observer consumed the event.
    pub fn ignore_consume(&self) -> bool {
        self.inner
            .as_ref()
            .is_some_and(|(_, o)| o.ignore_consume.load(Ordering::Relaxed))
    }

    /// Changes whether the observer runs after an earlier observer consumed the event (what
    /// `ObserveOptions::ignore_consume` set at observe time). Takes effect from the next
    /// observer call on.
    ///
    /// ```
    /// use cm_events::{Dispatcher, Payload};
    /// let d = Dispatcher::new();
    /// let _first = d.observe("first", 0, "key", None, |e| e.consume());
    /// let second = d.observe("second", 1, "key", None, |_| {});
    /// assert_eq!(d.dispatch("key", Payload::new()), 1);
    /// second.set_ignore_consume(true);
    /// assert!(second.ignore_consume());
    /// assert_eq!(d.dispatch("key", Payload::new()), 2);
    /// ```
    pub fn set_ignore_consume(&self, ignore: bool) {
        if let Some((d, o)) = &self.inner {
            d.set_ignore_consume(o, ignore);
        }
    }

    /// Changes the observer's order; it keeps its registration rank among equal orders.
    pub fn set_order(&self, order: i64) {
        if let Some((d, o)) = &self.inner {
            d.set_order(o, order);
        }
    }

    /// The observer's order.
    pub fn order(&self) -> Option<i64> {
        self.inner
            .as_ref()
            .map(|(_, o)| o.order.load(Ordering::Relaxed))
    }

    /// The observer's debugging name.
    pub fn observer_name(&self) -> Option<Key> {
        self.inner.as_ref().map(|(_, o)| o.name)
    }

    /// The observed event.
    pub fn event_name(&self) -> Option<EventName> {
        self.inner.as_ref().map(|(_, o)| o.event)
    }
}

impl Drop for ObserverGuard {
    fn drop(&mut self) {
        if !*self.reset_done.get_mut() {
            self.reset();
        }
    }
}

impl std::fmt::Debug for ObserverGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObserverGuard")
            .field("observer", &self.observer_name())
            .field("event", &self.event_name())
            .field("active", &self.is_active())
            .finish()
    }
}
