//! One registered observer and the immutable, sorted observer list of an event.

use std::alloc::Layout;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU8, Ordering};

use crate::event::Event;
use crate::name::{EventName, Key};
use crate::payload::Payload;

/// The callback type observers register.
pub type Callback = dyn Fn(&Event<'_>) + Send + Sync + 'static;

/// `Observer::state` bit: unregistered (never runs again).
const REMOVED: u8 = 1;
/// `Observer::state` bit: disabled by its guard.
const DISABLED: u8 = 2;

// `repr(C)` keeps `state`, the one field every dispatch reads, at the start of the allocation.
#[repr(C)]
pub(crate) struct Observer {
    /// `REMOVED | DISABLED` bits; zero means "call me".
    pub(crate) state: AtomicU8,
    /// Owns the closure; dispatch calls it through `call` (see [`CallFn`]).
    pub(crate) callback: Box<Callback>,
    /// `call_guarded::<F>` for the closure type `F` inside `callback`.
    pub(crate) call: CallFn,
    pub(crate) name: Key,
    pub(crate) event: EventName,
    pub(crate) filter: Option<Payload>,
    pub(crate) order: AtomicI64,
    /// Registration sequence: breaks order ties (earlier registration runs first).
    pub(crate) seq: u64,
    pub(crate) ignore_consume: bool,
}

/// How dispatch calls an observer: a thin function pointer, monomorphised per closure type, that
/// takes the list entry (whose `data` is the closure) and runs the closure inside `catch_unwind`.
///
/// Compared with calling the `Box<dyn Fn>` (load data, load vtable, load the vtable's call slot,
/// call, with a `catch_unwind` landing pad in the dispatch loop), dispatch loads one pointer from
/// the entry and calls it, and its own frame has no landing pad: panic isolation lives in the
/// callee, where the closure is inlined into its `catch_unwind` and costs nothing unless it
/// panics.
pub(crate) type CallFn = for<'a, 'e> unsafe fn(&'a Entry, &'a Event<'e>);

/// The [`CallFn`] of closure type `F`: calls the closure, catches a panic and logs it with the
/// observer and event names, so the remaining observers still run.
///
/// # Safety
/// `entry.data` points to a live `F` (the observer's boxed callback) and `entry.observer` to its
/// live observer.
pub(crate) unsafe fn call_guarded<F: Fn(&Event<'_>)>(entry: &Entry, event: &Event<'_>) {
    // SAFETY: the caller guarantees `data` is the observer's `Box<F>` data pointer (for a
    // zero-sized `F` a dangling but aligned pointer, which is valid for a zero-sized read).
    let f = unsafe { &*entry.data.cast::<F>() };
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| f(event))) {
        // SAFETY: the caller guarantees the observer is alive.
        report_panic(unsafe { &*entry.observer }, event, panic.as_ref());
    }
}

#[cold]
#[inline(never)]
fn report_panic(obs: &Observer, event: &Event<'_>, panic: &(dyn std::any::Any + Send)) {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("<non-string panic payload>");
    tracing::error!(
        observer = obs.name.as_str(),
        event = event.name().as_str(),
        "event observer {:?} panicked while handling {:?}: {message}",
        obs.name.as_str(),
        event.name().as_str()
    );
}

impl Observer {
    pub(crate) fn initial_state(enabled: bool) -> AtomicU8 {
        AtomicU8::new(if enabled { 0 } else { DISABLED })
    }

    pub(crate) fn is_removed(&self) -> bool {
        self.state.load(Ordering::Relaxed) & REMOVED != 0
    }

    pub(crate) fn mark_removed(&self) {
        self.state.fetch_or(REMOVED, Ordering::SeqCst);
    }

    pub(crate) fn is_enabled(&self) -> bool {
        self.state.load(Ordering::Relaxed) & DISABLED == 0
    }

    pub(crate) fn set_enabled(&self, enabled: bool) {
        if enabled {
            self.state.fetch_and(!DISABLED, Ordering::SeqCst);
        } else {
            self.state.fetch_or(DISABLED, Ordering::SeqCst);
        }
    }
}

