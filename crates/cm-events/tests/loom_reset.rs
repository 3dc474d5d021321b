//! A loom model of the dispatcher's observe / dispatch / reset / reclaim protocol.
//!
//! loom explores every interleaving (and every weak-memory outcome it models) of a small
//! program. The real dispatcher cannot run under loom as is (process-wide statics, thread
//! locals, the `membarrier` syscall), so this is a faithful *model*: the same atomics, the same
//! orderings and the same steps, each pointing at the code it mirrors in
//! `src/dispatcher/{mod,observer,thread_record,reclaim}.rs`. If you change the protocol there,
//! change it here.
//!
//! The asymmetric barrier pair (`barrier::light_with` = a compiler-only fence on the dispatch
//! side, `barrier::heavy` = `membarrier(PRIVATE_EXPEDITED)` on the writer side) is modelled as a
//! `SeqCst` fence on both sides. That is what it is semantically: membarrier makes every running
//! thread of the process execute a full barrier between the syscall's entry and return, so
//! relative to the writer each compiler fence on a reader behaves like a `SeqCst` fence placed
//! either before or after the writer's (the same holds for the non-Linux fallback, which uses
//! real `SeqCst` fences on both sides).
//!
//! Reset is modelled as the code does it since observer churn became O(1): X's entry in the
//! *current* list becomes a tombstone (its `ENTRY_STALE` bit, no new list), and only a compaction
//! publishes a list without it and retires the old one. Both are checked (`compact` below). The
//! writer's shortcut `thread_record::others_may_dispatch` (no barrier and no wait when no other
//! thread has claimed a record) is modelled too: a dispatching thread "claims" (`CLAIMED` + 1,
//! `SeqCst` fence) before its first dispatch, and reset takes the barrier-and-wait path only when
//! it sees a claim; in some interleavings it sees none and must still be right.
//!
//! What is checked:
//! * `callback_never_runs_after_reset_returned` (tombstone only) and
//!   `..._with_compaction` (tombstone, then a new list without X, the old one retired and
//!   reclaimed): observers Y and X on one event, list [Y, X]; one thread dispatches while another
//!   resets X. X's callback asserts that reset has not returned, and every read of a list asserts
//!   that the reclaimer has not freed it.
//! * `append_in_place_is_seen_whole_or_not_at_all`: an observer appended into the list's spare
//!   entry (entry written, then `len` stored with Release) while another thread dispatches: the
//!   dispatch either stops before it or sees the entry fully written.
//! * `reset_from_inside_own_callback_does_not_deadlock`: X's callback resets X on the dispatching
//!   thread; reset must skip its own record (loom reports a deadlock if it spins forever), and a
//!   second thread's dispatch must not call X after that reset returned.
//! * `model_detects_missing_wait`: the same model with the wait in reset removed must fail
//!   (`should_panic`), so the model is not vacuous. (Removing the dispatch-side fence, or checking
//!   the stale bit before publishing "calling X", fails too; tried while writing this, not kept.)
//!
//! Runs under plain `cargo test` (loom is an ordinary dev-dependency, no `--cfg loom`), in about
//! 2 s with the default preemption bound of 3; see [`builder`].

use loom::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering, fence};
use loom::sync::{Arc, Mutex};
use loom::thread;

// Observer ids (the model's `*const Observer`): 0 is null.
const Y: usize = 1;
const X: usize = 2;

// `observer.rs`: Observer::state bits and Entry flag bits.
const REMOVED: u8 = 1;
const ENTRY_DISABLED: u8 = 4;
const ENTRY_STALE: u8 = 8;

const DEPTH_MASK: u64 = 0xffff;
const EPOCH_SHIFT: u32 = 16;

/// `thread_record.rs`: one record per thread; only depth 0 is modelled (nesting adds nothing
/// here: a nested dispatch uses the next `calling` cell the same way).
struct Record {
    word: AtomicU64,
    calling: AtomicUsize,
}

impl Record {
    fn new() -> Self {
        Record {
            word: AtomicU64::new(0),
            calling: AtomicUsize::new(0),
        }
    }

    /// `ThreadRecord::still_in`.
    fn still_in(&self, word: u64) -> bool {
        let now = self.word.load(Ordering::Acquire);
        now & DEPTH_MASK != 0 && now >> EPOCH_SHIFT == word >> EPOCH_SHIFT
    }
}

/// `observer.rs`: an `ObserverList` (entries with atomic flags) plus a "freed" marker standing
/// for the reclaimer's deallocation.
struct List {
    observers: Vec<usize>,
    flags: Vec<AtomicU8>,
    freed: AtomicBool,
}

/// The model's `CLAIMED` (`thread_record.rs`): records claimed by threads other than the
/// resetting one.
fn claim(w: &World) {
    w.claimed.fetch_add(1, Ordering::SeqCst);
    fence(Ordering::SeqCst);
}

