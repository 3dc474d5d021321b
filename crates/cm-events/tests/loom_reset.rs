//! loom runs the real dispatcher: observe / dispatch / reset / reclaim, every interleaving.
//!
//! Built with `--cfg loom` (`cargo xtask loom`, or `RUSTFLAGS="--cfg loom" cargo test -p cm-events
//! --test loom_reset --release` with its own `CARGO_TARGET_DIR`), the dispatcher takes its atomics,
//! fences, locks, thread-locals and process-wide statics from loom (`src/dispatcher/sync.rs`). So
//! these tests call the public API (`Dispatcher::observe`, `dispatch`, `ObserverGuard::reset`) and
//! loom explores the interleavings (and the weak-memory outcomes it models) of the real
//! `thread_record.rs` (claim, `word`, `calling`, epoch, `others_may_dispatch`), `reclaim.rs`
//! (grace periods), `observer.rs` (tombstones, in-place append, compaction, stale marks) and the
//! publish / reset / wait path of `mod.rs`, with no hand-kept copy of the protocol.
//!
//! What loom cannot run is replaced, and only that (see `src/dispatcher/sync.rs`): the asymmetric
//! barrier pair (a compiler fence on dispatch, `membarrier(PRIVATE_EXPEDITED)` on the writer) is a
//! `SeqCst` fence on both sides. That is what it is semantically: membarrier makes every running
//! thread of the process execute a full barrier between the syscall's entry and return, so
//! relative to the writer each compiler fence on a reader behaves like a `SeqCst` fence placed
//! before or after the writer's (the non-Linux fallback uses real `SeqCst` fences on both sides).
//! Nesting is itemised to depth 2 and the slot table is tiny; a freed list is marked rather than
//! deallocated, so reading it panics ("read an observer list the reclaimer freed").
//!
//! What is checked (two threads each):
//! * `callback_never_runs_after_reset_returned`: observers Y and X on one event (X appended in
//!   place); one thread dispatches twice (the second dispatch starts with `calling` still naming
//!   X) while the other resets X (a tombstone) and then dispatches. X must never start after
//!   `reset()` returned.
//! * `..._with_compaction`: the list is [Y, Z, X] with Z already reset, so resetting X makes the
//!   tombstones outnumber the live entries: a new list is published and the old one retired; the
//!   real reclaimer runs while the other thread may still be inside the old list.
//! * `..._of_the_last_observer`: X alone; its reset publishes "no observers" (null) and retires
//!   the list.
//! * `append_in_place_during_dispatch`: an observer appended in place while another thread
//!   dispatches is called whole or not at all.
//! * `reset_from_inside_own_callback_does_not_deadlock`: X resets its own guard from inside its
//!   callback (reset skips its own record; loom reports a deadlock if it spins forever) while
//!   another thread dispatches.
//! * The handshake (`src/dispatcher/handshake.rs`: reset asks the other dispatching threads to
//!   answer at the end of their dispatch before it falls back to the barrier) is explored in
//!   these same tests: `callback_never_runs_after_reset_returned` also asserts that some
//!   explored reset ended by an answer, and `model_detects_an_answer_before_the_dispatch_ends`
//!   (the dispatching thread answers right before calling an observer) must fail.
//! * `model_detects_missing_wait`: with reset's wait switched off (a `cfg(loom)`-only switch,
//!   `loom_hooks::skip_reset_wait`), the first test must fail, so the check is not vacuous.
//!
//! Only spawned threads dispatch: loom drops the model's main thread's thread-locals after its
//! statics, and a thread's record release (a thread-local destructor) touches a static.
//!
//! Observer closures capture nothing (they reach per-test statics through a const parameter), so
//! a closure that a buggy reset dropped cannot be read after its free; a callback's assertion
//! would be caught by the dispatcher's panic isolation, so callbacks record violations and the
//! model asserts them after joining.
#![cfg(loom)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use cm_events::{Dispatcher, Event, ObserverGuard, Payload, loom_hooks};
use loom::thread;

/// What the callbacks of one test saw in the current execution. Plain `std` atomics: loom runs
/// one thread at a time, so they record the real order of events in the explored execution.
struct Seen {
    reset_returned: AtomicBool,
    late_calls: AtomicUsize,
    x_calls: AtomicUsize,
}

impl Seen {
    const fn new() -> Self {
        Seen {
            reset_returned: AtomicBool::new(false),
            late_calls: AtomicUsize::new(0),
            x_calls: AtomicUsize::new(0),
        }
    }

    fn clear(&self) {
        self.reset_returned.store(false, Ordering::SeqCst);
        self.late_calls.store(0, Ordering::SeqCst);
        self.x_calls.store(0, Ordering::SeqCst);
    }

    fn assert_no_late_call(&self) {
        assert_eq!(
            self.late_calls.load(Ordering::SeqCst),
            0,
            "X's callback ran after reset(X) returned"
        );
    }
}

