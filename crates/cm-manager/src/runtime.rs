//! Blocking on the manager's futures from a thread without an async runtime.
//!
//! (The manager's own thread is a [`SystemThread`](cm_registry::system_thread::SystemThread).)

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
