//! Per-thread dispatch records: what each thread is dispatching right now.
//!
//! Every thread that dispatches owns one [`ThreadRecord`] (claimed on first use, released for
//! reuse when the thread exits). Only the owner writes it, with plain (relaxed) stores, so the hot
//! path has no read-modify-write and no shared cache line. Writers read all records after a
//! [`super::barrier::heavy`] to learn:
//!
//! * `word`: `epoch << 16 | depth`, or 0 outside any dispatch. An outermost dispatch stores the
//!   global [`EPOCH`] (read when it starts) with depth 1, nested ones add 1, and the outermost one
//!   stores 0 when it ends. The observer-list reclaimer waits until every thread it saw inside a
//!   dispatch has left that outermost dispatch (a grace period, as in RCU): it bumps [`EPOCH`]
//!   before its heavy barrier, so a dispatch that starts later carries a different epoch and
//!   "same epoch, depth > 0" can only be the dispatch it saw.
//!
//!   Why a global epoch rather than a per-thread generation counter: the outermost dispatch then
//!   writes values it did not read from the record (epoch | 1 on entry, 0 on exit) instead of
//!   "what I read + 1", so consecutive dispatches on one thread do not form a store-to-load
//!   dependency chain through the record, and the hot path keeps one register less. (Measured
//!   gain: small, about 0.2 ns per dispatch; the rest of the speed-up came from the loop.)
//! * `calling[d]`: the observer being called at nesting depth `d`. `reset()` waits while another
//!   thread has the reset observer anywhere on its dispatch stack.
//! * `slots[d]`: the event slot being dispatched at depth `d` (for `is_dispatching`).
//!
//! `calling[d]` and `slots[d]` mean something only while the depth in `word` is above `d`: a
//! dispatch stores `slots[d]` before the `word` that makes it visible (Release) and does not clear
//! either cell when it ends (the `word` store does that job), which saves two stores per dispatch
//! on the hot path. Readers read `word` and ignore the cells at or above its depth.
//!
//! Nesting deeper than [`MAX_DEPTH`] is not itemised; a waiter then falls back to waiting for the
//! whole outermost dispatch of that thread.

use std::cell::Cell;

use super::barrier;
use super::observer::Observer;
use super::slots::Slot;
use super::sync::{
    AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Mutex, Ordering, fence, process_static,
    thread_locals,
};

/// Itemised nesting depth of recursive dispatch.
#[cfg(not(loom))]
pub(crate) const MAX_DEPTH: usize = 32;
/// Under loom: two levels (a nested dispatch uses the next cell the same way; every cell is
/// another load in each wait that loom must interleave).
#[cfg(loom)]
pub(crate) const MAX_DEPTH: usize = 2;

/// Low bits of `word`: nesting depth.
pub(crate) const DEPTH_MASK: u64 = 0xffff;
/// Bits of `word` below the epoch.
const EPOCH_SHIFT: u32 = 16;

/// The grace-period epoch (see the module docs). On its own cache line: dispatch reads it, and
/// only grace-period starts (rare) write it.
#[repr(align(128))]
struct Epoch(AtomicU64);

process_static! {
    /// Holds the epoch already shifted and with depth 1 (`epoch << EPOCH_SHIFT | 1`), i.e. the
    /// very `word` an outermost dispatch stores: one load, no arithmetic on the hot path.
    static EPOCH: Epoch = Epoch(AtomicU64::new(1 << EPOCH_SHIFT | 1));
}

/// The `word` an outermost dispatch stores on entry.
#[inline(always)]
pub(crate) fn outermost_word() -> u64 {
    EPOCH.0.load(Ordering::Relaxed)
}

/// Starts a grace period: dispatches that begin after the caller's next heavy barrier carry a
/// new epoch. Call before [`super::barrier::heavy`] when you will later wait with
/// [`ThreadRecord::still_in`].
pub(crate) fn advance_epoch() {
    EPOCH.0.fetch_add(1 << EPOCH_SHIFT, Ordering::Relaxed);
}

/// The nesting depth encoded in a record word.
pub(crate) fn depth_of(word: u64) -> usize {
    (word & DEPTH_MASK) as usize
}

// Own cache lines: only the owner writes, and writers scan rarely.
#[repr(align(128))]
pub(crate) struct ThreadRecord {
    pub(crate) word: AtomicU64,
    pub(crate) slots: [AtomicPtr<Slot>; MAX_DEPTH],
    pub(crate) calling: [AtomicPtr<Observer>; MAX_DEPTH],
    /// Writers' requests for an answer and this thread's answers ([`super::handshake`]).
    pub(crate) handshake: HandshakeCells,
    /// The observer this thread is resetting from inside that observer's own callback, or null
    /// ([`resetting_from_inside`]). A reset waiting for the threads inside a callback skips a
    /// thread that is inside it *and* resetting it: that call started before either reset
    /// returned, and two such resets would otherwise each wait for the other forever. Written by
    /// the owner only, around its reset's waits.
    pub(crate) resetting: AtomicPtr<Observer>,
    /// [`barrier::is_asymmetric`], copied here when the record is created (the mode is decided
    /// once, before any record exists) so dispatch reads it next to `word` instead of through a
    /// second global.
    pub(crate) asymmetric: bool,
    claimed: AtomicBool,
}

