//! Asking busy dispatching threads to confirm, instead of interrupting them.
//!
//! A reset must know that no other thread is inside the observer's callback and that every later
//! dispatch sees the observer gone. The general way is the heavy barrier
//! ([`super::barrier::heavy`], `membarrier`) followed by a scan of the thread records. But
//! `membarrier` interrupts every core that runs one of our threads, and on a virtual machine an
//! interrupt to a busy vCPU is a hypervisor round trip: 13-17 µs each here, against 0.4 µs when
//! no other thread is running. That made "observe + drop while another thread dispatches" cost
//! 15-17 µs (issue 17 asks for ≤ 5 µs).
//!
//! A thread that dispatches in a loop passes the end of an outermost dispatch every few
//! nanoseconds, so it can be *asked* instead: the writer increments the record's `request`
//! (Release) and waits for `answered` to reach that value; the owner, at the end of each outermost
//! dispatch, compares the two cells of its own record and, when they differ, answers (an Acquire
//! fence, then `answered = request` with Release). An answer proves the two things the barrier and
//! the scan would have:
//!
//! * the thread was outside any dispatch when it answered, after the dispatch it was in (if any)
//!   had finished — so it is not inside the callback (and the Release/Acquire pair makes what
//!   the callback did visible to the writer);
//! * it read the writer's request, which the writer stored after its own changes (tombstone, new
//!   list), so with the Acquire fence every later dispatch of that thread sees them.
//!
//! `request` only ever grows by `fetch_add`, so a value at least the writer's own was written by
//! the writer's increment or a later one: reading it synchronises with the writer (a release
//! sequence of read-modify-writes), even when several writers ask at once.
//!
//! A thread that is not dispatching (blocked, or busy elsewhere) does not answer. The writer waits
//! for answers only a short while ([`BUDGET`]), then falls back to the barrier and the scan, which
//! are correct on their own. A record that let a request go unanswered is marked, so the next
//! writer goes straight to the barrier (paying the short wait once, not per reset) until the
//! thread answers again. Records not claimed by any live thread need no answer: claims are made
//! under the records' lock, which the writer holds while it asks, so a thread claiming one later
//! synchronises with the writer through that lock.
//!
//! The dispatch side pays two loads of its own record's cache line and a not-taken branch per
//! outermost dispatch; a request costs it one cache miss.

use super::sync::{Ordering, fence, spin_pause};
use super::thread_record::{self, ThreadRecord};

/// How long a writer waits for answers before it takes the barrier. A dispatching thread answers
/// within its current dispatch; far less than the barrier it saves on a VM (13-17 µs), and short
/// enough that a thread which will not answer costs little (once, see the module docs).
#[cfg(not(loom))]
const BUDGET: std::time::Duration = std::time::Duration::from_micros(4);

/// Under loom: a few scheduler yields, enough to explore "answered in time" and "fell back".
#[cfg(loom)]
const BUDGET_SPINS: u32 = 3;

/// At most this many other threads are asked; with more, the barrier is cheaper than waiting for
/// each (and the writer needs no allocation to remember what it asked).
const MAX_ASKED: usize = 8;

#[cfg(loom)]
super::sync::process_static! {
    /// The negative control's switch (`loom_hooks::answer_handshake_early`); per explored
    /// execution, like every process-wide static under loom.
    static ANSWER_EARLY: super::sync::AtomicBool = super::sync::AtomicBool::new(false);
}

/// The negative control (loom only; nothing in a normal build): answers a pending request
/// right before an observer is called, as a buggy dispatch would.
#[inline(always)]
pub(crate) fn loom_answer_early() {
    #[cfg(loom)]
    if ANSWER_EARLY.load(Ordering::Relaxed)
        && let Some(rec) = thread_record::current_if_registered()
    {
        answer_if_asked(rec);
        // The call that follows touches no loom atomic: give loom's scheduler a point between
        // the answer and the call, where a real thread can be preempted too.
        loom::thread::yield_now();
    }
}

#[cfg(loom)]
pub(crate) fn set_answers_early(early: bool) {
    ANSWER_EARLY.store(early, Ordering::Relaxed);
}

/// The owner's side, at the end of each outermost dispatch: answers a pending request.
#[inline(always)]
pub(crate) fn answer_if_asked(rec: &ThreadRecord) {
    let cells = &rec.handshake;
    let request = cells.request.load(Ordering::Relaxed);
    // Only this thread writes `answered`: the load reads its own last store.
    if request != cells.answered.load(Ordering::Relaxed) {
        answer(rec, request);
    }
}

#[cold]
#[inline(never)]
fn answer(rec: &ThreadRecord, request: u64) {
    // With the Relaxed load of `request` above: synchronises with the writer's increment, so this
    // thread's later dispatches see what the writer stored before asking.
    fence(Ordering::Acquire);
    rec.handshake.unanswered.store(false, Ordering::Relaxed);
    // Release: the writer that reads it sees the end of the dispatch that just finished.
    rec.handshake.answered.store(request, Ordering::Release);
}

/// The writer's side: asks every other live thread with a record and waits (briefly) for all
/// answers. `Some(n)`: all `n` such threads answered, so none is inside an observer the caller
/// removed before calling this, and none will call it again. `None`: the caller must take the
/// barrier and scan the records as usual.
pub(crate) fn all_answer() -> Option<usize> {
    let me = thread_record::current_if_registered();
    thread_record::with_all(|records| {
        let mut asked: [(Option<&ThreadRecord>, u64); MAX_ASKED] = [(None, 0); MAX_ASKED];
        let mut count = 0;
        for &rec in records {
            if me.is_some_and(|m| std::ptr::eq(m, rec)) || !rec.is_claimed() {
                continue;
            }
            if count == MAX_ASKED || rec.handshake.unanswered.load(Ordering::Relaxed) {
                // Ask anyway, so the thread clears its mark when it next dispatches.
                rec.handshake.request.fetch_add(1, Ordering::Release);
                return None;
            }
            let ticket = rec.handshake.request.fetch_add(1, Ordering::Release) + 1;
            asked[count] = (Some(rec), ticket);
            count += 1;
        }
        let mut wait = Budget::start();
        for (rec, ticket) in asked.iter().take(count) {
            let Some(rec) = rec else { continue };
            let mut spins = 0;
            while rec.handshake.answered.load(Ordering::Acquire) < *ticket {
                if !wait.left(spins) {
                    rec.handshake.unanswered.store(true, Ordering::Relaxed);
                    return None;
                }
                spins += 1;
                spin_pause(spins.min(63));
            }
        }
        Some(count)
    })
}

/// The writer's waiting time for answers.
struct Budget {
    #[cfg(not(loom))]
    until: std::time::Instant,
    #[cfg(loom)]
    spins: u32,
}

impl Budget {
    fn start() -> Self {
        Budget {
            #[cfg(not(loom))]
            until: std::time::Instant::now() + BUDGET,
            #[cfg(loom)]
            spins: 0,
        }
    }

    /// Whether the wait may go on; `spins` is the current record's spin count (the clock is read
    /// every 16 spins only).
    fn left(&mut self, spins: u32) -> bool {
        #[cfg(not(loom))]
        {
            spins % 16 != 15 || std::time::Instant::now() < self.until
        }
        #[cfg(loom)]
        {
            let _ = spins;
            self.spins += 1;
            self.spins <= BUDGET_SPINS
        }
    }
}