/// One per test (tests run in parallel), chosen by the const parameter `T`.
static SEEN: [Seen; 8] = [const { Seen::new() }; 8];

/// Per test, over all its explored executions: answers that ended a reset by the handshake
/// (src/dispatcher/handshake.rs), to show that path was explored and not only the barrier.
static HANDSHAKES: [AtomicUsize; 8] = [const { AtomicUsize::new(0) }; 8];

const TOMBSTONE: usize = 0;
const COMPACTION: usize = 1;
const LAST: usize = 2;
const MISSING_WAIT: usize = 3;
const APPEND: usize = 4;
const SELF_RESET: usize = 5;
const SEGMENTED: usize = 6;
const EARLY_ANSWER: usize = 7;

/// X's callback: records a call that started after reset(X) returned.
fn x_body<const T: usize>() {
    let seen = &SEEN[T];
    if seen.reset_returned.load(Ordering::SeqCst) {
        seen.late_calls.fetch_add(1, Ordering::SeqCst);
    }
    seen.x_calls.fetch_add(1, Ordering::SeqCst);
}

const EVENT: &str = "loom:event";

/// Bounded to 2 preemptions per execution unless `LOOM_MAX_PREEMPTIONS` says otherwise (a few
/// seconds for the file in release).
fn builder() -> loom::model::Builder {
    let mut builder = loom::model::Builder::new();
    if std::env::var_os("LOOM_MAX_PREEMPTIONS").is_none() {
        builder.preemption_bound = Some(2);
    }
    builder
}

/// How the list looks when X is reset.
#[derive(Clone, Copy)]
enum Shape {
    /// [Y, X]: reset leaves a tombstone.
    Tombstone,
    /// [Y, Z (reset), X]: reset compacts to [Y] and retires the old list.
    Compaction,
    /// [X]: reset publishes "no observers" and retires the list.
    Last,
}

/// The protocol as built, or one of the two negative controls.
#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Correct,
    /// Reset neither waits for other threads nor asks them (`skip_reset_wait`).
    NoWait,
    /// Dispatch answers the handshake right before calling an observer, not when it ends.
    EarlyAnswer,
}

fn dispatch_vs_reset<const T: usize>(shape: Shape, variant: Variant) {
    builder().check(move || {
        let seen = &SEEN[T];
        seen.clear();
        let d = Dispatcher::new();
        loom_hooks::skip_reset_wait(&d, variant == Variant::NoWait);
        loom_hooks::answer_handshake_early(variant == Variant::EarlyAnswer);
        let y = match shape {
            Shape::Last => None,
            Shape::Tombstone | Shape::Compaction => Some(d.observe("y", 0, EVENT, None, |_| {})),
        };
        if let Shape::Compaction = shape {
            d.observe("z", 1, EVENT, None, |_| {}).reset();
        }
        let x = d.observe("x", 2, EVENT, None, |_| x_body::<T>());
        let others = usize::from(y.is_some());
        let d2 = d.clone();
        let dispatching = thread::spawn(move || {
            for _ in 0..2 {
                let called = d2.dispatch(EVENT, Payload::new());
                assert!((others..=others + 1).contains(&called), "called {called}");
            }
        });
        let d3 = d.clone();
        let resetting = thread::spawn(move || {
            x.reset();
            seen.reset_returned.store(true, Ordering::SeqCst);
            loom_hooks::collect(&d3);
            // After reset returned a fresh dispatch must not call X either.
            assert_eq!(d3.dispatch(EVENT, Payload::new()), others);
            loom_hooks::collect(&d3);
        });
        dispatching.join().expect("dispatching thread");
        resetting.join().expect("resetting thread");
        HANDSHAKES[T].fetch_add(loom_hooks::handshakes_answered(&d), Ordering::SeqCst);
        seen.assert_no_late_call();
        // Every reader has left: the reclaimer frees everything retired.
        assert_eq!(loom_hooks::collect(&d), 0);
        drop(y);
    });
}

#[test]
fn callback_never_runs_after_reset_returned() {
    dispatch_vs_reset::<TOMBSTONE>(Shape::Tombstone, Variant::Correct);
    assert!(
        HANDSHAKES[TOMBSTONE].load(Ordering::SeqCst) > 0,
        "no explored reset ended by the handshake"
    );
}

#[test]
fn callback_never_runs_after_reset_returned_with_compaction() {
    dispatch_vs_reset::<COMPACTION>(Shape::Compaction, Variant::Correct);
}

#[test]
fn callback_never_runs_after_reset_of_the_last_observer() {
    dispatch_vs_reset::<LAST>(Shape::Last, Variant::Correct);
}

#[test]
#[should_panic(expected = "after reset(X) returned")]
fn model_detects_missing_wait() {
    dispatch_vs_reset::<MISSING_WAIT>(Shape::Tombstone, Variant::NoWait);
}

