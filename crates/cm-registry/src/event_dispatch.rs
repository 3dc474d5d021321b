//! Putting registry events on a cm-events dispatcher.

use std::sync::OnceLock;

use cm_events::{Dispatcher, Payload, type_from_string};

use crate::events::{ALL_EVENTS, RegistryEvent};

/// Registers every event name of this crate as the alias of its legacy integer
/// type (`type_from_string(name)`) on the global dispatcher, so Events 1.0
/// style subscribers (`observe_legacy`) see registry events.
///
/// Runs once per process; later calls return at once. The registry calls it
/// (or [`register_event_aliases_on`] for a private dispatcher) when it starts.
///
/// ```
/// use cm_registry::events::{self, BOOKMARK_ADDED_EVENT};
/// events::register_event_aliases();
/// let ty = cm_events::type_from_string(BOOKMARK_ADDED_EVENT);
/// let alias = cm_events::dispatcher().event_alias(ty).unwrap();
/// assert_eq!(alias.deferred.as_str(), BOOKMARK_ADDED_EVENT);
/// ```
pub fn register_event_aliases() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| register_event_aliases_on(cm_events::dispatcher()));
}

/// Registers the aliases on `dispatcher` (aliases are per dispatcher).
/// Idempotent: registering the same pair again changes nothing. A name that
/// another type already claims is logged and left alone.
pub fn register_event_aliases_on(dispatcher: &Dispatcher) {
    for name in ALL_EVENTS {
        match dispatcher.register_event_alias(type_from_string(name), name) {
            Ok(_) | Err(cm_events::AliasError::AlreadyRegistered { .. }) => {}
            Err(e) => {
                tracing::warn!(event = name, error = %e, "could not register legacy event alias")
            }
        }
    }
}

/// Dispatches each event on `dispatcher`, in order, on the calling thread.
/// A payload is built only when someone observes the event.
pub(crate) fn emit(dispatcher: &Dispatcher, events: &[RegistryEvent]) {
    for event in events {
        let name = event.name();
        if !dispatcher.has_any_observers(name) {
            continue;
        }
        match Payload::from_json(&event.payload_json()) {
            Ok(payload) => {
                dispatcher.dispatch(name, payload);
            }
            Err(e) => tracing::error!(event = name, error = %e, "event payload is not an object"),
        }
    }
}
