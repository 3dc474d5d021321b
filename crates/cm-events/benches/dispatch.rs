//! Dispatch, queue and peer benchmarks (see the crate README, "Performance").
//!
//! `cargo bench -p cm-events --bench dispatch -- --warm-up-time 1 --measurement-time 2`
//!
//! Benchmark ids are stable (the xtask table reads them); add new ones, never rename. Big fixtures
//! (the crowded dispatchers) are built once per group, not per benchmark, so the whole file runs
//! in about 15 s with `--warm-up-time 0.2 --measurement-time 0.4 --sample-size 10`.

// criterion_group! generates an undocumented public fn.
#![allow(missing_docs)]

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::{Arc, RwLock};

use cm_benchkit::Pair;
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

/// The floor for `n` observers, `peer/vec_box_fn/{n}_closures`: build the event, call `n`
/// boxed closures. The dispatch benchmarks also time it interleaved ([`Pair`]).
fn closures(n: usize) -> Vec<Box<Callback>> {
    (0..n).map(|_| Box::new(body) as Box<_>).collect()
}

fn call_closures(fns: &[Box<Callback>], name: EventName, payload: &Payload) {
    let e = Event::new(black_box(name), black_box(payload));
    for f in fns {
        f(&e);
    }
}

fn dispatch(c: &mut Criterion) {
    let d = Dispatcher::new();
    let empty = Payload::new();
    let mut g = c.benchmark_group("cm_events/dispatch_interned");
    let zero = EventName::new("bench.zero:observers_23");
    g.bench_function("0_observers", |b| {
        b.iter(|| d.dispatch_event(black_box(zero), black_box(&empty)))
    });
    let peer_name = EventName::new("bench.peer");
    for n in [1usize, 16, 256] {
        let name = EventName::new(&format!("bench.with:{n}_observers"));
        let _guards = observers(&d, name, n);
        let fns = closures(n);
        let mut pair = Pair::new(
            format!("cm_events/dispatch_interned/{n}_observers"),
            format!("peer/vec_box_fn/{n}_closures"),
        );
        g.bench_function(format!("{n}_observers"), |b| {
            pair.iter(
                b,
                || d.dispatch_event(black_box(name), black_box(&empty)),
                || call_closures(&fns, peer_name, &empty),
            )
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

/// A dispatcher with `crowd` observers spread over `crowd / 10` other names (10 each), plus the
/// names the benchmarks dispatch: one without and one with a single observer.
struct Crowd {
    d: Dispatcher,
    zero: EventName,
    one: EventName,
}

fn crowd(crowd: usize) -> Crowd {
    let d = Dispatcher::new();
    let names: Vec<EventName> = (0..crowd / 10)
        .map(|i| EventName::new(&format!("bench.crowded:{i}")))
        .collect();
    // Detached: dropping the dispatcher then frees everything at once, where dropping 100 000
    // guards would pay 100 000 resets (each a process-wide barrier), seconds on a busy machine.
    for i in 0..crowd {
        d.observe("crowd", 0, names[i % names.len()], None, body)
            .detach();
    }
    let zero = EventName::new("bench.crowded.unrelated:zero");
    let one = EventName::new("bench.crowded.unrelated:one");
    for g in observers(&d, one, 1) {
        g.detach();
    }
    d.collect_garbage();
    Crowd { d, zero, one }
}

/// The peers of the crowded rows, `cm_events/dispatch_interned/{0,1}_observers`, timed
/// interleaved: the same dispatch on a dispatcher of its own with nothing else observed.
fn uncrowded() -> (Dispatcher, EventName, EventName, ObserverGuard) {
    let d = Dispatcher::new();
    let zero = EventName::new("bench.uncrowded:zero");
    let one = EventName::new("bench.uncrowded:one");
    let guard = d.observe("bench", 0, one, None, body);
    (d, zero, one, guard)
}

fn crowded(c: &mut Criterion) {
    let empty = Payload::new();
    let (lone, lone_zero, lone_one, _guard) = uncrowded();
    let interned = |observers: usize| format!("cm_events/dispatch_interned/{observers}_observers");
    // The original size keeps both of its ids; the smaller sizes show the (lack of) trend.
    let big = crowd(100_000);
    let mut g = c.benchmark_group("cm_events/dispatch_crowded_100k");
    let mut pair = Pair::new(
        "cm_events/dispatch_crowded_100k/unrelated_0_observers",
        interned(0),
    );
    g.bench_function("unrelated_0_observers", |b| {
        pair.iter(
            b,
            || big.d.dispatch_event(black_box(big.zero), black_box(&empty)),
            || lone.dispatch_event(black_box(lone_zero), black_box(&empty)),
        )
    });
    let mut pair = Pair::new(
        "cm_events/dispatch_crowded_100k/unrelated_1_observers",
        interned(1),
    );
    g.bench_function("unrelated_1_observers", |b| {
        pair.iter(
            b,
            || big.d.dispatch_event(black_box(big.one), black_box(&empty)),
            || lone.dispatch_event(black_box(lone_one), black_box(&empty)),
        )
    });
    g.finish();
    drop(big);
    for (label, size) in [("100", 100usize), ("10k", 10_000)] {
        let fixture = crowd(size);
        let group = format!("cm_events/dispatch_crowded_{label}");
        let mut pair = Pair::new(format!("{group}/unrelated_1_observers"), interned(1));
        let mut g = c.benchmark_group(group);
        g.bench_function("unrelated_1_observers", |b| {
            pair.iter(
                b,
                || {
                    fixture
                        .d
                        .dispatch_event(black_box(fixture.one), black_box(&empty))
                },
                || lone.dispatch_event(black_box(lone_one), black_box(&empty)),
            )
        });
        g.finish();
    }
}

/// The obvious event bus a peer would write: a string-keyed map of callback lists behind a
/// read-write lock, callbacks called under the read lock.
type NaiveBus = RwLock<HashMap<String, Vec<Arc<dyn Fn(&Payload) + Send + Sync>>>>;

fn naive_dispatch(bus: &NaiveBus, name: &str, payload: &Payload) -> usize {
    let map = match bus.read() {
        Ok(m) => m,
        Err(poisoned) => poisoned.into_inner(),
    };
    match map.get(name) {
        Some(callbacks) => {
            for f in callbacks {
                f(payload);
            }
            callbacks.len()
        }
        None => 0,
    }
}

fn naive_peer(c: &mut Criterion) {
    let empty = Payload::new();
    let bus: NaiveBus = RwLock::new(HashMap::new());
    {
        let mut map = bus.write().unwrap();
        // Some other names, so the map is not trivially small.
        for i in 0..64 {
            map.insert(format!("bench.naive.other:{i}"), Vec::new());
        }
        for n in [1usize, 16] {
            map.insert(
                format!("bench.naive:{n}_observers"),
                (0..n)
                    .map(|_| {
                        Arc::new(|p: &Payload| {
                            black_box(p);
                        }) as Arc<dyn Fn(&Payload) + Send + Sync>
                    })
                    .collect(),
            );
        }
    }
    let mut g = c.benchmark_group("peer/naive_rwlock_bus");
    for n in [0usize, 1, 16] {
        let name = format!("bench.naive:{n}_observers");
        g.bench_function(format!("dispatch_{n}_observers"), |b| {
            b.iter(|| naive_dispatch(&bus, black_box(name.as_str()), black_box(&empty)))
        });
    }
    g.finish();
}

fn peers(c: &mut Criterion) {
    let empty = Payload::new();
    let name = EventName::new("bench.peer");
    let mut g = c.benchmark_group("peer/vec_box_fn");
    for n in [1usize, 16, 256] {
        let fns = closures(n);
        g.bench_function(format!("{n}_closures"), |b| {
            b.iter(|| call_closures(&fns, name, &empty))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("peer/tokio_broadcast");
    let (tx, rx) = tokio::sync::broadcast::channel::<u64>(1024);
    drop(rx);
    g.bench_function("send_0_receivers", |b| {
        b.iter(|| black_box(tx.send(black_box(1)).is_ok()))
    });
    for n in [1usize, 16, 256] {
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
    let (tx, rx) = crossbeam_channel::unbounded::<Message>();
    g.bench_function("send_recv", |b| b.iter(|| send_recv(&tx, &rx, name)));
    g.finish();
}

type Message = (EventName, Payload);

/// `peer/crossbeam/send_recv`: the floor for a queued event, one message through a channel.
fn send_recv(
    tx: &crossbeam_channel::Sender<Message>,
    rx: &crossbeam_channel::Receiver<Message>,
    name: EventName,
) {
    let _ = tx.send((black_box(name), Payload::new()));
    black_box(rx.try_recv().ok());
}

fn queues(c: &mut Criterion) {
    let d = Dispatcher::new();
    let main = RunLoop::main(&d).unwrap();
    let name = EventName::new("bench.queued:event");
    let mut g = c.benchmark_group("cm_events/queue_event_pump");
    // Its peer, `peer/crossbeam/send_recv`, timed interleaved.
    let (tx, rx) = crossbeam_channel::unbounded::<Message>();
    let mut pair = Pair::new(
        "cm_events/queue_event_pump/per_event",
        "peer/crossbeam/send_recv",
    );
    g.bench_function("per_event", |b| {
        pair.iter(
            b,
            || {
                let _ = d.queue_event(black_box(name), Payload::new(), None);
                black_box(d.pump_queue(main.message_queue()).ok());
            },
            || send_recv(&tx, &rx, name),
        )
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

/// Plots off (the KDE plots cost minutes on a busy 2-core machine; the medians the xtask table
/// reads are unaffected) and fewer bootstrap resamples (they only shape the confidence interval).
fn config() -> Criterion {
    Criterion::default().without_plots().nresamples(10_000)
}

criterion_group! {
    name = benches;
    config = config();
    targets = dispatch, crowded, peers, naive_peer, queues
}
criterion_main!(benches);
