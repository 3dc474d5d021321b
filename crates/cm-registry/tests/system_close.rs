//! Closing an actix System with work in flight: a future whose drop needs a tokio context
//! (as hyper's connection pool does when a request in flight is dropped: it spawns) must be
//! dropped inside the runtime. `close_system` and `SystemThread` do; a plain drop of the
//! `SystemRunner` does not (the negative control shows the test would catch it).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use cm_registry::system_thread::{SystemThread, close_system};

/// Spawns a task when dropped, which panics ("there is no reactor running") outside a tokio
/// context; records that it was dropped.
struct SpawnsOnDrop(Arc<AtomicBool>);

impl Drop for SpawnsOnDrop {
    fn drop(&mut self) {
        tokio::spawn(async {});
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Runs `body` with a panic hook that records every panic (tokio catches a panic raised while
/// dropping a task and only prints it, which is the backtrace a CLI showed on exit). Tests that
/// install the hook run one at a time.
fn panics_during(body: impl FnOnce()) -> bool {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let panicked = Arc::new(AtomicBool::new(false));
    let seen = panicked.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        seen.store(true, Ordering::SeqCst);
        eprintln!("panic: {info}");
    }));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
    std::panic::set_hook(previous);
    outcome.is_err() || panicked.load(Ordering::SeqCst)
}

/// A System with one actor-thread future parked forever, holding a `SpawnsOnDrop`.
fn system_with_work_in_flight(dropped: &Arc<AtomicBool>) -> actix::SystemRunner {
    let runner = actix::System::new();
    let guard = SpawnsOnDrop(dropped.clone());
    runner.block_on(async move {
        actix::spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        // Let the spawned future start (and so own the guard).
        tokio::task::yield_now().await;
    });
    runner
}

#[test]
fn close_system_drops_work_in_flight_inside_the_runtime() {
    let dropped = Arc::new(AtomicBool::new(false));
    let runner = system_with_work_in_flight(&dropped);
    assert!(
        !panics_during(move || close_system(runner)),
        "a panic on close"
    );
    assert!(dropped.load(Ordering::SeqCst), "the future was not dropped");
}

#[test]
fn negative_control_a_plain_drop_panics() {
    let dropped = Arc::new(AtomicBool::new(false));
    let runner = system_with_work_in_flight(&dropped);
    assert!(
        panics_during(move || drop(runner)),
        "dropping a SystemRunner no longer drops its futures outside the runtime: \
         close_system may no longer be needed"
    );
}

#[test]
fn system_thread_stop_and_join_is_clean_with_work_in_flight() {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = dropped.clone();
    let (thread, ()) = SystemThread::spawn("test-system", move || {
        let guard = SpawnsOnDrop(flag);
        actix::spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        Ok::<_, std::io::Error>(())
    })
    .unwrap();
    assert!(
        !panics_during(move || thread.stop_and_join()),
        "a panic on shutdown"
    );
    assert!(dropped.load(Ordering::SeqCst), "the future was not dropped");
}
