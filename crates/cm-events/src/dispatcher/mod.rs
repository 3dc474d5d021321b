//! The [`Dispatcher`] (the `IEventDispatcher` counterpart): observe and dispatch events by name.
//!
//! # How a dispatch runs
//! * The interned name's id indexes a dense slot table; a slot holds a pointer to an immutable,
//!   sorted observer list. No observers: one null check (a few loads in all).
//! * Otherwise the thread marks itself "in a dispatch" in its own [`thread_record`] with plain
//!   stores (no atomic read-modify-write), re-reads the list, and for each observer stores "calling
//!   X", tests the entry's flag byte (filter / disabled / stale) and the event's consumed flag in
//!   one branch, and calls X through the entry's thin function pointer, a per-closure-type
//!   trampoline that runs the closure inside `catch_unwind` (free unless it panics). Anything
//!   unusual goes to the out-of-line `should_call_slow` (consume rules, live state of a replaced
//!   list's observer, filter match).
//! * The common case (outermost dispatch, compiler-only fences, one observer) is inlined into the
//!   caller: no call frame, no landing pad, four stores to the thread's record (slot, `word`,
//!   "calling X", `word` = 0). Longer lists, nested dispatches and the fence fallback go out of
//!   line.
//! * Changes (observe, reset, reorder) build a new list under a per-dispatcher write lock and swap
//!   it in. The old list is freed after every dispatch that might read it has ended.
//!
//! # Guarantees
//! * Lower `order` first; equal orders in registration order.
//! * An observer added during a dispatch is not called by that dispatch (the dispatch iterates the
//!   list it loaded). Recursive dispatch from an observer works; `dispatch` returns how many
//!   observers *it* called.
//! * After [`ObserverGuard::reset`] returns the callback never runs again; reset waits for other
//!   threads currently inside that callback, but not for the current thread (an observer may reset
//!   itself). Two threads that reset each other's *currently running* observers from inside those
//!   observers would wait for each other; don't.
//! * No lock is held while an observer runs. A panicking observer is caught and logged (with its
//!   observer name) and the remaining observers still run.

pub(crate) mod barrier;
pub(crate) mod event_alias;
pub(crate) mod handshake;
pub(crate) mod observer;
pub(crate) mod reclaim;
pub(crate) mod segments;
pub(crate) mod slots;
pub(crate) mod sync;
pub(crate) mod thread_record;

use std::borrow::Borrow;
use std::sync::{Arc, OnceLock};

use sync::{AtomicPtr, AtomicU64, Mutex, Ordering, process_static};

use crate::alias::AliasTable;
use crate::event::Event;
use crate::guard::{ObserverGuard, ObserverHandle};
use crate::legacy_type::EventType;
use crate::name::{AsEventName, EventName, Key};
use crate::payload::Payload;
use crate::queue::QueueFactory;

pub use observer::{Callback, ObserveOptions, ObserverInfo};
use observer::{
    ENTRY_DISABLED, ENTRY_STALE, Entry, HAS_FILTER, IGNORES_CONSUME, ListBox, Observer,
    ObserverList, ObserverParts,
};
use reclaim::Reclaimer;
use segments::{Edit, Rebuilt};
use slots::{Slot, SlotTable};
use thread_record::{MAX_DEPTH, depth_of};

/// The event dispatcher. Cloning is cheap and yields a handle to the same dispatcher.
///
/// ```
/// use cm_events::{Dispatcher, Payload};
/// use std::sync::{Arc, Mutex};
///
/// let d = Dispatcher::new();
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let s = seen.clone();
/// let _late = d.observe("late", 10, "job:done", None, move |e| s.lock().unwrap().push(format!("late {}", e["id"].as_i64().unwrap())));
/// let s = seen.clone();
/// let _early = d.observe("early", -5, "job:done", Some(Payload::new().with("id", 7)), move |_| s.lock().unwrap().push("early".into()));
///
/// assert_eq!(d.dispatch("job:done", Payload::new().with("id", 7)), 2);
/// assert_eq!(d.dispatch("job:done", Payload::new().with("id", 8)), 1); // filter skips "early"
/// assert_eq!(*seen.lock().unwrap(), ["early", "late 7", "late 8"]);
/// ```
#[derive(Clone)]
pub struct Dispatcher {
    pub(crate) inner: Arc<DispatcherInner>,
}

