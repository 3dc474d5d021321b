//! `queue_event`: dispatch the immediate form now, deliver the deferred form on the next pump.
//!
//! ```
//! use cm_events::{Dispatcher, Payload, RunLoop};
//! let d = Dispatcher::new();
//! let mut main = RunLoop::main(&d).unwrap(); // creates the `messageBus` queue
//! let _now = d.observe("now", 0, "my.ext:Event:immediate", None, |e| println!("immediate {}", e["text"].as_str().unwrap()));
//! let _later = d.observe("later", 0, "my.ext:Event", None, |e| println!("deferred {}", e["text"].as_str().unwrap()));
//! d.queue_event("my.ext:Event", Payload::new().with("text", "hello world"), None).unwrap();
//! assert_eq!(main.update(1.0 / 60.0).unwrap(), 1); // one queued event delivered
//! ```

use crate::dispatcher::Dispatcher;
use crate::error::{LegacyPushError, NoAliasError, QueueError};
use crate::legacy_type::EventType;
use crate::name::AsEventName;
use crate::payload::Payload;
use crate::queue::{MessageQueue, QueueFactory};

impl Dispatcher {
    /// This dispatcher's message-queue factory.
    pub fn queues(&self) -> &QueueFactory {
        &self.inner.queues
    }

    /// Dispatches `<name>:immediate` now, then queues `name` on the message bus of `runloop`
    /// (`None` = the main loop's `messageBus`). A missing queue is reported after the immediate
    /// dispatch happened.
    #[inline]
    pub fn queue_event(
        &self,
        name: impl AsEventName,
        payload: Payload,
        runloop: Option<&str>,
    ) -> Result<(), QueueError> {
        let name = name.to_event_name();
        self.queue_event_with(name, payload, runloop, name.immediate())
    }

    /// [`Dispatcher::queue_event`] with a custom immediate name (Kit's
    /// `queue_event(name, payload, runloop, immediate_name)`; the default is `name:immediate`).
    ///
    /// ```
    /// use cm_events::{Dispatcher, Payload, RunLoop};
    /// let d = Dispatcher::new();
    /// let mut main = RunLoop::main(&d).unwrap();
    /// let _now = d.observe("now", 0, "job:queued", None, |_| {});
    /// let _later = d.observe("later", 0, "job", None, |_| {});
    /// d.queue_event_with("job", Payload::new(), None, "job:queued").unwrap(); // `_now` runs here
    /// assert_eq!(main.update(0.0).unwrap(), 1); // `_later` runs in the pump
    /// ```
    pub fn queue_event_with(
        &self,
        name: impl AsEventName,
        payload: Payload,
        runloop: Option<&str>,
        immediate_name: impl AsEventName,
    ) -> Result<(), QueueError> {
        let name = name.to_event_name();
        if let Some(immediate) = immediate_name.lookup_name() {
            self.dispatch_event(immediate, &payload);
        }
        self.inner
            .queues
            .with_runloop_queue(runloop, |q| q.push(name, payload))?
    }

    /// The legacy message-bus push: dispatches the alias's immediate name now and queues its
    /// deferred name on `runloop`'s message bus.
    pub fn queue_legacy_event(
        &self,
        event_type: EventType,
        payload: Payload,
        runloop: Option<&str>,
    ) -> Result<(), LegacyPushError> {
        let alias = self
            .event_alias(event_type)
            .ok_or(NoAliasError { event_type })?;
        self.dispatch_typed(alias.immediate, &payload, Some(event_type));
        self.inner.queues.with_runloop_queue(runloop, |q| {
            q.push_legacy(alias.deferred, payload, event_type)
        })??;
        Ok(())
    }

    /// Pops and dispatches the messages that were in `queue` when the pump started (messages
    /// queued by observers during the pump wait for the next one). Returns how many were
    /// dispatched. Only the owning thread may pump an owned queue.
    pub fn pump_queue(&self, queue: &MessageQueue) -> Result<usize, QueueError> {
        let pending = queue.len();
        let mut pumped = 0;
        while pumped < pending {
            let Some(message) = queue.try_pop()? else {
                break;
            };
            self.dispatch_typed(message.name, &message.payload, message.legacy);
            pumped += 1;
        }
        Ok(pumped)
    }
}

/// [`Dispatcher::queue_event`] on the global dispatcher.
pub fn queue_event(
    name: impl AsEventName,
    payload: Payload,
    runloop: Option<&str>,
) -> Result<(), QueueError> {
    crate::dispatcher().queue_event(name, payload, runloop)
}
