//! Message queues, the factory, and queue_event.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cm_events::{Dispatcher, EventName, MessageQueue, Payload, QueueError, QueueFactory, RunLoop};

#[test]
fn only_the_owner_pops_an_owned_queue() {
    let q = Arc::new(MessageQueue::owned_by_current_thread("owned"));
    q.push(EventName::new("q:a"), Payload::new()).unwrap();
    let q2 = q.clone();
    let err = std::thread::spawn(move || {
        // Any thread may push, but not pop or peek.
        q2.push(EventName::new("q:b"), Payload::new()).unwrap();
        (
            q2.try_pop().unwrap_err(),
            q2.peek(|m| m.name).unwrap_err(),
            q2.pop().unwrap_err(),
        )
    })
    .join()
    .unwrap();
    assert!(matches!(err.0, QueueError::NotOwner { .. }), "{:?}", err.0);
    assert!(matches!(err.1, QueueError::NotOwner { .. }));
    assert!(matches!(err.2, QueueError::NotOwner { .. }));
    assert!(err.0.to_string().contains("\"owned\""));
    assert_eq!(q.peek(|m| m.name.as_str()).unwrap(), Some("q:a"));
    assert_eq!(q.len(), 2);
    assert_eq!(q.try_pop().unwrap().unwrap().name, "q:a");
    assert_eq!(q.pop().unwrap().name, "q:b");
}

#[test]
fn unowned_queue_pops_anywhere_and_pop_blocks_until_push() {
    let q = Arc::new(MessageQueue::new("free", None));
    let q2 = q.clone();
    let popper = std::thread::spawn(move || q2.pop().map(|m| m.payload["n"].as_i64()));
    std::thread::sleep(Duration::from_millis(20));
    q.push(EventName::new("q:x"), Payload::new().with("n", 7))
        .unwrap();
    assert_eq!(popper.join().unwrap().unwrap(), Some(7));
}

#[test]
fn stop_releases_blocked_pops_and_rejects_pushes() {
    let q = Arc::new(MessageQueue::new("stoppable", None));
    let q2 = q.clone();
    let popper = std::thread::spawn(move || q2.pop());
    std::thread::sleep(Duration::from_millis(20));
    q.stop();
    assert!(matches!(
        popper.join().unwrap(),
        Err(QueueError::Stopped { .. })
    ));
    assert!(matches!(
        q.push(EventName::new("q:x"), Payload::new()),
        Err(QueueError::Stopped { .. })
    ));
}

