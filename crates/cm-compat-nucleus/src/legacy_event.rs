//! The old success event, still delivered while the shim is in use.
//!
//! `nucleus_connector` announced each successful connection as
//! `omni.kit.widget.nucleus_connector.CONNECTION_SUCCEEDED` with the payload key `url`. The
//! manager announces it as `cm_manager::CONNECTION_SUCCEEDED_EVENT` instead. So that observers
//! written against the old name keep working while they migrate, the shim observes the new event
//! on the manager's dispatcher and dispatches the old one beside it, with the old payload. The
//! first time the old event actually reaches an observer, the once-per-process deprecation
//! warning is logged: an unobserved old event costs nobody a warning.
//!
//! The forwarder is installed on the dispatcher of the process-wide manager by every shim
//! function (and by [`enable_legacy_success_event`](crate::enable_legacy_success_event) for
//! code that only observes). It stays for the rest of the process; a manager restarted with
//! another dispatcher moves it there. Nothing here runs unless the shim is used.

use std::sync::{Mutex, PoisonError};

use cm_events::{Dispatcher, ObserveOptions, ObserverGuard, Payload, type_from_string};
use cm_manager::{CONNECTION_SUCCEEDED_EVENT, ManagerHandle};

use crate::deprecation;

/// The old event's name; the public (deprecated) constant re-states it.
pub(crate) const OLD_NAME: &str = "omni.kit.widget.nucleus_connector.CONNECTION_SUCCEEDED";

/// The forwarder's observer, on the dispatcher it observes.
struct Forwarder {
    dispatcher: Dispatcher,
    _observer: ObserverGuard,
}

static FORWARDER: Mutex<Option<Forwarder>> = Mutex::new(None);

/// Installs the forwarder on the process-wide manager's dispatcher, unless it is already there.
/// False before `cm_manager::startup`.
pub(crate) fn forward_for_current_manager() -> bool {
    match cm_manager::get_instance() {
        Some(manager) => {
            forward_on(&manager);
            true
        }
        None => false,
    }
}

fn forward_on(manager: &ManagerHandle) {
    let dispatcher = manager.dispatcher();
    let mut slot = FORWARDER.lock().unwrap_or_else(PoisonError::into_inner);
    if slot
        .as_ref()
        .is_some_and(|f| f.dispatcher.ptr_eq(dispatcher))
    {
        return;
    }
    // Events 1.0 code knew the old event by its integer type, as Kit computes it.
    if let Err(error) = dispatcher.register_event_alias(type_from_string(OLD_NAME), OLD_NAME) {
        tracing::warn!(%error, "could not register the legacy alias of {OLD_NAME}");
    }
    // The observer holds a handle to its own dispatcher (a cycle the static keeps alive anyway).
    let target = dispatcher.clone();
    let observer = dispatcher.observe_with(
        "cm-compat-nucleus legacy CONNECTION_SUCCEEDED",
        CONNECTION_SUCCEEDED_EVENT,
        ObserveOptions {
            // After the new event's own observers, and even if one of them consumed it: an old
            // observer must not miss the event because a new one handled it.
            order: i64::MAX,
            ignore_consume: true,
            ..ObserveOptions::default()
        },
        move |event| {
            let payload = old_payload(event.get_str("url").unwrap_or_default());
            if target.dispatch(OLD_NAME, &payload) > 0 {
                deprecation::warn_old_event_once(OLD_NAME, CONNECTION_SUCCEEDED_EVENT);
            }
        },
    );
    let replaced = slot.replace(Forwarder {
        dispatcher: dispatcher.clone(),
        _observer: observer,
    });
    drop(slot);
    // Reset outside the lock: resetting waits for a running callback, and an old observer called
    // from that callback may itself call into the shim (and so take the lock).
    drop(replaced);
}

/// The old event's payload: `url`, the URL that was connected (already redacted by the
/// manager). The new event's `server_url` did not exist in the old one.
fn old_payload(url: &str) -> Payload {
    Payload::new().with("url", url)
}