#[test]
#[should_panic(expected = "after reset(X) returned")]
fn model_detects_an_answer_before_the_dispatch_ends() {
    dispatch_vs_reset::<EARLY_ANSWER>(Shape::Tombstone, Variant::EarlyAnswer);
}

#[test]
fn append_in_place_during_dispatch() {
    builder().check(|| {
        let seen = &SEEN[APPEND];
        seen.clear();
        let d = Dispatcher::new();
        let _y = d.observe("y", 0, EVENT, None, |_| {});
        let d2 = d.clone();
        // Sorts last and the list has spare capacity: written into the next entry in place.
        let appending =
            thread::spawn(move || d2.observe("x", 1, EVENT, None, |_| x_body::<APPEND>()));
        let d3 = d.clone();
        let dispatching = thread::spawn(move || {
            let called = d3.dispatch(EVENT, Payload::new());
            let x_calls = seen.x_calls.load(Ordering::SeqCst);
            assert!(
                called == 1 + x_calls && x_calls <= 1,
                "called {called}, X ran {x_calls} times"
            );
        });
        let x = appending.join().expect("appending thread");
        dispatching.join().expect("dispatching thread");
        assert_eq!(d.get_observers(EVENT).len(), 2);
        drop(x);
    });
}

/// Under loom a list of more than 2 observers turns segmented on an out-of-order observe
/// (src/dispatcher/segments.rs, `FLAT_MAX`): a `set_order` that moves X across runs, racing a
/// dispatch, is seen whole or not at all (every observer called exactly once), and everything
/// it retired is freed once the dispatch has left.
#[test]
fn set_order_on_a_segmented_list_during_dispatch() {
    builder().check(|| {
        let seen = &SEEN[SEGMENTED];
        seen.clear();
        let d = Dispatcher::new();
        let a = d.observe("a", 0, EVENT, None, |_| {});
        let b = d.observe("b", 1, EVENT, None, |_| {});
        let x = d.observe("x", 2, EVENT, None, |_| x_body::<SEGMENTED>());
        // Sorts first, with more than FLAT_MAX observers: the list turns segmented.
        let c = d.observe("c", -1, EVENT, None, |_| {});
        let d2 = d.clone();
        let dispatching = thread::spawn(move || {
            let called = d2.dispatch(EVENT, Payload::new());
            assert_eq!(
                (called, seen.x_calls.load(Ordering::SeqCst)),
                (4, 1),
                "observers called, X's calls"
            );
        });
        let moving = thread::spawn(move || {
            x.set_order(-2);
            x
        });
        dispatching.join().expect("dispatching thread");
        let x = moving.join().expect("moving thread");
        let orders: Vec<i64> = d.get_observers(EVENT).iter().map(|o| o.order).collect();
        assert_eq!(orders, [-2, -1, 0, 1]);
        drop((a, b, c, x));
        assert_eq!(loom_hooks::collect(&d), 0);
    });
}

/// The guard X resets from inside its own callback.
static SELF_GUARD: Mutex<Option<Arc<ObserverGuard>>> = Mutex::new(None);

/// X's callback: counts the call and, on the dispatch that carries `reset`, resets X.
fn self_resetting_body(event: &Event<'_>) {
    x_body::<SELF_RESET>();
    let seen = &SEEN[SELF_RESET];
    if event.get("reset").is_none() || seen.reset_returned.load(Ordering::SeqCst) {
        return;
    }
    // Taken out of the lock before resetting: reset runs loom operations (and may wait).
    let guard = SELF_GUARD.lock().ok().and_then(|g| g.clone());
    if let Some(guard) = guard {
        guard.reset();
        seen.reset_returned.store(true, Ordering::SeqCst);
    }
}

#[test]
fn reset_from_inside_own_callback_does_not_deadlock() {
    builder().check(|| {
        let seen = &SEEN[SELF_RESET];
        seen.clear();
        let d = Dispatcher::new();
        let _y = d.observe("y", 0, EVENT, None, |_| {});
        let x = Arc::new(d.observe("x", 1, EVENT, None, self_resetting_body));
        *SELF_GUARD.lock().expect("guard cell") = Some(x.clone());
        let d2 = d.clone();
        let other = thread::spawn(move || {
            d2.dispatch(EVENT, Payload::new());
        });
        let d3 = d.clone();
        let self_resetting = thread::spawn(move || {
            // X resets itself from inside its callback, as `guard.reset()` in an observer.
            assert_eq!(d3.dispatch(EVENT, Payload::new().with("reset", true)), 2);
            assert!(seen.reset_returned.load(Ordering::SeqCst));
        });
        other.join().expect("other dispatching thread");
        self_resetting.join().expect("self-resetting thread");
        seen.assert_no_late_call();
        assert!(seen.x_calls.load(Ordering::SeqCst) >= 1);
        *SELF_GUARD.lock().expect("guard cell") = None;
        drop(x);
        assert_eq!(loom_hooks::collect(&d), 0);
    });
}
