//! Registry events as Rust values: decode a dispatched [`Event`] into a [`RegistryEvent`], and
//! receive them as a [`Stream`].
//!
//! Observers of the dispatcher see events as a name and a payload. Code that wants to `match`
//! converts them with `RegistryEvent::try_from(&event)`; code that wants an async stream takes
//! [`RegistryHandle::events`](crate::RegistryHandle::events), which observes every registry
//! event name on the registry's dispatcher and yields each change in the order it was made.
//!
//! Decoding reads the payload, so it yields what the payload carries: URLs are redacted (as in
//! every payload) and a discovery error's `will_retry` is not in the payload (decoded `false`).
//!
//! ```
//! use cm_events::{Dispatcher, Payload};
//! use cm_registry::events::{BOOKMARK_ADDED_EVENT, RegistryEvent};
//!
//! let dispatcher = Dispatcher::new();
//! let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
//! let sink = seen.clone();
//! let _guard = dispatcher.observe("doc", 0, BOOKMARK_ADDED_EVENT, None, move |event| {
//!     if let Ok(RegistryEvent::BookmarkAdded { name, .. }) = RegistryEvent::try_from(event) {
//!         sink.lock().unwrap().push(name.to_string());
//!     }
//! });
//! let payload = Payload::new().with("url", "omniverse://h/P/").with("name", "P");
//! dispatcher.dispatch(BOOKMARK_ADDED_EVENT, payload);
//! assert_eq!(*seen.lock().unwrap(), ["P"]);
//! ```

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use cm_events::{Dispatcher, Event, ObserverGuard, Variant};
use futures::Stream;
use tokio::sync::mpsc;

use crate::events::*;
use crate::ids::ServerId;
use crate::url_policy::UrlKind;
use crate::values::DiscoveryStatus;

/// The registry's `omniverse.toml` changed on disk but could not be used (it does not parse,
/// or cannot be read); the registry keeps its current state. Payload: `url` (the file as a
/// `file://` URL) and `error` (why).
pub const CONFIG_RELOAD_FAILED_EVENT: &str =
    "omni.kit.widget.connection_manager.CONFIG_RELOAD_FAILED";

/// The names [`RegistryHandle::events`](crate::RegistryHandle::events) observes: every change
/// the registry announces (not `CONNECTION_SUCCEEDED`, which cm-manager emits).
pub const STREAMED_EVENTS: [&str; 9] = [
    BOOKMARK_ADDED_EVENT,
    BOOKMARK_DELETED_EVENT,
    BOOKMARK_RENAMED_EVENT,
    DISCOVERY_SERVER_ADDED_EVENT,
    DISCOVERY_SERVER_REMOVED_EVENT,
    DISCOVERY_SERVER_UPDATED_EVENT,
    MANUAL_SERVER_ADDED_EVENT,
    MANUAL_SERVER_REMOVED_EVENT,
    CONFIG_RELOAD_FAILED_EVENT,
];

/// Why an [`Event`] is not a [`RegistryEvent`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotARegistryEvent {
    /// The name is none of the registry's event names.
    #[error("{0} is not a registry event")]
    UnknownName(String),
    /// The name is, but the payload lacks a key or holds a value of the wrong type.
    #[error("{event}: payload key {key} is missing or not {expected}")]
    BadPayload {
        /// The event name.
        event: &'static str,
        /// The key.
        key: &'static str,
        /// What it should hold.
        expected: &'static str,
    },
}

struct Fields<'a, 'e> {
    event: &'a Event<'e>,
    name: &'static str,
}

impl Fields<'_, '_> {
    fn bad(&self, key: &'static str, expected: &'static str) -> NotARegistryEvent {
        NotARegistryEvent::BadPayload {
            event: self.name,
            key,
            expected,
        }
    }

    fn str(&self, key: &'static str) -> Result<Arc<str>, NotARegistryEvent> {
        self.event
            .get_str(key)
            .map(Arc::from)
            .ok_or_else(|| self.bad(key, "a string"))
    }

    fn id(&self) -> Result<ServerId, NotARegistryEvent> {
        self.event
            .get("server_id")
            .and_then(Variant::as_u64)
            .map(ServerId)
            .ok_or_else(|| self.bad("server_id", "an unsigned integer"))
    }

    fn kind(&self) -> Result<UrlKind, NotARegistryEvent> {
        let kind = self.str("kind")?;
        UrlKind::ALL
            .into_iter()
            .find(|k| k.as_str() == &*kind)
            .ok_or_else(|| self.bad("kind", "a URL kind"))
    }

    fn status(&self) -> Result<DiscoveryStatus, NotARegistryEvent> {
        match &*self.str("status")? {
            "pending" => Ok(DiscoveryStatus::Pending),
            "discovering" => Ok(DiscoveryStatus::Discovering),
            "ready" => Ok(DiscoveryStatus::Ready),
            "error" => Ok(DiscoveryStatus::Error {
                reason: self.str("error")?,
                will_retry: false,
            }),
            _ => Err(self.bad("status", "pending, discovering, ready or error")),
        }
    }