struct World {
    /// `Slot::list`: index into `lists`, `usize::MAX` for null.
    slot: AtomicUsize,
    lists: Vec<List>,
    /// `Observer::state`, indexed by observer id.
    state: Vec<AtomicU8>,
    /// `thread_record::EPOCH`, stored pre-shifted with depth 1 (the outermost dispatch's `word`).
    epoch: AtomicU64,
    /// `DispatcherInner::write_lock`.
    write_lock: Mutex<()>,
    records: Vec<Record>,
    /// Set by the test right after `reset(X)` returned.
    x_reset_returned: AtomicBool,
    /// Calls of X (for the "was it called at all" sanity checks).
    x_calls: AtomicUsize,
    /// Model switch for `model_detects_missing_wait` only.
    wait_in_reset: bool,
    /// `thread_record::CLAIMED`.
    claimed: AtomicUsize,
}

const LIST_A: usize = 0; // [Y, X], published at start
const LIST_B: usize = 1; // [Y], published by reset(X)

impl World {
    fn new(threads: usize, wait_in_reset: bool) -> Arc<World> {
        let list = |observers: Vec<usize>| List {
            flags: observers.iter().map(|_| AtomicU8::new(0)).collect(),
            observers,
            freed: AtomicBool::new(false),
        };
        Arc::new(World {
            slot: AtomicUsize::new(LIST_A),
            lists: vec![list(vec![Y, X]), list(vec![Y])],
            state: (0..3).map(|_| AtomicU8::new(0)).collect(),
            epoch: AtomicU64::new(1 << EPOCH_SHIFT | 1),
            write_lock: Mutex::new(()),
            records: (0..threads).map(|_| Record::new()).collect(),
            x_reset_returned: AtomicBool::new(false),
            x_calls: AtomicUsize::new(0),
            wait_in_reset,
            claimed: AtomicUsize::new(0),
        })
    }

    /// `dispatch_to_slot` (outermost) + `call_observers` + `should_call_slow`, on thread `me`.
    /// `callback` is the observer body. Returns how many observers were called.
    fn dispatch(&self, me: usize, callback: &dyn Fn(&World, usize)) -> usize {
        let rec = &self.records[me];
        // dispatch_to_slot: `rec.word.store(outermost_word(), Release)` (`slots[0]` is not
        // modelled: only `is_dispatching` reads it).
        let entered = self.epoch.load(Ordering::Relaxed);
        rec.word.store(entered, Ordering::Release);
        // call_observers: `barrier::light_with` then `slot.list.load(Acquire)`.
        fence(Ordering::SeqCst);
        let index = self.slot.load(Ordering::Acquire);
        let mut called = 0;
        if index != usize::MAX {
            let list = &self.lists[index];
            for (i, &obs) in list.observers.iter().enumerate() {
                assert!(
                    !list.freed.load(Ordering::Relaxed),
                    "dispatch read a list the reclaimer freed"
                );
                // `calling.store(entry.observer, Release)` then `barrier::light_with`.
                rec.calling.store(obs, Ordering::Release);
                fence(Ordering::SeqCst);
                // The fast test, then `should_call_slow`.
                let flags = list.flags[i].load(Ordering::Relaxed);
                let enabled = if flags & ENTRY_STALE != 0 {
                    self.state[obs].load(Ordering::Relaxed) == 0
                } else {
                    flags & ENTRY_DISABLED == 0
                };
                if !enabled {
                    continue;
                }
                called += 1;
                callback(self, obs);
            }
            // `calling` is not cleared: the `word` store below makes it stale.
        }
        // dispatch_to_slot: `rec.word.store(0, Release)`.
        rec.word.store(0, Ordering::Release);
        called
    }

    /// `DispatcherInner::remove(X)` + `wait_until_not_calling`, on thread `me`: X's entry in the
    /// current list becomes a tombstone; with `compact`, a list without X is published too and
    /// the replaced one returned for the caller to retire (`None` otherwise).
    fn reset_x(&self, me: usize, compact: bool) -> Option<usize> {
        // `obs.mark_removed()`.
        self.state[X].fetch_or(REMOVED, Ordering::SeqCst);
        let old = {
            let _w = self.write_lock.lock().unwrap();
            // `ObserverList::tombstone`: X's entry (index 1 of LIST_A) only.
            let current = self.slot.load(Ordering::Acquire);
            if current == LIST_A {
                self.lists[LIST_A].flags[1].fetch_or(ENTRY_STALE, Ordering::SeqCst);
            }
            if compact && current == LIST_A {
                // `publish`: swap in the list without X, mark the old one stale.
                let old = self.slot.swap(LIST_B, Ordering::AcqRel);
                for f in &self.lists[old].flags {
                    f.fetch_or(ENTRY_STALE, Ordering::SeqCst);
                }
                Some(old)
            } else {
                None
            }
        };
        // `thread_record::others_may_dispatch()`: fence, then the claim count.
        fence(Ordering::SeqCst);
        if self.claimed.load(Ordering::SeqCst) == 0 {
            return old;
        }
        // `thread_record::advance_epoch()` + `barrier::heavy()`.
        self.epoch.fetch_add(1 << EPOCH_SHIFT, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        if self.wait_in_reset {
            // `wait_until_not_calling`: every record but our own.
            for (i, r) in self.records.iter().enumerate() {
                if i == me {
                    continue;
                }
                // `calling` counts only while the record is inside a dispatch.
                while r.calling.load(Ordering::Acquire) == X
                    && r.word.load(Ordering::Acquire) & DEPTH_MASK != 0
                {
                    thread::yield_now();
                }
            }
        }
        old
    }

    /// `Reclaimer::collect` for one retired list, run to completion (the real reclaimer defers
    /// instead of waiting; it frees under the same condition).
    fn reclaim(&self, list: usize) {
        // Take the list (already unpublished), `advance_epoch`, `barrier::heavy`.
        self.epoch.fetch_add(1 << EPOCH_SHIFT, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        let readers: Vec<(usize, u64)> = self
            .records
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let w = r.word.load(Ordering::Acquire);
                (w & DEPTH_MASK != 0).then_some((i, w))
            })
            .collect();
        for (i, w) in readers {
            while self.records[i].still_in(w) {
                thread::yield_now();
            }
        }
        self.lists[list].freed.store(true, Ordering::Relaxed);
    }
}

