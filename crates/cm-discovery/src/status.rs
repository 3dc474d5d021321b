//! What the discovery actor reports: per-server status plus the addresses usable right now.

use std::time::Duration;

use crate::client::RejectedAddress;
use crate::error::DiscoveryError;

/// Where a discovery server's storage addresses stand.
///
/// Transitions: `Pending` → `Discovering { attempt: 1 }` → `Ready` or `Error`; after an `Error`
/// with `retry_in: Some(d)`, `Discovering { attempt + 1 }` follows after `d`; a refresh starts
/// again at `Discovering { attempt: 1 }` from any state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DiscoveryProgress {
    /// Not started yet.
    #[default]
    Pending,
    /// An attempt is in flight (1-based attempt number within the current round).
    Discovering {
        /// Attempt number within this round.
        attempt: u32,
    },
    /// The last attempt succeeded.
    Ready {
        /// The storage addresses, normalised, de-duplicated, in the server's order.
        addresses: Vec<String>,
        /// Entries the server sent that were not valid URLs.
        rejected: Vec<RejectedAddress>,
    },
    /// The last attempt failed.
    Error {
        /// What went wrong.
        error: DiscoveryError,
        /// The attempt that failed.
        attempt: u32,
        /// When the next attempt starts; `None` when the actor gave up (budget spent or the
        /// error is not retryable) until a refresh.
        retry_in: Option<Duration>,
    },
}

impl DiscoveryProgress {
    /// Short name of the state: `pending`, `discovering`, `ready` or `error`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Discovering { .. } => "discovering",
            Self::Ready { .. } => "ready",
            Self::Error { .. } => "error",
        }
    }

    /// Whether this is a final answer for the current round (`Ready`, or `Error` with no retry
    /// coming): what `ensure_connection` waits for.
    pub fn is_settled(&self) -> bool {
        matches!(
            self,
            Self::Ready { .. } | Self::Error { retry_in: None, .. }
        )
    }
}

/// Where [`KnownAddresses::addresses`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddressSource {
    /// Nothing known yet (no cache, no successful discovery).
    #[default]
    None,
    /// The cached addresses handed to the actor at start (from `omniverse.toml`).
    Cache,
    /// The most recent successful discovery (possibly older than a later failure).
    Discovery,
}

/// The best storage addresses to use right now for one discovery server: the last successful
/// discovery if there was one, else the cached addresses given at start. They stay usable while
/// a later discovery is pending, retrying or failed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KnownAddresses {
    /// The addresses.
    pub addresses: Vec<String>,
    /// Where they came from.
    pub source: AddressSource,
}

/// One report from a discovery actor to its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "actor",
    derive(actix::Message, actix::MessageResponse),
    rtype(result = "()")
)]
pub struct DiscoveryUpdate {
    /// The id the owner gave the actor.
    pub server_id: u64,
    /// Increases by one with every report of this actor, so an owner can drop stale ones.
    pub seq: u64,
    /// The new status.
    pub status: DiscoveryProgress,
    /// The addresses usable now (see [`KnownAddresses`]).
    pub known: KnownAddresses,
}
