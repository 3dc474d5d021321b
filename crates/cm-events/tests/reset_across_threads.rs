//! "After reset returns the callback never runs again", with another thread mid-dispatch.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use cm_events::{Dispatcher, Payload};

fn wait_for(deadline: Duration, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + deadline;
    while !cond() {
        assert!(
            Instant::now() < end,
            "condition not reached within {deadline:?}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn reset_waits_for_a_callback_running_on_another_thread() {
    let d = Dispatcher::new();
    let entered = Arc::new(AtomicBool::new(false));
    let release = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    let (e, r, f) = (entered.clone(), release.clone(), finished.clone());
    let guard = d.observe("slow", 0, "ev", None, move |_| {
        e.store(true, Ordering::SeqCst);
        while !r.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        f.store(true, Ordering::SeqCst);
    });
    let d2 = d.clone();
    let dispatcher_thread = std::thread::spawn(move || d2.dispatch("ev", Payload::new()));
    wait_for(Duration::from_secs(30), || entered.load(Ordering::SeqCst));

    let reset_done = Arc::new(AtomicBool::new(false));
    let rd = reset_done.clone();
    let f2 = finished.clone();
    let resetter = std::thread::spawn(move || {
        guard.reset();
        rd.store(true, Ordering::SeqCst);
        // When reset returns the callback must have finished.
        assert!(
            f2.load(Ordering::SeqCst),
            "reset returned while the callback was running"
        );
    });
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        !reset_done.load(Ordering::SeqCst),
        "reset did not wait for the running callback"
    );
    release.store(true, Ordering::SeqCst);
    resetter.join().unwrap();
    assert_eq!(dispatcher_thread.join().unwrap(), 1);
    assert_eq!(d.dispatch("ev", Payload::new()), 0);
}

#[test]
fn reset_does_not_wait_for_unrelated_observers_on_other_threads() {
    let d = Dispatcher::new();
    let entered = Arc::new(AtomicBool::new(false));
    let release = Arc::new(AtomicBool::new(false));
    let (e, r) = (entered.clone(), release.clone());
    let _busy = d.observe("busy", 0, "busy", None, move |_| {
        e.store(true, Ordering::SeqCst);
        while !r.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
    });
    let other = d.observe("other", 0, "other", None, |_| {});
    let d2 = d.clone();
    let t = std::thread::spawn(move || d2.dispatch("busy", Payload::new()));
    wait_for(Duration::from_secs(30), || entered.load(Ordering::SeqCst));
    other.reset(); // must return although another thread is mid-dispatch
    release.store(true, Ordering::SeqCst);
    assert_eq!(t.join().unwrap(), 1);
}

#[test]
fn no_call_after_reset_returns_under_contention() {
    let d = Dispatcher::new();
    let after_reset = Arc::new(AtomicBool::new(false));
    let violations = Arc::new(AtomicUsize::new(0));
    let (ar, v) = (after_reset.clone(), violations.clone());
    let guard = d.observe("watched", 0, "hot", None, move |_| {
        if ar.load(Ordering::SeqCst) {
            v.fetch_add(1, Ordering::SeqCst);
        }
    });
    let stop = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(3));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (d, stop, start) = (d.clone(), stop.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                while !stop.load(Ordering::Relaxed) {
                    d.dispatch("hot", Payload::new());
                }
            })
        })
        .collect();
    start.wait();
    std::thread::sleep(Duration::from_millis(50));
    guard.reset();
    after_reset.store(true, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(100));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(violations.load(Ordering::SeqCst), 0);
}

/// `reset(&self)` on one shared guard from two threads while a third is inside the callback:
/// neither reset returns before the callback finished (the second caller waits too, it does not
/// return early because a reset is already under way).
#[test]
fn two_threads_resetting_one_shared_guard_both_wait() {
    let d = Dispatcher::new();
    let entered = Arc::new(AtomicBool::new(false));
    let release = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    let (e, r, f) = (entered.clone(), release.clone(), finished.clone());
    let guard = Arc::new(d.observe("slow", 0, "shared:ev", None, move |_| {
        e.store(true, Ordering::SeqCst);
        while !r.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        f.store(true, Ordering::SeqCst);
    }));
    let d2 = d.clone();
    let dispatching = std::thread::spawn(move || d2.dispatch("shared:ev", Payload::new()));
    wait_for(Duration::from_secs(30), || entered.load(Ordering::SeqCst));
    let returned = Arc::new(AtomicUsize::new(0));
    let resetters: Vec<_> = (0..2)
        .map(|_| {
            let (g, f, n) = (guard.clone(), finished.clone(), returned.clone());
            std::thread::spawn(move || {
                g.reset();
                assert!(
                    f.load(Ordering::SeqCst),
                    "a reset returned while the callback ran"
                );
                n.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(returned.load(Ordering::SeqCst), 0, "a reset did not wait");
    release.store(true, Ordering::SeqCst);
    for r in resetters {
        r.join().unwrap();
    }
    assert_eq!(dispatching.join().unwrap(), 1);
    assert!(!guard.is_active());
    guard.reset(); // idempotent, returns at once
    assert_eq!(d.dispatch("shared:ev", Payload::new()), 0);
}

/// Many resets while two threads dispatch the event in a loop (each reset ends by their answers,
/// `dispatcher/handshake.rs`) and a third thread dispatches in bursts and sleeps in between (its
/// record is live but it does not answer, so those resets fall back to the barrier): no callback
/// may start after its reset returned, on either path.
#[test]
fn no_call_after_reset_returns_with_busy_and_sleeping_dispatchers() {
    const ROUNDS: usize = 3_000;
    let d = Dispatcher::new();
    let stop = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..3)
        .map(|t| {
            let (d, stop, start) = (d.clone(), stop.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    d.dispatch("churned", Payload::new());
                    n += 1;
                    if t == 2 && n.is_multiple_of(64) {
                        std::thread::sleep(Duration::from_micros(200));
                    }
                }
            })
        })
        .collect();
    start.wait();
    let violations = Arc::new(AtomicUsize::new(0));
    for _ in 0..ROUNDS {
        let returned = Arc::new(AtomicBool::new(false));
        let (r, v) = (returned.clone(), violations.clone());
        let guard = d.observe("churn", 0, "churned", None, move |_| {
            if r.load(Ordering::SeqCst) {
                v.fetch_add(1, Ordering::SeqCst);
            }
        });
        guard.reset();
        returned.store(true, Ordering::SeqCst);
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(violations.load(Ordering::SeqCst), 0);
}