/// X's body: must never start after reset(X) returned.
fn x_body(w: &World, obs: usize) {
    if obs == X {
        assert!(
            !w.x_reset_returned.load(Ordering::SeqCst),
            "X's callback ran after reset(X) returned"
        );
        w.x_calls.fetch_add(1, Ordering::Relaxed);
    }
}

/// Bounded to 3 preemptions per execution unless `LOOM_MAX_PREEMPTIONS` says otherwise: about
/// 2 s for the whole file. Exhaustive (`LOOM_MAX_PREEMPTIONS=100`) takes about 55 s on a loaded
/// 2-core machine and passes too.
fn builder() -> loom::model::Builder {
    let mut builder = loom::model::Builder::new();
    if std::env::var_os("LOOM_MAX_PREEMPTIONS").is_none() {
        builder.preemption_bound = Some(3);
    }
    builder
}

fn dispatch_vs_reset(wait_in_reset: bool, compact: bool) {
    let builder = builder();
    builder.check(move || {
        let w = World::new(2, wait_in_reset);
        let w2 = w.clone();
        // Two dispatches: the second starts with `calling` still naming X from the first
        // (dispatch does not clear it), which reset must neither trust nor wait on forever.
        let dispatcher = thread::spawn(move || {
            claim(&w2);
            for _ in 0..2 {
                let called = w2.dispatch(0, &x_body);
                assert!((1..=2).contains(&called));
            }
        });
        let old = w.reset_x(1, compact);
        w.x_reset_returned.store(true, Ordering::SeqCst);
        if let Some(old) = old {
            w.reclaim(old);
        }
        // After reset returned a fresh dispatch must not call X either.
        assert_eq!(w.dispatch(1, &x_body), 1);
        dispatcher.join().unwrap();
    });
}

#[test]
fn callback_never_runs_after_reset_returned() {
    dispatch_vs_reset(true, false);
}

#[test]
fn callback_never_runs_after_reset_returned_with_compaction() {
    dispatch_vs_reset(true, true);
}

#[test]
#[should_panic(expected = "after reset(X) returned")]
fn model_detects_missing_wait() {
    dispatch_vs_reset(false, false);
}

#[test]
fn append_in_place_is_seen_whole_or_not_at_all() {
    builder().check(|| {
        // `ObserverList`: capacity 2, `len` 1; the append writes entry 1 (`written` stands for
        // its fields) and then stores `len` = 2 with Release.
        let len = Arc::new(AtomicUsize::new(1));
        let written = Arc::new([AtomicBool::new(true), AtomicBool::new(false)]);
        let (l, wr) = (len.clone(), written.clone());
        let appender = thread::spawn(move || {
            wr[1].store(true, Ordering::Relaxed);
            l.store(2, Ordering::Release);
        });
        // `ObserverList::entries`: `len` with Acquire, then the entries below it.
        let n = len.load(Ordering::Acquire);
        for e in &written[..n] {
            assert!(
                e.load(Ordering::Relaxed),
                "dispatch read an entry before it was written"
            );
        }
        appender.join().unwrap();
    });
}

#[test]
fn reset_from_inside_own_callback_does_not_deadlock() {
    let builder = builder();
    builder.check(|| {
        let w = World::new(2, true);
        let w2 = w.clone();
        let other = thread::spawn(move || {
            claim(&w2);
            w2.dispatch(1, &x_body);
        });
        // Thread 0's X resets itself from inside its callback, as `guard.reset()` in an observer.
        let resetting = |w: &World, obs: usize| {
            x_body(w, obs);
            if obs == X && !w.x_reset_returned.load(Ordering::SeqCst) {
                let old = w.reset_x(0, true);
                w.x_reset_returned.store(true, Ordering::SeqCst);
                // The list is retired; the reclaimer (deferred in the real code) runs after
                // this dispatch has left (running it here would wait for ourselves).
                assert_eq!(old, Some(LIST_A));
            }
        };
        assert_eq!(w.dispatch(0, &resetting), 2);
        assert!(w.x_reset_returned.load(Ordering::SeqCst));
        w.reclaim(LIST_A);
        other.join().unwrap();
        assert!(w.x_calls.load(Ordering::Relaxed) >= 1);
    });
}
