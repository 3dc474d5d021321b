//! One registered observer and the sorted observer list of an event.
//!
//! A list is published once and then changes only in ways a concurrent dispatch can ignore or
//! must see atomically, so that observing and resetting cost O(1) amortised at any list length:
//!
//! * **Append in place**: a list has spare capacity; an observer that sorts last (its order is
//!   not below the last entry's, the common case) is written into the next free entry and made
//!   visible by the Release store of `len`. A dispatch reads `len` once, so an observer added
//!   during a dispatch is not called by it.
//! * **Tombstones**: reset sets the removed observer's entry [`ENTRY_STALE`] in the current list
//!   (the dispatch then consults the observer's live state, which says "removed") instead of
//!   publishing a list without it. `set_enabled` flips [`ENTRY_DISABLED`] in place.
//! * **Rebuild** (a new list, the old one retired through the reclaimer): when the capacity is
//!   full, when a new observer sorts before the last entry, on `set_order`, and when the
//!   tombstones outnumber the live entries (compaction). Each rebuild copies the live entries
//!   and leaves room for as many again, so its cost is spread over at least that many cheap
//!   operations. Past 64 observers an out-of-order observe or a `set_order` makes the list
//!   segmented instead ([`super::segments`]), after which such a change rebuilds only the runs
//!   it touches.

use std::alloc::Layout;
use std::cell::UnsafeCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;
use std::sync::Arc;

use super::sync::{AtomicBool, AtomicI64, AtomicU8, AtomicU64, AtomicUsize, Ordering};

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
    /// Owns the closure; dispatch calls it through `call` (see [`CallFn`]) and `data`. Taken
    /// (dropped) once by the reset that proved nobody runs or will run it
    /// ([`Observer::take_callback`]); otherwise dropped with the observer.
    callback: UnsafeCell<Option<Box<Callback>>>,
    callback_taken: AtomicBool,
    /// The closure's address (the data pointer of `callback`), fixed at construction.
    pub(crate) data: *const (),
    /// `call_guarded::<F>` for the closure type `F` inside `callback`.
    pub(crate) call: CallFn,
    pub(crate) name: Key,
    pub(crate) event: EventName,
    pub(crate) filter: Option<Payload>,
    pub(crate) order: AtomicI64,
    /// Registration sequence: breaks order ties (earlier registration runs first).
    pub(crate) seq: u64,
    /// Address of the owning `DispatcherInner` (identity only, never dereferenced): lets
    /// `stop_observing` refuse another dispatcher's handle.
    pub(crate) dispatcher: usize,
    /// Settable on a live guard; the current list's entry caches it as [`IGNORES_CONSUME`].
    pub(crate) ignore_consume: AtomicBool,
    /// Index of this observer's entry in its slot's current list (written under the
    /// dispatcher's write lock whenever the observer is placed in a list), so that reset and
    /// `set_enabled` find the entry without a search.
    pub(crate) index: AtomicUsize,
}

// SAFETY: `callback` is the only non-`Sync` field; the closure is `Send + Sync`, it is only read
// through `data` by dispatch, and it is taken at most once (`callback_taken`), by a reset that
// waited until no other thread runs it and checked that the current thread does not either.
unsafe impl Sync for Observer {}
// SAFETY: as above; every field is `Send`.
unsafe impl Send for Observer {}

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

/// What [`Observer::new`] takes besides the closure.
pub(crate) struct ObserverParts {
    pub(crate) name: Key,
    pub(crate) event: EventName,
    pub(crate) options: ObserveOptions,
    pub(crate) seq: u64,
    /// The owning dispatcher's address, for [`ObserverParts::dispatcher`].
    pub(crate) dispatcher: usize,
}

