//! [`MessageQueue`]: a named queue of deferred events (the `IMessageQueue` counterpart), and the
//! [`QueueFactory`] that creates or gets queues by name.
//!
//! Any thread may push. Only the owning thread may pop, peek or pump an owned queue; an unowned
//! queue may be popped anywhere. Run loops own `messageBus` (main loop) or
//! `runloop:<name>:messageBus`.
//!
//! ```
//! use cm_events::{EventName, MessageQueue, Payload};
//! let q = MessageQueue::new("demo", None);
//! q.push(EventName::new("demo:event"), Payload::new().with("n", 1)).unwrap();
//! let m = q.try_pop().unwrap().unwrap();
//! assert_eq!(m.name, "demo:event");
//! assert_eq!(q.try_pop().unwrap(), None);
//! ```

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::ThreadId;

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use parking_lot::{Mutex, RwLock};

use crate::error::QueueError;
use crate::legacy_type::EventType;
use crate::name::EventName;
use crate::payload::Payload;

/// The main run loop's queue name (`omni::kit::kGlobalMessageBus`).
pub const GLOBAL_MESSAGE_BUS: &str = "messageBus";

/// The queue name of run loop `runloop`: `messageBus` for `main`, else
/// `runloop:<runloop>:messageBus`.
pub fn message_bus_name(runloop: &str) -> String {
    if runloop == crate::runloop::MAIN_RUN_LOOP {
        GLOBAL_MESSAGE_BUS.to_owned()
    } else {
        format!("runloop:{runloop}:messageBus")
    }
}

/// A queued event. Dropping it (after processing) releases a `push_and_wait` caller.
#[derive(Debug)]
pub struct Message {
    /// The event name.
    pub name: EventName,
    /// The payload.
    pub payload: Payload,
    /// The legacy type when queued by a legacy (Events 1.0) push.
    pub legacy: Option<EventType>,
    /// Held only to be dropped: dropping releases a `push_and_wait` caller.
    _done: Option<Sender<()>>,
}

impl PartialEq for Message {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.payload == other.payload
    }
}

thread_local! {
    static THREAD_ID: ThreadId = std::thread::current().id();
}

fn current_thread() -> ThreadId {
    THREAD_ID.with(|t| *t)
}

/// A named, multi-producer queue of events popped by its owning thread.
pub struct MessageQueue {
    name: String,
    owner: Option<ThreadId>,
    tx: Sender<Message>,
    rx: Receiver<Message>,
    stop_tx: Mutex<Option<Sender<()>>>,
    stop_rx: Receiver<()>,
    stopped: AtomicBool,
    has_peeked: AtomicBool,
    peeked: Mutex<Option<Message>>,
}

impl std::fmt::Debug for MessageQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageQueue")
            .field("name", &self.name)
            .field("owner", &self.owner)
            .field("len", &self.len())
            .field("stopped", &self.is_stopped())
            .finish()
    }
}

impl MessageQueue {
    /// A standalone queue. `owner: None` makes it poppable from any thread.
    pub fn new(name: impl Into<String>, owner: Option<ThreadId>) -> Self {
        let (tx, rx) = crossbeam_channel::unbounded();
        let (stop_tx, stop_rx) = crossbeam_channel::bounded(0);
        MessageQueue {
            name: name.into(),
            owner,
            tx,
            rx,
            stop_tx: Mutex::new(Some(stop_tx)),
            stop_rx,
            stopped: AtomicBool::new(false),
            has_peeked: AtomicBool::new(false),
            peeked: Mutex::new(None),
        }
    }

    /// A queue owned by the calling thread.
    pub fn owned_by_current_thread(name: impl Into<String>) -> Self {
        Self::new(name, Some(current_thread()))
    }

    /// The queue name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The owning thread, if any.
    pub fn owner(&self) -> Option<ThreadId> {
        self.owner
    }

