//! [`DiscoveryActor`]: one discovery server, discovered in the background with retries, every
//! change reported to the owner as a [`DiscoveryUpdate`].
//!
//! The actor never touches registry state: it only sends messages to the `Recipient` it was
//! given (the Rust form of omni.client's callback + `call_soon_threadsafe`).

use std::sync::Arc;
use std::time::Instant;

use actix::prelude::*;

use crate::client::{Discovered, DiscoveryClient};
use crate::error::DiscoveryError;
use crate::retry::{Backoff, RetryPolicy};
use crate::status::{AddressSource, DiscoveryProgress, DiscoveryUpdate, KnownAddresses};

/// How to run discovery for one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryActorConfig {
    /// Owner-chosen id echoed in every [`DiscoveryUpdate`].
    pub server_id: u64,
    /// The discovery URL.
    pub discovery_url: String,
    /// Addresses known from an earlier run (e.g. `cached_addresses` in `omniverse.toml`),
    /// reported as usable until a discovery succeeds.
    pub cached_addresses: Vec<String>,
    /// Retry timing for retryable failures.
    pub retry: RetryPolicy,
    /// Seed for the retry jitter (reproducible tests); `None` seeds from the OS.
    pub jitter_seed: Option<u64>,
}

impl DiscoveryActorConfig {
    /// A config with no cache, the default retry policy and OS-seeded jitter.
    pub fn new(server_id: u64, discovery_url: impl Into<String>) -> Self {
        Self {
            server_id,
            discovery_url: discovery_url.into(),
            cached_addresses: Vec::new(),
            retry: RetryPolicy::default(),
            jitter_seed: None,
        }
    }

    /// Sets the cached addresses.
    #[must_use]
    pub fn with_cached_addresses(mut self, addresses: Vec<String>) -> Self {
        self.cached_addresses = addresses;
        self
    }

    /// Sets the retry policy.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
}

/// Start a new discovery round now: cancels a pending retry or an attempt in flight and begins
/// again at attempt 1 with a fresh retry budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Message)]
#[rtype(result = "()")]
pub struct Refresh;

/// Asks for the current status (as the last [`DiscoveryUpdate`] sent, or `Pending` before any).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Message)]
#[rtype(result = "DiscoveryUpdate")]
pub struct GetStatus;

/// Stops the actor (no further updates are sent). Send it when the server is removed: dropping
/// every `Addr` alone stops the actor only once nothing is pending, so a scheduled retry would
/// still run and report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Message)]
#[rtype(result = "()")]
pub struct StopDiscovery;

/// Discovers one server's storage addresses in the background; see the module docs.
///
/// On start it reports `Pending` (with the cached addresses), then `Discovering { attempt: 1 }`,
/// then `Ready` or `Error`; retryable errors are retried on the [`RetryPolicy`] schedule, each
/// retry reported as `Discovering`. If the owner's recipient goes away the actor stops.
///
/// ```
/// use std::sync::Arc;
/// use actix::prelude::*;
/// use cm_discovery::{DiscoveryActor, DiscoveryActorConfig, DiscoveryUpdate, HttpDiscoveryClient};
///
/// struct Owner;
/// impl Actor for Owner { type Context = Context<Self>; }
/// impl Handler<DiscoveryUpdate> for Owner {
///     type Result = ();
///     fn handle(&mut self, update: DiscoveryUpdate, _: &mut Context<Self>) {
///         println!("server {} is {}", update.server_id, update.status.name());
///     }
/// }
///
/// # actix::System::new().block_on(async {
/// let owner = Owner.start();
/// let client = Arc::new(HttpDiscoveryClient::new(Default::default()).unwrap());
/// let config = DiscoveryActorConfig::new(7, "http://127.0.0.1:9/discovery");
/// let discovery = DiscoveryActor::new(config, client, owner.recipient()).start();
/// let now = discovery.send(cm_discovery::GetStatus).await.unwrap();
/// assert_eq!(now.server_id, 7);
/// # });
/// ```
pub struct DiscoveryActor {
    config: DiscoveryActorConfig,
    client: Arc<dyn DiscoveryClient>,
    recipient: Recipient<DiscoveryUpdate>,
    last: DiscoveryUpdate,
    backoff: Backoff,
    round_started: Instant,
    attempt: u32,
    /// The attempt in flight or the timer of the next retry.
    pending: Option<SpawnHandle>,
}

impl std::fmt::Debug for DiscoveryActor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscoveryActor")
            .field("server_id", &self.config.server_id)
            .field("discovery_url", &cm_url::redact(&self.config.discovery_url))
            .field("status", &self.last.status)
            .finish_non_exhaustive()
    }
}

