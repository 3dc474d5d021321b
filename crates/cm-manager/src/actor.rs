//! The [`ConnectionManager`] actor: shares connection attempts, waits for discoveries, signs
//! out, and announces successful connections.
//!
//! Attempts run as futures on the actor's arbiter (they need its tokio runtime for sockets and
//! timers); the actor keeps one shared future per server root in flight, so concurrent
//! `ensure_connection` calls for one server make one attempt. Most callers use
//! [`ManagerHandle`](crate::ManagerHandle), which answers http(s) URLs and already-connected
//! servers without a round trip.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use cm_discovery::RetryPolicy;
use cm_events::{Dispatcher, Payload};
use cm_registry::events::CONNECTION_SUCCEEDED_EVENT;
use cm_registry::{RegistryHandle, ServerId};
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};

use crate::ensure::connect_nucleus;
use crate::error::{EnsureError, Reachable};
use crate::storage::StorageClient;

/// The result every waiter of one attempt gets.
pub type EnsureResult = Result<Reachable, EnsureError>;

type SharedAttempt = Shared<BoxFuture<'static, EnsureResult>>;

/// The actor. Start it through [`ManagerHandle`](crate::ManagerHandle).
pub struct ConnectionManager {
    client: Arc<dyn StorageClient>,
    registry: RegistryHandle,
    dispatcher: Dispatcher,
    retry: RetryPolicy,
    in_flight: HashMap<String, SharedAttempt>,
}

impl std::fmt::Debug for ConnectionManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionManager")
            .field("retry", &self.retry)
            .field("in_flight", &self.in_flight.len())
            .finish_non_exhaustive()
    }
}

impl ConnectionManager {
    pub(crate) fn new(
        client: Arc<dyn StorageClient>,
        registry: RegistryHandle,
        dispatcher: Dispatcher,
        retry: RetryPolicy,
    ) -> Self {
        Self {
            client,
            registry,
            dispatcher,
            retry,
            in_flight: HashMap::new(),
        }
    }
}

impl Actor for ConnectionManager {
    type Context = Context<Self>;
}

/// Connects to a Nucleus server (shared with any attempt in flight for the same root).
#[derive(Debug, Clone, Message)]
#[rtype(result = "EnsureResult")]
pub struct EnsureNucleus {
    /// The URL asked about (goes into the success event, redacted).
    pub url: String,
    /// Its server root.
    pub root: String,
    /// Drop the connection state first (reconnect).
    pub fresh: bool,
}

impl Handler<EnsureNucleus> for ConnectionManager {
    type Result = ResponseFuture<EnsureResult>;

    fn handle(&mut self, msg: EnsureNucleus, ctx: &mut Context<Self>) -> Self::Result {
        if let Some(attempt) = self.in_flight.get(&msg.root) {
            return Box::pin(attempt.clone());
        }
        // A caller that saw the server unconnected may arrive just after an attempt finished.
        if !msg.fresh && self.client.status(&msg.root) == crate::ConnectionStatus::Connected {
            return Box::pin(std::future::ready(Ok(Reachable::AlreadyConnected)));
        }
        let client = self.client.clone();
        let retry = self.retry;
        let dispatcher = self.dispatcher.clone();
        let (url, root) = (msg.url, msg.root.clone());
        let attempt: BoxFuture<'static, EnsureResult> = async move {
            let result = connect_nucleus(&*client, &root, retry, msg.fresh).await;
            match &result {
                Ok(_) => {
                    let payload = Payload::new()
                        .with("url", cm_url::redact(&url))
                        .with("server_url", cm_url::redact(&root));
                    dispatcher.dispatch(CONNECTION_SUCCEEDED_EVENT, payload);
                    tracing::info!(server = %cm_url::redact(&root), "connected");
                }
                // The answerer that ended the sign-in logs why (rejected, cancelled, nothing to
                // answer with); a generic "was aborted" warning would contradict it.
                Err(error @ EnsureError::AuthAborted { .. }) => {
                    tracing::debug!(%error, "connection failed")
                }
                Err(error) => tracing::warn!(%error, "connection failed"),
            }
            result
        }
        .boxed();
        let shared = attempt.shared();
        self.in_flight.insert(msg.root.clone(), shared.clone());
        // The actor drives the attempt to the end even if every caller gives up waiting.
        let root = msg.root;
        ctx.spawn(shared.clone().into_actor(self).map(move |_, act, _| {
            act.in_flight.remove(&root);
        }));
        Box::pin(shared)
    }
}

/// Waits until a discovery server's discovery settles (or `timeout` passes).
#[derive(Debug, Clone, Message)]
#[rtype(result = "EnsureResult")]
pub struct WaitForDiscovery {
    /// The discovery server.
    pub id: ServerId,
    /// Its name (for messages).
    pub name: String,
    /// How long to wait.
    pub timeout: Duration,
}

impl Handler<WaitForDiscovery> for ConnectionManager {
    type Result = ResponseFuture<EnsureResult>;

    fn handle(&mut self, msg: WaitForDiscovery, _: &mut Context<Self>) -> Self::Result {
        let registry = self.registry.clone();
        Box::pin(async move {
            let id = msg.id;
            let settled = registry.wait_for(move |snapshot| {
                snapshot
                    .discovery_server(id)
                    .is_none_or(|server| server.status.is_settled())
            });
            let server = msg.name;
            let Ok(snapshot) = tokio::time::timeout(msg.timeout, settled).await else {
                return Err(EnsureError::DiscoveryTimeout {
                    server,
                    timeout: msg.timeout,
                });
            };
            let status = snapshot.and_then(|s| s.discovery_server(id).map(|d| d.status.clone()));
            match status {
                Some(cm_registry::DiscoveryStatus::Ready) => Ok(Reachable::Discovered { server }),
                Some(status) => Err(EnsureError::DiscoveryFailed {
                    server,
                    reason: status.error().unwrap_or("not discovered").to_owned(),
                }),
                None => Err(EnsureError::DiscoveryFailed {
                    server,
                    reason: "the discovery server was removed".to_owned(),
                }),
            }
        })
    }
}

/// Signs out of the Nucleus server at `root`.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct SignOut {
    /// The server root.
    pub root: String,
}

impl Handler<SignOut> for ConnectionManager {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, msg: SignOut, _: &mut Context<Self>) -> Self::Result {
        let client = self.client.clone();
        Box::pin(async move { client.sign_out(&msg.root).await })
    }
}

/// Reconnects to the Nucleus server at `root` in the background (answers at once).
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct Reconnect {
    /// The URL asked about.
    pub url: String,
    /// Its server root.
    pub root: String,
}

impl Handler<Reconnect> for ConnectionManager {
    type Result = ();

    fn handle(&mut self, msg: Reconnect, ctx: &mut Context<Self>) {
        let attempt = self.handle(
            EnsureNucleus {
                url: msg.url,
                root: msg.root,
                fresh: true,
            },
            ctx,
        );
        ctx.spawn(attempt.map(|_| ()).into_actor(self));
    }
}

/// Stops the actor (the handle's `shutdown` sends it when it does not own the System).
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct StopManager;

impl Handler<StopManager> for ConnectionManager {
    type Result = ();

    fn handle(&mut self, _: StopManager, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}
