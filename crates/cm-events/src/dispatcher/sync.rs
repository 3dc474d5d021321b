//! The dispatcher's synchronisation primitives, real or [loom](https://docs.rs/loom)-checked.
//!
//! Every atomic, fence, lock, thread-local and process-wide static that the observe / dispatch /
//! reset / reclaim protocol uses comes from here (as in tokio's `src/loom/`). A normal build gets
//! `std`'s atomics, `parking_lot`'s mutex and plain `static`s: the same types the code named
//! before this module existed, so the generated code is unchanged. A build with `--cfg loom`
//! (`cargo xtask loom`) gets loom's instead, so `tests/loom_reset.rs` explores the interleavings
//! of the real `thread_record.rs`, `reclaim.rs`, `observer.rs` list operations and the publish /
//! reset / wait path of `mod.rs`.
//!
//! What differs under loom (each switch sits next to the code it changes):
//! * `barrier.rs`: the asymmetric pair (compiler fence on dispatch, `membarrier` on the writer)
//!   becomes a `SeqCst` fence on both sides, which loom can express; it is what membarrier
//!   means (every running thread executes a full barrier between the syscall's entry and return).
//! * Process-wide statics ([`process_static!`]) are `loom::lazy_static!`, fresh for every
//!   explored execution; thread-locals are `loom::thread_local!`.
//! * Sizes shrink so an execution stays small: `thread_record::MAX_DEPTH` and the slot table
//!   (`slots.rs`), and spin-waits yield to loom's scheduler ([`spin_pause`]).
//! * A freed observer list is kept (marked freed, never deallocated) so that reading it is a
//!   clear panic instead of undefined behaviour (`observer.rs`).
//!
//! Not switched (outside the protocol under test): `Arc` reference counts, `Observer::callback`'s
//! `UnsafeCell`, the event-alias table and the guard's `reset_done` flag.

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{
    AtomicBool, AtomicI64, AtomicPtr, AtomicU8, AtomicU64, AtomicUsize, Ordering, fence,
};

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{
    AtomicBool, AtomicI64, AtomicPtr, AtomicU8, AtomicU64, AtomicUsize, Ordering, fence,
};

/// `thread_local!` with `const` initialisers (no lazy-init check on access): `std`'s normally,
/// loom's (which takes a plain expression, created per explored thread) under loom.
macro_rules! thread_locals {
    ($($(#[$attr:meta])* static $name:ident: $ty:ty = const $init:block;)*) => {
        #[cfg(not(loom))]
        std::thread_local! {
            $($(#[$attr])* static $name: $ty = const $init;)*
        }
        #[cfg(loom)]
        loom::thread_local! {
            $($(#[$attr])* static $name: $ty = $init;)*
        }
    };
}
pub(crate) use thread_locals;

#[cfg(not(loom))]
pub(crate) use parking_lot::Mutex;

/// `parking_lot::Mutex`'s API (no poisoning) over loom's mutex.
#[cfg(loom)]
#[derive(Default)]
pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

#[cfg(loom)]
impl<T> Mutex<T> {
    pub(crate) fn new(value: T) -> Self {
        Mutex(loom::sync::Mutex::new(value))
    }

    pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn get_mut(&mut self) -> &mut T {
        self.0
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A process-wide `static`: a plain (const-initialised) one normally, a `loom::lazy_static!`
/// (re-created for each explored execution) under loom. Use it by name like any static.
macro_rules! process_static {
    ($(#[$attr:meta])* static $name:ident: $ty:ty = $init:expr;) => {
        #[cfg(not(loom))]
        $(#[$attr])*
        static $name: $ty = $init;
        #[cfg(loom)]
        loom::lazy_static! {
            $(#[$attr])*
            static ref $name: $ty = $init;
        }
    };
}
pub(crate) use process_static;

/// One step of a spin-wait that has already spun `spins` times: spin, then yield, then sleep.
/// Under loom, always a yield to loom's scheduler (which otherwise reports a livelock).
#[inline]
pub(crate) fn spin_pause(spins: u32) {
    #[cfg(not(loom))]
    if spins < 64 {
        std::hint::spin_loop();
    } else if spins < 256 {
        std::thread::yield_now();
    } else {
        std::thread::sleep(std::time::Duration::from_micros(50));
    }
    #[cfg(loom)]
    {
        let _ = spins;
        loom::thread::yield_now();
    }
}
