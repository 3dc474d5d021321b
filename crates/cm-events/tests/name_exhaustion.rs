//! A full name table is an error on untrusted input, never a panic, and nothing interned before
//! stops working.
//!
//! This file is its own test binary on purpose: it fills the process-wide table for good
//! (`MAX_NAMES` names, a few hundred MB), which would break any test sharing the process.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use cm_events::{Dispatcher, EventName, Key, MAX_NAMES, NamesExhausted, Payload, PayloadError};
use serde_json::json;

#[test]
fn a_full_name_table_refuses_new_names_with_an_error_and_keeps_the_old_ones() {
    let d = Dispatcher::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let _guard = d.observe("counter", 0, "before.full", None, move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });

    // Fill the table. Some names were interned before this test started (the crate's own
    // lifecycle names, the observer above), so count until the first refusal.
    let mut filled = 0usize;
    let refused_at = loop {
        let name = format!("fill-{filled}");
        match Key::try_new(&name) {
            Ok(key) => assert_eq!(key.as_str(), name),
            Err(NamesExhausted) => break filled,
        }
        filled += 1;
        assert!(filled <= MAX_NAMES, "the table never filled up");
    };
    assert!(
        refused_at > MAX_NAMES - 1_000,
        "refused after {refused_at} names"
    );

    // New names are refused from every fallible entry point, and stay refused.
    assert_eq!(EventName::try_new("brand.new.event"), Err(NamesExhausted));
    assert_eq!(Key::try_new("brand new key"), Err(NamesExhausted));
    // Existing names are still found, by both constructors.
    assert_eq!(Key::try_new("fill-0").map(Key::as_str), Ok("fill-0"));
    assert_eq!(EventName::new("before.full").as_str(), "before.full");

    // Untrusted JSON: a new key at the top or nested anywhere is an error naming the key.
    for (value, key) in [
        (json!({"fill-0": 1, "untrusted top": 2}), "untrusted top"),
        (
            json!({"fill-0": {"untrusted nested": 1}}),
            "untrusted nested",
        ),
        (json!({"fill-0": [1, {"in an array": true}]}), "in an array"),
    ] {
        match Payload::from_json(&value) {
            Err(PayloadError::TooManyNames { key: got, source }) => {
                assert_eq!(got, key);
                assert_eq!(source, NamesExhausted);
            }
            other => panic!("{value}: expected TooManyNames, got {other:?}"),
        }
    }
    let message = Payload::from_json(&json!({"x".repeat(1000): 1}))
        .expect_err("a new key is refused")
        .to_string();
    assert!(
        message.contains("cannot be interned") && message.len() < 300,
        "the message names the key briefly: {message}"
    );

    // JSON made only of known keys still converts, and dispatch on old names still works.
    let payload = Payload::from_json(&json!({"fill-1": 1, "fill-2": {"fill-3": [true]}}))
        .expect("known keys convert");
    assert_eq!(payload.len(), 2);
    assert_eq!(d.dispatch("before.full", payload), 1);
    assert_eq!(calls.load(Ordering::Relaxed), 1);

    // The infallible constructor says why it panics.
    let panic = std::panic::catch_unwind(|| Key::new("one more")).expect_err("Key::new panics");
    let text = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .unwrap_or_default();
    assert!(text.contains("distinct event names"), "{text}");
}
