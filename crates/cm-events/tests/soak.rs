//! Dispatcher soak: many threads dispatch while others observe, reorder, disable, enable and
//! reset observers (some observers reset themselves from inside their callback, one dispatches
//! recursively), for `CM_STRESS_SOAK_SECS` seconds (default 2; `cargo xtask stress` runs 60 in
//! release).
//!
//! Checks, and reports in one `stress-result:` line (see `--nocapture`):
//! * `late_calls`: callbacks that started after their `reset()` had returned (must be 0);
//! * `lost_calls`: |calls counted by `dispatch` return values − callback runs| (must be 0);
//! * filtered observers only ever see matching payloads (asserted).
//!
//! This replaces the former `tests/stress.rs` (8 dispatchers + 3 churners for 3 s), whose
//! checks it keeps.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use cm_events::{Dispatcher, EventName, ObserveOptions, ObserverGuard, Payload};

const DISPATCHERS: usize = 6;
const CHURNERS: usize = 3;

#[derive(Default)]
struct Counters {
    /// Callback runs (every observer body increments it once).
    calls: AtomicU64,
    /// Sum of `dispatch` return values, outer and nested.
    counted: AtomicU64,
    dispatches: AtomicU64,
    observers_added: AtomicU64,
    resets: AtomicU64,
    late_calls: AtomicU64,
    filter_violations: AtomicU64,
}

