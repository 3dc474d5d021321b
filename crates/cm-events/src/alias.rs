//! Aliases between legacy integer event types and event names.
//!
//! `register_event_alias(type, name)` maps a legacy [`EventType`] to two names: `name` (the
//! deferred event, seen by pop-side subscribers and run-loop pumps) and `name:immediate` (seen by
//! push-side subscribers at push time). Legacy pushes of the type then reach observers of those
//! names, and legacy subscriptions to the type are observers of those names, so they also see
//! events dispatched by name. An alias cannot itself have aliases: a type maps to one name, and a
//! name serves one type.
//!
//! ```
//! use cm_events::{Dispatcher, Payload, type_from_string};
//! let d = Dispatcher::new();
//! let old = type_from_string("my.extension:Event");
//! d.register_event_alias(old, "my.extension:Event").unwrap();
//! let alias = d.event_alias(old).unwrap();
//! assert_eq!(alias.immediate.as_str(), "my.extension:Event:immediate");
//! ```

use std::collections::HashMap;

use parking_lot::RwLock;

use crate::dispatcher::Dispatcher;
use crate::error::{AliasError, NoAliasError};
use crate::event::Event;
use crate::guard::ObserverGuard;
use crate::legacy_type::EventType;
use crate::name::{AsEventName, EventName, Key};

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The two names a legacy type maps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventAlias {
    /// The legacy type.
    pub event_type: EventType,
    /// The deferred (pop-side) event name.
    pub deferred: EventName,
    /// The immediate (push-side) event name: `<deferred>:immediate`.
    pub immediate: EventName,
}

#[derive(Default)]
pub(crate) struct AliasTable {
    inner: RwLock<Tables>,
}

#[derive(Default)]
struct Tables {
    by_type: FastMap<EventType, EventAlias>,
    by_name: FastMap<EventName, EventType>,
}

impl AliasTable {
    pub(crate) fn get(&self, t: EventType) -> Option<EventAlias> {
        self.inner.read().by_type.get(&t).copied()
    }
}

impl Dispatcher {
    /// Registers `name` (and `name:immediate`) as the alias of legacy type `event_type`.
    /// Registering the same pair again is a no-op.
    pub fn register_event_alias(
        &self,
        event_type: EventType,
        name: impl AsEventName,
    ) -> Result<EventAlias, AliasError> {
        let deferred = name.to_event_name();
        if deferred.as_str().ends_with(":immediate") {
            return Err(AliasError::ImmediateTarget {
                name: deferred.as_str().to_owned(),
            });
        }
        let alias = EventAlias {
            event_type,
            deferred,
            immediate: deferred.immediate(),
        };
        let mut t = self.inner.aliases.inner.write();
        if let Some(existing) = t.by_type.get(&event_type) {
            if *existing == alias {
                return Ok(alias);
            }
            return Err(AliasError::TypeAlreadyAliased {
                event_type,
                existing: existing.deferred.as_str().to_owned(),
                requested: deferred.as_str().to_owned(),
            });
        }
        if let Some(&other) = t.by_name.get(&deferred) {
            return Err(AliasError::NameAlreadyAliased {
                name: deferred.as_str().to_owned(),
                existing: other,
                requested: event_type,
            });
        }
        t.by_type.insert(event_type, alias);
        t.by_name.insert(deferred, event_type);
        Ok(alias)
    }

    /// Removes the alias of `event_type`; returns it if there was one.
    pub fn unregister_event_alias(&self, event_type: EventType) -> Option<EventAlias> {
        let mut t = self.inner.aliases.inner.write();
        let alias = t.by_type.remove(&event_type)?;
        t.by_name.remove(&alias.deferred);
        Some(alias)
    }

    /// The alias of `event_type`.
    pub fn event_alias(&self, event_type: EventType) -> Option<EventAlias> {
        self.inner.aliases.get(event_type)
    }

    /// The alias whose deferred or immediate name is `name`.
    pub fn alias_of_name(&self, name: impl AsEventName) -> Option<EventAlias> {
        let name = name.lookup_name()?;
        let t = self.inner.aliases.inner.read();
        let base = name
            .as_str()
            .strip_suffix(":immediate")
            .and_then(EventName::lookup)
            .unwrap_or(name);
        t.by_name
            .get(&base)
            .and_then(|ty| t.by_type.get(ty))
            .copied()
    }

    /// A legacy subscription on the dispatcher: observes the deferred (pop-side) or immediate
    /// (push-side) alias name of `event_type`. Fails when the type has no alias.
    pub fn observe_legacy<F>(
        &self,
        observer_name: impl Into<Key>,
        order: i64,
        event_type: EventType,
        side: LegacySide,
        callback: F,
    ) -> Result<ObserverGuard, NoAliasError>
    where
        F: Fn(&Event<'_>) + Send + Sync + 'static,
    {
        let alias = self
            .event_alias(event_type)
            .ok_or(NoAliasError { event_type })?;
        let name = match side {
            LegacySide::Push => alias.immediate,
            LegacySide::Pop => alias.deferred,
        };
        Ok(self.observe(observer_name, order, name, None, callback))
    }
}

/// Which side of a legacy stream a subscription listens on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegacySide {
    /// Called when the event is pushed (the immediate event).
    Push,
    /// Called when the event is popped / pumped (the deferred event).
    Pop,
}

/// [`Dispatcher::register_event_alias`] on the global dispatcher.
pub fn register_event_alias(
    event_type: EventType,
    name: impl AsEventName,
) -> Result<EventAlias, AliasError> {
    crate::dispatcher().register_event_alias(event_type, name)
}

/// [`Dispatcher::unregister_event_alias`] on the global dispatcher.
pub fn unregister_event_alias(event_type: EventType) -> Option<EventAlias> {
    crate::dispatcher().unregister_event_alias(event_type)
}