pub(crate) struct DispatcherInner {
    slots: SlotTable,
    write_lock: Mutex<()>,
    reclaimer: Reclaimer,
    next_seq: AtomicU64,
    pub(crate) queues: QueueFactory,
    pub(crate) aliases: AliasTable,
    pub(crate) event_aliases: event_alias::EventAliases,
    /// Under loom only: the negative control's switch ([`loom_hooks::skip_reset_wait`]).
    #[cfg(loom)]
    skip_reset_wait: std::sync::atomic::AtomicBool,
    /// Under loom only: resets that ended by the handshake ([`loom_hooks::handshakes_answered`]).
    #[cfg(loom)]
    handshakes_answered: std::sync::atomic::AtomicUsize,
}

static GLOBAL: OnceLock<Dispatcher> = OnceLock::new();

/// The process-wide dispatcher.
pub fn dispatcher() -> &'static Dispatcher {
    GLOBAL.get_or_init(Dispatcher::new)
}

impl Default for Dispatcher {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("ptr", &Arc::as_ptr(&self.inner))
            .finish_non_exhaustive()
    }
}

impl Dispatcher {
    /// A private dispatcher (its own observers, queues and aliases; names are interned globally).
    pub fn new() -> Self {
        Dispatcher {
            inner: Arc::new(DispatcherInner {
                slots: SlotTable::new(),
                write_lock: Mutex::new(()),
                reclaimer: Reclaimer::default(),
                next_seq: AtomicU64::new(0),
                queues: QueueFactory::default(),
                aliases: AliasTable::default(),
                event_aliases: event_alias::EventAliases::default(),
                #[cfg(loom)]
                skip_reset_wait: std::sync::atomic::AtomicBool::new(false),
                #[cfg(loom)]
                handshakes_answered: std::sync::atomic::AtomicUsize::new(0),
            }),
        }
    }

    /// True when `self` and `other` are handles to the same dispatcher.
    pub fn ptr_eq(&self, other: &Dispatcher) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Dispatches `name` with `payload` to its observers; returns how many were called.
    ///
    /// `name` may be an [`EventName`] (no hashing) or a string (one hash lookup; a string that was
    /// never interned has no observers and returns 0 without interning it).
    #[inline]
    pub fn dispatch<N: AsEventName, P: Borrow<Payload>>(&self, name: N, payload: P) -> usize {
        match name.lookup_name() {
            Some(n) => self.dispatch_event(n, payload.borrow()),
            None => 0,
        }
    }

    /// Dispatches a pre-interned name: the fastest entry point.
    #[inline(always)]
    pub fn dispatch_event(&self, name: EventName, payload: &Payload) -> usize {
        self.dispatch_typed(name, payload, None)
    }

    #[inline(always)]
    pub(crate) fn dispatch_typed(
        &self,
        name: EventName,
        payload: &Payload,
        legacy: Option<EventType>,
    ) -> usize {
        let slot = self.inner.slots.get_for_dispatch(name.id());
        if slot.list.load(Ordering::Relaxed).is_null() {
            return 0;
        }
        dispatch_to_slot(slot, Event::with_legacy_type(name, payload, legacy))
    }

