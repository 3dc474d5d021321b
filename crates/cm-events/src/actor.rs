//! [`EventBus`]: the actix face of the event system (feature `actix`).
//!
//! Immediate dispatch never needs the actor: call [`crate::Dispatcher::dispatch`] directly (an
//! actor round trip costs microseconds, a dispatch nanoseconds). The actor exists for actor
//! clients that want the deferred side: it owns run loops (their message buses are owned by the
//! actor's thread), pumps and ticks them, optionally from an actix interval, and forwards observed
//! events to a [`Recipient`].
//!
//! ```
//! use cm_events::actor::{EventBus, EventNotice, Observe, QueueEvent, Tick};
//! use cm_events::{Dispatcher, EventName, Key, Payload};
//! use actix::prelude::*;
//!
//! struct Sink(std::sync::mpsc::Sender<EventNotice>);
//! impl Actor for Sink { type Context = Context<Self>; }
//! impl Handler<EventNotice> for Sink {
//!     type Result = ();
//!     fn handle(&mut self, n: EventNotice, _: &mut Context<Self>) { self.0.send(n).unwrap(); }
//! }
//!
//! let (tx, rx) = std::sync::mpsc::channel();
//! actix::System::new().block_on(async move {
//!     let bus = EventBus::new(Dispatcher::new()).start();
//!     let sink = Sink(tx).start();
//!     let name = EventName::new("job:done");
//!     let _guard = bus.send(Observe::new(Key::new("sink"), name, sink.recipient())).await.unwrap();
//!     bus.send(QueueEvent { name, payload: Payload::new().with("id", 1), runloop: None }).await.unwrap().unwrap();
//!     bus.send(Tick { runloop: None, dt: None }).await.unwrap().unwrap();
//!     // Let the sink's mailbox run.
//!     actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
//! });
//! assert_eq!(rx.recv().unwrap().event.payload["id"].as_i64(), Some(1));
//! ```

use std::collections::HashMap;
use std::time::Duration;

use actix::dev::{MessageResponse, OneshotSender};
use actix::prelude::*;

use crate::dispatcher::Dispatcher;
use crate::error::QueueError;
use crate::event::OwnedEvent;
use crate::guard::ObserverGuard;
use crate::name::{EventName, Key};
use crate::payload::Payload;
use crate::queue::message_bus_name;
use crate::runloop::{MAIN_RUN_LOOP, RunLoop};

/// The event-bus actor: owns run loops and their message buses for actor clients.
pub struct EventBus {
    dispatcher: Dispatcher,
    run_loops: HashMap<String, RunLoop>,
    tickers: HashMap<String, SpawnHandle>,
}

impl EventBus {
    /// An event bus over `dispatcher`. The main run loop is created when the actor starts.
    pub fn new(dispatcher: Dispatcher) -> Self {
        EventBus {
            dispatcher,
            run_loops: HashMap::new(),
            tickers: HashMap::new(),
        }
    }

    fn run_loop(&mut self, name: Option<&str>) -> Result<&mut RunLoop, QueueError> {
        let name = name.unwrap_or(MAIN_RUN_LOOP);
        self.run_loops
            .get_mut(name)
            .ok_or_else(|| QueueError::NotFound {
                name: message_bus_name(name),
            })
    }

    fn create_run_loop(&mut self, name: &str) -> Result<(), QueueError> {
        if !self.run_loops.contains_key(name) {
            let rl = RunLoop::new(&self.dispatcher, name)?;
            self.run_loops.insert(name.to_owned(), rl);
        }
        Ok(())
    }
}

impl Actor for EventBus {
    type Context = Context<Self>;

    fn started(&mut self, _ctx: &mut Context<Self>) {
        if let Err(e) = self.create_run_loop(MAIN_RUN_LOOP) {
            tracing::warn!("EventBus could not create the main run loop: {e}");
        }
    }
}

/// Dispatch an event now; replies with the number of observers called.
#[derive(Message, Debug)]
#[rtype(result = "usize")]
pub struct DispatchEvent {
    /// Event name.
    pub name: EventName,
    /// Payload.
    pub payload: Payload,
}

/// `queue_event`: immediate dispatch now, deferred on the run loop's next update or pump.
#[derive(Message, Debug)]
#[rtype(result = "Result<(), QueueError>")]
pub struct QueueEvent {
    /// Event name (the deferred name; `:immediate` is added for the immediate dispatch).
    pub name: EventName,
    /// Payload.
    pub payload: Payload,
    /// Run loop (`None` = main).
    pub runloop: Option<String>,
}

/// An observed event forwarded to an actor.
#[derive(Message, Clone, Debug)]
#[rtype(result = "()")]
pub struct EventNotice {
    /// The observer name given in [`Observe`].
    pub observer: Key,
    /// The event.
    pub event: OwnedEvent,
}

/// Observe an event and forward each dispatch to `recipient`. Replies with the guard: keep it.
#[derive(Message)]
#[rtype(result = "ObserverGuard")]
pub struct Observe {
    /// Observer name.
    pub observer_name: Key,
    /// Order (lower first).
    pub order: i64,
    /// Observed event.
    pub name: EventName,
    /// Payload filter.
    pub filter: Option<Payload>,
    /// Who receives [`EventNotice`]s.
    pub recipient: Recipient<EventNotice>,
}

