//! [`Dispatcher::next_event`]: await the next dispatch of an event (for tokio / async users).
//!
//! The observer is registered when `next_event` is called, not when the future is first polled,
//! so an event dispatched in between is not missed. Dropping the future unregisters it.
//!
//! ```
//! use cm_events::{Dispatcher, Payload};
//! let d = Dispatcher::new();
//! let next = d.next_event("job:done", None);
//! d.dispatch("job:done", Payload::new().with("id", 1));
//! let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! let event = rt.block_on(next).unwrap();
//! assert_eq!(event.payload["id"].as_i64(), Some(1));
//! ```

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use parking_lot::Mutex;
use tokio::sync::oneshot;

use crate::dispatcher::Dispatcher;
use crate::event::OwnedEvent;
use crate::guard::ObserverGuard;
use crate::name::AsEventName;
use crate::payload::Payload;

/// Future of [`Dispatcher::next_event`]. Resolves to `None` when polled after its observer was
/// removed (e.g. by `remove_all_observers_for`) without an event having arrived.
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct NextEvent {
    rx: oneshot::Receiver<OwnedEvent>,
    _guard: ObserverGuard,
}

impl Future for NextEvent {
    type Output = Option<OwnedEvent>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match Pin::new(&mut self.rx).poll(cx) {
            Poll::Ready(r) => {
                // Done: the observer must not outlive its event (dispatch would still count it
                // and `has_any_observers` stay true until the future is dropped).
                self._guard.reset();
                Poll::Ready(r.ok())
            }
            Poll::Pending if !self._guard.is_active() => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Dispatcher {
    /// A future resolving to the next dispatch of `name` whose payload matches `filter`. Its
    /// observer has order `i64::MAX` (it sees the event after every other observer); choose
    /// another with [`Dispatcher::next_event_with_order`].
    pub fn next_event(&self, name: impl AsEventName, filter: Option<Payload>) -> NextEvent {
        self.next_event_with_order(name, filter, i64::MAX)
    }

    /// [`Dispatcher::next_event`] with the observer's `order` (Kit's `next_event(name, order)`):
    /// e.g. `i64::MIN` to resolve before other observers can consume the event.
    ///
    /// ```
    /// use cm_events::{Dispatcher, Payload};
    /// let d = Dispatcher::new();
    /// let _eater = d.observe("eater", 0, "key", None, |e| e.consume());
    /// let late = d.next_event("key", None); // order i64::MAX: after the consumer
    /// let early = d.next_event_with_order("key", None, i64::MIN);
    /// d.dispatch("key", Payload::new());
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// assert!(rt.block_on(early).is_some());
    /// // The consumed event never reached `late`.
    /// let mut late = std::pin::pin!(late);
    /// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// assert!(std::future::Future::poll(late.as_mut(), &mut cx).is_pending());
    /// ```
    pub fn next_event_with_order(
        &self,
        name: impl AsEventName,
        filter: Option<Payload>,
        order: i64,
    ) -> NextEvent {
        let (tx, rx) = oneshot::channel();
        let tx = Mutex::new(Some(tx));
        let guard = self.observe("next_event", order, name, filter, move |e| {
            if let Some(tx) = tx.lock().take() {
                let _ = tx.send(OwnedEvent {
                    name: e.name(),
                    payload: e.payload().clone(),
                });
            }
        });
        NextEvent { rx, _guard: guard }
    }
}