    /// Messages waiting.
    pub fn len(&self) -> usize {
        self.rx.len() + usize::from(self.has_peeked.load(Ordering::Acquire))
    }

    /// True when no message waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True after [`MessageQueue::stop`].
    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Queues an event (any thread).
    #[inline]
    pub fn push(&self, name: EventName, payload: Payload) -> Result<(), QueueError> {
        self.send(Message {
            name,
            payload,
            legacy: None,
            _done: None,
        })
    }

    pub(crate) fn push_legacy(
        &self,
        name: EventName,
        payload: Payload,
        legacy: EventType,
    ) -> Result<(), QueueError> {
        self.send(Message {
            name,
            payload,
            legacy: Some(legacy),
            _done: None,
        })
    }

    fn send(&self, message: Message) -> Result<(), QueueError> {
        if self.stopped.load(Ordering::Acquire) {
            return Err(self.stopped_error());
        }
        // The queue holds its own receiver, so the channel cannot be disconnected.
        self.tx.send(message).map_err(|_| self.stopped_error())
    }

    /// Queues an event and blocks until it has been popped and processed (dropped). Fails from
    /// the owning thread (it would wait for itself) and when the queue is stopped first.
    pub fn push_and_wait(&self, name: EventName, payload: Payload) -> Result<(), QueueError> {
        if self.owner == Some(current_thread()) {
            return Err(QueueError::WouldDeadlock {
                queue: self.name.clone(),
            });
        }
        let (done_tx, done_rx) = crossbeam_channel::bounded::<()>(1);
        self.send(Message {
            name,
            payload,
            legacy: None,
            _done: Some(done_tx),
        })?;
        crossbeam_channel::select! {
            recv(done_rx) -> _ => Ok(()),
            recv(self.stop_rx) -> _ => match done_rx.try_recv() {
                Ok(()) | Err(TryRecvError::Disconnected) => Ok(()),
                Err(TryRecvError::Empty) => Err(self.stopped_error()),
            },
        }
    }

    fn check_owner(&self) -> Result<(), QueueError> {
        match self.owner {
            Some(owner) => {
                let caller = current_thread();
                if owner == caller {
                    Ok(())
                } else {
                    Err(QueueError::NotOwner {
                        queue: self.name.clone(),
                        owner,
                        caller,
                    })
                }
            }
            None => Ok(()),
        }
    }

    fn take_peeked(&self) -> Option<Message> {
        if self.has_peeked.load(Ordering::Acquire) {
            let m = self.peeked.lock().take();
            self.has_peeked.store(false, Ordering::Release);
            m
        } else {
            None
        }
    }

    /// Pops the next message without blocking (owner only).
    #[inline]
    pub fn try_pop(&self) -> Result<Option<Message>, QueueError> {
        self.check_owner()?;
        if let Some(m) = self.take_peeked() {
            return Ok(Some(m));
        }
        Ok(self.rx.try_recv().ok())
    }

    /// Pops the next message, blocking until one arrives (owner only). Returns
    /// [`QueueError::Stopped`] once the queue is stopped and empty.
    pub fn pop(&self) -> Result<Message, QueueError> {
        self.check_owner()?;
        if let Some(m) = self.take_peeked() {
            return Ok(m);
        }
        if let Ok(m) = self.rx.try_recv() {
            return Ok(m);
        }
        crossbeam_channel::select! {
            recv(self.rx) -> m => m.map_err(|_| self.stopped_error()),
            recv(self.stop_rx) -> _ => self.rx.try_recv().map_err(|_| self.stopped_error()),
        }
    }

    /// Looks at the next message without removing it (owner only).
    pub fn peek<R>(&self, f: impl FnOnce(&Message) -> R) -> Result<Option<R>, QueueError> {
        self.check_owner()?;
        let mut slot = self.peeked.lock();
        if slot.is_none() {
            *slot = self.rx.try_recv().ok();
            self.has_peeked.store(slot.is_some(), Ordering::Release);
        }
        Ok(slot.as_ref().map(f))
    }

