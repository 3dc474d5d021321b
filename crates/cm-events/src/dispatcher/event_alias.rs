//! General event-name aliases (Carbonite's `IEventDispatcher::addEventAlias`): dispatching an
//! alias name calls the observers of its target.
//!
//! An alias's slot holds the *same* observer-list pointer as its target's slot, borrowed (the
//! target's slot owns the list and retires it): every publish of the target also stores the new
//! pointer into its aliases' slots, under the same write lock. So a dispatch by the alias name is
//! exactly a dispatch by the target name (same hot path, no extra lookup, same grace periods for
//! the list), and `has_observers` / `get_observers` of the alias answer for the target. Observing
//! an alias name observes its target. Rules as Carbonite's: an alias may not have aliases of its
//! own and may not be a target; a target may have as many aliases as necessary. Stricter: an
//! alias name that already has observers of its own is refused (they would never be called).
//!
//! ```
//! use cm_events::{Dispatcher, Payload};
//! let d = Dispatcher::new();
//! let _g = d.observe("o", 0, "app:frame", None, |e| println!("{}", e.name()));
//! d.add_event_alias("legacy:frame", "app:frame").unwrap();
//! assert_eq!(d.dispatch("legacy:frame", Payload::new()), 1); // prints "legacy:frame"
//! assert!(d.remove_event_alias("legacy:frame"));
//! assert_eq!(d.dispatch("legacy:frame", Payload::new()), 0);
//! ```

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;

use super::Dispatcher;
use super::observer::ObserverList;
use super::slots::SlotTable;
use crate::error::EventAliasError;
use crate::name::{AsEventName, EventName};

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

#[derive(Default)]
pub(crate) struct EventAliases {
    /// Any alias ever registered: `resolve` and `propagate` skip the lock until then.
    any: AtomicBool,
    table: Mutex<Table>,
}

#[derive(Default)]
struct Table {
    target_of: FastMap<EventName, EventName>,
    aliases_of: FastMap<EventName, Vec<EventName>>,
}

impl EventAliases {
    /// The name observers of `name` are registered under: its target if `name` is an alias.
    pub(crate) fn resolve(&self, name: EventName) -> EventName {
        if !self.any.load(Ordering::Acquire) {
            return name;
        }
        self.table
            .lock()
            .target_of
            .get(&name)
            .copied()
            .unwrap_or(name)
    }

    /// Stores `list` (the target's newly published list) into the slots of `target`'s aliases.
    /// Caller holds the dispatcher's write lock.
    pub(crate) fn propagate(&self, slots: &SlotTable, target: EventName, list: *mut ObserverList) {
        if !self.any.load(Ordering::Acquire) {
            return;
        }
        let t = self.table.lock();
        for alias in t.aliases_of.get(&target).into_iter().flatten() {
            slots
                .get_or_create(alias.id())
                .list
                .store(list, Ordering::Release);
        }
    }

    /// Empties every alias slot (dispatcher teardown: the lists belong to the targets).
    pub(crate) fn clear_slots(&self, slots: &SlotTable) {
        for alias in self.table.lock().target_of.keys() {
            if let Some(slot) = slots.get(alias.id()) {
                slot.list.store(std::ptr::null_mut(), Ordering::Release);
            }
        }
    }
}