impl Observer {
    pub(crate) fn new<F: Fn(&Event<'_>) + Send + Sync + 'static>(
        parts: ObserverParts,
        callback: F,
    ) -> Observer {
        let boxed: Box<Callback> = Box::new(callback);
        let data = std::ptr::from_ref(&*boxed).cast::<()>();
        let ObserverParts {
            name,
            event,
            options,
            seq,
            dispatcher,
        } = parts;
        Observer {
            state: AtomicU8::new(if options.disabled { DISABLED } else { 0 }),
            callback: UnsafeCell::new(Some(boxed)),
            callback_taken: AtomicBool::new(false),
            data,
            call: call_guarded::<F>,
            name,
            event,
            filter: options.filter.filter(|f| !f.is_empty()),
            order: AtomicI64::new(options.order),
            seq,
            ignore_consume: AtomicBool::new(options.ignore_consume),
            index: AtomicUsize::new(usize::MAX),
            dispatcher,
        }
    }

    /// Takes the closure out so the caller can drop it (outside any lock: user drop code may call
    /// back into the dispatcher). `None` when it was already taken.
    ///
    /// # Safety
    /// The observer is removed, no other thread is inside its callback (after
    /// `wait_until_not_calling`) and the current thread is not either.
    pub(crate) unsafe fn take_callback(&self) -> Option<Box<Callback>> {
        if self.callback_taken.swap(true, Ordering::AcqRel) {
            return None;
        }
        // SAFETY: the flag makes this the only access to the cell apart from dispatch's reads
        // through `data`, which the caller guarantees no longer happen.
        unsafe { (*self.callback.get()).take() }
    }

    /// The sort key: `(order, registration sequence)`.
    pub(crate) fn key(&self) -> SortKey {
        (self.order.load(Ordering::Relaxed), self.seq)
    }

    /// The entry flags this observer has in a freshly built list.
    fn entry_flags(&self) -> u8 {
        (if self.filter.is_some() { HAS_FILTER } else { 0 })
            | if self.ignore_consume.load(Ordering::Relaxed) {
                IGNORES_CONSUME
            } else {
                0
            }
            | if self.is_enabled() { 0 } else { ENTRY_DISABLED }
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
    /// Owns one strong count of the observer (`Arc::into_raw`), released when the list is freed.
    pub(crate) observer: *const Observer,
    /// The observer's closure (the data pointer of its `Box<Callback>`), for `call`.
    pub(crate) data: *const (),
    /// The observer's [`CallFn`].
    pub(crate) call: CallFn,
    /// `HAS_FILTER | IGNORES_CONSUME | ENTRY_DISABLED`, kept equal to the observer's own settings
    /// under the write lock while the list is current, plus `ENTRY_STALE` (set when the list is
    /// unpublished, or on this entry alone when its observer is reset). The flags live in each
    /// entry rather than once in the list so the dispatch loop tests one byte per observer and
    /// keeps no list pointer live.
    pub(crate) flags: AtomicU8,
}

/// A sort key, `(order, registration sequence)`.
pub(crate) type SortKey = (i64, u64);

/// A published, sorted (by `(order, seq)`, tombstones included) observer list.
///
/// One allocation: this header followed by `capacity` entry cells, the first `len` of them
/// initialised, so dispatch goes from the slot's list pointer straight to the entries. Owned
/// through [`ListBox`]. Everything but `len` and the entry flags is fixed or written under the
/// dispatcher's write lock only (atomics so that the list stays `Sync`).
///
/// A list is *flat* (all its entries inline) or *segmented* (see [`super::segments`]): then it
/// is the last run of the sorted sequence (the *head*, where appends go) and `prefix` points to
/// the earlier runs, immutable lists of their own (*segments*) that successive heads share.
/// Dispatch calls the segments in order, then the head's entries.
#[repr(C)]
pub(crate) struct ObserverList {
    /// Initialised entries; grows (Release) by appends, never shrinks.
    len: AtomicUsize,
    /// Segments before this list's own entries (0: a flat list); fixed for the list's life.
    prefix_len: usize,
    /// `prefix_len` segment pointers (a leaked `Box<[*const ObserverList]>`, freed with this
    /// list). The segments themselves are owned by the slot's current structure, not by this
    /// array: the writer that stops using one retires it (see [`super::segments`]).
    prefix: *const *const ObserverList,
    capacity: usize,
    /// Entries whose observer was reset (their `ENTRY_STALE` bit set) while this list was current.
    tombstones: AtomicUsize,
    /// Live observers of the whole list (segments included): meaningful in the published head.
    live_total: AtomicUsize,
    /// The sort key of the first entry (`u64::MAX` parts while there is none), so that a writer
    /// finds the run a key belongs to.
    first_order: AtomicI64,
    first_seq: AtomicU64,
    /// The sort key of the last entry (of the last segment while a head has no entries of its
    /// own), so an append can tell whether it sorts last.
    last_order: AtomicI64,
    last_seq: AtomicU64,
    /// Under loom only: set instead of freeing the list, so that a read after the free is a
    /// clear panic (checked in [`ObserverList::entries`]) rather than undefined behaviour. A
    /// plain `std` atomic: loom runs one thread at a time, so it shows the real order of events
    /// in the explored execution, and it adds no interleavings of its own.
    #[cfg(loom)]
    freed: std::sync::atomic::AtomicBool,
}

// The entries start right after the header (no padding), see `ObserverList::layout`.
const _: () = assert!(
    std::mem::size_of::<ObserverList>().is_multiple_of(std::mem::align_of::<Entry>())
        && std::mem::align_of::<ObserverList>() >= std::mem::align_of::<Entry>()
);

// SAFETY: the raw pointers in the entries are strong counts of `Arc<Observer>`s (and point into
// their boxed callbacks), which are `Send + Sync`; shared access only reads entries below `len`
// (initialised before the Release store that published them) and atomics. The prefix points to
// lists that are `Send + Sync` themselves.
unsafe impl Send for ObserverList {}
// SAFETY: see the `Send` impl.
unsafe impl Sync for ObserverList {}

/// The smallest capacity a list is built with.
const MIN_CAPACITY: usize = 4;

/// The first key of a list with no entries: sorts after every real key.
const NO_KEY: SortKey = (i64::MAX, u64::MAX);

impl ObserverList {
    fn layout(capacity: usize) -> Layout {
        let entries = match Layout::array::<Entry>(capacity) {
            Ok(l) => l,
            Err(_) => panic!("observer list of {capacity} entries is too large"),
        };
        match Layout::new::<ObserverList>().extend(entries) {
            Ok((layout, offset)) => {
                debug_assert_eq!(offset, std::mem::size_of::<ObserverList>());
                layout.pad_to_align()
            }
            Err(_) => panic!("observer list of {capacity} entries is too large"),
        }
    }

    fn entry_ptr(&self) -> *mut Entry {
        std::ptr::from_ref(self)
            .cast_mut()
            .wrapping_add(1)
            .cast::<Entry>()
    }

    /// This list's own entries, in call order (tombstones included); a segmented list's
    /// segments come before them ([`ObserverList::segments`]).
    #[inline(always)]
    pub(crate) fn entries(&self) -> &[Entry] {
        #[cfg(loom)]
        assert!(
            !self.freed.load(std::sync::atomic::Ordering::SeqCst),
            "read an observer list the reclaimer freed"
        );
        // SAFETY: a list only exists inside a `ListBox` allocation of `layout(capacity)`, whose
        // first `len` entries follow the header directly (asserted above) and were initialised
        // before the Release store of `len` this Acquire load reads.
        unsafe { std::slice::from_raw_parts(self.entry_ptr(), self.len.load(Ordering::Acquire)) }
    }

    /// True for a flat list (no segments): dispatch's common case.
    #[inline(always)]
    pub(crate) fn is_flat(&self) -> bool {
        self.prefix_len == 0
    }

    /// The segment pointers before this list's own entries (empty for a flat list).
    pub(crate) fn prefix(&self) -> &[*const ObserverList] {
        if self.prefix_len == 0 {
            return &[];
        }
        // SAFETY: `prefix` is a leaked boxed slice of `prefix_len` pointers, freed with the list.
        unsafe { std::slice::from_raw_parts(self.prefix, self.prefix_len) }
    }

    /// The segments before this list's own entries, in call order.
    ///
    /// Readers: a dispatch that loaded this list reaches only segments that were current when it
    /// loaded it or retired after that, so alive until its record's word changes (as the list
    /// itself). Writers: under the write lock, the current list's segments are alive.
    pub(crate) fn segments(&self) -> impl Iterator<Item = &ObserverList> {
        self.prefix().iter().map(|&p| {
            // SAFETY: see above.
            unsafe { &*p }
        })
    }

    /// The segments, then this list: every run of entries in call order.
    pub(crate) fn runs(&self) -> impl Iterator<Item = &ObserverList> {
        self.segments().chain(std::iter::once(self))
    }

    /// This run's live observers (not reset), in call order.
    fn own_live(&self) -> impl Iterator<Item = &Observer> {
        self.entries().iter().filter_map(|e| {
            // SAFETY: each entry holds a strong count of its observer.
            let o = unsafe { &*e.observer };
            (!o.is_removed()).then_some(o)
        })
    }

    /// The live observers (not reset) of the whole list, in call order. Caller holds the write
    /// lock (or owns the list).
    pub(crate) fn live(&self) -> impl Iterator<Item = &Observer> {
        self.runs().flat_map(ObserverList::own_live)
    }

    /// The live observers of the whole list as owned handles. Caller holds the write lock (or
    /// owns the list).
    pub(crate) fn live_arcs(&self) -> Vec<Arc<Observer>> {
        self.live().map(arc_of).collect()
    }

    /// This run's live observers as owned handles.
    pub(crate) fn own_live_arcs(&self) -> Vec<Arc<Observer>> {
        self.own_live().map(arc_of).collect()
    }

    /// Live observers of the whole list.
    pub(crate) fn live_len(&self) -> usize {
        self.live_total.load(Ordering::Relaxed)
    }

    /// Removed observers whose entries this run still holds. Caller holds the write lock.
    pub(crate) fn tombstone_count(&self) -> usize {
        self.tombstones.load(Ordering::Relaxed)
    }

    /// Live entries of this run (`len - tombstones`).
    fn own_live_len(&self) -> usize {
        self.entries().len() - self.tombstones.load(Ordering::Relaxed)
    }

    /// The key of the first entry ([`NO_KEY`] while there is none).
    pub(crate) fn first_key(&self) -> SortKey {
        (
            self.first_order.load(Ordering::Relaxed),
            self.first_seq.load(Ordering::Relaxed),
        )
    }

    /// The key of the last entry (for a head without entries, its last segment's).
    pub(crate) fn last_key(&self) -> SortKey {
        (
            self.last_order.load(Ordering::Relaxed),
            self.last_seq.load(Ordering::Relaxed),
        )
    }

    /// Marks every entry of this run stale (the run was unpublished). Call before the heavy
    /// barrier.
    pub(crate) fn mark_stale(&self) {
        for e in self.entries() {
            e.flags.fetch_or(ENTRY_STALE, Ordering::SeqCst);
        }
    }

    /// The run (this list or one of its segments) that holds `obs`, placed with sort key `key`,
    /// and its entry. Caller holds the write lock.
    pub(crate) fn entry_of(&self, obs: &Observer, key: SortKey) -> Option<(&ObserverList, &Entry)> {
        let run = self.run_for(key);
        run.entries()
            .get(obs.index.load(Ordering::Relaxed))
            .filter(|e| std::ptr::eq(e.observer, obs))
            .map(|e| (run, e))
    }

    /// The run a key belongs to: the last whose first key is at most `key` (the first run when
    /// `key` sorts before everything). Runs partition the keys: every key of run `i` is below
    /// the first key of run `i + 1`.
    pub(crate) fn run_for(&self, key: SortKey) -> &ObserverList {
        match self.run_index_for(key).and_then(|i| self.prefix().get(i)) {
            // SAFETY: the current list's segments are alive under the write lock (`segments`).
            Some(&segment) => unsafe { &*segment },
            None => self,
        }
    }

    /// [`ObserverList::run_for`] as an index into the prefix (`None`: this list's own entries).
    pub(crate) fn run_index_for(&self, key: SortKey) -> Option<usize> {
        let prefix = self.prefix();
        if prefix.is_empty() || (self.first_key() <= key && !self.entries().is_empty()) {
            return None;
        }
        // SAFETY: the current list's segments are alive under the write lock (`segments`).
        let after = prefix.partition_point(|&p| unsafe { &*p }.first_key() <= key);
        Some(after.saturating_sub(1))
    }

    /// Turns `obs`'s entry into a tombstone (the observer is already marked removed): dispatch
    /// then consults its live state and skips it. Returns the run that held it, or `None` when
    /// `obs` is not in this list or already a tombstone. Caller holds the write lock; call
    /// before the heavy barrier.
    pub(crate) fn tombstone(&self, obs: &Observer) -> Option<&ObserverList> {
        let (run, e) = self.entry_of(obs, obs.key())?;
        if e.flags.fetch_or(ENTRY_STALE, Ordering::SeqCst) & ENTRY_STALE != 0 {
            return None;
        }
        run.tombstones.fetch_add(1, Ordering::Relaxed);
        self.live_total.fetch_sub(1, Ordering::Relaxed);
        Some(run)
    }

    /// Re-reads `obs`'s settings into its entry (enabled, ignore-consume). Caller holds the write
    /// lock.
    pub(crate) fn refresh_flags(&self, obs: &Observer) {
        if let Some((_, e)) = self.entry_of(obs, obs.key()) {
            let stale = e.flags.load(Ordering::Relaxed) & ENTRY_STALE;
            e.flags.store(obs.entry_flags() | stale, Ordering::SeqCst);
        }
    }

    /// True when rebuilding this run would pay for itself: its tombstones outnumber its live
    /// entries.
    pub(crate) fn wants_compaction(&self) -> bool {
        self.tombstones.load(Ordering::Relaxed) > self.own_live_len()
    }

    /// Appends `obs` in place when it sorts last and there is room; gives it back otherwise.
    /// Caller holds the write lock.
    pub(crate) fn try_append(&self, obs: Arc<Observer>) -> Result<(), Arc<Observer>> {
        let len = self.len.load(Ordering::Relaxed);
        if len == self.capacity || obs.key() < self.last_key() {
            return Err(obs);
        }
        self.write_entry(len, obs);
        self.live_total.fetch_add(1, Ordering::Relaxed);
        // Release: a dispatch that reads the new length also reads the entry written above.
        self.len.store(len + 1, Ordering::Release);
        Ok(())
    }

    /// Writes entry `i` (not yet visible) for `obs` and records the sort key and index.
    fn write_entry(&self, i: usize, obs: Arc<Observer>) {
        debug_assert!(i < self.capacity);
        let (order, seq) = obs.key();
        if i == 0 {
            self.first_order.store(order, Ordering::Relaxed);
            self.first_seq.store(seq, Ordering::Relaxed);
        }
        self.last_order.store(order, Ordering::Relaxed);
        self.last_seq.store(seq, Ordering::Relaxed);
        obs.index.store(i, Ordering::Relaxed);
        let entry = Entry {
            data: obs.data,
            call: obs.call,
            flags: AtomicU8::new(obs.entry_flags()),
            observer: Arc::into_raw(obs),
        };
        // SAFETY: `i < capacity`, the cell is inside the allocation and not yet initialised (it
        // is at or beyond `len`, which no reader goes past).
        unsafe { self.entry_ptr().add(i).write(entry) };
    }

    /// A new flat list of `observers` (sorted here), with room for as many again.
    pub(crate) fn sorted(mut observers: Vec<Arc<Observer>>) -> ListBox {
        observers.sort_by_key(|o| o.key());
        let capacity = (observers.len() * 2).max(MIN_CAPACITY);
        let live = observers.len();
        Self::build(observers, capacity, Vec::new(), live, NO_KEY)
    }

    /// A new list of `observers` (already sorted, at most `capacity`) after the segments
    /// `prefix`, whose live observers, with these, number `live_total`. `last_if_empty` is the
    /// key an append must not sort below while the list has no entries of its own.
    pub(crate) fn build(
        observers: Vec<Arc<Observer>>,
        capacity: usize,
        prefix: Vec<*const ObserverList>,
        live_total: usize,
        last_if_empty: SortKey,
    ) -> ListBox {
        debug_assert!(observers.len() <= capacity && capacity > 0);
        debug_assert!(observers.is_sorted_by_key(|o| o.key()));
        let layout = Self::layout(capacity);
        // SAFETY: the layout has a non-zero size (it holds the header).
        let raw = unsafe { std::alloc::alloc(layout) }.cast::<ObserverList>();
        let Some(ptr) = NonNull::new(raw) else {
            std::alloc::handle_alloc_error(layout)
        };
        let prefix_len = prefix.len();
        let prefix = if prefix_len == 0 {
            std::ptr::null()
        } else {
            Box::into_raw(prefix.into_boxed_slice()).cast::<*const ObserverList>()
        };
        let last = if prefix_len == 0 {
            (i64::MIN, 0)
        } else {
            last_if_empty
        };
        // SAFETY: `ptr` is a fresh allocation of `layout(capacity)`: room for the header and
        // `capacity` entries right after it, all suitably aligned.
        unsafe {
            ptr.as_ptr().write(ObserverList {
                len: AtomicUsize::new(0),
                prefix_len,
                prefix,
                capacity,
                tombstones: AtomicUsize::new(0),
                live_total: AtomicUsize::new(live_total),
                first_order: AtomicI64::new(NO_KEY.0),
                first_seq: AtomicU64::new(NO_KEY.1),
                last_order: AtomicI64::new(last.0),
                last_seq: AtomicU64::new(last.1),
                #[cfg(loom)]
                freed: std::sync::atomic::AtomicBool::new(false),
            });
        }
        let list = ListBox(ptr);
        let len = observers.len();
        for (i, o) in observers.into_iter().enumerate() {
            list.write_entry(i, o);
        }
        list.len.store(len, Ordering::Release);
        list
    }

    /// Takes ownership of this list's segments (when the whole list goes: unpublished, or the
    /// dispatcher dropped).
    ///
    /// # Safety
    /// The caller owns the structure this list heads, and takes its segments once.
    pub(crate) unsafe fn take_segments(&self) -> Vec<ListBox> {
        self.prefix()
            .iter()
            // SAFETY: segment pointers come from `ListBox::into_raw` and are owned by the
            // structure, which the caller owns.
            .map(|&p| unsafe { ListBox::from_raw(p.cast_mut()) })
            .collect()
    }
}

/// An owned handle to an observer a list entry holds.
fn arc_of(o: &Observer) -> Arc<Observer> {
    let ptr = std::ptr::from_ref(o);
    // SAFETY: `ptr` came from `Arc::into_raw` (the entry's strong count), which stays alive
    // while we add one of our own.
    unsafe {
        Arc::increment_strong_count(ptr);
        Arc::from_raw(ptr)
    }
}

/// Owns one [`ObserverList`] allocation (what `Box<ObserverList>` would be if the list were a
/// plain struct). Slots hold it as a raw pointer ([`ListBox::into_raw`]). Dropping it frees the
/// list and its prefix array, never the segments (see [`ObserverList::take_segments`]).
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
    /// Under loom: marks the list freed and keeps it (see `ObserverList::freed`).
    #[cfg(loom)]
    fn drop(&mut self) {
        self.freed.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    #[cfg(not(loom))]
    fn drop(&mut self) {
        let layout = ObserverList::layout(self.capacity);
        for e in self.entries() {
            // SAFETY: each initialised entry owns one strong count (`write_entry`).
            drop(unsafe { Arc::from_raw(e.observer) });
        }
        if self.prefix_len != 0 {
            // SAFETY: `prefix` is the boxed slice `build` leaked, freed only here.
            drop(unsafe {
                Box::from_raw(std::ptr::slice_from_raw_parts_mut(
                    self.prefix.cast_mut(),
                    self.prefix_len,
                ))
            });
        }
        // SAFETY: we own the allocation; entries and header need no other drop (raw pointers
        // and atomics); the memory goes back with the layout it came from.
        unsafe { std::alloc::dealloc(self.0.as_ptr().cast(), layout) };
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
            ignore_consume: o.ignore_consume.load(Ordering::Relaxed),
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
