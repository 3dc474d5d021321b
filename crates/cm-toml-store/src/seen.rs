//! What this process last read or wrote, by content hash.
//!
//! The watcher compares a changed file's hash with this record to tell the
//! process's own saves (and content it already loaded) from external edits,
//! without relying on timing.

use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Hashes file content; stable within and across runs (fixed seed).
pub(crate) fn content_hash(bytes: &[u8]) -> u64 {
    foldhash::quality::FixedState::with_seed(0x6f6d_6e69_7665_7273).hash_one(bytes)
}

/// The hash of the content this process last saw, shared by a store, its clones and its watchers.
#[derive(Debug, Clone, Default)]
pub(crate) struct SeenContent(Arc<AtomicU64>);

impl SeenContent {
    pub(crate) fn record(&self, bytes: &[u8]) {
        self.0.store(content_hash(bytes), Ordering::Release);
    }

    /// True when `bytes` are what was last recorded.
    pub(crate) fn matches(&self, bytes: &[u8]) -> bool {
        self.0.load(Ordering::Acquire) == content_hash(bytes)
    }

    /// True when something non-empty was recorded (a store that never read the file, or last
    /// saw it empty or missing, says false).
    pub(crate) fn is_recorded_nonempty(&self) -> bool {
        let hash = self.0.load(Ordering::Acquire);
        hash != 0 && hash != content_hash(b"")
    }

    /// Records `bytes` and returns true if they differ from what was seen before.
    pub(crate) fn record_if_new(&self, bytes: &[u8]) -> bool {
        let hash = content_hash(bytes);
        self.0.swap(hash, Ordering::AcqRel) != hash
    }
}
