//! Error types. Each says what was wrong and with which input.

use std::thread::ThreadId;

use crate::legacy_type::EventType;

/// A JSON value could not become a [`crate::Payload`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadError {
    /// Payloads are JSON objects.
    #[error("a payload must be a JSON object, found {found}")]
    NotAnObject {
        /// What was found instead.
        found: &'static str,
    },
    /// A key is new and the process-wide name table is full (see [`crate::NamesExhausted`]).
    #[error("payload key {key:?} cannot be interned: {source}")]
    TooManyNames {
        /// The first bytes of the key that did not fit.
        key: String,
        /// Why.
        #[source]
        source: crate::NamesExhausted,
    },
}

/// A message-queue operation failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueueError {
    /// No queue of that name exists (queues are created by run loops or the factory).
    #[error("message queue {name:?} does not exist")]
    NotFound {
        /// The queue name looked up.
        name: String,
    },
    /// Only the owning thread may pop, peek or pump an owned queue.
    #[error(
        "message queue {queue:?} is owned by thread {owner:?}; thread {caller:?} may not pop it"
    )]
    NotOwner {
        /// The queue name.
        queue: String,
        /// The owning thread.
        owner: ThreadId,
        /// The thread that tried.
        caller: ThreadId,
    },
    /// The queue was stopped; it takes no more messages and blocking pops return.
    #[error("message queue {queue:?} is stopped")]
    Stopped {
        /// The queue name.
        queue: String,
    },
    /// `push_and_wait` from the owning thread would wait for itself forever.
    #[error("push_and_wait on message queue {queue:?} from its owning thread would deadlock")]
    WouldDeadlock {
        /// The queue name.
        queue: String,
    },
    /// A queue alias was refused.
    #[error("cannot alias message queue {alias:?} to {target:?}: {reason}")]
    BadAlias {
        /// The alias name.
        alias: String,
        /// The target queue name.
        target: String,
        /// Why.
        reason: &'static str,
    },
    /// A queue of that name exists with a different owner than requested.
    #[error(
        "message queue {queue:?} already exists with owner {existing:?}, requested {requested:?}"
    )]
    OwnerMismatch {
        /// The queue name.
        queue: String,
        /// The existing queue's owner.
        existing: Option<ThreadId>,
        /// The owner asked for.
        requested: Option<ThreadId>,
    },
}

/// An alias registration failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AliasError {
    /// The type already maps to another name (an alias cannot have aliases).
    #[error(
        "event type {event_type} is already aliased to {existing:?}; cannot alias it to {requested:?}"
    )]
    TypeAlreadyAliased {
        /// The legacy type.
        event_type: EventType,
        /// The name it already maps to.
        existing: String,
        /// The name requested.
        requested: String,
    },
    /// This exact (type, name) pair is already registered (Kit's `register_event_alias`
    /// returns `False`).
    #[error("event type {event_type} is already aliased to {name:?}")]
    AlreadyRegistered {
        /// The legacy type.
        event_type: EventType,
        /// The name.
        name: String,
    },
}

/// A general event alias ([`crate::Dispatcher::add_event_alias`]) was not added.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EventAliasError {
    /// This exact alias already exists (Carbonite returns false).
    #[error("event {alias:?} is already an alias of {target:?}")]
    AlreadyRegistered {
        /// The alias name.
        alias: String,
        /// Its target.
        target: String,
    },
    /// The rules refuse it (chains, self-alias, an alias with observers of its own).
    #[error("cannot make event {alias:?} an alias of {target:?}: {reason}")]
    Refused {
        /// The alias name.
        alias: String,
        /// The target name.
        target: String,
        /// Why.
        reason: &'static str,
    },
}

/// No alias exists for a legacy type.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("event type {event_type} has no registered alias")]
pub struct NoAliasError {
    /// The legacy type.
    pub event_type: EventType,
}

/// Pushing a legacy event onto a run loop's message bus failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LegacyPushError {
    /// The type has no alias.
    #[error(transparent)]
    NoAlias(#[from] NoAliasError),
    /// The queue failed.
    #[error(transparent)]
    Queue(#[from] QueueError),
}
