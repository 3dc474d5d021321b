//! # cm-events: the kernel event system
//!
//! A global, name-based event dispatcher in the style of Omniverse Kit's `carb.eventdispatcher`,
//! with deferred per-run-loop message queues, aliases for legacy (Events 1.0) integer event types,
//! run loops and the app lifecycle events. The core is plain Rust; the actix `EventBus` actor
//! (feature `actix`, on by default) is a thin layer over it.
//!
//! * [`EventName`] / [`Key`]: interned strings; comparing is a pointer compare.
//! * [`Payload`] of [`Variant`]s: small payloads live inline; `event["url"]` reads cheaply.
//! * [`Dispatcher`] ([`dispatcher()`] is the global one): [`Dispatcher::observe`] returns an
//!   [`ObserverGuard`]; [`Dispatcher::dispatch`] calls observers synchronously, in order.
//! * [`Dispatcher::queue_event`] / [`queue_event`]: `name:immediate` now, `name` on the next pump
//!   of a run loop's [`MessageQueue`].
//! * [`RunLoop`] and [`App`]: update and lifecycle events ([`kernel_events`] has every name).
//! * Legacy: [`type_from_string`], [`register_event_alias`], [`EventStream`].
//!
//! ```
//! use cm_events::{Dispatcher, Payload, RunLoop};
//! use std::sync::{Arc, Mutex};
//!
//! let d = Dispatcher::new(); // or cm_events::dispatcher() for the global one
//! let mut main = RunLoop::main(&d).unwrap();
//! let log = Arc::new(Mutex::new(Vec::new()));
//!
//! let l = log.clone();
//! let _g1 = d.observe("ui", 0, "asset:loaded", None, move |e| {
//!     l.lock().unwrap().push(format!("loaded {}", e["url"].as_str().unwrap_or("?")));
//! });
//! let l = log.clone();
//! let _g2 = d.observe("ui", 0, "asset:loaded:immediate", None, move |_| l.lock().unwrap().push("now".into()));
//! let l = log.clone();
//! let _g3 = d.observe("frame", 0, "postUpdate", None, move |e| {
//!     l.lock().unwrap().push(format!("frame {}", e["SWHFrameNumber"].as_i64().unwrap()));
//! });
//!
//! d.dispatch("asset:loaded", Payload::new().with("url", "omniverse://a/"));
//! d.queue_event("asset:loaded", Payload::new().with("url", "omniverse://b/"), None).unwrap();
//! main.update(1.0 / 60.0).unwrap(); // update events, then the queued event
//!
//! assert_eq!(*log.lock().unwrap(), ["loaded omniverse://a/", "now", "frame 0", "loaded omniverse://b/"]);
//! ```

// Shipped code never unwraps: outside input gets an error, an internal invariant a narrow,
// documented `#[allow]`. Set here, not in `[lints]`, because Cargo applies `[lints]` to every
// target and this rule is for the library and binaries only; `#[cfg(test)]` code is exempt
// through clippy.toml. `cargo xtask tidy` checks every crate root carries it.
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod alias;
mod app;
mod dispatcher;
mod error;
mod event;
mod guard;
pub mod kernel_events;
mod legacy_type;
mod name;
mod next_event;
mod payload;
mod queue;
mod queue_event;
mod runloop;
mod stream;
mod variant;

#[cfg(feature = "actix")]
pub mod actor;

pub use alias::{EventAlias, LegacySide, register_event_alias, unregister_event_alias};
pub use app::{App, AppHandle, AppStatus};
/// Hooks for the loom test (`tests/loom_reset.rs`); only under `--cfg loom`.
#[cfg(loom)]
#[doc(hidden)]
pub use dispatcher::loom_hooks;
pub use dispatcher::{Callback, Dispatcher, ObserveOptions, ObserverInfo, dispatcher};
pub use error::{
    AliasError, EventAliasError, LegacyPushError, NoAliasError, PayloadError, QueueError,
};
pub use event::{Event, OwnedEvent};
pub use guard::{ObserverGuard, ObserverHandle};
pub use legacy_type::{EventType, type_from_string};
pub use name::{AsEventName, EventName, Key, MAX_NAMES, NamesExhausted};
pub use next_event::NextEvent;
pub use payload::{INLINE_ENTRIES, KeyLike, Payload};
pub use queue::{GLOBAL_MESSAGE_BUS, Message, MessageQueue, QueueFactory, message_bus_name};
pub use queue_event::queue_event;
pub use runloop::{FIRST_FRAME_DT, MAIN_RUN_LOOP, RunLoop};
pub use stream::{EventStream, LegacyEvent};
pub use variant::Variant;

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// [`Dispatcher::dispatch`] on the global dispatcher.
#[inline]
pub fn dispatch<N: AsEventName, P: std::borrow::Borrow<Payload>>(name: N, payload: P) -> usize {
    dispatcher().dispatch(name, payload)
}
