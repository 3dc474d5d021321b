//! Asymmetric memory barriers.
//!
//! Dispatch (the hot, frequent side) publishes "I am dispatching / calling observer X" with plain
//! stores and then reads the observer list and flags. Writers (observe, reset: rare) publish their
//! change and then read what dispatchers published. That store-then-load pattern on both sides
//! needs a StoreLoad barrier on both sides. Instead of paying a full fence on every dispatch, the
//! fast side uses a compiler-only fence ([`light_with`]) and the rare side issues
//! `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)` ([`heavy`]), which makes every running thread of
//! the process execute a full barrier. This is the scheme used by userspace RCU and folly's
//! asymmetric fences. Where `membarrier` is unavailable (non-Linux, or blocked by seccomp) both
//! sides fall back to real `SeqCst` fences: slower dispatch, same guarantees.
//!
//! Under `--cfg loom` (see [`super::sync`]) the pair is a `SeqCst` fence on both sides, which is
//! what membarrier guarantees and what loom can check; dispatch then takes its asymmetric-mode
//! fast path (`is_asymmetric` is true), the path a Linux process runs.

#[cfg(not(loom))]
use std::sync::Once;
#[cfg(not(loom))]
use std::sync::atomic::{AtomicBool, Ordering, compiler_fence, fence};

#[cfg(not(loom))]
static ASYMMETRIC: AtomicBool = AtomicBool::new(false);
#[cfg(not(loom))]
static INIT: Once = Once::new();

/// Decides the barrier mode once. Must run before a thread relies on [`light_with`] (the thread-record
/// registration calls it) and before every [`heavy`].
#[cfg(not(loom))]
pub(crate) fn init() {
    INIT.call_once(|| ASYMMETRIC.store(register_membarrier(), Ordering::Relaxed));
}

/// True when dispatch runs with compiler-only fences.
#[cfg(not(loom))]
pub(crate) fn is_asymmetric() -> bool {
    init();
    ASYMMETRIC.load(Ordering::Relaxed)
}

/// The dispatch-side barrier: orders this thread's earlier stores before its later loads.
/// `asymmetric` is [`is_asymmetric`], read once per dispatch (from the thread's record).
#[cfg(not(loom))]
#[inline(always)]
pub(crate) fn light_with(asymmetric: bool) {
    if asymmetric {
        compiler_fence(Ordering::SeqCst);
    } else {
        fence(Ordering::SeqCst);
    }
}

/// The writer-side barrier: after it returns, every store another thread made before its last
/// [`light_with`] is visible here, and our earlier stores are visible to its later loads.
#[cfg(not(loom))]
pub(crate) fn heavy() {
    init();
    if ASYMMETRIC.load(Ordering::Relaxed) && membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0 {
        return;
    }
    fence(Ordering::SeqCst);
}

/// Under loom: nothing to decide.
#[cfg(loom)]
pub(crate) fn init() {}

/// Under loom: dispatch takes the asymmetric-mode path.
#[cfg(loom)]
pub(crate) fn is_asymmetric() -> bool {
    true
}

/// Under loom: the compiler fence of the asymmetric pair as a `SeqCst` fence (module docs).
#[cfg(loom)]
#[inline(always)]
pub(crate) fn light_with(_asymmetric: bool) {
    loom::sync::atomic::fence(loom::sync::atomic::Ordering::SeqCst);
}

/// Under loom: `membarrier` as a `SeqCst` fence (module docs).
#[cfg(loom)]
pub(crate) fn heavy() {
    loom::sync::atomic::fence(loom::sync::atomic::Ordering::SeqCst);
}

#[cfg(not(loom))]
const MEMBARRIER_CMD_QUERY: i32 = 0;
#[cfg(not(loom))]
const MEMBARRIER_CMD_PRIVATE_EXPEDITED: i32 = 1 << 3;
#[cfg(not(loom))]
const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: i32 = 1 << 4;

#[cfg(all(target_os = "linux", not(loom)))]
fn membarrier(cmd: i32) -> i64 {
    // SAFETY: membarrier takes (cmd, flags, cpu_id) integers and touches no user memory.
    unsafe { libc::syscall(libc::SYS_membarrier, cmd, 0, 0) }
}

#[cfg(all(not(target_os = "linux"), not(loom)))]
fn membarrier(_cmd: i32) -> i64 {
    -1
}

#[cfg(not(loom))]
fn register_membarrier() -> bool {
    if std::env::var_os("CM_EVENTS_NO_MEMBARRIER").is_some() {
        return false;
    }
    let supported = membarrier(MEMBARRIER_CMD_QUERY);
    if supported < 0 || supported & i64::from(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0 {
        return false;
    }
    membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0
}