fn soak_duration() -> Duration {
    let secs = std::env::var("CM_STRESS_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .unwrap_or(2.0);
    Duration::from_secs_f64(secs)
}

/// A small LCG; the test needs variety, not quality.
fn next(k: &mut u64) -> u64 {
    *k = k
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *k >> 33
}

#[test]
fn dispatcher_soak() {
    let run_for = soak_duration();
    let d = Dispatcher::new();
    let names: Arc<Vec<EventName>> = Arc::new(
        (0..4)
            .map(|i| EventName::new(&format!("soak:{i}")))
            .collect(),
    );
    let c = Arc::new(Counters::default());
    let stop = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(DISPATCHERS + CHURNERS + 1));

    // Permanent observers: a plain one, and one that dispatches recursively.
    let c1 = c.clone();
    let _permanent = d.observe("permanent", 0, names[0], None, move |_| {
        c1.calls.fetch_add(1, Ordering::Relaxed);
    });
    let (c1, d1, n1) = (c.clone(), d.clone(), names.clone());
    let _recursive = d.observe("recursive", 1, names[1], None, move |e| {
        c1.calls.fetch_add(1, Ordering::Relaxed);
        if e.get("nested").is_none() {
            let n = d1.dispatch(n1[2], Payload::new().with("nested", true));
            c1.counted.fetch_add(n as u64, Ordering::Relaxed);
        }
    });

    let mut threads = Vec::new();
    for t in 0..DISPATCHERS {
        let (d, names, stop, start, c) = (
            d.clone(),
            names.clone(),
            stop.clone(),
            start.clone(),
            c.clone(),
        );
        threads.push(std::thread::spawn(move || {
            start.wait();
            let mut i = t;
            let (mut counted, mut dispatches) = (0u64, 0u64);
            while !stop.load(Ordering::Relaxed) {
                let payload = Payload::new().with("parity", (i % 2) as i64);
                counted += d.dispatch(names[i % names.len()], &payload) as u64;
                dispatches += 1;
                i += 1;
            }
            c.counted.fetch_add(counted, Ordering::Relaxed);
            c.dispatches.fetch_add(dispatches, Ordering::Relaxed);
        }));
    }
    for t in 0..CHURNERS {
        let (d, names, stop, start, c) = (
            d.clone(),
            names.clone(),
            stop.clone(),
            start.clone(),
            c.clone(),
        );
        threads.push(std::thread::spawn(move || {
            start.wait();
            churn(&d, &names, &stop, &c, t as u64 + 1);
        }));
    }
    start.wait();
    let began = Instant::now();
    while began.elapsed() < run_for {
        std::thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let seconds = began.elapsed().as_secs_f64();
    d.collect_garbage();

    let calls = c.calls.load(Ordering::Relaxed);
    let counted = c.counted.load(Ordering::Relaxed);
    let late = c.late_calls.load(Ordering::SeqCst);
    let lost = calls.abs_diff(counted);
    let dispatches = c.dispatches.load(Ordering::Relaxed);
    let added = c.observers_added.load(Ordering::Relaxed);
    let resets = c.resets.load(Ordering::Relaxed);
    println!(
        "stress-result: dispatcher-soak seconds={seconds:.1} threads={} dispatches={dispatches} \
         observers_added={added} resets={resets} late_calls={late} lost_calls={lost}",
        DISPATCHERS + CHURNERS
    );
    assert_eq!(late, 0, "callbacks ran after their reset returned");
    assert_eq!(
        lost, 0,
        "dispatch counted {counted} calls, callbacks ran {calls} times"
    );
    assert_eq!(
        c.filter_violations.load(Ordering::Relaxed),
        0,
        "a filtered observer saw a payload its filter rejects"
    );
    assert!(
        dispatches > 1000,
        "too little dispatching happened: {dispatches}"
    );
    assert!(resets > 100, "too few resets: {resets}");
}

/// One churner: observes batches of 8 observers with random orders, filters, initial enabled
/// state and ignore-consume, reorders and toggles them while dispatches run, then resets them.
/// The first of each batch yields inside its callback, the second consumes the event, and every
/// fourth resets itself from inside its callback.
fn churn(d: &Dispatcher, names: &[EventName], stop: &AtomicBool, c: &Arc<Counters>, seed: u64) {
    let mut k = seed;
    while !stop.load(Ordering::Relaxed) {
        let mut batch: Vec<(Held, Arc<AtomicBool>)> = Vec::new();
        for j in 0..8u64 {
            let name = names[next(&mut k) as usize % names.len()];
            let filtered = next(&mut k).is_multiple_of(3);
            let options = ObserveOptions {
                order: (next(&mut k) % 7) as i64 - 3,
                filter: filtered.then(|| Payload::new().with("parity", 1i64)),
                ignore_consume: next(&mut k).is_multiple_of(2),
                disabled: next(&mut k).is_multiple_of(5),
            };
            let reset_returned = Arc::new(AtomicBool::new(false));
            let self_resetting = j % 4 == 3;
            let own_guard: Arc<Mutex<Option<ObserverGuard>>> = Arc::new(Mutex::new(None));
            let (rr, c1, og) = (reset_returned.clone(), c.clone(), own_guard.clone());
            let guard = d.observe_with("churn", name, options, move |e| {
                if rr.load(Ordering::SeqCst) {
                    c1.late_calls.fetch_add(1, Ordering::SeqCst);
                }
                c1.calls.fetch_add(1, Ordering::Relaxed);
                if filtered && e.get("parity").and_then(|v| v.as_i64()) != Some(1) {
                    c1.filter_violations.fetch_add(1, Ordering::Relaxed);
                }
                match j {
                    0 => std::thread::yield_now(), // widen the window for resets
                    1 => e.consume(), // later observers run only if they ignore consume
                    _ => {}
                }
                if self_resetting {
                    // Take the guard out first: another thread inside this callback must not
                    // block on the mutex while our reset waits for it to leave.
                    let taken = og.lock().unwrap().take();
                    if let Some(g) = taken {
                        g.reset();
                        rr.store(true, Ordering::SeqCst);
                        c1.resets.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
            c.observers_added.fetch_add(1, Ordering::Relaxed);
            let held = if self_resetting {
                *own_guard.lock().unwrap() = Some(guard);
                Held::Shared(own_guard)
            } else {
                Held::Owned(guard)
            };
            batch.push((held, reset_returned));
        }
        std::thread::sleep(Duration::from_micros(100));
        for (i, (held, _)) in batch.iter().enumerate() {
            let change = next(&mut k) % 4;
            let order = (next(&mut k) % 7) as i64 - 3;
            held.with(|g| match change {
                0 => g.set_order(order),
                1 => g.set_enabled(i % 2 == 0),
                _ => {}
            });
        }
        std::thread::sleep(Duration::from_micros(100));
        for (held, reset_returned) in batch {
            let guard = match held {
                Held::Owned(g) => Some(g),
                Held::Shared(m) => m.lock().unwrap().take(),
            };
            // None: the observer already reset itself (and counted that reset).
            if let Some(guard) = guard {
                guard.reset();
                reset_returned.store(true, Ordering::SeqCst);
                c.resets.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// A churner's handle on one observer: its guard, or (for self-resetting observers) the slot the
/// callback takes the guard from.
enum Held {
    Owned(ObserverGuard),
    Shared(Arc<Mutex<Option<ObserverGuard>>>),
}

impl Held {
    fn with(&self, f: impl FnOnce(&ObserverGuard)) {
        match self {
            Held::Owned(g) => f(g),
            Held::Shared(m) => {
                if let Some(g) = m.lock().unwrap().as_ref() {
                    f(g);
                }
            }
        }
    }
}
