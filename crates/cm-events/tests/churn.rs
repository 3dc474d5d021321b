//! Observer churn: the in-place list changes (append, tombstones, compaction, in-place flags)
//! keep every dispatch rule, checked against a plain model over random operation sequences, and
//! a reset observer's closure is dropped when its reset returns.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use cm_events::{Dispatcher, ObserveOptions, ObserverGuard, Payload};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Observe { order: i64, filtered: bool },
    Reset(usize),
    Enable(usize, bool),
    IgnoreConsume(usize, bool),
    Reorder(usize, i64),
    Dispatch { matching: bool, consume_first: bool },
}

fn op() -> impl Strategy<Value = Op> {
    op_with_orders(-2..3)
}

/// [`op`] with the orders drawn from `orders` (a wide range makes most observers sort before the
/// list's last entry).
fn op_with_orders(orders: std::ops::Range<i64>) -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (orders.clone(), any::<bool>()).prop_map(|(order, filtered)| Op::Observe { order, filtered }),
        3 => any::<usize>().prop_map(Op::Reset),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(i, e)| Op::Enable(i, e)),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(i, e)| Op::IgnoreConsume(i, e)),
        1 => (any::<usize>(), orders).prop_map(|(i, o)| Op::Reorder(i, o)),
        2 => (any::<bool>(), any::<bool>()).prop_map(|(matching, consume_first)| Op::Dispatch { matching, consume_first }),
    ]
}

