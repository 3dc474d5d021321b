//! Dispatch across threads (issue 21.3): does aggregate throughput scale with the threads?
//!
//! `cargo bench -p cm-events --bench threads -- --warm-up-time 1 --measurement-time 2`
//!
//! Every benchmark runs its dispatch loop on freshly spawned worker threads that start together
//! (a barrier) and each dispatch `iters` times; the time reported is the wall time from the first
//! start to the last finish, per iteration. So a row with two threads reads "time for two
//! dispatches, one on each thread": with perfect scaling it equals the one-thread row of the same
//! shape. The one-thread rows use the same harness (one worker), so spawn and barrier costs are
//! the same on both sides (and negligible: criterion picks `iters` so that a sample lasts
//! milliseconds).
//!
//! * `1_thread_{1,16}_observers`: the baseline;
//! * `2_threads_independent_{1,16}_observers`: two threads that share nothing, each dispatching
//!   on a dispatcher of its own: the machine's own two-thread scaling for exactly this work;
//! * `2_threads_same_event_{1,16}_observers`: both threads dispatch the same interned event of
//!   one dispatcher, so they read the same slot, list and entries: scaling needs a dispatch path
//!   that writes no shared cache line (only the thread's own, padded record);
//! * `2_threads_different_events_1_observers`: one dispatcher, each thread its own event;
//! * `peer/naive_rwlock_bus/{1_thread,2_threads}_1_observers`: the naive `RwLock<HashMap>` bus,
//!   whose read lock writes the lock word on every dispatch (the contrast).
//!
//! The shared rows time the independent run of the same shape interleaved with them
//! ([`cm_benchkit::Pair`], one round per sample, the order alternating between samples), and
//! their target `shared / independent ≤ 1.11` is "aggregate throughput ≥ 1.8x what two threads
//! that share nothing get" (xtask/src/bench/targets.rs). Why not one thread's: on this 2-vCPU
//! VM even two threads that share nothing at all run 1.3-1.6x slower than one, for seconds at a
//! time (the host's doing: a private load/store loop shows it too), so a target against one
//! thread judged the host; against the independent run, measured in the same samples, it
//! judges what sharing the dispatcher costs. The ratio against one thread is still reported.
//!
//! Worker `t` is pinned to the `t`-th CPU the process may use ([`pin_to_cpu`]). Needs two idle
//! cores to show anything: on a loaded machine the second thread waits for a core
//! and the ratio measures the scheduler. Benchmark ids are stable (the xtask table reads them).

// criterion_group! generates an undocumented public fn.
#![allow(missing_docs)]

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::{Arc, Barrier, RwLock};
use std::time::{Duration, Instant};

use cm_benchkit::Pair;
use cm_events::{Dispatcher, Event, EventName, ObserverGuard, Payload};
use criterion::{Criterion, criterion_group, criterion_main};

fn body(e: &Event<'_>) {
    black_box(e);
}

fn observers(d: &Dispatcher, name: EventName, n: usize) -> Vec<ObserverGuard> {
    (0..n)
        .map(|i| d.observe("bench", i as i64, name, None, body))
        .collect()
}

