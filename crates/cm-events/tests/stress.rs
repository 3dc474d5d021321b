//! Multi-thread stress: 8 threads dispatch while others observe and reset, for about 3 s.
//! Checks that no callback runs after its reset returned and that counts add up.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use cm_events::{Dispatcher, EventName, Payload};

const DISPATCHERS: usize = 8;
const CHURNERS: usize = 3;
const RUN_FOR: Duration = Duration::from_millis(3000);

#[test]
fn dispatch_observe_reset_stress() {
    let d = Dispatcher::new();
    let names: Arc<Vec<EventName>> = Arc::new(
        (0..4)
            .map(|i| EventName::new(&format!("stress:{i}")))
            .collect(),
    );
    let total_calls = Arc::new(AtomicU64::new(0));
    let dispatched_calls = Arc::new(AtomicU64::new(0));
    let violations = Arc::new(AtomicU64::new(0));
    let resets = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(DISPATCHERS + CHURNERS + 1));

    // A few permanent observers, one of which dispatches recursively.
    let tc = total_calls.clone();
    let _permanent = d.observe("permanent", 0, names[0], None, move |_| {
        tc.fetch_add(1, Ordering::Relaxed);
    });
    let (tc, d2, n2) = (total_calls.clone(), d.clone(), names.clone());
    let _recursive = d.observe("recursive", 1, names[1], None, move |e| {
        tc.fetch_add(1, Ordering::Relaxed);
        if e.get("nested").is_none() {
            // Its own count is not part of the outer return value; add it separately.
            let n = d2.dispatch(n2[2], Payload::new().with("nested", true));
            NESTED.fetch_add(n as u64, Ordering::Relaxed);
        }
    });

    let mut threads = Vec::new();
    for t in 0..DISPATCHERS {
        let (d, names, stop, start, dc) = (
            d.clone(),
            names.clone(),
            stop.clone(),
            start.clone(),
            dispatched_calls.clone(),
        );
        threads.push(std::thread::spawn(move || {
            start.wait();
            let mut i = t;
            let mut local = 0u64;
            while !stop.load(Ordering::Relaxed) {
                local +=
                    d.dispatch(names[i % names.len()], Payload::new().with("i", i as i64)) as u64;
                i += 1;
            }
            dc.fetch_add(local, Ordering::Relaxed);
        }));
    }
    for t in 0..CHURNERS {
        let (d, names, stop, start, tc, viol, resets) = (
            d.clone(),
            names.clone(),
            stop.clone(),
            start.clone(),
            total_calls.clone(),
            violations.clone(),
            resets.clone(),
        );
        threads.push(std::thread::spawn(move || {
            start.wait();
            let mut k = t as u64;
            while !stop.load(Ordering::Relaxed) {
                let mut batch = Vec::new();
                for j in 0..8u64 {
                    k = k
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let reset_returned = Arc::new(AtomicBool::new(false));
                    let (rr, tc, viol) = (reset_returned.clone(), tc.clone(), viol.clone());
                    let name = names[(k >> 33) as usize % names.len()];
                    let guard = d.observe("churn", (k % 7) as i64 - 3, name, None, move |_| {
                        if rr.load(Ordering::SeqCst) {
                            viol.fetch_add(1, Ordering::SeqCst);
                        }
                        tc.fetch_add(1, Ordering::Relaxed);
                        if j == 0 {
                            std::thread::yield_now(); // widen the window for resets
                        }
                    });
                    batch.push((guard, reset_returned));
                }
                std::thread::sleep(Duration::from_micros(200));
                for (mut guard, reset_returned) in batch {
                    guard.reset();
                    reset_returned.store(true, Ordering::SeqCst);
                    resets.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    start.wait();
    let began = Instant::now();
    std::thread::sleep(RUN_FOR);
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let elapsed = began.elapsed();

    assert_eq!(
        violations.load(Ordering::SeqCst),
        0,
        "callbacks ran after reset returned"
    );
    let outer = dispatched_calls.load(Ordering::Relaxed);
    let nested = NESTED.load(Ordering::Relaxed);
    assert_eq!(
        total_calls.load(Ordering::Relaxed),
        outer + nested,
        "every counted call ran exactly once"
    );
    assert!(outer > 1000, "too little dispatching happened: {outer}");
    assert!(
        resets.load(Ordering::Relaxed) > 100,
        "too few resets: {}",
        resets.load(Ordering::Relaxed)
    );
    assert!(elapsed < Duration::from_secs(60));
    d.collect_garbage();
}

static NESTED: AtomicU64 = AtomicU64::new(0);