/// The model of one observer.
struct Model {
    id: usize,
    order: i64,
    seq: usize,
    filtered: bool,
    enabled: bool,
    ignore_consume: bool,
    live: bool,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn churned_lists_dispatch_like_the_model(ops in proptest::collection::vec(op(), 1..120)) {
        check_against_model(ops)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Past 64 observers an out-of-order observe or a `set_order` makes the list segmented
    /// (src/dispatcher/segments.rs): a few hundred observers at scattered orders, then the same
    /// operations (resets bring some lists back to flat).
    #[test]
    fn segmented_lists_dispatch_like_the_model(
        initial in proptest::collection::vec((-40i64..40, any::<bool>()), 65..260),
        ops in proptest::collection::vec(op_with_orders(-45..45), 1..160),
    ) {
        let observes = initial.into_iter().map(|(order, filtered)| Op::Observe { order, filtered });
        check_against_model(observes.chain(ops).collect())?;
    }

    /// Past 64 observers registered in order (a list that only grows stays flat), observe +
    /// reset churn fills it with tombstones until a rebuild makes it segmented
    /// (src/dispatcher/segments.rs, `rebuild`): the same operations, every observe sorting last.
    #[test]
    fn churned_in_order_lists_dispatch_like_the_model(
        n in 65usize..300,
        ops in proptest::collection::vec(op_with_orders(0..1), 1..400),
    ) {
        let observes = (0..n).map(|_| Op::Observe { order: 0, filtered: false });
        check_against_model(observes.chain(ops).collect())?;
    }

    /// Observers registered in decreasing order (each sorts first), then reset from the front,
    /// the back and the middle.
    #[test]
    fn decreasing_registrations_and_resets_dispatch_like_the_model(
        n in 65usize..400,
        resets in proptest::collection::vec(any::<usize>(), 0..400),
    ) {
        let mut ops: Vec<Op> = (0..n)
            .map(|i| Op::Observe { order: -(i as i64), filtered: false })
            .collect();
        ops.push(Op::Dispatch { matching: false, consume_first: false });
        for r in resets {
            ops.push(Op::Reset(r));
            if r % 16 == 0 {
                ops.push(Op::Dispatch { matching: false, consume_first: false });
            }
        }
        ops.push(Op::Dispatch { matching: true, consume_first: false });
        check_against_model(ops)?;
    }
}

/// Runs `ops` on a dispatcher and on a plain model; every dispatch calls exactly the observers
/// the model says, in its order, and every step the observer count agrees.
fn check_against_model(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let d = Dispatcher::new();
    let calls: Arc<Mutex<Vec<usize>>> = Arc::default();
    let consume_first = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut guards: Vec<ObserverGuard> = Vec::new();
    let mut model: Vec<Model> = Vec::new();
    let filter = Payload::new().with("k", 1);
    for op in ops {
        match op {
            Op::Observe { order, filtered } => {
                let id = guards.len();
                let (c, cf) = (calls.clone(), consume_first.clone());
                guards.push(d.observe_with(
                    "m",
                    "churn:ev",
                    ObserveOptions {
                        order,
                        filter: filtered.then(|| filter.clone()),
                        ..ObserveOptions::default()
                    },
                    move |e| {
                        let mut c = c.lock().unwrap();
                        if c.is_empty() && cf.load(Ordering::Relaxed) {
                            e.consume();
                        }
                        c.push(id);
                    },
                ));
                model.push(Model {
                    id,
                    order,
                    seq: id,
                    filtered,
                    enabled: true,
                    ignore_consume: false,
                    live: true,
                });
            }
            Op::Reset(i) if !guards.is_empty() => {
                let i = i % guards.len();
                guards[i].reset();
                model[i].live = false;
            }
            Op::Enable(i, e) if !guards.is_empty() => {
                let i = i % guards.len();
                guards[i].set_enabled(e);
                model[i].enabled = e;
            }
            Op::IgnoreConsume(i, e) if !guards.is_empty() => {
                let i = i % guards.len();
                guards[i].set_ignore_consume(e);
                model[i].ignore_consume = e;
            }
            Op::Reorder(i, o) if !guards.is_empty() => {
                let i = i % guards.len();
                if model[i].live {
                    guards[i].set_order(o);
                    model[i].order = o;
                }
            }
            Op::Dispatch {
                matching,
                consume_first: cf,
            } => {
                consume_first.store(cf, Ordering::Relaxed);
                calls.lock().unwrap().clear();
                let payload = if matching {
                    filter.clone()
                } else {
                    Payload::new()
                };
                let called = d.dispatch("churn:ev", &payload);
                let mut order: Vec<&Model> = model
                    .iter()
                    .filter(|m| m.live && m.enabled && (matching || !m.filtered))
                    .collect();
                order.sort_by_key(|m| (m.order, m.seq));
                let mut expected = Vec::new();
                for m in order {
                    if cf && !expected.is_empty() && !m.ignore_consume {
                        continue;
                    }
                    expected.push(m.id);
                }
                prop_assert_eq!(&*calls.lock().unwrap(), &expected);
                prop_assert_eq!(called, expected.len());
                let would = model
                    .iter()
                    .any(|m| m.live && m.enabled && (matching || !m.filtered));
                prop_assert_eq!(d.has_observers("churn:ev", Some(&payload)), would);
            }
            _ => {}
        }
        let mut live: Vec<&Model> = model.iter().filter(|m| m.live).collect();
        live.sort_by_key(|m| (m.order, m.seq));
        let orders: Vec<i64> = d
            .get_observers("churn:ev")
            .iter()
            .map(|o| o.order)
            .collect();
        prop_assert_eq!(orders, live.iter().map(|m| m.order).collect::<Vec<_>>());
    }
    Ok(())
}

/// Counts its drops, to see when a closure is released.
struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn reset_drops_the_closure_before_returning_even_with_a_tombstone_left() {
    let d = Dispatcher::new();
    let drops = Arc::new(AtomicUsize::new(0));
    let _stays: Vec<ObserverGuard> = (0..8)
        .map(|_| d.observe("stay", 0, "drop:ev", None, |_| {}))
        .collect();
    let counter = DropCounter(drops.clone());
    let guard = d.observe("goes", 0, "drop:ev", None, move |_| {
        let _ = &counter;
    });
    assert_eq!(d.dispatch("drop:ev", Payload::new()), 9);
    guard.reset();
    // The entry is only a tombstone (8 live, 1 dead: no compaction), yet the closure is gone.
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert_eq!(d.dispatch("drop:ev", Payload::new()), 8);
    drop(guard);
    assert_eq!(drops.load(Ordering::SeqCst), 1, "dropped once");
}

#[test]
fn an_observer_resetting_itself_keeps_its_closure_until_it_returns() {
    let d = Dispatcher::new();
    let drops = Arc::new(AtomicUsize::new(0));
    let slot: Arc<Mutex<Option<ObserverGuard>>> = Arc::default();
    let counter = DropCounter(drops.clone());
    let (s, seen) = (slot.clone(), drops.clone());
    let guard = d.observe("self", 0, "self:ev", None, move |_| {
        let _ = &counter;
        if let Some(g) = s.lock().unwrap().as_ref() {
            g.reset();
        }
        // Still alive: we are running inside it.
        assert_eq!(seen.load(Ordering::SeqCst), 0);
    });
    *slot.lock().unwrap() = Some(guard);
    assert_eq!(d.dispatch("self:ev", Payload::new()), 1);
    assert_eq!(d.dispatch("self:ev", Payload::new()), 0);
    // Freed with the guard (its last owner besides the list) or the list.
    slot.lock().unwrap().take();
    d.remove_all_observers_for("self:ev");
    d.collect_garbage();
    d.collect_garbage();
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn many_observers_come_and_go_and_lists_stay_small() {
    let d = Dispatcher::new();
    let hits = Arc::new(AtomicUsize::new(0));
    let mut guards = Vec::new();
    for round in 0..5 {
        for _ in 0..2_000 {
            let h = hits.clone();
            guards.push(d.observe("many", 0, "many:ev", None, move |_| {
                h.fetch_add(1, Ordering::Relaxed);
            }));
        }
        // Drop every other one, then the newest half.
        let mut i = 0;
        guards.retain(|_| {
            i += 1;
            i % 2 == 0
        });
        guards.truncate(guards.len() / 2);
        hits.store(0, Ordering::Relaxed);
        assert_eq!(
            d.dispatch("many:ev", Payload::new()),
            guards.len(),
            "round {round}"
        );
        assert_eq!(hits.load(Ordering::Relaxed), guards.len());
    }
    guards.clear();
    assert_eq!(d.dispatch("many:ev", Payload::new()), 0);
    assert!(!d.has_any_observers("many:ev"));
    d.collect_garbage();
    d.collect_garbage();
    assert_eq!(d.pending_garbage(), 0);
}

/// Found by the attack on issue 21's changes (a defect older than them): two threads inside one
/// observer's callback, both resetting that observer, each waited for the other to leave the
/// callback, forever. Simply not waiting when the reset comes from inside the callback is wrong:
/// that wait also keeps a thread that has published "calling X" but not yet checked X's flags
/// from starting a call after the reset returned (`tests/soak.rs` counted 4 late calls in 2 s).
/// Now a reset skips only threads that are themselves resetting X from inside it
/// (`ThreadRecord::resetting`).
#[test]
fn two_threads_inside_one_observer_may_both_reset_it() {
    use std::sync::{Barrier, OnceLock};
    use std::time::{Duration, Instant};
    let d = Dispatcher::new();
    let slot: Arc<OnceLock<ObserverGuard>> = Arc::default();
    let inside = Arc::new(Barrier::new(2));
    let guard = {
        let (slot, inside) = (slot.clone(), inside.clone());
        d.observe("self_reset", 0, "self_reset:ev", None, move |_| {
            inside.wait(); // both threads are inside the callback
            if let Some(guard) = slot.get() {
                guard.reset();
            }
        })
    };
    assert!(slot.set(guard).is_ok());
    let done = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (d, done) = (d.clone(), done.clone());
            std::thread::spawn(move || {
                d.dispatch("self_reset:ev", Payload::new());
                done.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    while done.load(Ordering::SeqCst) < 2 {
        assert!(
            Instant::now() < deadline,
            "the two self-resetting dispatches did not return (deadlock)"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(d.dispatch("self_reset:ev", Payload::new()), 0);
}