/// Entry flag: the observer has a filter.
pub(crate) const HAS_FILTER: u8 = 1;
/// Entry flag: the observer runs even after the event was consumed.
pub(crate) const IGNORES_CONSUME: u8 = 2;
/// Entry flag: the observer was disabled when this list was built.
pub(crate) const ENTRY_DISABLED: u8 = 4;
/// Entry flag: the list was replaced. Set (in every entry, before the writer's heavy barrier)
/// once the list is unpublished. While it is clear the entry's observer is live and its other
/// flags are current, so dispatch need not read the observer itself; once set, dispatch falls
/// back to the observer's live `state`.
pub(crate) const ENTRY_STALE: u8 = 8;

/// What dispatch needs per observer, laid out contiguously so the loop touches one array.
pub(crate) struct Entry {
    pub(crate) observer: *const Observer,
    /// The observer's closure (the data pointer of its `Box<Callback>`), for `call`.
    pub(crate) data: *const (),
    /// The observer's [`CallFn`].
    pub(crate) call: CallFn,
    /// `HAS_FILTER | IGNORES_CONSUME | ENTRY_DISABLED` fixed at build time, plus `ENTRY_STALE`
    /// (the only bit that changes). The stale bit lives in each entry rather than once in the
    /// list so the dispatch loop tests one byte per observer and keeps no list pointer live.
    pub(crate) flags: AtomicU8,
}

/// An immutable snapshot, sorted by `(order, seq)`. Replaced (never mutated, apart from the
/// stale bits) on every change.
///
/// One allocation: this header followed by `len` [`Entry`]s, so dispatch goes from the slot's
/// list pointer straight to the entries (no separate entries pointer to load). Owned through
/// [`ListBox`].
#[repr(C)]
pub(crate) struct ObserverList {
    /// Owns what the entries point to.
    observers: Box<[Arc<Observer>]>,
    len: usize,
}

// The entries start right after the header (no padding), see `ObserverList::layout`.
const _: () = assert!(
    std::mem::size_of::<ObserverList>().is_multiple_of(std::mem::align_of::<Entry>())
        && std::mem::align_of::<ObserverList>() >= std::mem::align_of::<Entry>()
);

// SAFETY: the raw pointers in the entries point into the `Arc<Observer>`s owned by `observers`
// (and their boxed callbacks), which are immutable apart from atomics and are `Send + Sync`
// because `Callback` is; the list is never mutated after construction apart from atomics.
unsafe impl Send for ObserverList {}
// SAFETY: see the `Send` impl; shared access only reads immutable data or atomics.
unsafe impl Sync for ObserverList {}

impl ObserverList {
    fn layout(len: usize) -> Layout {
        let entries = match Layout::array::<Entry>(len) {
            Ok(l) => l,
            Err(_) => panic!("observer list of {len} entries is too large"),
        };
        match Layout::new::<ObserverList>().extend(entries) {
            Ok((layout, offset)) => {
                debug_assert_eq!(offset, std::mem::size_of::<ObserverList>());
                layout.pad_to_align()
            }
            Err(_) => panic!("observer list of {len} entries is too large"),
        }
    }

    /// The entries, in call order.
    #[inline(always)]
    pub(crate) fn entries(&self) -> &[Entry] {
        // SAFETY: a list only exists inside a `ListBox` allocation of `layout(len)`, whose `len`
        // initialised entries follow the header directly (asserted above).
        unsafe {
            std::slice::from_raw_parts(std::ptr::from_ref(self).add(1).cast::<Entry>(), self.len)
        }
    }

    /// The observers, in call order.
    pub(crate) fn observers(&self) -> &[Arc<Observer>] {
        &self.observers
    }

    /// Marks every entry stale (the list was unpublished). Call before the heavy barrier.
    pub(crate) fn mark_stale(&self) {
        for e in self.entries() {
            e.flags.fetch_or(ENTRY_STALE, Ordering::SeqCst);
        }
    }