impl ThreadRecord {
    fn new() -> Self {
        ThreadRecord {
            word: AtomicU64::new(0),
            slots: std::array::from_fn(|_| AtomicPtr::new(std::ptr::null_mut())),
            calling: std::array::from_fn(|_| AtomicPtr::new(std::ptr::null_mut())),
            handshake: HandshakeCells {
                request: AtomicU64::new(0),
                answered: AtomicU64::new(0),
                unanswered: AtomicBool::new(false),
            },
            resetting: AtomicPtr::new(std::ptr::null_mut()),
            asymmetric: barrier::is_asymmetric(),
            claimed: AtomicBool::new(true),
        }
    }

    /// True while a live thread owns this record. Claims are made under the records' lock
    /// ([`with_all`] holds it), so under that lock an unclaimed record stays unclaimed.
    pub(crate) fn is_claimed(&self) -> bool {
        self.claimed.load(Ordering::Acquire)
    }

    /// True while this record's thread is still inside the outermost dispatch it was in when
    /// `word` was read.
    pub(crate) fn still_in(&self, word: u64) -> bool {
        let now = self.word.load(Ordering::Acquire);
        depth_of(now) != 0 && now >> EPOCH_SHIFT == word >> EPOCH_SHIFT
    }
}

/// The cells of [`super::handshake`], on a cache line of their own: writers store `request`
/// (rarely), the owner reads it at the end of every outermost dispatch, and a writer's store must
/// not invalidate the line the owner writes on every dispatch (`word`, `calling`).
#[repr(align(128))]
pub(crate) struct HandshakeCells {
    /// Incremented by each writer that asks (never decreases).
    pub(crate) request: AtomicU64,
    /// The last `request` value the owner answered; written by the owner only.
    pub(crate) answered: AtomicU64,
    /// A hint, not part of the proof: the last request went unanswered for a writer's whole
    /// budget and the owner has not answered since (it is not dispatching).
    pub(crate) unanswered: AtomicBool,
}

process_static! {
    /// All records ever created (records are reused, never freed).
    static RECORDS: Mutex<Vec<&'static ThreadRecord>> = Mutex::new(Vec::new());
}

process_static! {
    /// Records currently claimed by a live thread. Incremented (then a `SeqCst` fence) before a
    /// thread claims its record, so before its first dispatch; decremented after its last.
    static CLAIMED: AtomicUsize = AtomicUsize::new(0);
}

/// False when no thread but the caller can be inside a dispatch: then a writer needs neither the
/// heavy barrier nor the scan of the records, because any thread that registers later does so
/// after this check and so sees what the writer stored before it.
///
/// Why that holds: the writer stores (its tombstone, its new list), then a `SeqCst` fence, then
/// reads `CLAIMED`; a registering thread increments `CLAIMED`, then a `SeqCst` fence, then
/// dispatches. If the writer's read missed the increment, the writer's fence precedes the other
/// thread's in the single total order of `SeqCst` fences, so every load after the other fence
/// sees the writer's stores (the fence-to-fence rule of the C++/Rust memory model).
pub(crate) fn others_may_dispatch() -> bool {
    fence(Ordering::SeqCst);
    let claimed = CLAIMED.load(Ordering::SeqCst);
    claimed > usize::from(current_if_registered().is_some())
}

thread_locals! {
    // No destructor, so access is a plain TLS read.
    static CURRENT: Cell<*const ThreadRecord> = const { Cell::new(std::ptr::null()) };
    // The same record, but only in asymmetric-barrier mode (null otherwise and before the first
    // dispatch): dispatch's inline fast path tests "registered and compiler-only fences" with one
    // TLS load and one null check, and leaves everything else to its out-of-line path.
    static FAST: Cell<*const ThreadRecord> = const { Cell::new(std::ptr::null()) };
    static RELEASER: Releaser = const { Releaser { record: Cell::new(std::ptr::null()) } };
}

/// Releases the thread's record for reuse when the thread exits.
struct Releaser {
    record: Cell<*const ThreadRecord>,
}

