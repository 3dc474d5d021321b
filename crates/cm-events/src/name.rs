//! Interned strings for event names ([`EventName`]) and payload keys ([`Key`]).
//!
//! This is the counterpart of Carbonite's `RString` / `RStringKey`. Every distinct string is stored
//! once, for the life of the process, and gets a small dense id. An interned name is a pointer to
//! that entry, so:
//!
//! * comparing two names is one integer (pointer) compare,
//! * the dispatcher indexes its per-event table with the id, so observing or dispatching on a
//!   pre-interned name never hashes a string,
//! * `as_str()` is free.
//!
//! Interning is thread-safe. Lookups are lock-free (an open-addressing table read with atomic
//! loads); inserts take a mutex. The table hash is foldhash with a fixed seed.
//!
//! ```
//! use cm_events::EventName;
//! let a = EventName::new("omni.kit.app:ready");
//! let b = EventName::new("omni.kit.app:ready");
//! assert_eq!(a, b); // pointer compare
//! assert_eq!(a.as_str(), "omni.kit.app:ready");
//! assert_eq!(EventName::lookup("never interned anywhere"), None);
//! ```

use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicPtr, Ordering};

use parking_lot::Mutex;

use crate::legacy_type::EventType;

/// Most names the process can intern (ids are dense indices into per-dispatcher tables).
pub const MAX_NAMES: usize = 1 << 22;

const IMMEDIATE_SUFFIX: &str = ":immediate";

/// One interned string. Entries live for the whole process.
pub(crate) struct NameEntry {
    text: &'static str,
    hash: u64,
    id: u32,
    /// `<text>:immediate`, interned on first use and cached here.
    immediate: AtomicPtr<NameEntry>,
}

/// The open-addressing lookup table. Old tables are leaked on growth because lock-free readers may
/// still be probing them; the total leak is bounded by the final table size (geometric growth).
struct Table {
    mask: usize,
    slots: Box<[AtomicPtr<NameEntry>]>,
}

static TABLE: AtomicPtr<Table> = AtomicPtr::new(std::ptr::null_mut());
static WRITER: Mutex<Writer> = Mutex::new(Writer { count: 0 });

struct Writer {
    count: usize,
}

fn hash_str(s: &str) -> u64 {
    foldhash::fast::FixedState::with_seed(0x5eed_cafe_f00d_0003).hash_one(s)
}

fn lookup_entry(s: &str) -> Option<&'static NameEntry> {
    let hash = hash_str(s);
    let table = TABLE.load(Ordering::Acquire);
    // SAFETY: tables are allocated with Box::into_raw and never freed (see `Table`), and a
    // non-null pointer was published with Release after the table was fully initialised.
    let table = unsafe { table.as_ref() }?;
    probe(table, hash, s)
}

fn probe(table: &Table, hash: u64, s: &str) -> Option<&'static NameEntry> {
    let mut i = hash as usize & table.mask;
    loop {
        let entry = table.slots[i].load(Ordering::Acquire);
        // SAFETY: entries are leaked `Box<NameEntry>`s published with Release after
        // initialisation; they are never freed.
        let entry: &'static NameEntry = unsafe { entry.as_ref() }?;
        if entry.hash == hash && entry.text == s {
            return Some(entry);
        }
        i = (i + 1) & table.mask;
    }
}

fn new_table(capacity: usize) -> Box<Table> {
    Box::new(Table {
        mask: capacity - 1,
        slots: (0..capacity)
            .map(|_| AtomicPtr::new(std::ptr::null_mut()))
            .collect(),
    })
}

fn insert_into(table: &Table, entry: &'static NameEntry) {
    let mut i = entry.hash as usize & table.mask;
    while !table.slots[i].load(Ordering::Relaxed).is_null() {
        i = (i + 1) & table.mask;
    }
    table.slots[i].store(std::ptr::from_ref(entry).cast_mut(), Ordering::Release);
}

fn intern_entry(s: &str) -> &'static NameEntry {
    match try_intern_entry(s) {
        Ok(entry) => entry,
        Err(full) => panic!("cm-events: {full}"),
    }
}

