//! The events the registry emits, their names and their payloads.
//!
//! Every change to the registry's state is announced through cm-events with one
//! of the names below, after the change is in the published snapshot and (when
//! persistence is on) in `omniverse.toml`.
//!
//! The names follow Kit's rule for global events, `<extension>.<UPPER_SNAKE>`
//! ([`NAMESPACE`] plus e.g. `BOOKMARK_ADDED`), so an observer ported from Kit by
//! name, or a Kit app on the same bus, sees them. Each name is also registered as
//! the alias of its legacy integer event type, `type_from_string(name)` (see
//! [`register_event_aliases`]), so Events 1.0 style subscribers see the same
//! events under the integers Kit would compute.
//!
//! Every payload carries `url`, redacted (a password never appears). The keys of
//! each event are listed in the crate README; [`RegistryEvent::payload_json`]
//! is the single place that builds them.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::ids::ServerId;
use crate::url_policy::{UrlKind, redact};
use crate::values::DiscoveryStatus;

/// The namespace every connection-manager event name starts with: Kit names a global event
/// `<extension>.<UPPER_SNAKE>`, and the extension is `omni.kit.widget.connection_manager`.
pub const NAMESPACE: &str = "omni.kit.widget.connection_manager.";

/// A bookmark was added. Payload: `url`, `name`.
pub const BOOKMARK_ADDED_EVENT: &str = "omni.kit.widget.connection_manager.BOOKMARK_ADDED";
/// A bookmark was removed. Payload: `url`, `name`.
pub const BOOKMARK_DELETED_EVENT: &str = "omni.kit.widget.connection_manager.BOOKMARK_DELETED";
/// A bookmark was renamed (or re-pointed). Payload: `url`, `old_name`, `new_name`.
pub const BOOKMARK_RENAMED_EVENT: &str = "omni.kit.widget.connection_manager.BOOKMARK_RENAMED";
/// A connection attempt succeeded (emitted by cm-manager). Payload: `url`, `server_url`.
pub const CONNECTION_SUCCEEDED_EVENT: &str =
    "omni.kit.widget.connection_manager.CONNECTION_SUCCEEDED";
/// A discovery server was added. Payload: `url`, `name`, `server_id`.
pub const DISCOVERY_SERVER_ADDED_EVENT: &str =
    "omni.kit.widget.connection_manager.DISCOVERY_SERVER_ADDED";
/// A discovery server was removed. Payload: `url`, `name`, `server_id`.
pub const DISCOVERY_SERVER_REMOVED_EVENT: &str =
    "omni.kit.widget.connection_manager.DISCOVERY_SERVER_REMOVED";
/// A discovery server's status or cached addresses changed. Payload: `url`,
/// `name`, `server_id`, `status`, `addresses`, and `error` when `status` is `error`.
pub const DISCOVERY_SERVER_UPDATED_EVENT: &str =
    "omni.kit.widget.connection_manager.DISCOVERY_SERVER_UPDATED";
/// A manual server was added. Payload: `url`, `name`, `server_id`, `kind`.
pub const MANUAL_SERVER_ADDED_EVENT: &str =
    "omni.kit.widget.connection_manager.MANUAL_SERVER_ADDED";
/// A manual server was removed. Payload: `url`, `name`, `server_id`, `kind`.
pub const MANUAL_SERVER_REMOVED_EVENT: &str =
    "omni.kit.widget.connection_manager.MANUAL_SERVER_REMOVED";

/// Every event name this crate defines, in declaration order.
pub const ALL_EVENTS: [&str; 9] = [
    BOOKMARK_ADDED_EVENT,
    BOOKMARK_DELETED_EVENT,
    BOOKMARK_RENAMED_EVENT,
    CONNECTION_SUCCEEDED_EVENT,
    DISCOVERY_SERVER_ADDED_EVENT,
    DISCOVERY_SERVER_REMOVED_EVENT,
    DISCOVERY_SERVER_UPDATED_EVENT,
    MANUAL_SERVER_ADDED_EVENT,
    MANUAL_SERVER_REMOVED_EVENT,
];

pub use crate::event_dispatch::{register_event_aliases, register_event_aliases_on};

/// The part of an event name after [`NAMESPACE`] (`BOOKMARK_ADDED` for
/// [`BOOKMARK_ADDED_EVENT`]), for displays that leave the common prefix out; a
/// name outside the namespace comes back whole. Derive short forms from this,
/// never spell them a second time.
///
/// ```
/// use cm_registry::events::{BOOKMARK_ADDED_EVENT, short_name};
/// assert_eq!(short_name(BOOKMARK_ADDED_EVENT), "BOOKMARK_ADDED");
/// assert_eq!(short_name("other.EVENT"), "other.EVENT");
/// ```
pub fn short_name(name: &str) -> &str {
    name.strip_prefix(NAMESPACE).unwrap_or(name)
}

