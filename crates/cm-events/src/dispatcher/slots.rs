//! The dense per-event slot table, indexed by the interned name id.
//!
//! Two levels: a fixed array of chunk pointers inside the dispatcher (inline, not boxed), each chunk 1024 slots
//! allocated when the first observer of a name in that range registers. Until then a chunk
//! pointer points at one shared, all-empty static chunk ([`EMPTY_CHUNK`]) rather than null, so
//! dispatch finds a slot with two dependent loads and no chunk test; a slot with no observers
//! holds a null list pointer, so dispatching to nobody is those loads plus one null check.
//!
//! Under loom (see [`super::sync`]) the table is tiny (4 chunks of 4 slots: ids below 16, which
//! is all a loom test interns) and the empty chunk is a `loom::lazy_static!`.

#[cfg(not(loom))]
use crate::name::MAX_NAMES;

use super::observer::ObserverList;
use super::sync::{AtomicPtr, Ordering};

#[cfg(not(loom))]
const CHUNK_BITS: u32 = 10;
#[cfg(loom)]
const CHUNK_BITS: u32 = 2;
const CHUNK_LEN: usize = 1 << CHUNK_BITS;
#[cfg(not(loom))]
pub(crate) const CHUNK_COUNT: usize = MAX_NAMES / CHUNK_LEN;
#[cfg(loom)]
pub(crate) const CHUNK_COUNT: usize = 4;

/// The observers of one event name.
pub(crate) struct Slot {
    /// Null when nobody observes. Otherwise a `ListBox` (as a raw pointer) owned by this slot; replaced
    /// lists are retired through the reclaimer.
    pub(crate) list: AtomicPtr<ObserverList>,
}

pub(crate) struct Chunk {
    slots: [Slot; CHUNK_LEN],
}

/// What every chunk pointer holds until its chunk is allocated. Never written: only
/// [`SlotTable::get_for_dispatch`] returns its slots, and dispatch only reads them.
#[cfg(not(loom))]
static EMPTY_CHUNK: Chunk = Chunk {
    slots: [const {
        Slot {
            list: AtomicPtr::new(std::ptr::null_mut()),
        }
    }; CHUNK_LEN],
};

#[cfg(loom)]
loom::lazy_static! {
    static ref EMPTY_CHUNK: Chunk = Chunk {
        slots: std::array::from_fn(|_| Slot {
            list: AtomicPtr::new(std::ptr::null_mut()),
        }),
    };
}

fn empty_chunk() -> *mut Chunk {
    std::ptr::from_ref::<Chunk>(&EMPTY_CHUNK).cast_mut()
}

pub(crate) struct SlotTable {
    // Inline rather than boxed: one dependent load less on every dispatch (32 KiB per dispatcher).
    chunks: [AtomicPtr<Chunk>; CHUNK_COUNT],
}

impl SlotTable {
    pub(crate) fn new() -> Self {
        SlotTable {
            chunks: std::array::from_fn(|_| AtomicPtr::new(empty_chunk())),
        }
    }

    /// The slot for `id`, which is a slot of the shared [`EMPTY_CHUNK`] (null list) when its
    /// chunk does not exist. Read-only use (dispatch): never store into the returned slot.
    #[inline(always)]
    pub(crate) fn get_for_dispatch(&self, id: u32) -> &Slot {
        let id = id as usize;
        // Interned ids are below `MAX_NAMES`, so the mask never changes the index; it only lets
        // the compiler drop the bounds check (an `and` instead of a compare and a branch).
        let chunk = self.chunks[(id >> CHUNK_BITS) & (CHUNK_COUNT - 1)].load(Ordering::Acquire);
        // SAFETY: chunk pointers are either `EMPTY_CHUNK` or chunks published with Release after
        // full initialisation and freed only in `Drop`, which needs `&mut self`.
        let chunk = unsafe { &*chunk };
        &chunk.slots[id & (CHUNK_LEN - 1)]
    }

    /// The slot for `id` if its chunk exists.
    pub(crate) fn get(&self, id: u32) -> Option<&Slot> {
        let chunk =
            self.chunks[(id as usize >> CHUNK_BITS) & (CHUNK_COUNT - 1)].load(Ordering::Acquire);
        if chunk == empty_chunk() {
            return None;
        }
        Some(self.get_for_dispatch(id))
    }

    /// The slot for `id`, allocating its chunk. Callers hold the dispatcher's write lock.
    pub(crate) fn get_or_create(&self, id: u32) -> &Slot {
        let idx = id as usize >> CHUNK_BITS;
        #[cfg(loom)]
        assert!(
            idx < CHUNK_COUNT,
            "name id {id} is past the loom-sized slot table"
        );
        let cell = &self.chunks[idx];
        if cell.load(Ordering::Acquire) == empty_chunk() {
            let chunk = Box::new(Chunk {
                slots: std::array::from_fn(|_| Slot {
                    list: AtomicPtr::new(std::ptr::null_mut()),
                }),
            });
            cell.store(Box::into_raw(chunk), Ordering::Release);
        }
        match self.get(id) {
            Some(slot) => slot,
            None => unreachable!("chunk {idx} was just published"),
        }
    }

    /// Every non-empty slot (for teardown and diagnostics).
    pub(crate) fn for_each_list(&mut self, mut f: impl FnMut(*mut ObserverList)) {
        for cell in self.chunks.iter() {
            let chunk = cell.load(Ordering::Acquire);
            if chunk == empty_chunk() {
                continue;
            }
            // SAFETY: `&mut self` excludes concurrent readers; allocated chunks are valid until
            // freed in `Drop`.
            if let Some(chunk) = unsafe { chunk.as_ref() } {
                for slot in &chunk.slots {
                    let list = slot.list.load(Ordering::Acquire);
                    if !list.is_null() {
                        f(list);
                    }
                }
            }
        }
    }
}

impl Drop for SlotTable {
    fn drop(&mut self) {
        for cell in self.chunks.iter() {
            let chunk = cell.swap(empty_chunk(), Ordering::AcqRel);
            if chunk != empty_chunk() {
                // SAFETY: the chunk came from Box::into_raw in `get_or_create` and nobody can
                // reach it any more (`&mut self`).
                drop(unsafe { Box::from_raw(chunk) });
            }
        }
    }
}
