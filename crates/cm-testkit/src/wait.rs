//! Waiting in tests for something that happens on another thread, process or task.
//!
//! A test that involves time polls for the condition it is waiting for, with a generous deadline
//! (CI is a loaded 2-core machine), instead of sleeping and hoping. This module is the one copy of
//! that loop for the whole workspace: [`until`] and [`until_async`] panic with what was awaited
//! when the deadline passes; [`holds_within`] and [`holds_within_async`] return whether the
//! condition held, for a caller that builds its own failure message.
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use cm_testkit::wait;
//!
//! let done = Arc::new(AtomicBool::new(false));
//! let setter = done.clone();
//! std::thread::spawn(move || setter.store(true, Ordering::SeqCst));
//! wait::until(wait::DEADLINE, "the thread to finish", || done.load(Ordering::SeqCst));
//! ```

use std::time::{Duration, Instant};

/// The deadline most tests want: long enough for a loaded CI machine, short enough that a real
/// hang fails the run.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// How long to wait between two looks at the condition.
const POLL: Duration = Duration::from_millis(10);

/// Polls `condition` until it holds or `deadline` has passed; whether it held. The condition is
/// always looked at once more after the deadline, so a slow last step still counts.
pub fn holds_within(deadline: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + deadline;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(POLL);
    }
}

/// Polls `condition` until it holds; panics naming `what` when `deadline` passes first.
#[track_caller]
pub fn until(deadline: Duration, what: &str, condition: impl FnMut() -> bool) {
    assert!(
        holds_within(deadline, condition),
        "timed out after {deadline:?} waiting for {what}"
    );
}

/// [`holds_within`] for async code: sleeps on the tokio timer between looks, so the runtime (a
/// tokio or an actix test) keeps running the tasks the condition waits for.
pub async fn holds_within_async(deadline: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + deadline;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// [`until`] for async code (see [`holds_within_async`]).
pub async fn until_async(deadline: Duration, what: &str, condition: impl FnMut() -> bool) {
    assert!(
        holds_within_async(deadline, condition).await,
        "timed out after {deadline:?} waiting for {what}"
    );
}
