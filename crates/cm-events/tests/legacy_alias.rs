//! Legacy event types, aliases both ways, and Events 1.0 streams.

use std::sync::{Arc, Mutex};

use cm_events::{
    AliasError, Dispatcher, EventStream, EventType, LegacySide, NoAliasError, Payload, RunLoop,
    type_from_string,
};

type Log = Arc<Mutex<Vec<String>>>;

fn recorder(
    log: &Log,
    tag: &'static str,
) -> impl Fn(&cm_events::Event<'_>) + Send + Sync + 'static {
    let log = log.clone();
    move |e| {
        log.lock().unwrap().push(format!(
            "{tag}: {} type={:?} text={}",
            e.name(),
            e.legacy_type().map(|t| t.0),
            e["text"].as_str().unwrap_or("-")
        ))
    }
}

#[test]
fn type_from_string_is_fnv1a_64() {
    assert_eq!(
        type_from_string("my.extension:Event"),
        type_from_string("my.extension:Event")
    );
    assert_eq!(type_from_string("foobar"), EventType(0x85944171f73967e8));
}

#[test]
fn alias_rules() {
    let d = Dispatcher::new();
    let t1 = type_from_string("a:1");
    let t2 = type_from_string("a:2");
    let alias = d.register_event_alias(t1, "a:one").unwrap();
    assert_eq!(alias.immediate.as_str(), "a:one:immediate");
    // The same pair again is reported (Kit returns False) and changes nothing.
    assert_eq!(
        d.register_event_alias(t1, "a:one"),
        Err(AliasError::AlreadyRegistered {
            event_type: t1,
            name: "a:one".into()
        })
    );
    assert_eq!(d.event_alias(t1), Some(alias));
    // A type has one alias (no chains)...
    assert!(matches!(
        d.register_event_alias(t1, "a:other"),
        Err(AliasError::TypeAlreadyAliased { .. })
    ));
    // ...but a name may be the target of several types (Carbonite: "as many aliases as
    // necessary").
    let second = d.register_event_alias(t2, "a:one").unwrap();
    assert_eq!(d.aliases_of_name("a:one"), [alias, second]);
    // Carbonite has no rule against a target ending in ":immediate".
    let t3 = type_from_string("a:3");
    let odd = d.register_event_alias(t3, "a:three:immediate").unwrap();
    assert_eq!(odd.immediate.as_str(), "a:three:immediate:immediate");
    assert_eq!(d.alias_of_name("a:one:immediate"), Some(alias));
    assert_eq!(d.unregister_event_alias(t1), Some(alias));
    assert_eq!(d.event_alias(t1), None);
    assert_eq!(d.aliases_of_name("a:one"), [second]);
    assert_eq!(d.alias_of_name("a:one:immediate"), Some(second));
}

#[test]
fn two_types_on_one_name_both_see_the_event() {
    let d = Dispatcher::new();
    let (t1, t2) = (type_from_string("shared:v1"), type_from_string("shared:v2"));
    d.register_event_alias(t1, "shared").unwrap();
    d.register_event_alias(t2, "shared").unwrap();
    let seen: Log = Arc::default();
    let stream = EventStream::new(&d);
    let mut subs = Vec::new();
    for (label, t) in [("v1", t1), ("v2", t2)] {
        let seen = seen.clone();
        subs.push(stream.subscribe_to_push(label, 0, Some(t), move |_| {
            seen.lock().unwrap().push(label.to_owned())
        }));
    }
    d.dispatch("shared:immediate", Payload::new());
    let mut got = seen.lock().unwrap().clone();
    got.sort();
    assert_eq!(got, ["v1", "v2"]);
}

#[test]
fn a_custom_push_event_name_replaces_the_immediate_suffix() {
    let d = Dispatcher::new();
    let t = type_from_string("custom:legacy");
    let alias = d
        .register_event_alias_with(t, "custom", "custom:now")
        .unwrap();
    let seen: Log = Arc::default();
    let s = seen.clone();
    let _g = d
        .observe_legacy("push", 0, t, LegacySide::Push, move |e| {
            s.lock().unwrap().push(e.name().as_str().to_owned())
        })
        .unwrap();
    d.dispatch("custom:now", Payload::new());
    d.dispatch("custom:immediate", Payload::new()); // not the alias's push name
    assert_eq!(*seen.lock().unwrap(), ["custom:now"]);
    assert_eq!(d.alias_of_name("custom:now"), Some(alias));
}

#[test]
fn legacy_pushes_reach_named_observers_and_named_dispatch_reaches_legacy_subscribers() {
    let d = Dispatcher::new();
    let t = type_from_string("my.extension:Event");
    d.register_event_alias(t, "my.extension:Event").unwrap();
    let log: Log = Arc::default();
    let stream = EventStream::new(&d);
    let _new_deferred = d.observe(
        "new",
        0,
        "my.extension:Event",
        None,
        recorder(&log, "new-deferred"),
    );
    let _new_immediate = d.observe(
        "new",
        0,
        "my.extension:Event:immediate",
        None,
        recorder(&log, "new-immediate"),
    );
    let _old_pop = stream.subscribe_to_pop("old", 1, Some(t), recorder(&log, "old-pop"));
    let _old_push = stream.subscribe_to_push("old", 1, Some(t), recorder(&log, "old-push"));

    stream.push(t, Payload::new().with("text", "legacy"));
    assert_eq!(stream.len(), 1);
    assert_eq!(stream.pump(), 1);
    d.dispatch("my.extension:Event", Payload::new().with("text", "by-name"));
    d.dispatch(
        "my.extension:Event:immediate",
        Payload::new().with("text", "by-name-imm"),
    );

    let t_hex = t.0;
    let got = log.lock().unwrap().clone();
    assert_eq!(
        got,
        [
            format!("new-immediate: my.extension:Event:immediate type=Some({t_hex}) text=legacy"),
            format!("old-push: my.extension:Event:immediate type=Some({t_hex}) text=legacy"),
            format!("new-deferred: my.extension:Event type=Some({t_hex}) text=legacy"),
            format!("old-pop: my.extension:Event type=Some({t_hex}) text=legacy"),
            "new-deferred: my.extension:Event type=None text=by-name".to_owned(),
            "old-pop: my.extension:Event type=None text=by-name".to_owned(),
            "new-immediate: my.extension:Event:immediate type=None text=by-name-imm".to_owned(),
            "old-push: my.extension:Event:immediate type=None text=by-name-imm".to_owned(),
        ]
    );
}

#[test]
fn stream_untyped_and_unaliased_subscriptions_pop_and_order() {
    let d = Dispatcher::new();
    let stream = EventStream::new(&d);
    let plain = type_from_string("no.alias:event");
    let other = type_from_string("no.alias:other");
    let log: Log = Arc::default();
    let _all = stream.subscribe_to_pop("all", 5, None, recorder(&log, "all"));
    let _typed = stream.subscribe_to_pop("typed", 0, Some(plain), recorder(&log, "typed"));
    stream.push(plain, Payload::new().with("text", "1"));
    stream.push(other, Payload::new().with("text", "2"));
    let first = stream.try_pop().unwrap();
    assert_eq!(first.event_type, plain);
    let second = stream.pop();
    assert_eq!(second.event_type, other);
    assert!(stream.try_pop().is_none());
    let got = log.lock().unwrap().clone();
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(
        got[0].starts_with("typed:") && got[1].starts_with("all:") && got[2].starts_with("all:")
    );
}

#[test]
fn message_bus_legacy_push_goes_through_queue_event() {
    let d = Dispatcher::new();
    let mut main = RunLoop::main(&d).unwrap();
    let t = type_from_string("bus:event");
    assert_eq!(
        main.push_legacy(t, Payload::new()).unwrap_err(),
        NoAliasError { event_type: t }.into()
    );
    d.register_event_alias(t, "bus:event").unwrap();
    let log: Log = Arc::default();
    let _pop = d
        .observe_legacy("pop", 0, t, LegacySide::Pop, recorder(&log, "pop"))
        .unwrap();
    let _push = d
        .observe_legacy("push", 0, t, LegacySide::Push, recorder(&log, "push"))
        .unwrap();
    main.push_legacy(t, Payload::new().with("text", "x"))
        .unwrap();
    assert_eq!(log.lock().unwrap().len(), 1);
    assert_eq!(main.update(0.016).unwrap(), 1);
    let got = log.lock().unwrap().clone();
    assert_eq!(
        got[0],
        format!("push: bus:event:immediate type=Some({}) text=x", t.0)
    );
    assert_eq!(got[1], format!("pop: bus:event type=Some({}) text=x", t.0));
    assert!(
        d.observe_legacy("x", 0, type_from_string("nope"), LegacySide::Pop, |_| {})
            .is_err()
    );
}