    /// Observes `event_name`: `callback` runs on every dispatch of it whose payload contains at
    /// least the `filter`'s key/value pairs. Lower `order` runs first. Observation stops when the
    /// returned guard is dropped or reset.
    pub fn observe<N, F>(
        &self,
        observer_name: impl Into<Key>,
        order: i64,
        event_name: N,
        filter: Option<Payload>,
        callback: F,
    ) -> ObserverGuard
    where
        N: AsEventName,
        F: Fn(&Event<'_>) + Send + Sync + 'static,
    {
        self.observe_with(
            observer_name,
            event_name,
            ObserveOptions {
                order,
                filter,
                ..ObserveOptions::default()
            },
            callback,
        )
    }

    /// [`Dispatcher::observe`] with all options (e.g. `ignore_consume`, start disabled).
    pub fn observe_with<N, F>(
        &self,
        observer_name: impl Into<Key>,
        event_name: N,
        options: ObserveOptions,
        callback: F,
    ) -> ObserverGuard
    where
        N: AsEventName,
        F: Fn(&Event<'_>) + Send + Sync + 'static,
    {
        let (name, event_name) = (observer_name.into(), event_name.to_event_name());
        let (observer, retired) = {
            let _w = self.inner.write_lock.lock();
            // Resolved under the write lock, which `add_event_alias` also holds: resolving before
            // it let an alias added in between leave this observer in the alias's slot, whose
            // borrowed list the target's next publish overwrote (observer lost, list leaked, and
            // a rebuild here could take ownership of the target's list). Under the lock the name
            // is either still no alias (and `add_event_alias` then refuses it: it has observers)
            // or resolves to the target.
            let event = self.inner.event_aliases.resolve(event_name);
            let observer = Arc::new(Observer::new(
                ObserverParts {
                    name,
                    event,
                    options,
                    seq: self.inner.next_seq.fetch_add(1, Ordering::Relaxed),
                    dispatcher: Arc::as_ptr(&self.inner).addr(),
                },
                callback,
            ));
            let slot = self.inner.slots.get_or_create(event.id());
            // SAFETY: lists are only replaced (and retired) under the write lock, held here.
            let retired = match unsafe { slot.list.load(Ordering::Acquire).as_ref() } {
                None => {
                    self.inner
                        .publish(event, slot, Some(segments::first(vec![observer.clone()])))
                }
                Some(list) => match list.try_append(observer.clone()) {
                    Ok(()) => Vec::new(),
                    Err(observer) => {
                        let edit = Edit {
                            insert: Some(observer),
                            ..Edit::default()
                        };
                        let rebuilt = segments::rebuild(list, edit);
                        self.inner.publish(event, slot, Some(rebuilt))
                    }
                },
            };
            (observer, retired)
        };
        self.inner.retire(retired);
        ObserverGuard::new(self.inner.clone(), observer)
    }

    /// True when `dispatch(event_name, filter or an empty payload)` would call an observer, as
    /// Kit's `has_observers` ("emulates a call to dispatch_event()"): a live, enabled observer
    /// whose own filter (if any) the payload satisfies. Disabled observers never count.
    ///
    /// ```
    /// use cm_events::{Dispatcher, Payload};
    /// let d = Dispatcher::new();
    /// let only_7 = Payload::new().with("id", 7);
    /// let _g = d.observe("o", 0, "job", Some(only_7.clone()), |_| {});
    /// assert!(!d.has_observers("job", None)); // an empty payload cannot satisfy the filter
    /// assert!(d.has_observers("job", Some(&only_7)));
    /// let plain = d.observe("p", 0, "job", None, |_| {});
    /// assert!(d.has_observers("job", None));
    /// plain.set_enabled(false);
    /// assert!(!d.has_observers("job", None));
    /// ```
    pub fn has_observers<N: AsEventName>(&self, event_name: N, filter: Option<&Payload>) -> bool {
        let Some(name) = event_name.lookup_name() else {
            return false;
        };
        let Some(slot) = self.inner.slots.get(name.id()) else {
            return false;
        };
        if slot.list.load(Ordering::Acquire).is_null() {
            return false;
        }
        let _w = self.inner.write_lock.lock();
        // SAFETY: lists are only replaced (and retired) under the write lock, held here.
        let Some(list) = (unsafe { slot.list.load(Ordering::Acquire).as_ref() }) else {
            return false;
        };
        list.live().any(|o| {
            o.is_enabled()
                && match (&o.filter, filter) {
                    (None, _) => true,
                    (Some(_), None) => false,
                    (Some(f), Some(p)) => p.contains_all(f),
                }
        })
    }

    /// True when `event_name` has a live, enabled observer, whatever its filter: "is building a
    /// payload for this event worth it" (a wider question than [`Dispatcher::has_observers`]).
    ///
    /// ```
    /// use cm_events::{Dispatcher, Payload};
    /// let d = Dispatcher::new();
    /// let _g = d.observe("o", 0, "job", Some(Payload::new().with("id", 7)), |_| {});
    /// assert!(d.has_any_observers("job") && !d.has_observers("job", None));
    /// ```
    pub fn has_any_observers<N: AsEventName>(&self, event_name: N) -> bool {
        let Some(slot) = event_name
            .lookup_name()
            .and_then(|n| self.inner.slots.get(n.id()))
        else {
            return false;
        };
        if slot.list.load(Ordering::Acquire).is_null() {
            return false;
        }
        let _w = self.inner.write_lock.lock();
        // SAFETY: lists are only replaced (and retired) under the write lock, held here.
        unsafe { slot.list.load(Ordering::Acquire).as_ref() }
            .is_some_and(|l| l.live().any(Observer::is_enabled))
    }

    /// The observers of `event_name`, in call order.
    pub fn get_observers<N: AsEventName>(&self, event_name: N) -> Vec<ObserverInfo> {
        let Some(slot) = event_name
            .lookup_name()
            .and_then(|n| self.inner.slots.get(n.id()))
        else {
            return Vec::new();
        };
        let _w = self.inner.write_lock.lock();
        self.inner
            .current_observers(slot)
            .iter()
            .map(|o| ObserverInfo::of(o))
            .collect()
    }

    /// Removes every observer of `event_name` (their guards become inert); waits like
    /// [`ObserverGuard::reset`]. Returns how many were removed.
    pub fn remove_all_observers_for<N: AsEventName>(&self, event_name: N) -> usize {
        let Some(name) = event_name.lookup_name() else {
            return 0;
        };
        let (removed, retired) = {
            let _w = self.inner.write_lock.lock();
            // Resolved under the write lock (as in `observe_with`): resolved before it, an alias
            // added in between would make `name` the alias, and publishing into its slot would
            // take ownership of the target's borrowed list (double free).
            let name = self.inner.event_aliases.resolve(name);
            let Some(slot) = self.inner.slots.get(name.id()) else {
                return 0;
            };
            let observers = self.inner.current_observers(slot);
            for o in &observers {
                o.mark_removed();
            }
            (observers, self.inner.publish(name, slot, None))
        };
        self.inner.retire(retired);
        thread_record::advance_epoch();
        barrier::heavy();
        for o in &removed {
            wait_until_not_calling(o);
            if !thread_record::current_thread_is_calling(o) {
                // SAFETY: removed, nobody else inside it (waited above), and not this thread.
                drop(unsafe { o.take_callback() });
            }
        }
        removed.len()
    }

    /// Stops an observer released from its guard ([`ObserverGuard::release`]) and waits like
    /// [`ObserverGuard::reset`]. Returns false when it was already stopped or belongs to another
    /// dispatcher.
    pub fn stop_observing(&self, handle: &ObserverHandle) -> bool {
        let obs = &handle.observer;
        if obs.is_removed() || !self.owns(obs) {
            return false;
        }
        self.inner.remove(obs);
        true
    }

    /// True when `obs` was registered with this dispatcher (it is, or was, in one of its lists).
    fn owns(&self, obs: &Observer) -> bool {
        obs.dispatcher == Arc::as_ptr(&self.inner).addr()
    }

    /// True while the current thread is inside a dispatch (of any event) of any dispatcher,
    /// Carbonite's `IEventDispatcher::isDispatching()`; the per-event question is
    /// [`Dispatcher::is_dispatching`].
    ///
    /// ```
    /// use cm_events::{Dispatcher, Payload};
    /// let d = Dispatcher::new();
    /// assert!(!Dispatcher::current_thread_is_dispatching());
    /// let _g = d.observe("o", 0, "e", None, |_| assert!(Dispatcher::current_thread_is_dispatching()));
    /// assert_eq!(d.dispatch("e", Payload::new()), 1);
    /// ```
    pub fn current_thread_is_dispatching() -> bool {
        thread_record::current_if_registered()
            .is_some_and(|r| depth_of(r.word.load(Ordering::Relaxed)) != 0)
    }

    /// True while some thread is dispatching `event_name` (calling its observers).
    pub fn is_dispatching<N: AsEventName>(&self, event_name: N) -> bool {
        let Some(slot) = event_name
            .lookup_name()
            .and_then(|n| self.inner.slots.get(n.id()))
        else {
            return false;
        };
        let target = std::ptr::from_ref(slot).cast_mut();
        let mut found = false;
        thread_record::for_each(|r| {
            let depth = depth_of(r.word.load(Ordering::Acquire)).min(MAX_DEPTH);
            found |= r.slots[..depth]
                .iter()
                .any(|s| s.load(Ordering::Acquire) == target);
        });
        found
    }

    /// Frees replaced observer lists whose readers have all finished (also happens automatically).
    pub fn collect_garbage(&self) {
        self.inner.reclaimer.collect();
    }

    /// Replaced observer lists not yet freed (diagnostics).
    pub fn pending_garbage(&self) -> usize {
        self.inner.reclaimer.pending()
    }

    /// True when dispatch uses compiler-only fences (Linux `membarrier` available); otherwise every
    /// dispatch pays real fences.
    pub fn uses_asymmetric_barriers() -> bool {
        barrier::is_asymmetric()
    }
}

/// Calls the observers of `slot` (which had a non-null list a moment ago).
///
/// Inlined into the caller and kept short: the common case (the thread's outermost dispatch,
/// compiler-only fences, a list of one observer) runs here without a call frame of its own; a
/// longer list calls the out-of-line loop [`call_list`], and nested dispatches and the
/// fence-fallback mode take [`dispatch_general`]. The outermost dispatch stores only values it did
/// not read from the thread's record (see [`thread_record`]), so back-to-back dispatches do not
/// form a dependency chain through it.
#[inline(always)]
fn dispatch_to_slot(slot: &Slot, event: Event<'_>) -> usize {
    let Some(rec) = thread_record::current_fast() else {
        return dispatch_general(slot, &event);
    };
    if rec.word.load(Ordering::Relaxed) != 0 {
        return dispatch_general(slot, &event);
    }
    // The slot first, then `word` (Release): a reader that sees the new depth also sees the
    // slot (cells at or above the depth are stale and ignored, so nothing is cleared on exit).
    rec.slots[0].store(std::ptr::from_ref(slot).cast_mut(), Ordering::Relaxed);
    rec.word
        .store(thread_record::outermost_word(), Ordering::Release);
    barrier::light_with(true);
    let list = slot.list.load(Ordering::Acquire);
    // SAFETY: as in `call_observers`: loaded after "in a dispatch" was published and a barrier;
    // it stays alive until the `word` store below.
    let called = match unsafe { list.as_ref() } {
        // A segmented list goes to `call_list` whatever its head holds (the flatness test sits
        // in the one-entry arm only, so the common path keeps its shape).
        Some(list) => match list.entries() {
            [entry] if list.is_flat() => call_one(entry, rec, &event),
            _ => call_list(list, &rec.calling[0], &event),
        },
        None => 0,
    };
    // Leaves `slots[0]` and `calling[0]` as they are: with depth 0 nobody reads them.
    rec.word.store(0, Ordering::Release);
    handshake::answer_if_asked(rec);
    called
}

/// A list of exactly one observer, in a fresh event (nothing consumed yet), at depth 0 of `rec`:
/// publish "calling X", one flag test, call. Same steps as one turn of [`call_entries`]. (Takes
/// the record rather than its `calling` cell so the stores address the cell as record +
/// constant instead of keeping a second pointer alive across the call.)
#[inline(always)]
fn call_one(entry: &Entry, rec: &thread_record::ThreadRecord, event: &Event<'_>) -> usize {
    debug_assert!(!event.is_consumed());
    rec.calling[0].store(entry.observer.cast_mut(), Ordering::Release);
    barrier::light_with(true);
    let unusual = entry.flags.load(Ordering::Relaxed) & (HAS_FILTER | ENTRY_DISABLED | ENTRY_STALE);
    if unusual == 0 || should_call_slow(entry, event) {
        handshake::loom_answer_early();
        // SAFETY: the entry's closure and observer are alive as in `call_entries`.
        unsafe { (entry.call)(entry, event) };
        1
    } else {
        0
    }
}

/// [`call_entries`] (or [`call_segmented`]) out of line, for [`dispatch_to_slot`]
/// (compiler-only fences).
#[inline(never)]
fn call_list(list: &ObserverList, calling: &AtomicPtr<Observer>, event: &Event<'_>) -> usize {
    if list.is_flat() {
        call_entries(list.entries(), calling, true, event)
    } else {
        call_segmented(list, calling, true, event)
    }
}

/// The observer loop over a segmented list ([`segments`]): each segment, then the head's own
/// entries. The head's length is read first, so that an observer appended during this dispatch
/// is not called by it (segments never grow).
#[inline(never)]
fn call_segmented(
    list: &ObserverList,
    calling: &AtomicPtr<Observer>,
    asymmetric: bool,
    event: &Event<'_>,
) -> usize {
    let head = list.entries();
    let mut called = 0;
    for segment in list.segments() {
        called += call_entries(segment.entries(), calling, asymmetric, event);
    }
    called + call_entries(head, calling, asymmetric, event)
}

/// Everything [`dispatch_to_slot`] does not handle inline: a dispatch from inside an observer,
/// and the fence-fallback mode.
#[inline(never)]
fn dispatch_general(slot: &Slot, event: &Event<'_>) -> usize {
    let rec = thread_record::current();
    let word = rec.word.load(Ordering::Relaxed);
    if word != 0 {
        return dispatch_nested(rec, word, slot, event);
    }
    rec.slots[0].store(std::ptr::from_ref(slot).cast_mut(), Ordering::Relaxed);
    rec.word
        .store(thread_record::outermost_word(), Ordering::Release);
    let called = call_observers(slot, &rec.calling[0], rec.asymmetric, event);
    rec.word.store(0, Ordering::Release);
    handshake::answer_if_asked(rec);
    called
}

/// A dispatch from inside an observer: depth `word & DEPTH_MASK` + 1, same epoch.
fn dispatch_nested(
    rec: &thread_record::ThreadRecord,
    word: u64,
    slot: &Slot,
    event: &Event<'_>,
) -> usize {
    let depth = depth_of(word);
    let called = if depth < MAX_DEPTH {
        rec.slots[depth].store(std::ptr::from_ref(slot).cast_mut(), Ordering::Relaxed);
        rec.word.store(word + 1, Ordering::Release);
        call_observers(slot, &rec.calling[depth], rec.asymmetric, event)
    } else {
        rec.word.store(word + 1, Ordering::Release);
        // Not itemised: waiters wait for this thread's whole outermost dispatch (`still_in`).
        call_observers(slot, &NOT_ITEMISED, rec.asymmetric, event)
    };
    rec.word.store(word, Ordering::Release);
    called
}

process_static! {
    /// Where dispatches nested deeper than [`MAX_DEPTH`] "publish" their current observer:
    /// nobody reads it (waiters fall back to the thread's `word`), it only keeps the loop uniform.
    static NOT_ITEMISED: AtomicPtr<Observer> = AtomicPtr::new(std::ptr::null_mut());
}

/// The caller has published "in a dispatch" in its record (`word`, non-zero depth); `calling` is
/// this depth's "calling X" cell in the record, `asymmetric` the barrier mode. Returns how many
/// observers were called.
#[inline(always)]
fn call_observers(
    slot: &Slot,
    calling: &AtomicPtr<Observer>,
    asymmetric: bool,
    event: &Event<'_>,
) -> usize {
    barrier::light_with(asymmetric);
    let list = slot.list.load(Ordering::Acquire);
    // SAFETY: the list was loaded after this thread published "active" (word) and a barrier; a
    // writer that unpublishes it retires it and frees it only after this record's word changes,
    // which the caller does after we return.
    match unsafe { list.as_ref() } {
        Some(list) if list.is_flat() => call_entries(list.entries(), calling, asymmetric, event),
        Some(list) => call_segmented(list, calling, asymmetric, event),
        None => 0,
    }
}

/// The observer loop over a list loaded as in [`call_observers`].
#[inline(always)]
fn call_entries(
    entries: &[Entry],
    calling: &AtomicPtr<Observer>,
    asymmetric: bool,
    event: &Event<'_>,
) -> usize {
    // Count skips, not calls: the skip counter is touched only on the (rare) skip paths, so the
    // common path carries no counter through memory across the opaque callback call.
    let mut skipped = 0usize;
    for entry in entries {
        // Release: a waiting reset that sees the cell move on to the next observer (or the
        // record's depth drop) also sees everything the previous callback did.
        calling.store(entry.observer.cast_mut(), Ordering::Release);
        barrier::light_with(asymmetric);
        // One test on the common path: an enabled observer without filter in a current list,
        // event not consumed. Everything else goes to `should_call_slow`. (Publishing "calling X"
        // for an observer we then skip only makes a concurrent reset of X wait a few
        // instructions longer.)
        let unusual = entry.flags.load(Ordering::Relaxed)
            & (HAS_FILTER | ENTRY_DISABLED | ENTRY_STALE)
            | u8::from(event.is_consumed());
        if unusual != 0 && !should_call_slow(entry, event) {
            skipped += 1;
            continue;
        }
        handshake::loom_answer_early();
        // SAFETY: the entry's closure is owned by its observer, which the list keeps alive; the
        // list is alive while the caller's record says "in a dispatch". `call` matches the
        // closure's type (both set from the same observer).
        unsafe { (entry.call)(entry, event) };
    }
    // `calling` keeps the last observer: the caller's `word` store that ends this depth makes
    // the cell stale, and waiters ignore cells at or above the depth.
    entries.len() - skipped
}

/// The full "should this observer run" decision: consume, enabled (from the entry while the
/// list is current, from the observer's live state once it is stale, which also covers removal)
/// and filter. Called after "calling X" was published and the light barrier.
#[inline(never)]
fn should_call_slow(entry: &Entry, event: &Event<'_>) -> bool {
    let flags = entry.flags.load(Ordering::Relaxed);
    if event.is_consumed() && flags & IGNORES_CONSUME == 0 {
        return false;
    }
    // SAFETY: the observer is alive for the whole dispatch (see `dispatch_to_slot`).
    let obs = unsafe { &*entry.observer };
    let enabled = if flags & ENTRY_STALE != 0 {
        obs.state.load(Ordering::Relaxed) == 0
    } else {
        flags & ENTRY_DISABLED == 0
    };
    enabled
        && (flags & HAS_FILTER == 0
            || obs
                .filter
                .as_ref()
                .is_none_or(|f| event.payload().contains_all(f)))
}

/// Waits until no other thread is inside `obs`'s callback. Call after a heavy barrier that
/// followed setting `obs.removed`.
pub(crate) fn wait_until_not_calling(obs: &Observer) {
    let target = std::ptr::from_ref(obs).cast_mut();
    let me = thread_record::current_if_registered();
    for r in thread_record::all() {
        if me.is_some_and(|m| std::ptr::eq(m, r)) {
            continue;
        }
        // A thread resetting `obs` from inside it is inside a call that started before this
        // reset returns; waiting for it while it waits for us would never end.
        let resetting_it = || r.resetting.load(Ordering::SeqCst) == target;
        let w = r.word.load(Ordering::Acquire);
        if depth_of(w) > MAX_DEPTH {
            spin_while(|| r.still_in(w) && !resetting_it());
            continue;
        }
        // `calling[d]` means something only while the record's depth is above `d` (dispatch
        // does not clear it on exit): the thread may be inside `obs` at level `d` only if both
        // hold. Either changing (the next observer, or the `word` store that ends that level;
        // both Release) ends the wait.
        for (d, c) in r.calling.iter().enumerate() {
            spin_while(|| {
                c.load(Ordering::Acquire) == target
                    && depth_of(r.word.load(Ordering::Acquire)) > d
                    && !resetting_it()
            });
        }
    }
}

fn spin_while(mut cond: impl FnMut() -> bool) {
    let mut spins = 0u32;
    while cond() {
        spins += 1;
        sync::spin_pause(spins);
    }
}

impl DispatcherInner {
    /// The slot's current observers. Caller holds the write lock.
    fn current_observers(&self, slot: &Slot) -> Vec<Arc<Observer>> {
        let list = slot.list.load(Ordering::Acquire);
        // SAFETY: lists are only replaced (and retired) under the write lock, which the caller
        // holds, so the current list stays alive for this call.
        unsafe { list.as_ref() }.map_or_else(Vec::new, ObserverList::live_arcs)
    }

    /// Publishes `new` for `slot` (`None`: unpublish, nobody observes any more); returns what to
    /// retire once the write lock is released (the old head, and the segments the new one no
    /// longer uses), already marked stale. Caller holds the write lock.
    fn publish(&self, event: EventName, slot: &Slot, new: Option<Rebuilt>) -> Vec<ListBox> {
        let (new, mut garbage) = match new {
            Some(Rebuilt { head, retired }) => (head.into_raw(), retired),
            None => (std::ptr::null_mut(), Vec::new()),
        };
        let old = slot.list.swap(new, Ordering::AcqRel);
        // Alias names dispatch the same list (borrowed: the target's slot owns it).
        self.event_aliases.propagate(&self.slots, event, new);
        if !old.is_null() {
            // SAFETY: non-null list pointers in slots come from ListBox::into_raw and are owned
            // by the slot; swapping it out transfers that ownership to us.
            let old = unsafe { ListBox::from_raw(old) };
            if new.is_null() {
                // SAFETY: the whole structure was unpublished: its segments are ours, once.
                garbage.extend(unsafe { old.take_segments() });
            }
            garbage.push(old);
        }
        for list in &garbage {
            list.mark_stale();
        }
        garbage
    }

    fn retire(&self, lists: Vec<ListBox>) {
        for list in lists {
            self.reclaimer.retire(list);
        }
    }

    /// Stops `obs`: turns its entry into a tombstone (compacting the list when tombstones
    /// outnumber live entries), waits for other threads inside its callback, then drops the
    /// closure unless the current thread is inside it. Idempotent: a second call only waits.
    pub(crate) fn remove(&self, obs: &Arc<Observer>) {
        obs.mark_removed();
        let retired = {
            let _w = self.write_lock.lock();
            let slot = self.slots.get(obs.event.id());
            // SAFETY: lists are only replaced (and retired) under the write lock, held here.
            match slot.zip(slot.and_then(|s| unsafe { s.list.load(Ordering::Acquire).as_ref() })) {
                Some((slot, list)) => match list.tombstone(obs) {
                    Some(_) if list.live_len() == 0 => self.publish(obs.event, slot, None),
                    Some(run) if run.wants_compaction() => {
                        let edit = Edit {
                            compact: Some(std::ptr::from_ref(run)),
                            ..Edit::default()
                        };
                        let rebuilt = segments::rebuild(list, edit);
                        self.publish(obs.event, slot, Some(rebuilt))
                    }
                    _ => Vec::new(),
                },
                None => Vec::new(),
            }
        };
        self.retire(retired);
        // With no other thread able to dispatch, nothing to wait for (see
        // `others_may_dispatch`): a single-dispatching-thread program's reset costs no syscall.
        if thread_record::others_may_dispatch() {
            // Another thread inside this callback that resets it too skips this one in its wait
            // (and this one skips it): see `ThreadRecord::resetting`.
            let _inside = thread_record::resetting_from_inside(obs);
            thread_record::advance_epoch();
            if !self.reset_waits() {
                barrier::heavy();
            } else if let Some(_answered) = handshake::all_answer() {
                #[cfg(loom)]
                self.handshakes_answered
                    .fetch_add(_answered, std::sync::atomic::Ordering::SeqCst);
            } else {
                // Some thread did not answer in time (it is not dispatching): the barrier
                // reaches it wherever it is.
                barrier::heavy();
                wait_until_not_calling(obs);
            }
        }
        if !thread_record::current_thread_is_calling(obs) {
            // SAFETY: removed, nobody else inside it (waited above), and not this thread.
            drop(unsafe { obs.take_callback() });
        }
    }

    /// True: reset waits for other threads inside the callback. Only the loom negative control
    /// turns it off ([`loom_hooks::skip_reset_wait`]), to prove the loom test catches the bug.
    #[cfg(not(loom))]
    #[inline(always)]
    fn reset_waits(&self) -> bool {
        true
    }

    #[cfg(loom)]
    fn reset_waits(&self) -> bool {
        !self
            .skip_reset_wait
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Enables or disables `obs` in place (its entry in the current list caches the flag).
    pub(crate) fn set_enabled(&self, obs: &Observer, enabled: bool) {
        let _w = self.write_lock.lock();
        obs.set_enabled(enabled);
        self.refresh_entry(obs);
    }

    /// Sets `obs`'s ignore-consume option in place.
    pub(crate) fn set_ignore_consume(&self, obs: &Observer, ignore: bool) {
        let _w = self.write_lock.lock();
        obs.ignore_consume.store(ignore, Ordering::Relaxed);
        self.refresh_entry(obs);
    }

    /// Copies `obs`'s settings into its entry of the current list. Caller holds the write lock.
    fn refresh_entry(&self, obs: &Observer) {
        if let Some(slot) = self.slots.get(obs.event.id()) {
            // SAFETY: lists are only replaced (and retired) under the write lock, which the
            // caller holds.
            if let Some(list) = unsafe { slot.list.load(Ordering::Acquire).as_ref() } {
                list.refresh_flags(obs);
            }
        }
    }

    /// Re-sorts `obs`'s event list after an order change.
    pub(crate) fn set_order(&self, obs: &Arc<Observer>, order: i64) {
        let retired = {
            let _w = self.write_lock.lock();
            match self.slots.get(obs.event.id()) {
                Some(slot) if !obs.is_removed() => {
                    let placed_under = obs.key();
                    obs.order.store(order, Ordering::Relaxed);
                    // SAFETY: lists are only replaced (and retired) under the write lock, held
                    // here.
                    match unsafe { slot.list.load(Ordering::Acquire).as_ref() } {
                        Some(list) => {
                            let edit = Edit {
                                exclude: Some((obs, placed_under)),
                                insert: Some(obs.clone()),
                                ..Edit::default()
                            };
                            let rebuilt = segments::rebuild(list, edit);
                            self.publish(obs.event, slot, Some(rebuilt))
                        }
                        None => Vec::new(),
                    }
                }
                _ => Vec::new(),
            }
        };
        self.retire(retired);
    }
}

impl Drop for DispatcherInner {
    fn drop(&mut self) {
        // No dispatch can run: every dispatch borrows the dispatcher and every guard owns it.
        // Alias slots only borrow their target's list: clear them first.
        self.event_aliases.clear_slots(&self.slots);
        self.slots.for_each_list(|list| {
            // SAFETY: slot lists are owned ListBox::into_raw pointers (and own their segments);
            // nothing else can reach them.
            let list = unsafe { ListBox::from_raw(list) };
            // SAFETY: as above.
            drop(unsafe { list.take_segments() });
            drop(list);
        });
        self.reclaimer.free_all();
    }
}

/// Test hooks for `tests/loom_reset.rs`, compiled only under `--cfg loom`.
#[cfg(loom)]
#[doc(hidden)]
pub mod loom_hooks {
    /// The negative control's switch: with `skip`, this dispatcher's resets no longer wait for
    /// other threads inside the callback (the bug the loom test must catch). A plain `std`
    /// flag, set before the model's threads start.
    pub fn skip_reset_wait(dispatcher: &super::Dispatcher, skip: bool) {
        dispatcher
            .inner
            .skip_reset_wait
            .store(skip, std::sync::atomic::Ordering::SeqCst);
    }

    /// How many answers ended this dispatcher's resets by the handshake (every other thread
    /// answered, no barrier; threads without a record need none and are not counted), so a test
    /// can show that path was explored.
    pub fn handshakes_answered(dispatcher: &super::Dispatcher) -> usize {
        dispatcher
            .inner
            .handshakes_answered
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The handshake's negative control: with `early`, a dispatching thread answers right before
    /// it calls an observer instead of when its dispatch ends (the bug the loom test must
    /// catch). Per explored execution; call it inside the model before spawning threads.
    pub fn answer_handshake_early(early: bool) {
        super::handshake::set_answers_early(early);
    }

    /// Runs the dispatcher's reclaimer now (it otherwise waits for 64 retired lists): frees
    /// every retired list whose readers have left. Returns how many lists are still pending.
    pub fn collect(dispatcher: &super::Dispatcher) -> usize {
        dispatcher.inner.reclaimer.collect();
        dispatcher.inner.reclaimer.pending()
    }
}
