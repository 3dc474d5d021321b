//! Min-of-batches timing of observer churn (observe + drop with N observers already on the
//! event, and with another thread registered but idle); steadier than criterion on a loaded
//! machine. `cargo run --release -p cm-events --example churn_timing`
use std::hint::black_box;
use std::time::Instant;

use cm_events::{Dispatcher, Event, EventName, ObserverGuard, Payload};

fn body(e: &Event<'_>) {
    black_box(e);
}

fn best_of(label: &str, mut f: impl FnMut()) {
    const N: u32 = 2_000;
    let mut best = f64::MAX;
    for _ in 0..60 {
        let t = Instant::now();
        for _ in 0..N {
            f();
        }
        best = best.min(t.elapsed().as_nanos() as f64 / f64::from(N));
    }
    println!("{label:48} {best:9.1} ns");
}

fn main() {
    for (n, label) in [(10usize, "10"), (1_000, "1k"), (100_000, "100k")] {
        let d = Dispatcher::new();
        let name = EventName::new(&format!("ct:{label}"));
        let _resident: Vec<ObserverGuard> = (0..n)
            .map(|_| d.observe("r", 0, name, None, body))
            .collect();
        best_of(&format!("observe_drop_with_{label}"), || {
            drop(d.observe("c", 0, black_box(name), None, body))
        });
    }
    {
        let d = Dispatcher::new();
        let name = EventName::new("ct:create_then_drop");
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            let guards: Vec<ObserverGuard> = (0..100_000)
                .map(|_| d.observe("m", 0, name, None, body))
                .collect();
            drop(black_box(guards));
            best = best.min(t.elapsed().as_secs_f64() * 1e3);
        }
        println!("{:48} {best:9.1} ms", "create_then_drop_100k");
    }
    // Another thread that has dispatched once (its record stays claimed) but is idle now: every
    // reset pays the membarrier.
    let d = Dispatcher::new();
    let name = EventName::new("ct:other_thread");
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let other = {
        let d = d.clone();
        std::thread::spawn(move || {
            d.dispatch_event(name, &Payload::new());
            let _ = rx.recv();
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(50));
    best_of("observe_drop_with_10_other_thread_idle", || {
        drop(d.observe("c", 0, black_box(name), None, body))
    });
    let _ = tx.send(());
    let _ = other.join();
    // Another thread dispatching the event in a tight loop.
    let d = Dispatcher::new();
    let name = EventName::new("ct:contended");
    let _resident = d.observe("r", 0, name, None, body);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let spinner = {
        let (d, stop) = (d.clone(), stop.clone());
        std::thread::spawn(move || {
            let empty = Payload::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                black_box(d.dispatch_event(name, &empty));
            }
        })
    };
    best_of("observe_drop_while_dispatching", || {
        drop(d.observe("c", 0, black_box(name), None, body))
    });
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = spinner.join();
    let (tx, _rx) = tokio::sync::broadcast::channel::<u64>(16);
    best_of("peer tokio broadcast subscribe_drop", || {
        drop(black_box(tx.subscribe()))
    });
}
