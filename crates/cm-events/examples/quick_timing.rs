//! Min-of-80 timing (batches of 200 000 calls) of the hot paths; steadier than criterion on a
//! loaded machine.
//! `cargo run --release -p cm-events --example quick_timing`
use std::hint::black_box;
use std::time::Instant;

use cm_events::{Callback, Dispatcher, Event, EventName, Payload};

fn body(e: &Event<'_>) {
    black_box(e);
}

/// With `QT_ONLY=<label>` only that row runs, `QT_ITERS` times once, for instruction counts:
/// `valgrind --tool=callgrind` (or `perf stat -e instructions` where the CPU exposes counters),
/// minus a run with `QT_ITERS=0`, divided by the iterations.
#[inline(never)] // one function per row, as criterion has one per benchmark
fn time(label: &str, mut f: impl FnMut()) {
    if let Ok(only) = std::env::var("QT_ONLY") {
        if only == label {
            let n: u64 = std::env::var("QT_ITERS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(10_000_000);
            for _ in 0..n {
                f();
            }
        }
        return;
    }
    // Short batches, many of them: on a loaded machine some batch runs without a context switch.
    const N: u32 = 200_000;
    let mut best = f64::MAX;
    for _ in 0..80 {
        let t = Instant::now();
        for _ in 0..N {
            f();
        }
        best = best.min(t.elapsed().as_nanos() as f64 / f64::from(N));
    }
    println!("{label:40} {best:7.2} ns");
}

fn main() {
    let d = Dispatcher::new();
    let empty = Payload::new();
    let zero = EventName::new("q.zero");
    let one = EventName::new("q.one");
    let sixteen = EventName::new("q.sixteen");
    let _g1 = d.observe("o", 0, one, None, body);
    let _g16: Vec<_> = (0..16)
        .map(|i| d.observe("o", i, sixteen, None, body))
        .collect();
    let v1: Vec<Box<Callback>> = vec![Box::new(body)];
    let v16: Vec<Box<Callback>> = (0..16).map(|_| Box::new(body) as Box<_>).collect();
    let rounds = if std::env::var_os("QT_ONLY").is_some() {
        1
    } else {
        2
    };
    for _ in 0..rounds {
        time("dispatch_interned/0", || {
            black_box(d.dispatch_event(black_box(zero), black_box(&empty)));
        });
        time("dispatch_str/0", || {
            black_box(d.dispatch(black_box("q.zero"), black_box(&empty)));
        });
        time("dispatch_interned/1", || {
            black_box(d.dispatch_event(black_box(one), black_box(&empty)));
        });
        time("vec/1", || {
            let e = Event::new(black_box(one), black_box(&empty));
            for f in &v1 {
                f(&e);
            }
        });
        time("dispatch_interned/16", || {
            black_box(d.dispatch_event(black_box(sixteen), black_box(&empty)));
        });
        time("vec/16", || {
            let e = Event::new(black_box(one), black_box(&empty));
            for f in &v16 {
                f(&e);
            }
        });
        time("vec/16 (opaque vec)", || {
            let e = Event::new(black_box(one), black_box(&empty));
            for f in black_box(&v16) {
                f(&e);
            }
        });
        time("vec/1 (opaque vec)", || {
            let e = Event::new(black_box(one), black_box(&empty));
            for f in black_box(&v1) {
                f(&e);
            }
        });
    }
}
