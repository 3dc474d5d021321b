//! The dedicated thread that runs an actix System for a [`ManagerHandle`](crate::ManagerHandle).

use std::sync::mpsc;
use std::thread::{JoinHandle, ThreadId};

use actix::System;

use crate::error::StartupError;

/// A System running on a thread of its own.
pub(crate) struct OwnedSystem {
    system: System,
    thread: JoinHandle<()>,
}

impl OwnedSystem {
    /// Starts a thread with a new System, runs `start` inside it, and hands back its result.
    pub(crate) fn spawn<T, F>(start: F) -> Result<(Self, T), StartupError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, StartupError> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("cm-manager".to_owned())
            .spawn(move || {
                let runner = System::new();
                let started = runner.block_on(async { start() });
                let ok = started.is_ok();
                let _ = tx.send(started.map(|value| (value, System::current())));
                if ok && let Err(e) = runner.run() {
                    tracing::error!(error = %e, "connection manager system failed");
                }
            })
            .map_err(|e| StartupError::Thread(e.to_string()))?;
        match rx.recv() {
            Ok(Ok((value, system))) => Ok((Self { system, thread }, value)),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => Err(StartupError::Thread(
                "the manager thread ended while starting".to_owned(),
            )),
        }
    }

    pub(crate) fn thread_id(&self) -> ThreadId {
        self.thread.thread().id()
    }

    /// Stops the System and waits for its thread (not from that thread itself).
    pub(crate) fn stop_and_join(self) {
        self.system.stop();
        if std::thread::current().id() == self.thread.thread().id() {
            return;
        }
        if self.thread.join().is_err() {
            tracing::error!("the connection manager thread panicked");
        }
    }
}

/// Runs `future` to completion on this thread by parking it between wake-ups.
///
/// Unlike `futures::executor::block_on` this does not refuse to run inside another executor:
/// the blocking API is for callers without a runtime, but a caller that happens to sit inside
/// one (a test harness, a UI framework's executor) should be blocked, not panicked. The futures
/// awaited here only wait on channels served by the manager's own thread.
pub(crate) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }

    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::park(),
        }
    }
}
