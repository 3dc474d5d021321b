//! observe / dispatch / queue_event / run loop in twenty lines.
//! `cargo run -p cm-events --example quickstart`
use cm_events::{Payload, RunLoop, dispatcher, queue_event};

fn main() {
    let d = dispatcher(); // the global dispatcher
    let mut main_loop = RunLoop::main(d).expect("creates the messageBus queue");

    let _loaded = d.observe("ui", 0, "asset:loaded", None, |e| {
        println!("loaded {}", e["url"].as_str().unwrap_or("?"));
    });
    let _early = d.observe("ui", 0, "asset:loaded:immediate", None, |e| {
        println!("queued {}", e["url"].as_str().unwrap_or("?"));
    });
    let _frame = d.observe("frame", 0, "postUpdate", None, |e| {
        println!(
            "frame {} dt={:.4}",
            e["SWHFrameNumber"].as_i64().unwrap_or(-1),
            e["dt"].as_f64().unwrap_or(0.0)
        );
    });

    let now = Payload::new().with("url", "omniverse://a/scene.usd");
    assert_eq!(d.dispatch("asset:loaded", now), 1); // synchronous, returns observers called
    queue_event(
        "asset:loaded",
        Payload::new().with("url", "omniverse://b/"),
        None,
    )
    .unwrap();
    main_loop.update(1.0 / 60.0).unwrap(); // preUpdate, update, postUpdate, then queued events
}
