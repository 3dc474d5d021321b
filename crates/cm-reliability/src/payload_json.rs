//! Fuzz entry point for event payloads built from JSON (`serde_json::Value` →
//! `cm_events::Payload` → `Value`).
//!
//! The input bytes are parsed as JSON (text that is not JSON is no payload and is skipped;
//! `serde_json`'s nesting limit of 128 bounds the depth). Invariants:
//!
//! * conversion never panics;
//! * a JSON object converts to a payload with one entry per key, which converts back to the
//!   same `Value` (key order aside: `serde_json` maps are sorted), and re-converting gives an
//!   equal payload;
//! * any other JSON value is refused with an error naming what it found;
//! * a single `Variant` round-trips every JSON value the same way.
//!
//! The representable subset is all of JSON as `serde_json` parses it: integers become
//! `I64`/`U64`, other numbers `F64` (always finite after parsing), so nothing is lost.
//!
//! Payload keys are interned for the life of the process (`cm_events::Key`), at most
//! `cm_events::MAX_NAMES` (4 194 304); past that `Payload::from_json` returns `TooManyNames`
//! (proved by `cm-events/tests/name_exhaustion.rs`). A long fuzz run invents millions of keys,
//! and a full table would turn every later input into that one error, so the harness stops
//! converting inputs that bring new keys once it has seen [`KEY_BUDGET`] distinct ones; the
//! fuzz target also tells LeakSanitizer that the interner's allocations are meant to live
//! forever.

// A fuzz check reports a broken invariant by panicking (that is what libFuzzer records as a
// crash), so an `expect` here is the check itself, not an unhandled error.
#![allow(clippy::expect_used)]

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use cm_events::{Payload, Variant};
use serde_json::Value;

/// Distinct payload keys the harness lets one process intern (a quarter of the interner's
/// capacity, leaving room for everything else the process names).
pub const KEY_BUDGET: usize = 1 << 20;

static SEEN_KEYS: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// Checks every invariant above on `data` as JSON text; panics on a violation.
pub fn check(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    if !within_key_budget(&value) {
        return;
    }
    check_value(&value);
}

/// Records the object keys of `value`; false (and nothing recorded) when they would take
/// the process over [`KEY_BUDGET`] distinct keys.
fn within_key_budget(value: &Value) -> bool {
    let mut keys = Vec::new();
    collect_keys(value, &mut keys);
    let mut seen = SEEN_KEYS.lock().unwrap_or_else(PoisonError::into_inner);
    let seen = seen.get_or_insert_with(HashSet::new);
    let new: HashSet<&str> = keys.into_iter().filter(|k| !seen.contains(*k)).collect();
    if seen.len() + new.len() > KEY_BUDGET {
        return false;
    }
    seen.extend(new.into_iter().map(str::to_owned));
    true
}

fn collect_keys<'v>(value: &'v Value, keys: &mut Vec<&'v str>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| collect_keys(v, keys)),
        Value::Object(map) => {
            for (key, v) in map {
                keys.push(key);
                collect_keys(v, keys);
            }
        }
        _ => {}
    }
}

/// The invariants on one parsed JSON value (also used by the replay tests on built values).
pub fn check_value(value: &Value) {
    let variant = Variant::from_json(value);
    assert_eq!(
        &variant.to_json(),
        value,
        "Variant round trip changed the value"
    );
    match Payload::from_json(value) {
        Ok(payload) => {
            let Value::Object(map) = value else {
                panic!("a non-object converted to a payload: {value}");
            };
            assert_eq!(payload.len(), map.len(), "entry count differs");
            for (key, json) in map {
                let entry = payload
                    .get(key.as_str())
                    .unwrap_or_else(|| panic!("key {key:?} missing from the payload"));
                assert_eq!(&entry.to_json(), json, "value of {key:?} differs");
            }
            let back = payload.to_json();
            assert_eq!(&back, value, "Payload round trip changed the value");
            let again = Payload::from_json(&back).expect("an object converts");
            assert_eq!(again, payload, "re-converted payload differs");
            assert_eq!(Value::from(&payload), back);
        }
        Err(error) => {
            assert!(!value.is_object(), "an object was refused: {error}");
            assert!(!error.to_string().is_empty());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn objects_round_trip_and_others_are_refused() {
        super::check(br#"{"url": "omniverse://x/", "n": [1, -2, 2.5, 18446744073709551615, null, true, {"a": {}}]}"#);
        super::check(b"[1, 2]");
        super::check(b"not json");
        super::check(b"1e400");
    }
}