    pub(crate) fn sorted(mut observers: Vec<Arc<Observer>>) -> ListBox {
        observers.sort_by_key(|o| (o.order.load(Ordering::Relaxed), o.seq));
        let len = observers.len();
        let layout = Self::layout(len);
        // SAFETY: the layout has a non-zero size (it holds the header).
        let raw = unsafe { std::alloc::alloc(layout) }.cast::<ObserverList>();
        let Some(ptr) = NonNull::new(raw) else {
            std::alloc::handle_alloc_error(layout)
        };
        // SAFETY: `ptr` is a fresh allocation of `layout(len)`: room for the header and `len`
        // entries right after it, all suitably aligned.
        unsafe {
            let entries = ptr.as_ptr().add(1).cast::<Entry>();
            for (i, o) in observers.iter().enumerate() {
                entries.add(i).write(Entry {
                    observer: Arc::as_ptr(o),
                    data: std::ptr::from_ref(&*o.callback).cast::<()>(),
                    call: o.call,
                    flags: AtomicU8::new(
                        if o.filter.is_some() { HAS_FILTER } else { 0 }
                            | if o.ignore_consume { IGNORES_CONSUME } else { 0 }
                            | if o.is_enabled() { 0 } else { ENTRY_DISABLED },
                    ),
                });
            }
            ptr.as_ptr().write(ObserverList {
                observers: observers.into_boxed_slice(),
                len,
            });
        }
        ListBox(ptr)
    }
}

/// Owns one [`ObserverList`] allocation (what `Box<ObserverList>` would be if the list were a
/// plain struct). Slots hold it as a raw pointer ([`ListBox::into_raw`]).
pub(crate) struct ListBox(NonNull<ObserverList>);

// SAFETY: `ListBox` owns an `ObserverList`, which is `Send + Sync`.
unsafe impl Send for ListBox {}
// SAFETY: as above.
unsafe impl Sync for ListBox {}

impl ListBox {
    /// Gives up ownership; the pointer must come back through [`ListBox::from_raw`].
    pub(crate) fn into_raw(self) -> *mut ObserverList {
        let ptr = self.0.as_ptr();
        std::mem::forget(self);
        ptr
    }

    /// Takes back ownership of a pointer from [`ListBox::into_raw`].
    ///
    /// # Safety
    /// `ptr` came from `into_raw` and nobody else owns or will free it.
    pub(crate) unsafe fn from_raw(ptr: *mut ObserverList) -> ListBox {
        match NonNull::new(ptr) {
            Some(p) => ListBox(p),
            None => unreachable!("ListBox::from_raw(null)"),
        }
    }
}

impl std::ops::Deref for ListBox {
    type Target = ObserverList;
    fn deref(&self) -> &ObserverList {
        // SAFETY: we own a live, initialised list.
        unsafe { self.0.as_ref() }
    }
}

impl Drop for ListBox {
    fn drop(&mut self) {
        let layout = ObserverList::layout(self.len);
        // SAFETY: we own the allocation; entries need no drop (raw pointers and an atomic), the
        // header owns the observers; then the memory goes back with the layout it came from.
        unsafe {
            std::ptr::drop_in_place(self.0.as_ptr());
            std::alloc::dealloc(self.0.as_ptr().cast(), layout);
        }
    }
}

/// Public description of an observer, from [`crate::Dispatcher::get_observers`].
#[derive(Clone, Debug, PartialEq)]
pub struct ObserverInfo {
    /// The observer's debugging name.
    pub name: Key,
    /// The observed event.
    pub event: EventName,
    /// Its order (lower runs first).
    pub order: i64,
    /// Whether it is enabled.
    pub enabled: bool,
    /// Its filter, if any.
    pub filter: Option<Payload>,
    /// Whether it still runs after an earlier observer consumed the event.
    pub ignore_consume: bool,
}

impl ObserverInfo {
    pub(crate) fn of(o: &Observer) -> Self {
        ObserverInfo {
            name: o.name,
            event: o.event,
            order: o.order.load(Ordering::Relaxed),
            enabled: o.is_enabled(),
            filter: o.filter.clone(),
            ignore_consume: o.ignore_consume,
        }
    }
}

/// Options for [`crate::Dispatcher::observe_with`].
#[derive(Clone, Debug, Default)]
pub struct ObserveOptions {
    /// Lower runs first; equal orders run in registration order.
    pub order: i64,
    /// Only run when the payload contains at least these key/value pairs.
    pub filter: Option<Payload>,
    /// Keep running even after an earlier observer consumed the event.
    pub ignore_consume: bool,
    /// Start disabled.
    pub disabled: bool,
}
