//! [`Event`]: what an observer callback receives.

use std::cell::Cell;
use std::ops::Index;

use crate::legacy_type::EventType;
use crate::name::EventName;
use crate::payload::{KeyLike, Payload};
use crate::variant::Variant;

/// One dispatched event, borrowed for the duration of the callback.
///
/// ```
/// use cm_events::{Dispatcher, Payload};
/// let d = Dispatcher::new();
/// let _g = d.observe("printer", 0, "asset:loaded", None, |e| {
///     assert_eq!(e.name(), "asset:loaded");
///     assert_eq!(e["url"].as_str(), Some("omniverse://x/a.usd"));
///     e.consume(); // later observers (unless they ignore consume) are skipped
/// });
/// assert_eq!(d.dispatch("asset:loaded", Payload::new().with("url", "omniverse://x/a.usd")), 1);
/// ```
pub struct Event<'a> {
    name: EventName,
    payload: &'a Payload,
    consumed: Cell<bool>,
    legacy: Option<EventType>,
}

impl<'a> Event<'a> {
    /// An event over a borrowed payload.
    pub fn new(name: EventName, payload: &'a Payload) -> Self {
        Self::with_legacy_type(name, payload, None)
    }

    /// An event that originated as a legacy (Events 1.0) push of `legacy`.
    #[inline(always)]
    pub fn with_legacy_type(
        name: EventName,
        payload: &'a Payload,
        legacy: Option<EventType>,
    ) -> Self {
        Event {
            name,
            payload,
            consumed: Cell::new(false),
            legacy,
        }
    }

    /// The legacy event type when this event came from an Events 1.0 push or pop.
    pub fn legacy_type(&self) -> Option<EventType> {
        self.legacy
    }

    /// The event name.
    #[inline]
    pub fn name(&self) -> EventName {
        self.name
    }

    /// The payload.
    #[inline]
    pub fn payload(&self) -> &'a Payload {
        self.payload
    }

    /// The value of `key`, if present.
    #[inline]
    pub fn get(&self, key: impl KeyLike) -> Option<&'a Variant> {
        self.payload.get(key)
    }

    /// The string value of `key`, if present and a string.
    pub fn get_str(&self, key: impl KeyLike) -> Option<&'a str> {
        self.payload.get_str(key)
    }

    /// Stops the remaining observers of this dispatch (except those that ignore consume).
    pub fn consume(&self) {
        self.consumed.set(true);
    }

    /// True once an observer called [`Event::consume`].
    #[inline]
    pub fn is_consumed(&self) -> bool {
        self.consumed.get()
    }
}

impl<K: KeyLike> Index<K> for Event<'_> {
    type Output = Variant;
    fn index(&self, key: K) -> &Variant {
        &self.payload[key]
    }
}

impl std::fmt::Debug for Event<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Event")
            .field("name", &self.name)
            .field("payload", self.payload)
            .field("consumed", &self.consumed.get())
            .finish()
    }
}

/// An owned event (name + payload), as queued or handed to async and actor clients.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnedEvent {
    /// The event name.
    pub name: EventName,
    /// The payload.
    pub payload: Payload,
}

impl OwnedEvent {
    /// `{"event": name, "payload": {...}}`, the form tools print.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"event": self.name.as_str(), "payload": self.payload.to_json()})
    }
}
