//! Dispatch, queue and peer benchmarks (see the crate README, "Performance").
//!
//! `cargo bench -p cm-events --bench dispatch -- --warm-up-time 1 --measurement-time 2`

// criterion_group! generates an undocumented public fn.
#![allow(missing_docs)]

use std::hint::black_box;

use cm_events::{Callback, Dispatcher, Event, EventName, ObserverGuard, Payload, RunLoop};
use criterion::{Criterion, criterion_group, criterion_main};

/// The observer body used everywhere: touch the event so the call is not optimised away.
fn body(e: &Event<'_>) {
    black_box(e);
}

fn observers(d: &Dispatcher, name: EventName, n: usize) -> Vec<ObserverGuard> {
    (0..n)
        .map(|i| d.observe("bench", i as i64, name, None, body))
        .collect()
}

fn dispatch(c: &mut Criterion) {
    let d = Dispatcher::new();
    let empty = Payload::new();
    let mut g = c.benchmark_group("cm_events/dispatch_interned");
    let zero = EventName::new("bench.zero:observers_23");
    g.bench_function("0_observers", |b| {
        b.iter(|| d.dispatch_event(black_box(zero), black_box(&empty)))
    });
    for n in [1usize, 16] {
        let name = EventName::new(&format!("bench.with:{n}_observers"));
        let _guards = observers(&d, name, n);
        g.bench_function(format!("{n}_observers"), |b| {
            b.iter(|| d.dispatch_event(black_box(name), black_box(&empty)))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("cm_events/dispatch_str");
    // Interned (it had an observer once) but now without observers: the full lookup path.
    let text = "omni.kit.app:some_event";
    drop(d.observe("x", 0, text, None, body));
    g.bench_function("0_observers", |b| {
        b.iter(|| d.dispatch(black_box(text), black_box(&empty)))
    });
    g.bench_function("0_observers_never_interned", |b| {
        b.iter(|| d.dispatch(black_box("omni.kit.app:never_seen"), black_box(&empty)))
    });
    g.finish();
}

fn crowded(c: &mut Criterion) {
    let d = Dispatcher::new();
    let empty = Payload::new();
    let names: Vec<EventName> = (0..10_000)
        .map(|i| EventName::new(&format!("bench.crowded:{i}")))
        .collect();
    let _guards: Vec<ObserverGuard> = (0..100_000)
        .map(|i| d.observe("crowd", 0, names[i % names.len()], None, body))
        .collect();
    let zero = EventName::new("bench.crowded.unrelated:zero");
    let one = EventName::new("bench.crowded.unrelated:one");
    let _one = observers(&d, one, 1);
    let mut g = c.benchmark_group("cm_events/dispatch_crowded_100k");
    g.bench_function("unrelated_0_observers", |b| {
        b.iter(|| d.dispatch_event(black_box(zero), black_box(&empty)))
    });
    g.bench_function("unrelated_1_observers", |b| {
        b.iter(|| d.dispatch_event(black_box(one), black_box(&empty)))
    });
    g.finish();
}

fn peers(c: &mut Criterion) {
    let empty = Payload::new();
    let name = EventName::new("bench.peer");
    let mut g = c.benchmark_group("peer/vec_box_fn");
    for n in [1usize, 16] {
        let fns: Vec<Box<Callback>> = (0..n).map(|_| Box::new(body) as Box<_>).collect();
        g.bench_function(format!("{n}_closures"), |b| {
            b.iter(|| {
                let e = Event::new(black_box(name), black_box(&empty));
                for f in &fns {
                    f(&e);
                }
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("peer/tokio_broadcast");
    let (tx, rx) = tokio::sync::broadcast::channel::<u64>(1024);
    drop(rx);
    g.bench_function("send_0_receivers", |b| {
        b.iter(|| black_box(tx.send(black_box(1)).is_ok()))
    });
    for n in [1usize, 16] {
        let (tx, rx) = tokio::sync::broadcast::channel::<u64>(1024);
        let mut rxs: Vec<_> = (0..n).map(|_| tx.subscribe()).collect();
        drop(rx);
        g.bench_function(format!("send_recv_{n}_receivers"), |b| {
            b.iter(|| {
                let _ = tx.send(black_box(1));
                for r in &mut rxs {
                    black_box(r.try_recv().ok());
                }
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("peer/crossbeam");
    let (tx, rx) = crossbeam_channel::unbounded::<(EventName, Payload)>();
    g.bench_function("send_recv", |b| {
        b.iter(|| {
            let _ = tx.send((black_box(name), Payload::new()));
            black_box(rx.try_recv().ok());
        })
    });
    g.finish();
}

fn queues(c: &mut Criterion) {
    let d = Dispatcher::new();
    let main = RunLoop::main(&d).unwrap();
    let name = EventName::new("bench.queued:event");
    let mut g = c.benchmark_group("cm_events/queue_event_pump");
    g.bench_function("per_event", |b| {
        b.iter(|| {
            let _ = d.queue_event(black_box(name), Payload::new(), None);
            black_box(d.pump_queue(main.message_queue()).ok());
        })
    });
    let _imm = observers(&d, name.immediate(), 1);
    let _def = observers(&d, name, 1);
    g.bench_function("per_event_1_observer_each_side", |b| {
        b.iter(|| {
            let _ = d.queue_event(black_box(name), Payload::new(), None);
            black_box(d.pump_queue(main.message_queue()).ok());
        })
    });
    g.finish();
}

criterion_group!(benches, dispatch, crowded, peers, queues);
criterion_main!(benches);