impl Dispatcher {
    /// Makes `alias` another name of `target`: dispatching `alias` calls `target`'s observers
    /// (their `Event::name()` is the name dispatched), and observing `alias` observes `target`.
    /// See the module docs for the rules.
    pub fn add_event_alias(
        &self,
        alias: impl AsEventName,
        target: impl AsEventName,
    ) -> Result<(), EventAliasError> {
        let (alias, target) = (alias.to_event_name(), target.to_event_name());
        let refuse = |reason: &'static str| EventAliasError::Refused {
            alias: alias.as_str().to_owned(),
            target: target.as_str().to_owned(),
            reason,
        };
        let inner = &self.inner;
        let _w = inner.write_lock.lock();
        let mut t = inner.event_aliases.table.lock();
        if alias == target {
            return Err(refuse("an alias cannot name itself"));
        }
        match t.target_of.get(&alias) {
            Some(&existing) if existing == target => {
                return Err(EventAliasError::AlreadyRegistered {
                    alias: alias.as_str().to_owned(),
                    target: target.as_str().to_owned(),
                });
            }
            Some(_) => return Err(refuse("the alias already names another event")),
            None => {}
        }
        if t.target_of.contains_key(&target) {
            return Err(refuse(
                "the target is itself an alias (an alias may not have aliases)",
            ));
        }
        if t.aliases_of.contains_key(&alias) {
            return Err(refuse("the alias is the target of other aliases"));
        }
        let alias_slot = inner.slots.get_or_create(alias.id());
        // With `observe_with` and `remove_all_observers_for` resolving names under the write lock
        // held here, this check is what keeps every observer's `event` a non-alias for as long
        // as the observer is live (its list is non-null until its last live entry goes), so
        // `remove`, `set_order` and `set_enabled`, which use that name's slot, never publish into
        // (or take ownership of) a borrowed alias slot.
        if !alias_slot.list.load(Ordering::Acquire).is_null() {
            return Err(refuse("the alias name has observers of its own"));
        }
        t.target_of.insert(alias, target);
        t.aliases_of.entry(target).or_default().push(alias);
        inner.event_aliases.any.store(true, Ordering::Release);
        let current = inner
            .slots
            .get(target.id())
            .map_or(std::ptr::null_mut(), |s| s.list.load(Ordering::Acquire));
        alias_slot.list.store(current, Ordering::Release);
        Ok(())
    }

    /// Removes the alias `alias` (Carbonite's `removeEventAlias`); false when it was none.
    pub fn remove_event_alias(&self, alias: impl AsEventName) -> bool {
        let Some(alias) = alias.lookup_name() else {
            return false;
        };
        let _w = self.inner.write_lock.lock();
        let mut t = self.inner.event_aliases.table.lock();
        let Some(target) = t.target_of.remove(&alias) else {
            return false;
        };
        if let Some(list) = t.aliases_of.get_mut(&target) {
            list.retain(|&a| a != alias);
            if list.is_empty() {
                t.aliases_of.remove(&target);
            }
        }
        if let Some(slot) = self.inner.slots.get(alias.id()) {
            // Borrowed pointer: the target's slot still owns (and will retire) the list, so a
            // dispatch that loaded it through the alias keeps a valid list.
            slot.list.store(std::ptr::null_mut(), Ordering::Release);
        }
        true
    }

    /// Removes every alias of `target` (Carbonite's `removeAllEventAliasesFor`); returns how many.
    ///
    /// ```
    /// use cm_events::{Dispatcher, Payload};
    /// let d = Dispatcher::new();
    /// d.add_event_alias("a1", "t").unwrap();
    /// d.add_event_alias("a2", "t").unwrap(); // a target may have many aliases
    /// assert_eq!(d.event_aliases_of("t").len(), 2);
    /// assert_eq!(d.remove_all_event_aliases_for("t"), 2);
    /// assert!(d.event_aliases_of("t").is_empty());
    /// ```
    pub fn remove_all_event_aliases_for(&self, target: impl AsEventName) -> usize {
        let aliases = self.event_aliases_of(target);
        aliases
            .into_iter()
            .filter(|&a| self.remove_event_alias(a))
            .count()
    }

    /// The aliases of `target`, in registration order.
    pub fn event_aliases_of(&self, target: impl AsEventName) -> Vec<EventName> {
        let Some(target) = target.lookup_name() else {
            return Vec::new();
        };
        self.inner
            .event_aliases
            .table
            .lock()
            .aliases_of
            .get(&target)
            .cloned()
            .unwrap_or_default()
    }

    /// The target of the alias `alias`, if it is one.
    pub fn event_alias_target(&self, alias: impl AsEventName) -> Option<EventName> {
        let alias = alias.lookup_name()?;
        self.inner
            .event_aliases
            .table
            .lock()
            .target_of
            .get(&alias)
            .copied()
    }
}
