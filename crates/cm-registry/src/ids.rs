//! Server ids: small integers that name one server for the life of the process.

use std::fmt;

/// Identifies one discovery or manual server for the life of the process.
///
/// Ids are handed out in increasing order and never reused, so an id held by a
/// caller can only ever name the server it was issued for (or nothing, once that
/// server is removed). A server keeps its id while its URL stays the same, even
/// when another process renames it in `omniverse.toml`. Ids are not persisted:
/// a new process numbers the servers it loads afresh.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ServerId(pub u64);

impl ServerId {
    /// The id as a plain integer (what event payloads carry as `server_id`).
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for ServerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Hands out fresh [`ServerId`]s; owned by the registry state.
#[derive(Clone, Debug)]
pub(crate) struct IdAllocator {
    next: u64,
}

impl Default for IdAllocator {
    fn default() -> Self {
        Self { next: 1 }
    }
}

impl IdAllocator {
    pub(crate) fn allocate(&mut self) -> ServerId {
        let id = ServerId(self.next);
        self.next += 1;
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_increasing_and_display_as_integers() {
        let mut ids = IdAllocator::default();
        let a = ids.allocate();
        let b = ids.allocate();
        assert!(b > a);
        assert_eq!(a.to_string(), "1");
        assert_eq!(b.get(), 2);
    }
}
