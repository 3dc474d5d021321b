//! One registered observer and the immutable, sorted observer list of an event.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64};

use crate::event::Event;
use crate::name::{EventName, Key};
use crate::payload::Payload;

/// The callback type observers register.
pub type Callback = dyn Fn(&Event<'_>) + Send + Sync + 'static;

pub(crate) struct Observer {
    pub(crate) callback: Box<Callback>,
    pub(crate) name: Key,
    pub(crate) event: EventName,
    pub(crate) filter: Option<Payload>,
    pub(crate) order: AtomicI64,
    /// Registration sequence: breaks order ties (earlier registration runs first).
    pub(crate) seq: u64,
    pub(crate) enabled: AtomicBool,
    pub(crate) removed: AtomicBool,
    pub(crate) ignore_consume: bool,
}

/// An immutable snapshot, sorted by `(order, seq)`. Replaced (never mutated) on every change.
pub(crate) struct ObserverList {
    pub(crate) observers: Box<[Arc<Observer>]>,
}

impl ObserverList {
    pub(crate) fn sorted(mut observers: Vec<Arc<Observer>>) -> Box<ObserverList> {
        observers.sort_by_key(|o| (o.order.load(std::sync::atomic::Ordering::Relaxed), o.seq));
        Box::new(ObserverList {
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
            order: o.order.load(std::sync::atomic::Ordering::Relaxed),
            enabled: o.enabled.load(std::sync::atomic::Ordering::Relaxed),
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
