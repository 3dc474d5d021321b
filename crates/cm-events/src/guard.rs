//! [`ObserverGuard`]: the handle that keeps an observer registered.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::dispatcher::DispatcherInner;
use crate::dispatcher::observer::Observer;
use crate::name::{EventName, Key};

/// Keeps an observer registered. Dropping it or calling [`ObserverGuard::reset`] stops the
/// observer; once `reset` returns the callback never runs again (it waits for other threads that
/// are inside the callback, but not for the current thread, so an observer may reset itself).
///
/// ```
/// use cm_events::{Dispatcher, Payload};
/// let d = Dispatcher::new();
/// let mut guard = d.observe("o", 0, "tick", None, |_| {});
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
}

impl ObserverGuard {
    pub(crate) fn new(dispatcher: Arc<DispatcherInner>, observer: Arc<Observer>) -> Self {
        ObserverGuard {
            inner: Some((dispatcher, observer)),
        }
    }

    /// A guard that observes nothing (what `Default` gives).
    pub fn empty() -> Self {
        Self::default()
    }

    /// Stops the observer and waits until no other thread is running its callback.
    pub fn reset(&mut self) {
        if let Some((dispatcher, observer)) = self.inner.take() {
            dispatcher.remove(&observer);
        }
    }

    /// Keeps the observer registered for the rest of the dispatcher's life (forgets the guard).
    pub fn detach(mut self) {
        self.inner = None;
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
        self.reset();
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
