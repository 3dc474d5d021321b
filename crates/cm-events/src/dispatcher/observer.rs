//! One registered observer and the immutable, sorted observer list of an event.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU8, Ordering};

use crate::event::Event;
use crate::name::{EventName, Key};
use crate::payload::Payload;

/// The callback type observers register.
pub type Callback = dyn Fn(&Event<'_>) + Send + Sync + 'static;

/// `Observer::state` bit: unregistered (never runs again).
const REMOVED: u8 = 1;
/// `Observer::state` bit: disabled by its guard.
const DISABLED: u8 = 2;

// `repr(C)` keeps `state`, the one field every dispatch reads, at the start of the allocation.
#[repr(C)]
pub(crate) struct Observer {
    /// `REMOVED | DISABLED` bits; zero means "call me".
    pub(crate) state: AtomicU8,
    pub(crate) callback: Box<Callback>,
    pub(crate) name: Key,
    pub(crate) event: EventName,
    pub(crate) filter: Option<Payload>,
    pub(crate) order: AtomicI64,
    /// Registration sequence: breaks order ties (earlier registration runs first).
    pub(crate) seq: u64,
    pub(crate) ignore_consume: bool,
}

impl Observer {
    pub(crate) fn initial_state(enabled: bool) -> AtomicU8 {
        AtomicU8::new(if enabled { 0 } else { DISABLED })
    }

    pub(crate) fn is_removed(&self) -> bool {
        self.state.load(Ordering::Relaxed) & REMOVED != 0
    }

    pub(crate) fn mark_removed(&self) {
        self.state.fetch_or(REMOVED, Ordering::SeqCst);
    }

    pub(crate) fn is_enabled(&self) -> bool {
        self.state.load(Ordering::Relaxed) & DISABLED == 0
    }

    pub(crate) fn set_enabled(&self, enabled: bool) {
        if enabled {
            self.state.fetch_and(!DISABLED, Ordering::SeqCst);
        } else {
            self.state.fetch_or(DISABLED, Ordering::SeqCst);
        }
    }
}

/// Entry flag: the observer has a filter.
pub(crate) const HAS_FILTER: u8 = 1;
/// Entry flag: the observer runs even after the event was consumed.
pub(crate) const IGNORES_CONSUME: u8 = 2;
/// Entry flag: the observer was disabled when this list was built.
pub(crate) const ENTRY_DISABLED: u8 = 4;

/// What dispatch needs per observer, laid out contiguously so the loop touches one array plus
/// each observer's `state` byte.
pub(crate) struct Entry {
    pub(crate) observer: *const Observer,
    pub(crate) callback: *const Callback,
    pub(crate) flags: u8,
}

/// An immutable snapshot, sorted by `(order, seq)`. Replaced (never mutated) on every change.
pub(crate) struct ObserverList {
    /// Set (before the writer's heavy barrier) once this list is replaced. While it is clear,
    /// every entry's observer is live and its `flags` are current, so dispatch need not read the
    /// observer itself; once set, dispatch falls back to each observer's `state`.
    pub(crate) stale: AtomicBool,
    /// Pointers into `observers`, in call order.
    pub(crate) entries: Box<[Entry]>,
    /// Owns what `entries` points to.
    pub(crate) observers: Box<[Arc<Observer>]>,
}

// SAFETY: the raw pointers in `entries` point into the `Arc<Observer>`s owned by `observers` (and
// their boxed callbacks), which are immutable apart from atomics and are `Send + Sync` because
// `Callback` is; the list itself is never mutated after construction.
unsafe impl Send for ObserverList {}
// SAFETY: see the `Send` impl; shared access only reads immutable data or atomics.
unsafe impl Sync for ObserverList {}

impl ObserverList {
    pub(crate) fn sorted(mut observers: Vec<Arc<Observer>>) -> Box<ObserverList> {
        observers.sort_by_key(|o| (o.order.load(Ordering::Relaxed), o.seq));
        let entries = observers
            .iter()
            .map(|o| Entry {
                observer: Arc::as_ptr(o),
                callback: std::ptr::from_ref(&*o.callback),
                flags: if o.filter.is_some() { HAS_FILTER } else { 0 }
                    | if o.ignore_consume { IGNORES_CONSUME } else { 0 }
                    | if o.is_enabled() { 0 } else { ENTRY_DISABLED },
            })
            .collect();
        Box::new(ObserverList {
            stale: AtomicBool::new(false),
            entries,
            observers: observers.into_boxed_slice(),
        })
    }
}

/// Public description of an observer, from [`crate::Dispatcher::get_observers`].
#[derive(Clone, Debug, PartialEq)]
pub struct ObserverInfo {
    /// The observer's debugging name.
    pub name: Key,
    /// The observed event.
    pub event: EventName,
    /// Its order (lower runs first).
    pub order: i64,
    /// Whether it is enabled.
    pub enabled: bool,
    /// Its filter, if any.
    pub filter: Option<Payload>,
    /// Whether it still runs after an earlier observer consumed the event.
    pub ignore_consume: bool,
}

impl ObserverInfo {
    pub(crate) fn of(o: &Observer) -> Self {
        ObserverInfo {
            name: o.name,
            event: o.event,
            order: o.order.load(Ordering::Relaxed),
            enabled: o.is_enabled(),
            filter: o.filter.clone(),
            ignore_consume: o.ignore_consume,
        }
    }
}

/// Options for [`crate::Dispatcher::observe_with`].
#[derive(Clone, Debug, Default)]
pub struct ObserveOptions {
    /// Lower runs first; equal orders run in registration order.
    pub order: i64,
    /// Only run when the payload contains at least these key/value pairs.
    pub filter: Option<Payload>,
    /// Keep running even after an earlier observer consumed the event.
    pub ignore_consume: bool,
    /// Start disabled.
    pub disabled: bool,
}
