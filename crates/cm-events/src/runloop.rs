//! [`RunLoop`]: per-frame update events and the loop's deferred message bus.
//!
//! Each [`RunLoop::update`] dispatches `preUpdate`, `update`, `postUpdate` (named loops:
//! `runloop:<name>:preUpdate` ...) with `dt` and `SWHFrameNumber`, then pumps the loop's message
//! bus (`messageBus` / `runloop:<name>:messageBus`), delivering events queued with
//! [`crate::queue_event`] since the last update.

use std::sync::Arc;
use std::time::Instant;

use crate::dispatcher::Dispatcher;
use crate::error::{LegacyPushError, QueueError};
use crate::kernel_events::runloop as ev;
use crate::legacy_type::EventType;
use crate::name::{EventName, Key};
use crate::payload::Payload;
use crate::queue::{MessageQueue, message_bus_name};

/// The main run loop's name.
pub const MAIN_RUN_LOOP: &str = "main";

/// `dt` of the first frame.
pub const FIRST_FRAME_DT: f64 = 1.0 / 60.0;

/// A run loop bound to a dispatcher. Its message bus is owned by the thread that created it.
pub struct RunLoop {
    dispatcher: Dispatcher,
    name: String,
    events: [EventName; 3],
    queue: Arc<MessageQueue>,
    frame: i64,
    last_tick: Option<Instant>,
}

impl std::fmt::Debug for RunLoop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunLoop")
            .field("name", &self.name)
            .field("frame", &self.frame)
            .finish_non_exhaustive()
    }
}

impl RunLoop {
    /// The main run loop (`preUpdate` ..., queue `messageBus`).
    pub fn main(dispatcher: &Dispatcher) -> Result<RunLoop, QueueError> {
        Self::new(dispatcher, MAIN_RUN_LOOP)
    }

    /// A run loop called `name`; creates its message bus, owned by the current thread. Stricter
    /// than the factory: an existing bus owned by another thread (or by none) is refused
    /// ([`QueueError::OwnerMismatch`]), since this loop pumps it and only the owner may.
    pub fn new(dispatcher: &Dispatcher, name: &str) -> Result<RunLoop, QueueError> {
        let owner = Some(std::thread::current().id());
        let (queue, _created) = dispatcher
            .queues()
            .create_or_get(&message_bus_name(name), owner);
        if queue.owner() != owner {
            return Err(QueueError::OwnerMismatch {
                queue: queue.name().to_owned(),
                existing: queue.owner(),
                requested: owner,
            });
        }
        Ok(RunLoop {
            dispatcher: dispatcher.clone(),
            name: name.to_owned(),
            events: [ev::PRE_UPDATE, ev::UPDATE, ev::POST_UPDATE]
                .map(|e| EventName::new(&ev::event_name(name, e))),
            queue,
            frame: 0,
            last_tick: None,
        })
    }

    /// The loop name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The `preUpdate`, `update` and `postUpdate` names of this loop.
    pub fn update_events(&self) -> [EventName; 3] {
        self.events
    }

    /// The loop's message bus.
    pub fn message_queue(&self) -> &Arc<MessageQueue> {
        &self.queue
    }

    /// The number of the next frame (starts at 0).
    pub fn frame_number(&self) -> i64 {
        self.frame
    }

    /// Runs one frame: dispatches the three update events with `dt` and the frame number, then
    /// pumps the message bus. Returns how many queued events were delivered.
    pub fn update(&mut self, dt: f64) -> Result<usize, QueueError> {
        let payload = Payload::new()
            .with(Key::new(ev::DT), dt)
            .with(Key::new(ev::SWH_FRAME_NUMBER), self.frame);
        for name in self.events {
            self.dispatcher.dispatch_event(name, &payload);
        }
        self.frame += 1;
        self.dispatcher.pump_queue(&self.queue)
    }

    /// [`RunLoop::update`] with `dt` measured since the previous tick (first frame 1/60 s).
    pub fn tick(&mut self) -> Result<usize, QueueError> {
        let now = Instant::now();
        let dt = self
            .last_tick
            .map_or(FIRST_FRAME_DT, |t| now.duration_since(t).as_secs_f64());
        self.last_tick = Some(now);
        self.update(dt)
    }

    /// The Events 1.0 message-bus push: dispatches the alias's immediate name now and queues
    /// its deferred name on this loop's bus.
    pub fn push_legacy(
        &self,
        event_type: EventType,
        payload: Payload,
    ) -> Result<(), LegacyPushError> {
        self.dispatcher
            .queue_legacy_event(event_type, payload, Some(&self.name))
    }
}

impl Drop for RunLoop {
    fn drop(&mut self) {
        self.dispatcher.queues().remove_if_same(&self.queue);
    }
}