fn try_intern_entry(s: &str) -> Result<&'static NameEntry, NamesExhausted> {
    if let Some(e) = lookup_entry(s) {
        return Ok(e);
    }
    let mut writer = WRITER.lock();
    // Another thread may have inserted it while we waited for the lock.
    if let Some(e) = lookup_entry(s) {
        return Ok(e);
    }
    if writer.count >= MAX_NAMES {
        return Err(NamesExhausted);
    }
    let text: &'static str = Box::leak(s.to_owned().into_boxed_str());
    let entry: &'static NameEntry = Box::leak(Box::new(NameEntry {
        text,
        hash: hash_str(s),
        id: u32::try_from(writer.count).unwrap_or(u32::MAX),
        immediate: AtomicPtr::new(std::ptr::null_mut()),
    }));
    writer.count += 1;
    let current = TABLE.load(Ordering::Acquire);
    // SAFETY: see `lookup_entry`; tables are never freed.
    let current_ref = unsafe { current.as_ref() };
    match current_ref {
        Some(table) if writer.count * 2 <= table.slots.len() => insert_into(table, entry),
        _ => {
            let old_len = current_ref.map_or(0, |t| t.slots.len());
            let grown = new_table((old_len * 2).max(1024));
            if let Some(old) = current_ref {
                for slot in old.slots.iter() {
                    // SAFETY: entries are leaked and never freed.
                    if let Some(e) = unsafe { slot.load(Ordering::Acquire).as_ref() } {
                        insert_into(&grown, e);
                    }
                }
            }
            insert_into(&grown, entry);
            TABLE.store(Box::into_raw(grown), Ordering::Release);
        }
    }
    Ok(entry)
}

/// The process has interned [`MAX_NAMES`] distinct names and cannot take another.
///
/// Names live for the whole process (see the module docs), so a program that turns untrusted
/// text into names or payload keys can run out. The fallible constructors
/// ([`EventName::try_new`], [`Key::try_new`], [`crate::Payload::from_json`]) return this instead
/// of panicking; names interned before stay valid and usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "more than {MAX_NAMES} distinct event names and payload keys interned; names live for the whole process"
)]
pub struct NamesExhausted;

macro_rules! interned_type {
    ($(#[$doc:meta])* $ty:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub struct $ty(&'static NameEntry);

        impl $ty {
            /// Interns `s` (thread-safe) and returns its handle.
            ///
            /// # Panics
            ///
            /// When `s` is new and the process already interned [`MAX_NAMES`] names; use
            /// [`Self::try_new`] for names that come from untrusted input.
            pub fn new(s: &str) -> Self {
                Self(intern_entry(s))
            }

            /// Interns `s` like [`Self::new`], or says that the name table is full.
            pub fn try_new(s: &str) -> Result<Self, NamesExhausted> {
                try_intern_entry(s).map(Self)
            }

            /// Same as [`Self::new`].
            pub fn intern(s: &str) -> Self {
                Self::new(s)
            }

            /// The handle of `s` if it was ever interned; never inserts.
            pub fn lookup(s: &str) -> Option<Self> {
                lookup_entry(s).map(Self)
            }

            /// The interned text.
            pub fn as_str(self) -> &'static str {
                self.0.text
            }

            /// The dense id of this string (shared by [`EventName`] and [`Key`] of the same text).
            pub fn id(self) -> u32 {
                self.0.id
            }
        }

        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                std::ptr::eq(self.0, other.0)
            }
        }
        impl Eq for $ty {}

        impl Hash for $ty {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.0.id.hash(state);
            }
        }

        impl PartialOrd for $ty {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for $ty {
            /// Orders by text, so sorted output is stable across runs.
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.0.text.cmp(other.0.text)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self.0.text, f)
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0.text)
            }
        }
        impl From<&str> for $ty {
            fn from(s: &str) -> Self {
                Self::new(s)
            }
        }
        impl From<&String> for $ty {
            fn from(s: &String) -> Self {
                Self::new(s)
            }
        }
        impl From<String> for $ty {
            fn from(s: String) -> Self {
                Self::new(&s)
            }
        }
        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.0.text
            }
        }
        impl PartialEq<str> for $ty {
            fn eq(&self, other: &str) -> bool {
                self.0.text == other
            }
        }
        impl PartialEq<&str> for $ty {
            fn eq(&self, other: &&str) -> bool {
                self.0.text == *other
            }
        }
    };
}

