//! Per-server connection status with only valid transitions.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;
use tokio::sync::{broadcast, watch};

use crate::status::{ConnectionStatus, InvalidTransition};

/// One status change, as seen on [`StatusBoard::changes`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    /// The server root.
    pub server_url: Arc<str>,
    /// The status before.
    pub from: ConnectionStatus,
    /// The status after.
    pub to: ConnectionStatus,
}

/// The status of every server a client has talked to. Readers never wait on writers for
/// long (one read lock and a watch borrow); only [`StatusBoard::transition`] changes a status,
/// and it refuses what the transition table forbids.
///
/// ```
/// use cm_manager::{ConnectionStatus::*, StatusBoard};
///
/// let board = StatusBoard::new();
/// let mut stream = board.subscribe("omniverse://h/");
/// assert_eq!(*stream.borrow_and_update(), Disconnected);
/// board.transition("omniverse://h/", Connecting).unwrap();
/// assert!(board.transition("omniverse://h/", SignedOut).is_ok());
/// assert!(board.transition("omniverse://h/", Connected).is_err()); // needs Connecting first
/// assert_eq!(*stream.borrow(), SignedOut);
/// ```
#[derive(Debug)]
pub struct StatusBoard {
    servers:
        RwLock<HashMap<Arc<str>, watch::Sender<ConnectionStatus>, foldhash::fast::RandomState>>,
    changes: broadcast::Sender<StatusChange>,
}

impl Default for StatusBoard {
    fn default() -> Self {
        Self::new()
    }
}

impl StatusBoard {
    /// An empty board: every server `Disconnected`.
    pub fn new() -> Self {
        Self {
            servers: RwLock::default(),
            changes: broadcast::channel(256).0,
        }
    }

    /// The status of `server_url` (`Disconnected` if never seen).
    pub fn get(&self, server_url: &str) -> ConnectionStatus {
        self.servers
            .read()
            .get(server_url)
            .map_or(ConnectionStatus::Disconnected, |tx| *tx.borrow())
    }

    fn sender(&self, server_url: &str) -> watch::Sender<ConnectionStatus> {
        if let Some(tx) = self.servers.read().get(server_url) {
            return tx.clone();
        }
        self.servers
            .write()
            .entry(Arc::from(server_url))
            .or_insert_with(|| watch::channel(ConnectionStatus::Disconnected).0)
            .clone()
    }

    /// The current status of `server_url`, then every change.
    pub fn subscribe(&self, server_url: &str) -> watch::Receiver<ConnectionStatus> {
        self.sender(server_url).subscribe()
    }

    /// Every change of every server, in order (lagging receivers lose the oldest).
    pub fn changes(&self) -> broadcast::Receiver<StatusChange> {
        self.changes.subscribe()
    }

    /// Moves `server_url` to `to`. Returns `Ok(false)` when it already is `to` (nothing
    /// reported), `Ok(true)` when it moved, and the refused step otherwise.
    pub fn transition(
        &self,
        server_url: &str,
        to: ConnectionStatus,
    ) -> Result<bool, InvalidTransition> {
        let tx = self.sender(server_url);
        let mut result = Ok(false);
        tx.send_if_modified(|current| {
            let from = *current;
            if from == to {
                return false;
            }
            if !from.can_transition_to(to) {
                result = Err(InvalidTransition { from, to });
                return false;
            }
            *current = to;
            result = Ok(true);
            let _ = self.changes.send(StatusChange {
                server_url: Arc::from(server_url),
                from,
                to,
            });
            true
        });
        if let Err(refused) = &result {
            tracing::debug!(server = %cm_url::redact(server_url), %refused, "status change refused");
        }
        result
    }
}
