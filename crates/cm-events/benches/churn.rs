//! Observer churn benchmarks: observers that come and go while others stay (see the crate
//! README, "Performance", and docs/BENCHMARKS.md).
//!
//! `cargo bench -p cm-events --bench churn -- --warm-up-time 1 --measurement-time 2`
//!
//! * `observe_drop/with_{10,1k,100k}`: one observe + drop on an event that already has N
//!   observers (the cost must not grow with N);
//! * `create_then_drop_100k`: 100 000 observers created on one event, then all dropped;
//! * `observe_drop/while_dispatching`: observe + drop while another thread dispatches that event
//!   in a tight loop;
//! * `observer_order/*`: observers that sort before the last entry and `set_order` (see
//!   [`order`]);
//! * peers in the same run: tokio broadcast `subscribe` + drop, and the naive
//!   `RwLock<HashMap<String, Vec<Arc<dyn Fn>>>>` bus adding and removing a callback with N others
//!   on the name.
//!
//! Benchmark ids are stable (the xtask table reads them); add new ones, never rename.

// criterion_group! generates an undocumented public fn.
#![allow(missing_docs)]

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use cm_events::{Dispatcher, Event, EventName, ObserverGuard, Payload};
use criterion::{Criterion, criterion_group, criterion_main};

fn body(e: &Event<'_>) {
    black_box(e);
}

const SIZES: [(usize, &str); 3] = [(10, "10"), (1_000, "1k"), (100_000, "100k")];

fn observe_drop(c: &mut Criterion) {
    let mut g = c.benchmark_group("cm_events/observer_churn");
    for (n, label) in SIZES {
        let d = Dispatcher::new();
        let name = EventName::new(&format!("bench.churn:{label}"));
        let resident: Vec<ObserverGuard> = (0..n)
            .map(|_| d.observe("resident", 0, name, None, body))
            .collect();
        g.bench_function(format!("observe_drop_with_{label}"), |b| {
            b.iter(|| drop(d.observe("churn", 0, black_box(name), None, body)))
        });
        drop(resident);
    }

    // The whole life of 100 000 observers on one event: each `iter` is one full round.
    g.sample_size(10);
    g.bench_function("create_then_drop_100k", |b| {
        let d = Dispatcher::new();
        let name = EventName::new("bench.churn:create_then_drop");
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let guards: Vec<ObserverGuard> = (0..100_000)
                    .map(|_| d.observe("many", 0, name, None, body))
                    .collect();
                drop(black_box(guards));
                total += start.elapsed();
            }
            total
        })
    });
    g.finish();

    let mut g = c.benchmark_group("cm_events/observer_churn");
    let d = Dispatcher::new();
    let name = EventName::new("bench.churn:contended");
    let _resident = d.observe("resident", 0, name, None, body);
    let stop = Arc::new(AtomicBool::new(false));
    let dispatching = {
        let d = d.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let empty = Payload::new();
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += d.dispatch_event(name, &empty) as u64;
            }
            n
        })
    };
    g.bench_function("observe_drop_while_dispatching", |b| {
        b.iter(|| drop(d.observe("churn", 0, black_box(name), None, body)))
    });
    stop.store(true, Ordering::Relaxed);
    let dispatched = dispatching.join().unwrap_or(0);
    black_box(dispatched);
    g.finish();
}

/// Observers that sort *before* the list's last entry (issue 21, the known limit of issue 17):
/// with `n` observers at orders `0..n` on the event,
/// * `observe_first_drop_with_{100,1k,10k}`: observe one at an order below all of them, drop it;
/// * `set_order_with_{100,1k,10k}`: move one observer from the front to the back and back again
///   (two `set_order` calls per iteration);
/// * `register_10k_decreasing`: register 10 000 observers at orders 0, -1, -2, ... (each sorts
///   first); the drops are not timed.
fn order(c: &mut Criterion) {
    let mut g = c.benchmark_group("cm_events/observer_order");
    for (n, label) in [(100usize, "100"), (1_000, "1k"), (10_000, "10k")] {
        let d = Dispatcher::new();
        let name = EventName::new(&format!("bench.order:{label}"));
        let resident: Vec<ObserverGuard> = (0..n)
            .map(|i| d.observe("resident", i as i64, name, None, body))
            .collect();
        g.bench_function(format!("observe_first_drop_with_{label}"), |b| {
            b.iter(|| drop(d.observe("first", -1, black_box(name), None, body)))
        });
        let moving = &resident[n / 2];
        g.bench_function(format!("set_order_with_{label}"), |b| {
            b.iter(|| {
                moving.set_order(black_box(-1));
                moving.set_order(black_box(n as i64));
            })
        });
        drop(resident);
    }
    g.sample_size(10);
    g.bench_function("register_10k_decreasing", |b| {
        let d = Dispatcher::new();
        let name = EventName::new("bench.order:decreasing");
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let guards: Vec<ObserverGuard> = (0..10_000)
                    .map(|i| d.observe("decreasing", -i, name, None, body))
                    .collect();
                total += start.elapsed();
                drop(black_box(guards));
            }
            total
        })
    });
    g.finish();
}

type NaiveCallback = Arc<dyn Fn(&Payload) + Send + Sync>;
type NaiveBus = RwLock<HashMap<String, Vec<NaiveCallback>>>;

fn naive_callback() -> NaiveCallback {
    Arc::new(|p: &Payload| {
        black_box(p);
    })
}

/// The naive bus's subscribe + unsubscribe: push under the write lock, then find the callback
/// by pointer and remove it (keeping the others' order, as an ordered bus must).
fn naive_add_remove(bus: &NaiveBus, name: &str) {
    let f = naive_callback();
    {
        let mut map = bus.write().unwrap_or_else(|p| p.into_inner());
        map.entry(name.to_owned()).or_default().push(f.clone());
    }
    let mut map = bus.write().unwrap_or_else(|p| p.into_inner());
    if let Some(list) = map.get_mut(name)
        && let Some(i) = list.iter().rposition(|g| Arc::ptr_eq(g, &f))
    {
        list.remove(i);
    }
}

fn peers(c: &mut Criterion) {
    let mut g = c.benchmark_group("peer/naive_rwlock_bus");
    for (n, label) in SIZES {
        let bus: NaiveBus = RwLock::new(HashMap::new());
        let name = format!("bench.naive.churn:{label}");
        bus.write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.clone(), (0..n).map(|_| naive_callback()).collect());
        g.bench_function(format!("add_remove_with_{label}"), |b| {
            b.iter(|| naive_add_remove(&bus, black_box(name.as_str())))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("peer/tokio_broadcast");
    let (tx, _rx) = tokio::sync::broadcast::channel::<u64>(1024);
    g.bench_function("subscribe_drop", |b| {
        b.iter(|| drop(black_box(tx.subscribe())))
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default().without_plots().nresamples(10_000)
}

criterion_group! {
    name = benches;
    config = config();
    targets = observe_drop, order, peers
}
criterion_main!(benches);
