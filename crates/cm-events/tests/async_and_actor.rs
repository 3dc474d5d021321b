//! The async `next_event` future and the actix EventBus actor.

use std::time::Duration;

use cm_events::{Dispatcher, EventName, Payload};

#[tokio::test]
async fn next_event_resolves_on_a_matching_dispatch_from_another_thread() {
    let d = Dispatcher::new();
    let next = d.next_event("async:done", Some(Payload::new().with("id", 2)));
    let d2 = d.clone();
    std::thread::spawn(move || {
        d2.dispatch("async:done", Payload::new().with("id", 1));
        d2.dispatch(
            "async:done",
            Payload::new().with("id", 2).with("url", "omniverse://x/"),
        );
    });
    let event = tokio::time::timeout(Duration::from_secs(30), next)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event.payload["url"].as_str(), Some("omniverse://x/"));
    assert_eq!(
        event.to_json(),
        serde_json::json!({"event": "async:done", "payload": {"id": 2, "url": "omniverse://x/"}})
    );
}

#[tokio::test]
async fn dropping_next_event_unregisters_and_remove_all_resolves_none() {
    let d = Dispatcher::new();
    drop(d.next_event("async:dropped", None));
    assert!(!d.has_observers("async:dropped", None));
    let next = d.next_event("async:removed", None);
    d.remove_all_observers_for("async:removed");
    assert_eq!(next.await, None);
}

#[test]
fn a_resolved_next_event_stops_observing_before_it_is_dropped() {
    let d = Dispatcher::new();
    let mut next = std::pin::pin!(d.next_event("async:once", None));
    assert_eq!(d.dispatch("async:once", Payload::new()), 1);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let polled = std::future::Future::poll(next.as_mut(), &mut cx);
    assert!(matches!(polled, std::task::Poll::Ready(Some(_))));
    // The future still exists, but its event has come: nothing observes any more.
    assert!(!d.has_any_observers("async:once"));
    assert_eq!(d.dispatch("async:once", Payload::new()), 0);
}

#[cfg(feature = "actix")]
mod actor {
    use std::sync::mpsc;

    use actix::prelude::*;
    use cm_events::actor::{
        CreateRunLoop, DispatchEvent, EventBus, EventNotice, Observe, Pump, QueueEvent,
        StartTicking, StopTicking, Tick,
    };
    use cm_events::{Dispatcher, EventName, Key, Payload, QueueError};

    use super::*;

    struct Sink(mpsc::Sender<EventNotice>);
    impl Actor for Sink {
        type Context = Context<Self>;
    }
    impl Handler<EventNotice> for Sink {
        type Result = ();
        fn handle(&mut self, n: EventNotice, _: &mut Context<Self>) {
            let _ = self.0.send(n);
        }
    }

    #[test]
    fn ticking_with_an_unbounded_interval_neither_panics_nor_ticks() {
        // `Duration::MAX` overflows `Instant + Duration`; tokio's timer clamps it to "far
        // future" (about 30 years), so the ticker is armed and never fires in the test.
        let d = Dispatcher::new();
        let d2 = d.clone();
        let sys = System::new();
        let (started, pumped) = sys.block_on(async move {
            let bus = EventBus::new(d2).start();
            let started = bus
                .send(StartTicking {
                    runloop: None,
                    interval: Duration::MAX,
                })
                .await
                .unwrap();
            // The actor still answers after arming it.
            let pumped = bus.send(Pump { runloop: None }).await.unwrap();
            bus.send(StopTicking { runloop: None }).await.unwrap();
            (started, pumped)
        });
        assert!(started.is_ok());
        assert_eq!(pumped.unwrap(), 0);
    }

    #[test]
    fn event_bus_dispatches_queues_pumps_and_ticks() {
        let (tx, rx) = mpsc::channel();
        let d = Dispatcher::new();
        let d2 = d.clone();
        let sys = System::new();
        let (guard, counts) = sys.block_on(async move {
            let bus = EventBus::new(d2.clone()).start();
            let sink = Sink(tx).start();
            let name = EventName::new("bus:event");
            let guard = bus
                .send(Observe::new(Key::new("sink"), name, sink.recipient()))
                .await
                .unwrap();
            let direct = bus
                .send(DispatchEvent {
                    name,
                    payload: Payload::new().with("n", 0),
                })
                .await
                .unwrap();
            bus.send(QueueEvent {
                name,
                payload: Payload::new().with("n", 1),
                runloop: None,
            })
            .await
            .unwrap()
            .unwrap();
            let pumped = bus.send(Pump { runloop: None }).await.unwrap().unwrap();
            let missing = bus
                .send(Tick {
                    runloop: Some("nope".into()),
                    dt: None,
                })
                .await
                .unwrap();
            bus.send(CreateRunLoop {
                name: "anim".into(),
            })
            .await
            .unwrap()
            .unwrap();
            bus.send(QueueEvent {
                name,
                payload: Payload::new().with("n", 2),
                runloop: Some("anim".into()),
            })
            .await
            .unwrap()
            .unwrap();
            bus.send(StartTicking {
                runloop: Some("anim".into()),
                interval: Duration::from_millis(5),
            })
            .await
            .unwrap()
            .unwrap();
            // The interval delivers the queued event; wait for it (generous deadline).
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            while !d2
                .queues()
                .get("runloop:anim:messageBus")
                .unwrap()
                .is_empty()
            {
                assert!(std::time::Instant::now() < deadline, "ticker never pumped");
                actix_rt::time::sleep(Duration::from_millis(5)).await;
            }
            bus.send(StopTicking {
                runloop: Some("anim".into()),
            })
            .await
            .unwrap();
            (guard, (direct, pumped, missing))
        });
        assert_eq!(counts.0, 1);
        assert_eq!(counts.1, 1);
        assert!(matches!(counts.2, Err(QueueError::NotFound { .. })));
        let got: Vec<i64> = (0..3)
            .map(|_| {
                rx.recv_timeout(Duration::from_secs(30))
                    .unwrap()
                    .event
                    .payload["n"]
                    .as_i64()
                    .unwrap()
            })
            .collect();
        assert_eq!(got, [0, 1, 2]);
        assert!(guard.is_active());
        drop(guard);
        assert!(!d.has_observers("bus:event", None));
    }
}

#[test]
fn payload_json_round_trip_keeps_types_and_nesting() {
    let p = Payload::new()
        .with("url", "omniverse://x/")
        .with("count", 3u32)
        .with("ratio", 0.5)
        .with("ok", true)
        .with("name", EventName::new("interned"))
        .with("list", vec![1i64.into(), "a".into()])
        .with("map", Payload::new().with("inner", -1));
    let json = p.to_json();
    assert_eq!(
        json,
        serde_json::json!({"url": "omniverse://x/", "count": 3, "ratio": 0.5, "ok": true,
            "name": "interned", "list": [1, "a"], "map": {"inner": -1}})
    );
    let back = Payload::from_json(&json).unwrap();
    assert_eq!(back, p);
    assert_eq!(back["map"].as_map().unwrap()["inner"].as_i64(), Some(-1));
    assert!(Payload::try_from(serde_json::json!("str")).is_err());
}