/// One change to the registry, as announced to observers.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum RegistryEvent {
    /// See [`BOOKMARK_ADDED_EVENT`].
    BookmarkAdded {
        /// Bookmark name.
        name: Arc<str>,
        /// Normalised URL.
        url: Arc<str>,
    },
    /// See [`BOOKMARK_DELETED_EVENT`].
    BookmarkDeleted {
        /// Bookmark name.
        name: Arc<str>,
        /// Normalised URL.
        url: Arc<str>,
    },
    /// See [`BOOKMARK_RENAMED_EVENT`].
    BookmarkRenamed {
        /// The name before.
        old_name: Arc<str>,
        /// The name after.
        new_name: Arc<str>,
        /// The URL after.
        url: Arc<str>,
    },
    /// See [`DISCOVERY_SERVER_ADDED_EVENT`].
    DiscoveryServerAdded {
        /// Server id.
        id: ServerId,
        /// Server name.
        name: Arc<str>,
        /// Discovery URL.
        url: Arc<str>,
    },
    /// See [`DISCOVERY_SERVER_REMOVED_EVENT`].
    DiscoveryServerRemoved {
        /// Server id.
        id: ServerId,
        /// Server name.
        name: Arc<str>,
        /// Discovery URL.
        url: Arc<str>,
    },
    /// See [`DISCOVERY_SERVER_UPDATED_EVENT`].
    DiscoveryServerUpdated {
        /// Server id.
        id: ServerId,
        /// Server name.
        name: Arc<str>,
        /// Discovery URL.
        url: Arc<str>,
        /// The new status.
        status: DiscoveryStatus,
        /// The cached addresses now held.
        addresses: Arc<[Arc<str>]>,
    },
    /// See [`MANUAL_SERVER_ADDED_EVENT`].
    ManualServerAdded {
        /// Server id.
        id: ServerId,
        /// Server name.
        name: Arc<str>,
        /// Server root URL.
        url: Arc<str>,
        /// Kind of storage.
        kind: UrlKind,
    },
    /// See [`MANUAL_SERVER_REMOVED_EVENT`].
    ManualServerRemoved {
        /// Server id.
        id: ServerId,
        /// Server name.
        name: Arc<str>,
        /// Server root URL.
        url: Arc<str>,
        /// Kind of storage.
        kind: UrlKind,
    },
    /// See [`CONFIG_RELOAD_FAILED_EVENT`](crate::typed_event::CONFIG_RELOAD_FAILED_EVENT).
    ConfigReloadFailed {
        /// The file, as a `file://` URL.
        url: Arc<str>,
        /// Why it could not be used.
        error: Arc<str>,
    },
}

impl RegistryEvent {
    /// The event name this change is dispatched under.
    pub fn name(&self) -> &'static str {
        match self {
            RegistryEvent::BookmarkAdded { .. } => BOOKMARK_ADDED_EVENT,
            RegistryEvent::BookmarkDeleted { .. } => BOOKMARK_DELETED_EVENT,
            RegistryEvent::BookmarkRenamed { .. } => BOOKMARK_RENAMED_EVENT,
            RegistryEvent::DiscoveryServerAdded { .. } => DISCOVERY_SERVER_ADDED_EVENT,
            RegistryEvent::DiscoveryServerRemoved { .. } => DISCOVERY_SERVER_REMOVED_EVENT,
            RegistryEvent::DiscoveryServerUpdated { .. } => DISCOVERY_SERVER_UPDATED_EVENT,
            RegistryEvent::ManualServerAdded { .. } => MANUAL_SERVER_ADDED_EVENT,
            RegistryEvent::ManualServerRemoved { .. } => MANUAL_SERVER_REMOVED_EVENT,
            RegistryEvent::ConfigReloadFailed { .. } => {
                crate::typed_event::CONFIG_RELOAD_FAILED_EVENT
            }
        }
    }

    /// The payload as a JSON object, with every URL redacted.
    pub fn payload_json(&self) -> Value {
        match self {
            RegistryEvent::BookmarkAdded { name, url }
            | RegistryEvent::BookmarkDeleted { name, url } => {
                json!({ "url": redact(url), "name": &**name })
            }
            RegistryEvent::BookmarkRenamed {
                old_name,
                new_name,
                url,
            } => json!({
                "url": redact(url),
                "old_name": &**old_name,
                "new_name": &**new_name,
            }),
            RegistryEvent::DiscoveryServerAdded { id, name, url }
            | RegistryEvent::DiscoveryServerRemoved { id, name, url } => json!({
                "url": redact(url),
                "name": &**name,
                "server_id": id.get(),
            }),
            RegistryEvent::DiscoveryServerUpdated {
                id,
                name,
                url,
                status,
                addresses,
            } => {
                let mut payload = json!({
                    "url": redact(url),
                    "name": &**name,
                    "server_id": id.get(),
                    "status": status.as_str(),
                    "addresses": addresses.iter().map(|a| redact(a)).collect::<Vec<_>>(),
                });
                if let (Some(reason), Value::Object(map)) = (status.error(), &mut payload) {
                    map.insert("error".to_owned(), Value::from(reason));
                }
                payload
            }
            RegistryEvent::ManualServerAdded {
                id,
                name,
                url,
                kind,
            }
            | RegistryEvent::ManualServerRemoved {
                id,
                name,
                url,
                kind,
            } => json!({
                "url": redact(url),
                "name": &**name,
                "server_id": id.get(),
                "kind": kind.as_str(),
            }),
            RegistryEvent::ConfigReloadFailed { url, error } => {
                json!({ "url": redact(url), "error": &**error })
            }
        }
    }
}

/// The payload of [`CONNECTION_SUCCEEDED_EVENT`] as JSON: `url` (the URL that
/// was connected) and `server_url` (the root of the server that serves it),
/// both redacted. cm-manager emits the event; the registry defines its shape.
pub fn connection_succeeded_payload(url: &str, server_url: &str) -> Value {
    json!({ "url": redact(url), "server_url": redact(server_url) })
}