interned_type!(
    /// An interned event name (the `RString` counterpart). `Copy`, 8 bytes, compared by pointer.
    EventName
);
interned_type!(
    /// An interned payload key (the `RStringKey` counterpart). `Copy`, 8 bytes, compared by pointer.
    Key
);

impl EventName {
    /// The immediate form of this name: `<name>:immediate`, interned once and cached.
    pub fn immediate(self) -> EventName {
        let cached = self.0.immediate.load(Ordering::Acquire);
        // SAFETY: the cache only ever holds leaked, never-freed entries.
        if let Some(e) = unsafe { cached.as_ref() } {
            return EventName(e);
        }
        let mut text = String::with_capacity(self.0.text.len() + IMMEDIATE_SUFFIX.len());
        text.push_str(self.0.text);
        text.push_str(IMMEDIATE_SUFFIX);
        let e = intern_entry(&text);
        self.0
            .immediate
            .store(std::ptr::from_ref(e).cast_mut(), Ordering::Release);
        EventName(e)
    }

    /// The legacy (Events 1.0) integer type of this name: [`crate::type_from_string`].
    pub fn event_type(self) -> EventType {
        crate::legacy_type::type_from_string(self.0.text)
    }

    /// The same interned string viewed as a payload key.
    pub fn as_key(self) -> Key {
        Key(self.0)
    }
}

impl Key {
    /// The same interned string viewed as an event name.
    pub fn as_event_name(self) -> EventName {
        EventName(self.0)
    }
}

/// Anything that names an event: an [`EventName`] (free) or a string (looked up, hashed once).
///
/// Dispatching by string never interns: a string nobody ever interned cannot have observers.
pub trait AsEventName {
    /// The interned name, if it exists; must not insert.
    fn lookup_name(&self) -> Option<EventName>;
    /// The interned name, inserting it if needed.
    fn to_event_name(&self) -> EventName;
}

impl AsEventName for EventName {
    #[inline(always)]
    fn lookup_name(&self) -> Option<EventName> {
        Some(*self)
    }
    #[inline(always)]
    fn to_event_name(&self) -> EventName {
        *self
    }
}
impl AsEventName for &EventName {
    #[inline(always)]
    fn lookup_name(&self) -> Option<EventName> {
        Some(**self)
    }
    #[inline(always)]
    fn to_event_name(&self) -> EventName {
        **self
    }
}
impl AsEventName for &str {
    #[inline]
    fn lookup_name(&self) -> Option<EventName> {
        EventName::lookup(self)
    }
    fn to_event_name(&self) -> EventName {
        EventName::new(self)
    }
}
impl AsEventName for String {
    fn lookup_name(&self) -> Option<EventName> {
        EventName::lookup(self)
    }
    fn to_event_name(&self) -> EventName {
        EventName::new(self)
    }
}
impl AsEventName for &String {
    fn lookup_name(&self) -> Option<EventName> {
        EventName::lookup(self)
    }
    fn to_event_name(&self) -> EventName {
        EventName::new(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_idempotent_and_thread_safe() {
        let names: Vec<String> = (0..3000).map(|i| format!("test.name.{i}")).collect();
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let names = names.clone();
                std::thread::spawn(move || {
                    names
                        .iter()
                        .map(|n| EventName::new(n).id())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let ids: Vec<Vec<u32>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] == w[1]));
        for n in &names {
            assert_eq!(EventName::lookup(n).unwrap().as_str(), n);
        }
    }

    #[test]
    fn immediate_is_cached_and_key_shares_id() {
        let n = EventName::new("x.y:z");
        assert_eq!(n.immediate().as_str(), "x.y:z:immediate");
        assert_eq!(n.immediate(), EventName::new("x.y:z:immediate"));
        assert_eq!(n.as_key().id(), n.id());
    }
}