impl DiscoveryActor {
    /// An actor for one discovery server; call `.start()` to run it.
    pub fn new(
        config: DiscoveryActorConfig,
        client: Arc<dyn DiscoveryClient>,
        recipient: Recipient<DiscoveryUpdate>,
    ) -> Self {
        let known = if config.cached_addresses.is_empty() {
            KnownAddresses::default()
        } else {
            KnownAddresses {
                addresses: config.cached_addresses.clone(),
                source: AddressSource::Cache,
            }
        };
        let backoff = new_backoff(&config);
        Self {
            last: DiscoveryUpdate {
                server_id: config.server_id,
                seq: 0,
                status: DiscoveryProgress::Pending,
                known,
            },
            config,
            client,
            recipient,
            backoff,
            round_started: Instant::now(),
            attempt: 0,
            pending: None,
        }
    }

    fn report(&mut self, status: DiscoveryProgress, ctx: &mut Context<Self>) {
        if let DiscoveryProgress::Ready { addresses, .. } = &status {
            self.last.known = KnownAddresses {
                addresses: addresses.clone(),
                source: AddressSource::Discovery,
            };
        }
        self.last.seq += 1;
        self.last.status = status;
        tracing::debug!(
            server_id = self.config.server_id,
            discovery_url = %cm_url::redact(&self.config.discovery_url),
            status = self.last.status.name(),
            "discovery status"
        );
        if !self.recipient.connected() {
            tracing::debug!(
                server_id = self.config.server_id,
                "discovery owner gone; stopping"
            );
            ctx.stop();
            return;
        }
        self.recipient.do_send(self.last.clone());
    }

    fn start_round(&mut self, ctx: &mut Context<Self>) {
        if let Some(handle) = self.pending.take() {
            ctx.cancel_future(handle);
        }
        self.backoff = new_backoff(&self.config);
        self.round_started = Instant::now();
        self.attempt = 0;
        self.start_attempt(ctx);
    }

    fn start_attempt(&mut self, ctx: &mut Context<Self>) {
        self.attempt += 1;
        self.report(
            DiscoveryProgress::Discovering {
                attempt: self.attempt,
            },
            ctx,
        );
        let client = Arc::clone(&self.client);
        let url = self.config.discovery_url.clone();
        let work = async move { client.discover(&url).await };
        let handle = ctx.spawn(
            work.into_actor(self)
                .map(|result, actor, ctx| actor.finish_attempt(result, ctx)),
        );
        self.pending = Some(handle);
    }

    fn finish_attempt(
        &mut self,
        result: Result<Discovered, DiscoveryError>,
        ctx: &mut Context<Self>,
    ) {
        self.pending = None;
        let error = match result {
            Ok(found) => {
                self.report(
                    DiscoveryProgress::Ready {
                        addresses: found.addresses,
                        rejected: found.rejected,
                    },
                    ctx,
                );
                return;
            }
            Err(error) => error,
        };
        let retry_in = if error.is_retryable() {
            self.backoff.next_delay(self.round_started.elapsed())
        } else {
            None
        };
        // One warning per round, when giving up; the retries themselves are routine.
        if retry_in.is_some() {
            tracing::debug!(
                server_id = self.config.server_id,
                attempt = self.attempt,
                ?retry_in,
                %error,
                "discovery attempt failed; retrying"
            );
        } else {
            tracing::warn!(
                server_id = self.config.server_id,
                attempt = self.attempt,
                %error,
                "discovery failed; not retrying until a refresh"
            );
        }
        self.report(
            DiscoveryProgress::Error {
                error,
                attempt: self.attempt,
                retry_in,
            },
            ctx,
        );
        if let Some(delay) = retry_in {
            let handle = ctx.run_later(delay, |actor, ctx| {
                actor.pending = None;
                actor.start_attempt(ctx);
            });
            self.pending = Some(handle);
        }
    }
}

fn new_backoff(config: &DiscoveryActorConfig) -> Backoff {
    match config.jitter_seed {
        Some(seed) => config.retry.backoff_seeded(seed),
        None => config.retry.backoff(),
    }
}

impl Actor for DiscoveryActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let pending = self.last.status.clone();
        self.report(pending, ctx);
        self.start_round(ctx);
    }
}

impl Handler<Refresh> for DiscoveryActor {
    type Result = ();

    fn handle(&mut self, _: Refresh, ctx: &mut Context<Self>) {
        self.start_round(ctx);
    }
}

impl Handler<GetStatus> for DiscoveryActor {
    type Result = DiscoveryUpdate;

    fn handle(&mut self, _: GetStatus, _: &mut Context<Self>) -> DiscoveryUpdate {
        self.last.clone()
    }
}

impl Handler<StopDiscovery> for DiscoveryActor {
    type Result = ();

    fn handle(&mut self, _: StopDiscovery, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}
