//! Aliases between legacy integer event types and event names.
//!
//! `register_event_alias(type, name)` maps a legacy [`EventType`] to two names: `name` (the
//! deferred event, seen by pop-side subscribers and run-loop pumps) and `name:immediate` (seen by
//! push-side subscribers at push time; Kit's `push_event_name`, which
//! [`Dispatcher::register_event_alias_with`] sets to any other name). Legacy pushes of the type
//! then reach observers of those names, and legacy subscriptions to the type are observers of
//! those names, so they also see events dispatched by name. As in Carbonite, an alias cannot have
//! aliases of its own (a type maps to one name), but a name may be the target of as many types as
//! necessary: a subscriber of either type sees the event.
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
    /// Deferred and immediate names to the types aliased to them, in registration order.
    by_name: FastMap<EventName, Vec<EventType>>,
}

impl AliasTable {
    pub(crate) fn get(&self, t: EventType) -> Option<EventAlias> {
        self.inner.read().by_type.get(&t).copied()
    }
}

impl Dispatcher {
    /// Registers `name` (and `name:immediate`) as the alias of legacy type `event_type`
    /// (Kit's `register_event_alias(type, name)`). Registering the same pair again reports
    /// [`AliasError::AlreadyRegistered`] (Kit returns `False`) and changes nothing; a type already
    /// aliased to another name is refused; several types may share one name.
    ///
    /// ```
    /// use cm_events::{AliasError, Dispatcher, type_from_string};
    /// let d = Dispatcher::new();
    /// let (old, older) = (type_from_string("ev:v2"), type_from_string("ev:v1"));
    /// d.register_event_alias(old, "ev").unwrap();
    /// d.register_event_alias(older, "ev").unwrap(); // a name may have many types
    /// assert!(matches!(d.register_event_alias(old, "ev"), Err(AliasError::AlreadyRegistered { .. })));
    /// assert!(matches!(d.register_event_alias(old, "other"), Err(AliasError::TypeAlreadyAliased { .. })));
    /// ```
    pub fn register_event_alias(
        &self,
        event_type: EventType,
        name: impl AsEventName,
    ) -> Result<EventAlias, AliasError> {
        let deferred = name.to_event_name();
        self.register_event_alias_with(event_type, deferred, deferred.immediate())
    }

    /// [`Dispatcher::register_event_alias`] with a custom immediate name (Kit's
    /// `register_event_alias(type, name, push_event_name)`; the default is `name + ":immediate"`).
    ///
    /// ```
    /// use cm_events::{Dispatcher, type_from_string};
    /// let d = Dispatcher::new();
    /// let t = type_from_string("ev:legacy");
    /// let alias = d.register_event_alias_with(t, "ev", "ev:pushed").unwrap();
    /// assert_eq!(alias.immediate.as_str(), "ev:pushed");
    /// assert_eq!(d.alias_of_name("ev:pushed"), Some(alias));
    /// ```
    pub fn register_event_alias_with(
        &self,
        event_type: EventType,
        name: impl AsEventName,
        push_event_name: impl AsEventName,
    ) -> Result<EventAlias, AliasError> {
        let deferred = name.to_event_name();
        let alias = EventAlias {
            event_type,
            deferred,
            immediate: push_event_name.to_event_name(),
        };
        let mut t = self.inner.aliases.inner.write();
        if let Some(existing) = t.by_type.get(&event_type) {
            if *existing == alias {
                return Err(AliasError::AlreadyRegistered {
                    event_type,
                    name: deferred.as_str().to_owned(),
                });
            }
            return Err(AliasError::TypeAlreadyAliased {
                event_type,
                existing: existing.deferred.as_str().to_owned(),
                requested: deferred.as_str().to_owned(),
            });
        }
        t.by_type.insert(event_type, alias);
        t.by_name.entry(deferred).or_default().push(event_type);
        if alias.immediate != deferred {
            t.by_name
                .entry(alias.immediate)
                .or_default()
                .push(event_type);
        }
        Ok(alias)
    }

    /// Removes the alias of `event_type`; returns it if there was one.
    pub fn unregister_event_alias(&self, event_type: EventType) -> Option<EventAlias> {
        let mut t = self.inner.aliases.inner.write();
        let alias = t.by_type.remove(&event_type)?;
        for name in [alias.deferred, alias.immediate] {
            if let Some(types) = t.by_name.get_mut(&name) {
                types.retain(|&ty| ty != event_type);
                if types.is_empty() {
                    t.by_name.remove(&name);
                }
            }
        }
        Some(alias)
    }

    /// The alias of `event_type`.
    pub fn event_alias(&self, event_type: EventType) -> Option<EventAlias> {
        self.inner.aliases.get(event_type)
    }

    /// The first-registered alias whose deferred or immediate name is `name`.
    pub fn alias_of_name(&self, name: impl AsEventName) -> Option<EventAlias> {
        self.aliases_of_name(name).into_iter().next()
    }

    /// Every alias whose deferred or immediate name is `name`, in registration order.
    pub fn aliases_of_name(&self, name: impl AsEventName) -> Vec<EventAlias> {
        let Some(name) = name.lookup_name() else {
            return Vec::new();
        };
        let t = self.inner.aliases.inner.read();
        t.by_name
            .get(&name)
            .into_iter()
            .flatten()
            .filter_map(|ty| t.by_type.get(ty).copied())
            .collect()
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