#[test]
fn push_and_wait_returns_after_processing_and_refuses_the_owner() {
    let d = Dispatcher::new();
    let mut rl = RunLoop::new(&d, "waiter").unwrap();
    let q = rl.message_queue().clone();
    assert!(matches!(
        q.push_and_wait(EventName::new("w:e"), Payload::new()),
        Err(QueueError::WouldDeadlock { .. })
    ));
    let seen = Arc::new(AtomicUsize::new(0));
    let s = seen.clone();
    let _g = d.observe("w", 0, "w:e", None, move |_| {
        s.fetch_add(1, Ordering::SeqCst);
    });
    let q2 = q.clone();
    let s2 = seen.clone();
    let pusher = std::thread::spawn(move || {
        q2.push_and_wait(EventName::new("w:e"), Payload::new())
            .unwrap();
        s2.load(Ordering::SeqCst) // the observer ran before push_and_wait returned
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while q.is_empty() {
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(1));
    }
    rl.update(0.01).unwrap();
    assert_eq!(pusher.join().unwrap(), 1);
}

#[test]
fn factory_creates_or_gets_by_name() {
    let d = Dispatcher::new();
    let f = d.queues();
    let (a, created) = f.create_or_get("custom", None);
    assert!(created);
    let (b, created) = f.create_or_get("custom", None);
    assert!(!created);
    assert!(Arc::ptr_eq(&a, &b));
    // Carbonite: an existing queue comes back as it is; the params are ignored.
    let (c, created) = f.create_or_get("custom", Some(std::thread::current().id()));
    assert!(!created && Arc::ptr_eq(&a, &c) && c.owner().is_none());
    // A run loop is stricter: it must own the bus it pumps.
    f.create_or_get("runloop:taken:messageBus", None);
    assert!(matches!(
        RunLoop::new(&d, "taken"),
        Err(QueueError::OwnerMismatch { .. })
    ));
    let rl = RunLoop::new(&d, "anim").unwrap();
    let _main = RunLoop::main(&d).unwrap();
    assert_eq!(
        f.names(),
        [
            "custom",
            "messageBus",
            "runloop:anim:messageBus",
            "runloop:taken:messageBus"
        ]
    );
    assert!(Arc::ptr_eq(
        &f.get("runloop:anim:messageBus").unwrap(),
        rl.message_queue()
    ));
    drop(rl);
    assert!(f.get("runloop:anim:messageBus").is_none());
    assert!(f.remove("custom").unwrap().is_stopped());
}

#[test]
fn queue_event_dispatches_immediate_then_fails_when_queue_is_missing() {
    let d = Dispatcher::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    let _imm = d.observe("imm", 0, "qe:event:immediate", None, move |e| {
        l.lock()
            .unwrap()
            .push(e["text"].as_str().unwrap().to_owned());
    });
    let err = d
        .queue_event("qe:event", Payload::new().with("text", "hello world"), None)
        .unwrap_err();
    assert_eq!(
        err,
        QueueError::NotFound {
            name: "messageBus".into()
        }
    );
    let err = d
        .queue_event(
            "qe:event",
            Payload::new().with("text", "again"),
            Some("nope"),
        )
        .unwrap_err();
    assert_eq!(
        err,
        QueueError::NotFound {
            name: "runloop:nope:messageBus".into()
        }
    );
    // The immediate dispatch happened both times, before the error.
    assert_eq!(*log.lock().unwrap(), ["hello world", "again"]);
}

#[test]
fn queue_event_delivers_deferred_on_the_named_loop_only() {
    let d = Dispatcher::new();
    let mut main = RunLoop::main(&d).unwrap();
    let mut anim = RunLoop::new(&d, "animation").unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let _g = d.observe("deferred", 0, "qe:named", None, move |_| {
        c.fetch_add(1, Ordering::SeqCst);
    });
    d.queue_event("qe:named", Payload::new(), Some("animation"))
        .unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 0);
    assert_eq!(main.update(0.01).unwrap(), 0);
    assert_eq!(anim.update(0.01).unwrap(), 1);
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[test]
fn events_queued_during_a_pump_wait_for_the_next_one() {
    let d = Dispatcher::new();
    let mut main = RunLoop::main(&d).unwrap();
    let d2 = d.clone();
    let _g = d.observe("requeue", 0, "qe:again", None, move |_| {
        d2.queue_event("qe:again", Payload::new(), None).unwrap();
    });
    d.queue_event("qe:again", Payload::new(), None).unwrap();
    assert_eq!(main.update(0.01).unwrap(), 1);
    assert_eq!(main.update(0.01).unwrap(), 1);
}

#[test]
fn queue_aliases_resolve_to_their_target_and_refuse_chains() {
    let f = QueueFactory::default();
    let (bus, _) = f.create_or_get("target", None);
    f.add_alias("alias", "target").unwrap();
    assert!(Arc::ptr_eq(&f.get("alias").unwrap(), &bus));
    let (via_alias, created) = f.create_or_get("alias", None);
    assert!(!created && Arc::ptr_eq(&via_alias, &bus));
    for (alias, target) in [
        ("alias", "target"),    // already registered
        ("alias", "elsewhere"), // names another queue
        ("second", "alias"),    // target is an alias
        ("target", "x"),        // a queue of that name exists, and it has aliases
        ("same", "same"),
    ] {
        assert!(
            matches!(f.add_alias(alias, target), Err(QueueError::BadAlias { .. })),
            "{alias} -> {target}"
        );
    }
    // Several aliases for one target are fine.
    f.add_alias("alias2", "target").unwrap();
    assert!(Arc::ptr_eq(&f.get("alias2").unwrap(), &bus));
    assert!(f.remove_alias("alias"));
    assert!(!f.remove_alias("alias"));
    assert!(f.get("alias").is_none());
}

#[test]
fn await_message_blocks_until_a_push_without_popping() {
    let q = Arc::new(MessageQueue::owned_by_current_thread("await"));
    assert!(!q.await_message_for(Duration::from_millis(5)).unwrap());
    assert_eq!(q.pop_timeout(Duration::from_millis(5)).unwrap(), None);
    let pusher = {
        let q = q.clone();
        std::thread::spawn(move || q.push(EventName::new("await:ev"), Payload::new().with("n", 1)))
    };
    q.await_message().unwrap();
    assert_eq!(q.len(), 1, "await does not pop");
    pusher.join().unwrap().unwrap();
    assert!(
        q.await_message_until(Instant::now()).unwrap(),
        "a waiting message answers at once"
    );
    let m = q.pop_timeout(Duration::from_secs(30)).unwrap().unwrap();
    assert_eq!(m.payload["n"].as_i64(), Some(1));
    // Other threads may not await an owned queue; stop releases a waiter.
    let q2 = q.clone();
    let other = std::thread::spawn(move || q2.await_message().unwrap_err());
    assert!(matches!(other.join().unwrap(), QueueError::NotOwner { .. }));
    let stopper = {
        let q = q.clone();
        std::thread::spawn(move || q.stop())
    };
    assert!(matches!(q.await_message(), Err(QueueError::Stopped { .. })));
    stopper.join().unwrap();
}

#[test]
fn unbounded_timeouts_wait_untimed_instead_of_overflowing() {
    // `Instant::now() + Duration::MAX` overflows (a panic); such a timeout means "no deadline".
    let q = Arc::new(MessageQueue::owned_by_current_thread("await:max"));
    let pusher = {
        let q = q.clone();
        std::thread::spawn(move || q.push(EventName::new("await:max"), Payload::new().with("n", 2)))
    };
    assert!(q.await_message_for(Duration::MAX).unwrap());
    pusher.join().unwrap().unwrap();
    let m = q.pop_timeout(Duration::MAX).unwrap().unwrap();
    assert_eq!(m.payload["n"].as_i64(), Some(2));
    // Stopped and empty answers at once, even with no deadline.
    q.stop();
    assert!(matches!(
        q.pop_timeout(Duration::MAX),
        Err(QueueError::Stopped { .. })
    ));
    assert!(matches!(
        q.await_message_for(Duration::MAX),
        Err(QueueError::Stopped { .. })
    ));
}
