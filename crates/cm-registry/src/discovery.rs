//! Running one cm-discovery actor per discovery server and reading its reports.

use std::collections::HashMap;
use std::sync::Arc;

use actix::{Actor, Addr, Recipient};
use cm_discovery::{
    DiscoveryActor, DiscoveryActorConfig, DiscoveryClient, DiscoveryProgress as Reported,
    DiscoveryUpdate, HttpDiscoveryClient, HttpDiscoveryConfig, Refresh, RetryPolicy, StopDiscovery,
};

use crate::ids::ServerId;
use crate::values::{DiscoveryServer, DiscoveryStatus};

/// The discovery actors of one registry, by server.
pub(crate) struct DiscoveryRunner {
    enabled: bool,
    client: Result<Arc<dyn DiscoveryClient>, String>,
    retry: RetryPolicy,
    actors: HashMap<ServerId, Addr<DiscoveryActor>>,
}

impl DiscoveryRunner {
    pub(crate) fn new(
        enabled: bool,
        client: Option<Arc<dyn DiscoveryClient>>,
        retry: RetryPolicy,
    ) -> Self {
        let client = match client {
            Some(client) => Ok(client),
            None if !enabled => Err("discovery is off".to_owned()),
            None => HttpDiscoveryClient::new(HttpDiscoveryConfig::default())
                .map(|c| Arc::new(c) as Arc<dyn DiscoveryClient>)
                .map_err(|e| {
                    tracing::error!(error = %e, "no HTTP discovery client; discovery servers will report an error");
                    e.to_string()
                }),
        };
        Self {
            enabled,
            client,
            retry,
            actors: HashMap::new(),
        }
    }

    /// Starts discovery for `server`. Returns the status to record when the
    /// actor cannot be started (no client).
    pub(crate) fn start(
        &mut self,
        server: &DiscoveryServer,
        owner: Recipient<DiscoveryUpdate>,
    ) -> Option<DiscoveryStatus> {
        if !self.enabled {
            return None;
        }
        let client = match &self.client {
            Ok(client) => client.clone(),
            Err(reason) => {
                return Some(DiscoveryStatus::Error {
                    reason: reason.as_str().into(),
                    will_retry: false,
                });
            }
        };
        let config = DiscoveryActorConfig::new(server.id.get(), server.url.to_string())
            .with_cached_addresses(
                server
                    .cached_addresses
                    .iter()
                    .map(|a| a.to_string())
                    .collect(),
            )
            .with_retry(self.retry);
        let addr = DiscoveryActor::new(config, client, owner).start();
        if let Some(old) = self.actors.insert(server.id, addr) {
            old.do_send(StopDiscovery);
        }
        None
    }

    pub(crate) fn stop(&mut self, id: ServerId) {
        if let Some(addr) = self.actors.remove(&id) {
            addr.do_send(StopDiscovery);
        }
    }

    pub(crate) fn stop_all(&mut self) {
        for (_, addr) in self.actors.drain() {
            addr.do_send(StopDiscovery);
        }
    }

    /// Starts a new round for `id` (or every server); false when `id` has no actor.
    pub(crate) fn refresh(&self, id: Option<ServerId>) -> bool {
        match id {
            Some(id) => match self.actors.get(&id) {
                Some(addr) => {
                    addr.do_send(Refresh);
                    true
                }
                None => false,
            },
            None => {
                self.actors.values().for_each(|a| a.do_send(Refresh));
                true
            }
        }
    }
}

/// The registry's reading of a report: the status, plus the new cached
/// addresses when discovery succeeded.
///
/// The addresses become `cached_addresses` in omniverse.toml, so each one passes
/// [`cm_discovery::storage_address`] here again, whatever [`DiscoveryClient`] produced it:
/// an address carrying a credential or naming local files is never stored (the HTTP client
/// has already refused and reported those; this keeps any other client to the same rule).
pub(crate) fn read_update(update: &DiscoveryUpdate) -> (DiscoveryStatus, Option<Arc<[Arc<str>]>>) {
    match &update.status {
        Reported::Pending => (DiscoveryStatus::Pending, None),
        Reported::Discovering { .. } => (DiscoveryStatus::Discovering, None),
        Reported::Ready { addresses, .. } => {
            let addresses = addresses
                .iter()
                .filter_map(|a| match cm_discovery::storage_address(a) {
                    Ok(address) => Some(Arc::from(address)),
                    Err(refused) => {
                        tracing::warn!(
                            target: cm_discovery::REFUSED_TARGET,
                            server_id = update.server_id,
                            "discovery listed storage address {} which is not kept: {}",
                            refused.address,
                            refused.reason
                        );
                        None
                    }
                })
                .collect();
            (DiscoveryStatus::Ready, Some(addresses))
        }
        Reported::Error {
            error, retry_in, ..
        } => (
            DiscoveryStatus::Error {
                reason: error.to_string().into(),
                will_retry: retry_in.is_some(),
            },
            None,
        ),
    }
}
