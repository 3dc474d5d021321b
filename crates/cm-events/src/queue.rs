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
use std::time::{Duration, Instant};

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

    /// Pops the next message, waiting at most `timeout` for one (owner only): `Ok(None)` when
    /// none arrived in time, [`QueueError::Stopped`] once the queue is stopped and empty.
    pub fn pop_timeout(&self, timeout: Duration) -> Result<Option<Message>, QueueError> {
        // A timeout past the clock's range (e.g. `Duration::MAX`) is no deadline: wait untimed.
        match Instant::now().checked_add(timeout) {
            Some(deadline) => self.pop_until(deadline),
            None => self.pop().map(Some),
        }
    }

    /// [`MessageQueue::pop_timeout`] with a deadline.
    pub fn pop_until(&self, deadline: Instant) -> Result<Option<Message>, QueueError> {
        if self.await_message_until(deadline)? {
            self.try_pop()
        } else {
            Ok(None)
        }
    }

    /// Blocks until a message waits, without popping it (Carbonite's `awaitMessage`; owner
    /// only). [`QueueError::Stopped`] once the queue is stopped and empty.
    ///
    /// ```
    /// use cm_events::{EventName, MessageQueue, Payload};
    /// use std::{sync::Arc, time::Duration};
    /// let q = Arc::new(MessageQueue::new("work", None));
    /// assert!(!q.await_message_for(Duration::from_millis(1)).unwrap()); // nothing yet
    /// let pusher = q.clone();
    /// std::thread::spawn(move || pusher.push(EventName::new("job"), Payload::new()).unwrap());
    /// q.await_message().unwrap(); // no busy-polling: blocks until the push
    /// assert_eq!(q.len(), 1); // still queued
    /// assert_eq!(q.pop_timeout(Duration::from_secs(5)).unwrap().unwrap().name, "job");
    /// ```
    pub fn await_message(&self) -> Result<(), QueueError> {
        self.check_owner()?;
        if self.has_message()? {
            return Ok(());
        }
        let m = crossbeam_channel::select! {
            recv(self.rx) -> m => m.map_err(|_| self.stopped_error())?,
            recv(self.stop_rx) -> _ => self.rx.try_recv().map_err(|_| self.stopped_error())?,
        };
        self.keep_peeked(m);
        Ok(())
    }

    /// [`MessageQueue::await_message`] for at most `timeout`: true when a message waits.
    pub fn await_message_for(&self, timeout: Duration) -> Result<bool, QueueError> {
        // A timeout past the clock's range (e.g. `Duration::MAX`) is no deadline: wait untimed.
        match Instant::now().checked_add(timeout) {
            Some(deadline) => self.await_message_until(deadline),
            None => self.await_message().map(|()| true),
        }
    }

    /// [`MessageQueue::await_message`] until `deadline`: true when a message waits.
    pub fn await_message_until(&self, deadline: Instant) -> Result<bool, QueueError> {
        self.check_owner()?;
        if self.has_message()? {
            return Ok(true);
        }
        let m = crossbeam_channel::select! {
            recv(self.rx) -> m => m.map_err(|_| self.stopped_error())?,
            recv(self.stop_rx) -> _ => self.rx.try_recv().map_err(|_| self.stopped_error())?,
            default(deadline.saturating_duration_since(Instant::now())) => return Ok(false),
        };
        self.keep_peeked(m);
        Ok(true)
    }

    /// True when a message waits (peeked or in the channel); stopped and empty is an error.
    fn has_message(&self) -> Result<bool, QueueError> {
        if self.has_peeked.load(Ordering::Acquire) || !self.rx.is_empty() {
            return Ok(true);
        }
        if self.is_stopped() {
            return Err(self.stopped_error());
        }
        Ok(false)
    }

    /// Puts a message received while awaiting back at the head (the peek slot, which the owner
    /// alone uses, so it is empty here).
    fn keep_peeked(&self, m: Message) {
        *self.peeked.lock() = Some(m);
        self.has_peeked.store(true, Ordering::Release);
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
    /// Queue aliases: alias name to target queue name (never an alias itself).
    aliases: FastMap<Box<str>>,
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
    /// The queue called `name` (or the target of the alias `name`) and whether this call created
    /// it, as Carbonite's `createMessageQueue`: an existing queue is returned as it is and
    /// `owner` is then ignored (check [`MessageQueue::owner`] when it matters; [`crate::RunLoop`]
    /// does).
    ///
    /// ```
    /// use cm_events::QueueFactory;
    /// let f = QueueFactory::default();
    /// let (a, created) = f.create_or_get("jobs", None);
    /// assert!(created);
    /// let (b, created) = f.create_or_get("jobs", Some(std::thread::current().id()));
    /// assert!(!created && std::sync::Arc::ptr_eq(&a, &b) && b.owner().is_none());
    /// ```
    pub fn create_or_get(&self, name: &str, owner: Option<ThreadId>) -> (Arc<MessageQueue>, bool) {
        let mut q = self.inner.write();
        let name = q.aliases.get(name).map_or(name, |t| &**t).to_owned();
        if let Some(existing) = q.by_name.get(name.as_str()) {
            return (existing.clone(), false);
        }
        let queue = Arc::new(MessageQueue::new(name.as_str(), owner));
        q.by_name.insert(name.as_str().into(), queue.clone());
        if let Some(runloop) = runloop_of(&name) {
            q.by_runloop.insert(runloop.into(), queue.clone());
        }
        (queue, true)
    }

    /// The queue called `name` (or the target of the alias `name`).
    pub fn get(&self, name: &str) -> Option<Arc<MessageQueue>> {
        let q = self.inner.read();
        let name = q.aliases.get(name).map_or(name, |t| &**t);
        q.by_name.get(name).cloned()
    }

    /// Makes `alias` another name of the queue `target` (Carbonite's
    /// `IMessageQueueFactory::addAlias`): `get` and `create_or_get` of `alias` answer `target`'s
    /// queue. An alias may not have aliases of its own and may not name an existing queue; the
    /// target need not exist yet.
    ///
    /// ```
    /// use cm_events::QueueFactory;
    /// let f = QueueFactory::default();
    /// let (bus, _) = f.create_or_get("messageBus", None);
    /// f.add_alias("legacyBus", "messageBus").unwrap();
    /// assert!(std::sync::Arc::ptr_eq(&f.get("legacyBus").unwrap(), &bus));
    /// assert!(f.add_alias("other", "legacyBus").is_err()); // no chains
    /// assert!(f.remove_alias("legacyBus"));
    /// assert!(f.get("legacyBus").is_none());
    /// ```
    pub fn add_alias(&self, alias: &str, target: &str) -> Result<(), QueueError> {
        let mut q = self.inner.write();
        let refuse = |reason: &'static str| QueueError::BadAlias {
            alias: alias.to_owned(),
            target: target.to_owned(),
            reason,
        };
        if alias == target {
            return Err(refuse("an alias cannot name itself"));
        }
        if q.aliases.contains_key(target) {
            return Err(refuse(
                "the target is itself an alias (an alias may not have aliases)",
            ));
        }
        if q.aliases.values().any(|t| &**t == alias) {
            return Err(refuse("the alias already has aliases of its own"));
        }
        if q.by_name.contains_key(alias) {
            return Err(refuse("a queue of that name exists"));
        }
        if let Some(existing) = q.aliases.get(alias) {
            return Err(if &**existing == target {
                refuse("already registered")
            } else {
                refuse("the alias already names another queue")
            });
        }
        q.aliases.insert(alias.into(), target.into());
        Ok(())
    }

    /// Removes the alias `alias` (Carbonite's `removeAlias`); false when there was none.
    pub fn remove_alias(&self, alias: &str) -> bool {
        self.inner.write().aliases.remove(alias).is_some()
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
