//! [`Payload`]: the named parameters of an event (the `NamedVariant` list counterpart).
//!
//! Entries are `(Key, Variant)` pairs kept in insertion order in a small vector: up to four live
//! inline (no allocation beyond the values themselves), which covers almost every kernel event.
//! Reading by key is a short linear scan comparing interned pointers (or, for `&str` keys, lengths
//! then bytes; no hashing).
//!
//! ```
//! use cm_events::Payload;
//! let p = Payload::new().with("url", "omniverse://x/").with("count", 3);
//! assert_eq!(p["url"].as_str(), Some("omniverse://x/"));
//! assert_eq!(p.get("count").and_then(|v| v.as_i64()), Some(3));
//! assert!(p["missing"].is_null());
//! assert_eq!(p.to_json(), serde_json::json!({"url": "omniverse://x/", "count": 3}));
//! ```

use std::ops::Index;

use serde_json::{Map, Value};
use smallvec::SmallVec;

use crate::error::PayloadError;
use crate::name::Key;
use crate::variant::Variant;

/// Entries stored inline before the payload spills to the heap.
pub const INLINE_ENTRIES: usize = 4;

static NULL: Variant = Variant::Null;

/// Named event parameters.
#[derive(Clone, Default)]
pub struct Payload {
    entries: SmallVec<[(Key, Variant); INLINE_ENTRIES]>,
}

/// Something that can name a payload key: a [`Key`] (pointer compare) or a string (text compare).
pub trait KeyLike {
    /// True when `key` is this key.
    fn is_key(&self, key: Key) -> bool;
}

impl KeyLike for Key {
    #[inline]
    fn is_key(&self, key: Key) -> bool {
        *self == key
    }
}
impl KeyLike for &Key {
    #[inline]
    fn is_key(&self, key: Key) -> bool {
        **self == key
    }
}
impl KeyLike for &str {
    #[inline]
    fn is_key(&self, key: Key) -> bool {
        key.as_str() == *self
    }
}
impl KeyLike for String {
    #[inline]
    fn is_key(&self, key: Key) -> bool {
        key.as_str() == self
    }
}

impl Payload {
    /// An empty payload (no allocation).
    #[inline]
    pub fn new() -> Self {
        Payload {
            entries: SmallVec::new(),
        }
    }

    /// Builder form of [`Payload::insert`].
    #[must_use]
    pub fn with(mut self, key: impl Into<Key>, value: impl Into<Variant>) -> Self {
        self.insert(key, value);
        self
    }

    /// Sets `key` to `value`, replacing an existing value; returns the old one.
    pub fn insert(&mut self, key: impl Into<Key>, value: impl Into<Variant>) -> Option<Variant> {
        let key = key.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, slot)) => Some(std::mem::replace(slot, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }

    /// The value of `key`, if present.
    #[inline]
    pub fn get(&self, key: impl KeyLike) -> Option<&Variant> {
        self.entries
            .iter()
            .find(|(k, _)| key.is_key(*k))
            .map(|(_, v)| v)
    }

    /// The string value of `key`, if present and a string.
    pub fn get_str(&self, key: impl KeyLike) -> Option<&str> {
        self.get(key).and_then(Variant::as_str)
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: impl KeyLike) -> Option<Variant> {
        let pos = self.entries.iter().position(|(k, _)| key.is_key(*k))?;
        Some(self.entries.remove(pos).1)
    }

    /// True when `key` is present.
    pub fn contains_key(&self, key: impl KeyLike) -> bool {
        self.get(key).is_some()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// True when the entries live inline (no heap allocation for the entry list).
    pub fn is_inline(&self) -> bool {
        !self.entries.spilled()
    }

    /// The entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (Key, &Variant)> {
        self.entries.iter().map(|(k, v)| (*k, v))
    }

    /// True when this payload contains at least every key/value pair of `filter` (the observer
    /// filter rule).
    pub fn contains_all(&self, filter: &Payload) -> bool {
        filter
            .entries
            .iter()
            .all(|(k, v)| self.get(*k).is_some_and(|mine| mine == v))
    }

    /// Converts to a JSON object (key order preserved).
    pub fn to_json(&self) -> Value {
        let mut map = Map::with_capacity(self.entries.len());
        for (k, v) in &self.entries {
            map.insert(k.as_str().to_owned(), v.to_json());
        }
        Value::Object(map)
    }

    /// Converts from a JSON object, nested objects included.
    ///
    /// Safe on untrusted input: keys are interned for the life of the process, and when the
    /// name table is full this returns [`PayloadError::TooManyNames`] instead of panicking.
    pub fn from_json(value: &Value) -> Result<Payload, PayloadError> {
        match value {
            Value::Object(map) => Self::try_from_json_map(map),
            other => Err(PayloadError::NotAnObject {
                found: json_kind(other),
            }),
        }
    }

    pub(crate) fn try_from_json_map(map: &Map<String, Value>) -> Result<Payload, PayloadError> {
        let mut p = Payload::new();
        for (k, v) in map {
            let key = Key::try_new(k).map_err(|source| PayloadError::TooManyNames {
                key: k.chars().take(64).collect(),
                source,
            })?;
            p.entries.push((key, Variant::try_from_json(v)?));
        }
        Ok(p)
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Equal when both hold the same key/value pairs, in any order.
impl PartialEq for Payload {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.contains_all(other)
    }
}

impl<K: KeyLike> Index<K> for Payload {
    type Output = Variant;
    /// Missing keys read as [`Variant::Null`], like `serde_json`.
    fn index(&self, key: K) -> &Variant {
        self.get(key).unwrap_or(&NULL)
    }
}

impl<K: Into<Key>, V: Into<Variant>> FromIterator<(K, V)> for Payload {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut p = Payload::new();
        for (k, v) in iter {
            p.insert(k, v);
        }
        p
    }
}

impl From<&Payload> for Value {
    fn from(p: &Payload) -> Value {
        p.to_json()
    }
}

impl From<Payload> for Value {
    fn from(p: Payload) -> Value {
        p.to_json()
    }
}

impl TryFrom<&Value> for Payload {
    type Error = PayloadError;
    fn try_from(v: &Value) -> Result<Self, Self::Error> {
        Payload::from_json(v)
    }
}

impl TryFrom<Value> for Payload {
    type Error = PayloadError;
    fn try_from(v: Value) -> Result<Self, Self::Error> {
        Payload::from_json(&v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_payloads_stay_inline() {
        let p = Payload::new()
            .with("a", 1)
            .with("b", true)
            .with("c", "x")
            .with("d", 2.5);
        assert!(p.is_inline());
        assert!(!p.clone().with("e", 0u8).is_inline());
    }

    #[test]
    fn insert_replaces_and_filter_matches_subsets() {
        let mut p = Payload::new().with("url", "a").with("n", 1);
        assert_eq!(p.insert("n", 2i64), Some(Variant::I32(1)));
        assert!(p.contains_all(&Payload::new().with("url", "a")));
        assert!(!p.contains_all(&Payload::new().with("url", "b")));
        assert!(!p.contains_all(&Payload::new().with("other", "a")));
        assert!(p.contains_all(&Payload::new()));
    }

    #[test]
    fn from_json_rejects_non_objects() {
        let err = Payload::from_json(&serde_json::json!([1])).unwrap_err();
        assert!(err.to_string().contains("an array"), "{err}");
    }
}