impl Observe {
    /// Order 0, no filter.
    pub fn new(observer_name: Key, name: EventName, recipient: Recipient<EventNotice>) -> Self {
        Observe {
            observer_name,
            order: 0,
            name,
            filter: None,
            recipient,
        }
    }
}

impl<A: Actor, M: Message<Result = ObserverGuard>> MessageResponse<A, M> for ObserverGuard {
    fn handle(self, _ctx: &mut A::Context, tx: Option<OneshotSender<ObserverGuard>>) {
        if let Some(tx) = tx {
            // If the requester went away the guard drops here, stopping the observer.
            let _ = tx.send(self);
        }
    }
}

/// Pump a run loop's message bus without update events; replies with the count delivered.
#[derive(Message, Debug)]
#[rtype(result = "Result<usize, QueueError>")]
pub struct Pump {
    /// Run loop (`None` = main).
    pub runloop: Option<String>,
}

/// Run one update of a run loop (update events, then pump).
#[derive(Message, Debug)]
#[rtype(result = "Result<usize, QueueError>")]
pub struct Tick {
    /// Run loop (`None` = main).
    pub runloop: Option<String>,
    /// Frame time; `None` measures it since the previous tick.
    pub dt: Option<f64>,
}

/// Create a run loop (and its message bus) owned by the actor.
#[derive(Message, Debug)]
#[rtype(result = "Result<(), QueueError>")]
pub struct CreateRunLoop {
    /// Run loop name.
    pub name: String,
}

/// Tick a run loop from an actix interval.
#[derive(Message, Debug)]
#[rtype(result = "Result<(), QueueError>")]
pub struct StartTicking {
    /// Run loop (`None` = main).
    pub runloop: Option<String>,
    /// Interval between ticks.
    pub interval: Duration,
}

/// Stop a [`StartTicking`] interval.
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct StopTicking {
    /// Run loop (`None` = main).
    pub runloop: Option<String>,
}

impl Handler<DispatchEvent> for EventBus {
    type Result = usize;
    fn handle(&mut self, m: DispatchEvent, _: &mut Context<Self>) -> usize {
        self.dispatcher.dispatch_event(m.name, &m.payload)
    }
}

impl Handler<QueueEvent> for EventBus {
    type Result = Result<(), QueueError>;
    fn handle(&mut self, m: QueueEvent, _: &mut Context<Self>) -> Self::Result {
        self.dispatcher
            .queue_event(m.name, m.payload, m.runloop.as_deref())
    }
}

impl Handler<Observe> for EventBus {
    type Result = ObserverGuard;
    fn handle(&mut self, m: Observe, _: &mut Context<Self>) -> ObserverGuard {
        let recipient = m.recipient;
        let observer = m.observer_name;
        self.dispatcher
            .observe(observer, m.order, m.name, m.filter, move |e| {
                recipient.do_send(EventNotice {
                    observer,
                    event: OwnedEvent {
                        name: e.name(),
                        payload: e.payload().clone(),
                    },
                });
            })
    }
}

impl Handler<Pump> for EventBus {
    type Result = Result<usize, QueueError>;
    fn handle(&mut self, m: Pump, _: &mut Context<Self>) -> Self::Result {
        let dispatcher = self.dispatcher.clone();
        let rl = self.run_loop(m.runloop.as_deref())?;
        dispatcher.pump_queue(rl.message_queue())
    }
}

impl Handler<Tick> for EventBus {
    type Result = Result<usize, QueueError>;
    fn handle(&mut self, m: Tick, _: &mut Context<Self>) -> Self::Result {
        let rl = self.run_loop(m.runloop.as_deref())?;
        match m.dt {
            Some(dt) => rl.update(dt),
            None => rl.tick(),
        }
    }
}

impl Handler<CreateRunLoop> for EventBus {
    type Result = Result<(), QueueError>;
    fn handle(&mut self, m: CreateRunLoop, _: &mut Context<Self>) -> Self::Result {
        self.create_run_loop(&m.name)
    }
}

impl Handler<StartTicking> for EventBus {
    type Result = Result<(), QueueError>;
    fn handle(&mut self, m: StartTicking, ctx: &mut Context<Self>) -> Self::Result {
        let name = m.runloop.unwrap_or_else(|| MAIN_RUN_LOOP.to_owned());
        self.run_loop(Some(&name))?;
        let ticked = name.clone();
        let handle = ctx.run_interval(m.interval, move |bus, _| {
            if let Ok(rl) = bus.run_loop(Some(&ticked))
                && let Err(e) = rl.tick()
            {
                tracing::warn!(runloop = ticked.as_str(), "run loop tick failed: {e}");
            }
        });
        if let Some(old) = self.tickers.insert(name, handle) {
            ctx.cancel_future(old);
        }
        Ok(())
    }
}

impl Handler<StopTicking> for EventBus {
    type Result = ();
    fn handle(&mut self, m: StopTicking, ctx: &mut Context<Self>) {
        let name = m.runloop.unwrap_or_else(|| MAIN_RUN_LOOP.to_owned());
        if let Some(h) = self.tickers.remove(&name) {
            ctx.cancel_future(h);
        }
    }
}