    /// Stops the queue: pushes fail, blocked pops and `push_and_wait` callers return. Messages
    /// already queued can still be popped.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        self.stop_tx.lock().take();
    }

    fn stopped_error(&self) -> QueueError {
        QueueError::Stopped {
            queue: self.name.clone(),
        }
    }
}

type FastMap<V> = HashMap<Box<str>, V, foldhash::fast::RandomState>;

/// Creates or gets message queues by name (the `IMessageQueueFactory` counterpart). Each
/// dispatcher has one ([`crate::Dispatcher::queues`]).
#[derive(Default)]
pub struct QueueFactory {
    inner: RwLock<Queues>,
}

#[derive(Default)]
struct Queues {
    by_name: FastMap<Arc<MessageQueue>>,
    /// Run-loop message buses indexed by run-loop name too, so `queue_event(.., Some("x"))` never
    /// formats `runloop:x:messageBus`.
    by_runloop: FastMap<Arc<MessageQueue>>,
}

fn runloop_of(queue_name: &str) -> Option<&str> {
    if queue_name == GLOBAL_MESSAGE_BUS {
        return Some(crate::runloop::MAIN_RUN_LOOP);
    }
    queue_name
        .strip_prefix("runloop:")?
        .strip_suffix(":messageBus")
}

impl QueueFactory {
    /// The queue called `name`, creating it with `owner` if missing. An existing queue with a
    /// different owner is an error.
    pub fn create_or_get(
        &self,
        name: &str,
        owner: Option<ThreadId>,
    ) -> Result<Arc<MessageQueue>, QueueError> {
        let mut q = self.inner.write();
        if let Some(existing) = q.by_name.get(name) {
            if existing.owner() != owner {
                return Err(QueueError::OwnerMismatch {
                    queue: name.to_owned(),
                    existing: existing.owner(),
                    requested: owner,
                });
            }
            return Ok(existing.clone());
        }
        let queue = Arc::new(MessageQueue::new(name, owner));
        q.by_name.insert(name.into(), queue.clone());
        if let Some(runloop) = runloop_of(name) {
            q.by_runloop.insert(runloop.into(), queue.clone());
        }
        Ok(queue)
    }

    /// The queue called `name`.
    pub fn get(&self, name: &str) -> Option<Arc<MessageQueue>> {
        self.inner.read().by_name.get(name).cloned()
    }

    /// Removes the queue called `name` (stopping it); returns it.
    pub fn remove(&self, name: &str) -> Option<Arc<MessageQueue>> {
        let mut q = self.inner.write();
        let queue = q.by_name.remove(name)?;
        if let Some(runloop) = runloop_of(name) {
            q.by_runloop.remove(runloop);
        }
        queue.stop();
        Some(queue)
    }

    /// Removes `queue` only if it is the one registered under its name.
    pub(crate) fn remove_if_same(&self, queue: &Arc<MessageQueue>) {
        let same = self
            .inner
            .read()
            .by_name
            .get(queue.name())
            .is_some_and(|q| Arc::ptr_eq(q, queue));
        if same {
            self.remove(queue.name());
        }
    }

    /// Names of all queues, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .inner
            .read()
            .by_name
            .keys()
            .map(|k| k.to_string())
            .collect();
        v.sort();
        v
    }

    /// Runs `f` on the message bus of `runloop` (`None` = main) without cloning the `Arc`.
    #[inline]
    pub(crate) fn with_runloop_queue<R>(
        &self,
        runloop: Option<&str>,
        f: impl FnOnce(&MessageQueue) -> R,
    ) -> Result<R, QueueError> {
        let runloop = runloop.unwrap_or(crate::runloop::MAIN_RUN_LOOP);
        match self.inner.read().by_runloop.get(runloop) {
            Some(q) => Ok(f(q)),
            None => Err(QueueError::NotFound {
                name: message_bus_name(runloop),
            }),
        }
    }
}
