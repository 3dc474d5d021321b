//! Recursion, changes during dispatch, panic isolation.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use cm_events::{Dispatcher, ObserverGuard, Payload};

#[test]
fn recursive_dispatch_works_and_is_not_counted_by_the_outer_call() {
    let d = Dispatcher::new();
    let inner_counts = Arc::new(Mutex::new(Vec::new()));
    let (d2, ic) = (d.clone(), inner_counts.clone());
    let _outer = d.observe("outer", 0, "outer", None, move |_| {
        ic.lock()
            .unwrap()
            .push(d2.dispatch("inner", Payload::new()));
    });
    let _i1 = d.observe("i1", 0, "inner", None, |_| {});
    let _i2 = d.observe("i2", 0, "inner", None, |_| {});
    let _o2 = d.observe("outer2", 1, "outer", None, |_| {});
    assert_eq!(d.dispatch("outer", Payload::new()), 2);
    assert_eq!(*inner_counts.lock().unwrap(), [2]);
}

#[test]
fn same_event_recursion_terminates_by_payload() {
    let d = Dispatcher::new();
    let depth = Arc::new(AtomicUsize::new(0));
    let (d2, dep) = (d.clone(), depth.clone());
    let _g = d.observe("r", 0, "rec", None, move |e| {
        let n = e["n"].as_i64().unwrap();
        dep.fetch_max(n as usize, Ordering::Relaxed);
        if n < 50 {
            d2.dispatch("rec", Payload::new().with("n", n + 1));
        }
    });
    assert_eq!(d.dispatch("rec", Payload::new().with("n", 0)), 1);
    assert_eq!(depth.load(Ordering::Relaxed), 50); // deeper than the itemised depth (32)
}

#[test]
fn observer_added_during_dispatch_is_not_called_for_it() {
    let d = Dispatcher::new();
    let added: Arc<Mutex<Vec<ObserverGuard>>> = Arc::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let (d2, a2, c2) = (d.clone(), added.clone(), calls.clone());
    let _g = d.observe("adder", 0, "ev", None, move |_| {
        let c3 = c2.clone();
        // Order lower than ours and higher: neither may run in this dispatch.
        a2.lock()
            .unwrap()
            .push(d2.observe("new-early", -10, "ev", None, move |_| {
                c3.fetch_add(1, Ordering::Relaxed);
            }));
        let c3 = c2.clone();
        a2.lock()
            .unwrap()
            .push(d2.observe("new-late", 10, "ev", None, move |_| {
                c3.fetch_add(1, Ordering::Relaxed);
            }));
    });
    assert_eq!(d.dispatch("ev", Payload::new()), 1);
    assert_eq!(calls.load(Ordering::Relaxed), 0);
    assert_eq!(d.dispatch("ev", Payload::new()), 3);
    assert_eq!(calls.load(Ordering::Relaxed), 2);
}

#[test]
fn observer_may_reset_itself_and_another_guard_during_dispatch() {
    let d = Dispatcher::new();
    let slot_self: Arc<Mutex<Option<ObserverGuard>>> = Arc::default();
    let slot_other: Arc<Mutex<Option<ObserverGuard>>> = Arc::default();
    let later_calls = Arc::new(AtomicUsize::new(0));
    let self_calls = Arc::new(AtomicUsize::new(0));
    let (ss, so, sc) = (slot_self.clone(), slot_other.clone(), self_calls.clone());
    *slot_self.lock().unwrap() = Some(d.observe("self-resetting", 0, "ev", None, move |_| {
        sc.fetch_add(1, Ordering::Relaxed);
        // Reset ourselves (must not deadlock) and a later observer (must not run now).
        if let Some(g) = ss.lock().unwrap().take() {
            g.reset();
        }
        if let Some(g) = so.lock().unwrap().take() {
            g.reset();
        }
    }));
    let lc = later_calls.clone();
    *slot_other.lock().unwrap() = Some(d.observe("later", 1, "ev", None, move |_| {
        lc.fetch_add(1, Ordering::Relaxed);
    }));
    assert_eq!(d.dispatch("ev", Payload::new()), 1);
    assert_eq!(d.dispatch("ev", Payload::new()), 0);
    assert_eq!(self_calls.load(Ordering::Relaxed), 1);
    assert_eq!(later_calls.load(Ordering::Relaxed), 0);
}

/// Collects formatted tracing output.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn panicking_observer_is_logged_by_name_and_others_still_run() {
    let d = Dispatcher::new();
    let ran = Arc::new(Mutex::new(Vec::new()));
    let r1 = ran.clone();
    let _a = d.observe("before", 0, "ev", None, move |_| {
        r1.lock().unwrap().push("before")
    });
    let _p = d.observe("the-panicker", 1, "ev", None, |_| {
        panic!("boom in observer")
    });
    let r2 = ran.clone();
    let _b = d.observe("after", 2, "ev", None, move |_| {
        r2.lock().unwrap().push("after")
    });

    let out = Captured::default();
    let writer = out.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let called = tracing::subscriber::with_default(subscriber, || d.dispatch("ev", Payload::new()));

    assert_eq!(called, 3);
    assert_eq!(*ran.lock().unwrap(), ["before", "after"]);
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("the-panicker"), "log: {text}");
    assert!(text.contains("boom in observer"), "log: {text}");
    // The dispatcher is not poisoned.
    ran.lock().unwrap().clear();
    assert_eq!(d.dispatch("ev", Payload::new()), 3);
}