// Under loom a thread-local destructor runs after loom has retired the thread and cannot touch
// loom atomics, so records are never released there: a thread that exited still counts as one
// that may dispatch (writers take the barrier path; the shortcut's race with a thread that
// registers later is still explored).
#[cfg(not(loom))]
impl Drop for Releaser {
    fn drop(&mut self) {
        let _ = FAST.try_with(|c| c.set(std::ptr::null()));
        let _ = CURRENT.try_with(|c| c.set(std::ptr::null()));
        // SAFETY: records are leaked and never freed.
        if let Some(rec) = unsafe { self.record.get().as_ref() } {
            rec.claimed.store(false, Ordering::Release);
            CLAIMED.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// This thread's record, claiming one on first use.
#[inline(always)]
pub(crate) fn current() -> &'static ThreadRecord {
    let ptr = CURRENT.with(Cell::get);
    // SAFETY: records are leaked `Box`es that live for the process; CURRENT only holds such
    // pointers (or null).
    match unsafe { ptr.as_ref() } {
        Some(rec) => rec,
        None => register(),
    }
}

/// This thread's record if it exists and dispatch may use compiler-only fences ([`FAST`]); `None`
/// sends the caller to its general path (which claims a record with [`current`]).
#[inline(always)]
pub(crate) fn current_fast() -> Option<&'static ThreadRecord> {
    let ptr = FAST.with(Cell::get);
    // SAFETY: as in `current`.
    unsafe { ptr.as_ref() }
}

/// This thread's record if it has one (without claiming).
pub(crate) fn current_if_registered() -> Option<&'static ThreadRecord> {
    let ptr = CURRENT.try_with(Cell::get).ok()?;
    // SAFETY: see `current`.
    unsafe { ptr.as_ref() }
}

#[cold]
fn register() -> &'static ThreadRecord {
    barrier::init();
    // Before the record can be used (see `others_may_dispatch`). A thread already tearing down
    // its TLS keeps its record (below), so its count is never given back: harmless, writers
    // then just take the barrier.
    CLAIMED.fetch_add(1, Ordering::SeqCst);
    fence(Ordering::SeqCst);
    let rec = {
        let mut records = RECORDS.lock();
        let free = records.iter().copied().find(|r| {
            r.claimed
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        });
        match free {
            Some(r) => r,
            None => {
                let r: &'static ThreadRecord = Box::leak(Box::new(ThreadRecord::new()));
                records.push(r);
                r
            }
        }
    };
    let _ = CURRENT.try_with(|c| c.set(rec));
    if rec.asymmetric {
        let _ = FAST.try_with(|c| c.set(rec));
    }
    // If the thread is already tearing down its TLS, the record simply stays claimed.
    let _ = RELEASER.try_with(|r| r.record.set(rec));
    rec
}

/// True when the current thread is inside `obs`'s callback at some nesting depth (so its closure
/// must not be dropped yet). Conservatively true past [`MAX_DEPTH`], where levels are not
/// itemised.
pub(crate) fn current_thread_is_calling(obs: &Observer) -> bool {
    let Some(rec) = current_if_registered() else {
        return false;
    };
    let depth = depth_of(rec.word.load(Ordering::Relaxed));
    if depth > MAX_DEPTH {
        return true;
    }
    let target = std::ptr::from_ref(obs).cast_mut();
    rec.calling[..depth]
        .iter()
        .any(|c| c.load(Ordering::Relaxed) == target)
}

/// While alive, the current thread's record says it is resetting `obs` from inside `obs`'s
/// callback ([`ThreadRecord::resetting`]).
pub(crate) struct ResettingFromInside(&'static ThreadRecord);

impl Drop for ResettingFromInside {
    fn drop(&mut self) {
        self.0
            .resetting
            .store(std::ptr::null_mut(), Ordering::SeqCst);
    }
}

/// Marks the current thread as resetting `obs` from inside its callback, when it is inside it
/// (`None` otherwise). Hold the marker across the reset's waits only.
pub(crate) fn resetting_from_inside(obs: &Observer) -> Option<ResettingFromInside> {
    if !current_thread_is_calling(obs) {
        return None;
    }
    let rec = current_if_registered()?;
    rec.resetting
        .store(std::ptr::from_ref(obs).cast_mut(), Ordering::SeqCst);
    Some(ResettingFromInside(rec))
}

/// A snapshot of all records (for writers; call after a heavy barrier).
pub(crate) fn all() -> Vec<&'static ThreadRecord> {
    RECORDS.lock().clone()
}

/// Calls `f` with every record, holding the records' lock (no thread can claim a record
/// meanwhile).
pub(crate) fn with_all<R>(f: impl FnOnce(&[&'static ThreadRecord]) -> R) -> R {
    f(&RECORDS.lock())
}

/// Calls `f` for each record without copying the list.
pub(crate) fn for_each(mut f: impl FnMut(&'static ThreadRecord)) {
    for r in RECORDS.lock().iter() {
        f(r);
    }
}
