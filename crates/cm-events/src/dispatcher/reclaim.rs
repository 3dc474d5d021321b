//! Deferred freeing of replaced observer lists (an RCU-style grace period).
//!
//! Dispatch reads a slot's list pointer without a reference count. A replaced list is therefore
//! "retired", not freed: after a heavy barrier we note every thread record that was inside a
//! dispatch, and free the list once each of those dispatches has ended (its record word left that epoch or
//! went to depth 0; see [`super::thread_record`]).
//! Dropping the lists (and so possibly the last `Arc<Observer>`, whose closure may own guards)
//! happens outside the lock, because user drop code may call back into the dispatcher.

use super::barrier;
use super::observer::ListBox;
use super::sync::{Mutex, Ordering};
use super::thread_record::{self, ThreadRecord};

/// Retired lists waiting for a grace period.
#[derive(Default)]
pub(crate) struct Reclaimer {
    inner: Mutex<Pending>,
}

// Lists stay in their own allocations (`ListBox`): dispatchers hold pointers to them.
#[derive(Default)]
struct Pending {
    fresh: Vec<ListBox>,
    waiting: Vec<Batch>,
}

struct Batch {
    lists: Vec<ListBox>,
    readers: Vec<(&'static ThreadRecord, u64)>,
}

/// Retire this many lists before paying for a barrier to collect them.
const COLLECT_THRESHOLD: usize = 64;

impl Reclaimer {
    /// Retires `list`; collects when enough garbage accumulated.
    pub(crate) fn retire(&self, list: ListBox) {
        let should_collect = {
            let mut p = self.inner.lock();
            p.fresh.push(list);
            p.fresh.len() >= COLLECT_THRESHOLD
        };
        if should_collect {
            self.collect();
        }
    }

    /// Frees every retired list whose grace period has ended.
    pub(crate) fn collect(&self) {
        // Take the lists first: each was unpublished before this point, so after the barrier every
        // thread that might still read one shows up as active in its record.
        let lists = std::mem::take(&mut self.inner.lock().fresh);
        thread_record::advance_epoch();
        barrier::heavy();
        let mut readers = Vec::new();
        if !lists.is_empty() {
            thread_record::for_each(|r| {
                let w = r.word.load(Ordering::Acquire);
                if thread_record::depth_of(w) != 0 {
                    readers.push((r, w));
                }
            });
        }
        let mut freed = Vec::new();
        {
            let mut p = self.inner.lock();
            if !lists.is_empty() {
                p.waiting.push(Batch { lists, readers });
            }
            p.waiting.retain_mut(|batch| {
                if batch.readers.iter().all(|(r, w)| !r.still_in(*w)) {
                    freed.append(&mut batch.lists);
                    false
                } else {
                    true
                }
            });
        }
        drop(freed);
    }

    /// Number of lists not yet freed (for tests).
    pub(crate) fn pending(&self) -> usize {
        let p = self.inner.lock();
        p.fresh.len() + p.waiting.iter().map(|b| b.lists.len()).sum::<usize>()
    }

    /// Frees everything; only valid when no dispatch can be running (dispatcher teardown).
    pub(crate) fn free_all(&mut self) {
        let p = std::mem::take(self.inner.get_mut());
        drop(p);
    }
}
