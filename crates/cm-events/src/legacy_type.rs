//! Legacy (Events 1.0) integer event types.
//!
//! Events 1.0 identified events by a 64-bit integer, usually a hash of a string. We use
//! **FNV-1a 64** over the UTF-8 bytes of the name (offset basis `0xcbf29ce484222325`, prime
//! `0x100000001b3`), which is what `carb.events.type_from_string` uses, so values are stable across
//! runs, processes and platforms.
//!
//! ```
//! use cm_events::{type_from_string, EventType};
//! assert_eq!(type_from_string(""), EventType(0xcbf2_9ce4_8422_2325));
//! assert_eq!(type_from_string("a"), EventType(0xaf63_dc4c_8601_ec8c));
//! ```

use std::fmt;

/// A legacy integer event type (`carb::events::EventType`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventType(pub u64);

impl fmt::Debug for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventType({:#018x})", self.0)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#018x}", self.0)
    }
}

const FNV_OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The stable legacy type of an event name: FNV-1a 64 of its UTF-8 bytes.
pub const fn type_from_string(name: &str) -> EventType {
    let bytes = name.as_bytes();
    let mut hash = FNV_OFFSET_BASIS;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(FNV_PRIME);
        i += 1;
    }
    EventType(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_published_fnv1a_vectors() {
        assert_eq!(type_from_string("foobar").0, 0x85944171f73967e8);
        assert_ne!(type_from_string("a"), type_from_string("b"));
    }
}
