//! [`EventStream`]: the Events 1.0 event stream, adapted onto the dispatcher.
//!
//! A stream queues `(EventType, Payload)` pairs: [`EventStream::push`] calls push-side
//! subscribers at once, [`EventStream::try_pop`] / [`EventStream::pop`] / [`EventStream::pump`]
//! call pop-side subscribers as events leave the queue. As in Kit's adapter, everything runs
//! through the [`Dispatcher`]:
//!
//! * a push of a type with an alias also dispatches the alias's `:immediate` name, and a pop
//!   dispatches its deferred name, so new-style observers of those names see legacy traffic;
//! * a subscription to one type that has an alias *is* an observer of the alias name, so it also
//!   sees events dispatched by name ("vice versa");
//! * other subscriptions (all types, or a type without alias) observe the stream's private
//!   `legacy-stream:<id>:push` / `:pop` names, which every push / pop dispatches first.
//!
//! ```
//! use cm_events::{Dispatcher, EventStream, Payload, type_from_string};
//! use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
//! let d = Dispatcher::new();
//! let t = type_from_string("my.extension:Event");
//! d.register_event_alias(t, "my.extension:Event").unwrap();
//! let stream = EventStream::new(&d);
//! let hits = Arc::new(AtomicUsize::new(0));
//! let h = hits.clone();
//! let _sub = stream.subscribe_to_pop("legacy", 0, Some(t), move |_| { h.fetch_add(1, Ordering::Relaxed); });
//! d.dispatch("my.extension:Event", Payload::new()); // a new-style dispatch reaches the legacy subscriber
//! stream.push(t, Payload::new());
//! assert_eq!(stream.pump(), 1);
//! assert_eq!(hits.load(Ordering::Relaxed), 2);
//! ```

use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_channel::{Receiver, Sender};

use crate::alias::LegacySide;
use crate::dispatcher::Dispatcher;
use crate::event::Event;
use crate::guard::ObserverGuard;
use crate::legacy_type::EventType;
use crate::name::{EventName, Key};
use crate::payload::Payload;

/// An event popped from an [`EventStream`].
#[derive(Clone, Debug, PartialEq)]
pub struct LegacyEvent {
    /// The legacy type.
    pub event_type: EventType,
    /// The payload.
    pub payload: Payload,
}

/// An Events 1.0 stream whose subscriptions are dispatcher observers.
pub struct EventStream {
    dispatcher: Dispatcher,
    push_name: EventName,
    pop_name: EventName,
    tx: Sender<LegacyEvent>,
    rx: Receiver<LegacyEvent>,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("push_name", &self.push_name)
            .field("len", &self.rx.len())
            .finish_non_exhaustive()
    }
}

static NEXT_STREAM: AtomicU64 = AtomicU64::new(0);

impl EventStream {
    /// A new stream on `dispatcher`.
    pub fn new(dispatcher: &Dispatcher) -> Self {
        let id = NEXT_STREAM.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = crossbeam_channel::unbounded();
        EventStream {
            dispatcher: dispatcher.clone(),
            push_name: EventName::new(&format!("legacy-stream:{id}:push")),
            pop_name: EventName::new(&format!("legacy-stream:{id}:pop")),
            tx,
            rx,
        }
    }

    /// Events waiting to be popped.
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// True when no event waits.
    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }

    /// Pushes an event: push-side subscribers (and observers of the alias's immediate name) run
    /// now; the event waits in the queue for a pop.
    pub fn push(&self, event_type: EventType, payload: Payload) {
        self.dispatcher
            .dispatch_typed(self.push_name, &payload, Some(event_type));
        if let Some(alias) = self.dispatcher.event_alias(event_type) {
            self.dispatcher
                .dispatch_typed(alias.immediate, &payload, Some(event_type));
        }
        // The stream owns a receiver, so sending cannot fail.
        let _ = self.tx.send(LegacyEvent {
            event_type,
            payload,
        });
    }

    fn deliver(&self, event: &LegacyEvent) {
        let t = Some(event.event_type);
        self.dispatcher
            .dispatch_typed(self.pop_name, &event.payload, t);
        if let Some(alias) = self.dispatcher.event_alias(event.event_type) {
            self.dispatcher
                .dispatch_typed(alias.deferred, &event.payload, t);
        }
    }

    /// Pops one event if any, calling pop-side subscribers.
    pub fn try_pop(&self) -> Option<LegacyEvent> {
        let event = self.rx.try_recv().ok()?;
        self.deliver(&event);
        Some(event)
    }

    /// Pops one event, blocking until one is pushed.
    pub fn pop(&self) -> LegacyEvent {
        let event = match self.rx.recv() {
            Ok(e) => e,
            Err(_) => unreachable!("the stream owns a sender"),
        };
        self.deliver(&event);
        event
    }

    /// Pops every event that was queued when the pump started; returns how many.
    pub fn pump(&self) -> usize {
        let pending = self.rx.len();
        (0..pending)
            .take_while(|_| self.try_pop().is_some())
            .count()
    }

    /// Subscribes to pushes (of `event_type`, or of every type when `None`).
    pub fn subscribe_to_push<F>(
        &self,
        name: impl Into<Key>,
        order: i64,
        event_type: Option<EventType>,
        callback: F,
    ) -> ObserverGuard
    where
        F: Fn(&Event<'_>) + Send + Sync + 'static,
    {
        self.subscribe(name, order, event_type, LegacySide::Push, callback)
    }

    /// Subscribes to pops (of `event_type`, or of every type when `None`).
    pub fn subscribe_to_pop<F>(
        &self,
        name: impl Into<Key>,
        order: i64,
        event_type: Option<EventType>,
        callback: F,
    ) -> ObserverGuard
    where
        F: Fn(&Event<'_>) + Send + Sync + 'static,
    {
        self.subscribe(name, order, event_type, LegacySide::Pop, callback)
    }

    fn subscribe<F>(
        &self,
        name: impl Into<Key>,
        order: i64,
        event_type: Option<EventType>,
        side: LegacySide,
        callback: F,
    ) -> ObserverGuard
    where
        F: Fn(&Event<'_>) + Send + Sync + 'static,
    {
        if let Some(t) = event_type {
            if let Some(alias) = self.dispatcher.event_alias(t) {
                let target = match side {
                    LegacySide::Push => alias.immediate,
                    LegacySide::Pop => alias.deferred,
                };
                return self.dispatcher.observe(name, order, target, None, callback);
            }
            let private = self.private_name(side);
            return self
                .dispatcher
                .observe(name, order, private, None, move |e| {
                    if e.legacy_type() == Some(t) {
                        callback(e);
                    }
                });
        }
        let private = self.private_name(side);
        self.dispatcher
            .observe(name, order, private, None, callback)
    }

    fn private_name(&self, side: LegacySide) -> EventName {
        match side {
            LegacySide::Push => self.push_name,
            LegacySide::Pop => self.pop_name,
        }
    }
}