/// Runs `work(thread index, iters)` on `threads` new threads started together; returns the wall
/// time from the earliest start to the latest finish.
fn run_on_threads(threads: usize, iters: u64, work: &(dyn Fn(usize, u64) + Sync)) -> Duration {
    let barrier = Barrier::new(threads);
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let barrier = &barrier;
                s.spawn(move || {
                    pin_to_cpu(t);
                    // One warm-up call claims the thread's dispatch record outside the timing.
                    work(t, 1);
                    barrier.wait();
                    let start = Instant::now();
                    work(t, iters);
                    (start, Instant::now())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h.join() {
                Ok(span) => span,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    let first = spans.iter().map(|s| s.0).min();
    let last = spans.iter().map(|s| s.1).max();
    match (first, last) {
        (Some(first), Some(last)) => last - first,
        _ => Duration::ZERO,
    }
}

/// Pins the calling thread to CPU `index` (modulo the CPUs this process may use), so that the
/// two workers of a two-thread row never share a core for a moment and are not migrated in the
/// middle of a sample: on a 2-vCPU VM either shows up as a slow sample of the two-thread rows
/// only (their time is the slower worker's). The one-thread rows pin too, so both sides run
/// the same way. Best effort: where pinning is not possible the thread runs unpinned.
fn pin_to_cpu(index: usize) {
    #[cfg(target_os = "linux")]
    // SAFETY: `set` is a plain bit set on the stack; sched_getaffinity / sched_setaffinity
    // read or write exactly `size_of::<cpu_set_t>()` bytes of it.
    unsafe {
        let mut allowed: libc::cpu_set_t = std::mem::zeroed();
        let size = std::mem::size_of::<libc::cpu_set_t>();
        if libc::sched_getaffinity(0, size, &mut allowed) != 0 {
            return;
        }
        let cpus: Vec<usize> = (0..libc::CPU_SETSIZE as usize)
            .filter(|&cpu| libc::CPU_ISSET(cpu, &allowed))
            .collect();
        if cpus.is_empty() {
            return;
        }
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpus[index % cpus.len()], &mut set);
        libc::sched_setaffinity(0, size, &set);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = index;
}

/// One dispatcher with the benchmark's events observed: 1 observer on `one` and `other`, 16 on
/// `sixteen`.
struct Fixture {
    d: Dispatcher,
    one: EventName,
    other: EventName,
    sixteen: EventName,
    _guards: Vec<ObserverGuard>,
}

fn fixture(tag: &str) -> Fixture {
    let d = Dispatcher::new();
    let one = EventName::new(&format!("bench.threads{tag}:1_observers"));
    let other = EventName::new(&format!("bench.threads{tag}:1_observers_other"));
    let sixteen = EventName::new(&format!("bench.threads{tag}:16_observers"));
    let mut guards = observers(&d, one, 1);
    guards.extend(observers(&d, other, 1));
    guards.extend(observers(&d, sixteen, 16));
    d.collect_garbage();
    Fixture {
        d,
        one,
        other,
        sixteen,
        _guards: guards,
    }
}

/// What thread `t` dispatches in one case: on which dispatcher, which event.
type Plan<'a> = [(&'a Fixture, EventName); 2];

/// The loop thread `t` runs: `iters` dispatches of its event on its dispatcher.
fn dispatch_loop<'a>(plan: Plan<'a>, empty: &'a Payload) -> impl Fn(usize, u64) + Sync + 'a {
    move |t: usize, iters: u64| {
        let (f, name) = plan[t % 2];
        for _ in 0..iters {
            black_box(f.d.dispatch_event(black_box(name), black_box(empty)));
        }
    }
}

fn dispatch_threads(c: &mut Criterion) {
    let empty = Payload::new();
    // `a` is the shared dispatcher; `b` is the second thread's own one in the independent rows.
    let (a, b) = (fixture(""), fixture(".own"));
    let group = "cm_events/dispatch_threads";
    let id = |case: &str| format!("{group}/{case}");
    let mut g = c.benchmark_group(group);

    // Alone: one thread, and two threads that share nothing (each its own dispatcher): the
    // machine's own two-thread scaling for this very work.
    let alone: [(&str, usize, Plan<'_>); 4] = [
        ("1_thread_1_observers", 1, [(&a, a.one); 2]),
        ("1_thread_16_observers", 1, [(&a, a.sixteen); 2]),
        (
            "2_threads_independent_1_observers",
            2,
            [(&a, a.one), (&b, b.one)],
        ),
        (
            "2_threads_independent_16_observers",
            2,
            [(&a, a.sixteen), (&b, b.sixteen)],
        ),
    ];
    for (case, threads, plan) in alone {
        let work = dispatch_loop(plan, &empty);
        g.bench_function(case, |bench| {
            bench.iter_custom(|iters| run_on_threads(threads, iters, &work))
        });
    }

    // Sharing one dispatcher, each timed interleaved with the independent two-thread run of the
    // same shape: what sharing costs, with the machine's scaling divided out.
    let shared: [(&str, Plan<'_>, &str); 3] = [
        (
            "2_threads_same_event_1_observers",
            [(&a, a.one); 2],
            "2_threads_independent_1_observers",
        ),
        (
            "2_threads_different_events_1_observers",
            [(&a, a.one), (&a, a.other)],
            "2_threads_independent_1_observers",
        ),
        (
            "2_threads_same_event_16_observers",
            [(&a, a.sixteen); 2],
            "2_threads_independent_16_observers",
        ),
    ];
    for (case, plan, peer) in shared {
        let work = dispatch_loop(plan, &empty);
        let independent_plan = if case.ends_with("_16_observers") {
            [(&a, a.sixteen), (&b, b.sixteen)]
        } else {
            [(&a, a.one), (&b, b.one)]
        };
        let independent = dispatch_loop(independent_plan, &empty);
        // One round per sample: a round spawns its threads, which must stay negligible against
        // the sample; the order alternates between samples.
        let mut pair = Pair::new(id(case), id(peer)).rounds(1);
        g.bench_function(case, |bench| {
            pair.iter_custom(
                bench,
                |iters| run_on_threads(2, iters, &work),
                |iters| run_on_threads(2, iters, &independent),
            )
        });
    }
    g.finish();
}

type NaiveBus = RwLock<HashMap<String, Vec<Arc<dyn Fn(&Payload) + Send + Sync>>>>;

fn naive_peer(c: &mut Criterion) {
    let empty = Payload::new();
    let name = "bench.naive.threads:1_observers";
    let bus: NaiveBus = RwLock::new(HashMap::new());
    bus.write().unwrap_or_else(|p| p.into_inner()).insert(
        name.to_owned(),
        vec![Arc::new(|p: &Payload| {
            black_box(p);
        })],
    );
    let work = |_: usize, iters: u64| {
        for _ in 0..iters {
            let map = bus.read().unwrap_or_else(|p| p.into_inner());
            if let Some(callbacks) = map.get(black_box(name)) {
                for f in callbacks {
                    f(black_box(&empty));
                }
            }
        }
    };
    let mut g = c.benchmark_group("peer/naive_rwlock_bus");
    for (id, threads) in [("1_thread_1_observers", 1), ("2_threads_1_observers", 2)] {
        g.bench_function(id, |b| {
            b.iter_custom(|iters| run_on_threads(threads, iters, &work))
        });
    }
    g.finish();
}

fn config() -> Criterion {
    Criterion::default().without_plots().nresamples(10_000)
}

criterion_group! {
    name = benches;
    config = config();
    targets = dispatch_threads, naive_peer
}
criterion_main!(benches);