    fn addresses(&self) -> Result<Arc<[Arc<str>]>, NotARegistryEvent> {
        let list = self
            .event
            .get("addresses")
            .and_then(Variant::as_array)
            .ok_or_else(|| self.bad("addresses", "a list of strings"))?;
        list.iter()
            .map(|a| {
                a.as_str()
                    .map(Arc::from)
                    .ok_or_else(|| self.bad("addresses", "a list of strings"))
            })
            .collect()
    }
}

impl TryFrom<&Event<'_>> for RegistryEvent {
    type Error = NotARegistryEvent;

    fn try_from(event: &Event<'_>) -> Result<Self, NotARegistryEvent> {
        let given = event.name();
        let name = STREAMED_EVENTS
            .into_iter()
            .find(|n| *n == given.as_str())
            .ok_or_else(|| NotARegistryEvent::UnknownName(given.as_str().to_owned()))?;
        let f = Fields { event, name };
        Ok(match name {
            BOOKMARK_ADDED_EVENT => RegistryEvent::BookmarkAdded {
                name: f.str("name")?,
                url: f.str("url")?,
            },
            BOOKMARK_DELETED_EVENT => RegistryEvent::BookmarkDeleted {
                name: f.str("name")?,
                url: f.str("url")?,
            },
            BOOKMARK_RENAMED_EVENT => RegistryEvent::BookmarkRenamed {
                old_name: f.str("old_name")?,
                new_name: f.str("new_name")?,
                url: f.str("url")?,
            },
            DISCOVERY_SERVER_ADDED_EVENT => RegistryEvent::DiscoveryServerAdded {
                id: f.id()?,
                name: f.str("name")?,
                url: f.str("url")?,
            },
            DISCOVERY_SERVER_REMOVED_EVENT => RegistryEvent::DiscoveryServerRemoved {
                id: f.id()?,
                name: f.str("name")?,
                url: f.str("url")?,
            },
            DISCOVERY_SERVER_UPDATED_EVENT => RegistryEvent::DiscoveryServerUpdated {
                id: f.id()?,
                name: f.str("name")?,
                url: f.str("url")?,
                status: f.status()?,
                addresses: f.addresses()?,
            },
            MANUAL_SERVER_ADDED_EVENT => RegistryEvent::ManualServerAdded {
                id: f.id()?,
                name: f.str("name")?,
                url: f.str("url")?,
                kind: f.kind()?,
            },
            MANUAL_SERVER_REMOVED_EVENT => RegistryEvent::ManualServerRemoved {
                id: f.id()?,
                name: f.str("name")?,
                url: f.str("url")?,
                kind: f.kind()?,
            },
            _ => RegistryEvent::ConfigReloadFailed {
                url: f.str("url")?,
                error: f.str("error")?,
            },
        })
    }
}

/// The registry's events as a [`Stream`], from
/// [`RegistryHandle::events`](crate::RegistryHandle::events).
///
/// It observes the dispatcher from creation until it is dropped, buffering what it has not
/// yielded yet (unbounded: poll it, or drop it when done). It never ends by itself.
#[must_use = "a RegistryEvents stream observes only while it is kept"]
pub struct RegistryEvents {
    rx: mpsc::UnboundedReceiver<RegistryEvent>,
    _guards: Vec<ObserverGuard>,
}

impl std::fmt::Debug for RegistryEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryEvents").finish_non_exhaustive()
    }
}

impl RegistryEvents {
    /// Observes every name in [`STREAMED_EVENTS`] on `dispatcher`.
    pub fn observe(dispatcher: &Dispatcher) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let guards = STREAMED_EVENTS
            .into_iter()
            .map(|name| {
                let tx = tx.clone();
                dispatcher.observe("cm-registry.events", 0, name, None, move |event| {
                    match RegistryEvent::try_from(event) {
                        Ok(typed) => {
                            let _ = tx.send(typed);
                        }
                        Err(e) => tracing::warn!(error = %e, "registry event not decoded"),
                    }
                })
            })
            .collect();
        Self {
            rx,
            _guards: guards,
        }
    }

    /// A stream that has already ended (what a stopped manager hands out).
    pub fn ended() -> Self {
        let (_, rx) = mpsc::unbounded_channel();
        Self {
            rx,
            _guards: Vec::new(),
        }
    }

    /// The next event without waiting, if one is buffered.
    pub fn try_next(&mut self) -> Option<RegistryEvent> {
        self.rx.try_recv().ok()
    }
}

impl Stream for RegistryEvents {
    type Item = RegistryEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<RegistryEvent>> {
        self.rx.poll_recv(cx)
    }
}
