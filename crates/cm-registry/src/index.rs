//! The URL -> server lookup index behind `find_server_for_url`.
//!
//! A lookup must stay cheap with thousands of servers, so every root (cached
//! discovery address or manual server root) is parsed once, when the index is
//! built, and bucketed by its origin (`scheme://host[:port]` as cm-url
//! normalises them). A lookup parses the URL once, takes the one bucket for its
//! origin and asks cm-url's `ServerUrl::is_under` only about the few roots in
//! it. Within a bucket discovery addresses come before manual servers, and a
//! longer root before a shorter one, so the most specific root of the
//! preferred kind wins.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use cm_url::ServerUrl;

use crate::model::{DiscoveryServer, ManualServer, ServerMatch};

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

#[derive(Clone, Debug)]
enum Target {
    Discovery { server: usize, address: usize },
    Manual(usize),
}

#[derive(Clone, Debug)]
struct Candidate {
    /// 0 for discovery addresses, 1 for manual servers.
    tier: u8,
    root: ServerUrl,
    target: Target,
}

/// Roots bucketed by origin; built once per published server table.
#[derive(Clone, Debug, Default)]
pub(crate) struct UrlIndex {
    buckets: FastMap<String, Vec<Candidate>>,
}

/// The origin of a parsed URL: the bucket it belongs to.
fn origin_key(url: &ServerUrl, out: &mut String) {
    out.clear();
    out.push_str(url.scheme());
    out.push_str("://");
    out.push_str(url.host());
    if let Some(port) = url.port() {
        let _ = write!(out, ":{port}");
    }
}

impl UrlIndex {
    pub(crate) fn build(discovery: &[Arc<DiscoveryServer>], manual: &[Arc<ManualServer>]) -> Self {
        let mut buckets: FastMap<String, Vec<Candidate>> = FastMap::default();
        let mut key = String::new();
        let mut add = |root: &str, tier: u8, target: Target| {
            // Stored URLs are normalised, so they parse; a root that does not
            // cannot own anything and is left out.
            if let Ok(root) = cm_url::parse(root) {
                origin_key(&root, &mut key);
                buckets.entry(key.clone()).or_default().push(Candidate {
                    tier,
                    root,
                    target,
                });
            }
        };
        for (server, d) in discovery.iter().enumerate() {
            for (address, root) in d.cached_addresses.iter().enumerate() {
                add(root, 0, Target::Discovery { server, address });
            }
        }
        for (i, m) in manual.iter().enumerate() {
            add(&m.url, 1, Target::Manual(i));
        }
        for bucket in buckets.values_mut() {
            // Stable sort: equal roots keep display order.
            bucket.sort_by(|a, b| {
                a.tier
                    .cmp(&b.tier)
                    .then(b.root.as_str().len().cmp(&a.root.as_str().len()))
            });
        }
        Self { buckets }
    }

    pub(crate) fn find(
        &self,
        url: &str,
        discovery: &[Arc<DiscoveryServer>],
        manual: &[Arc<ManualServer>],
    ) -> Option<ServerMatch> {
        if self.buckets.is_empty() {
            return None;
        }
        let url = cm_url::parse(url).ok()?;
        let mut key = String::with_capacity(64);
        origin_key(&url, &mut key);
        let bucket = self.buckets.get(&key)?;
        let hit = bucket.iter().find(|c| url.is_under(&c.root))?;
        Some(match hit.target {
            Target::Discovery { server, address } => {
                let server = discovery.get(server)?.clone();
                let address = server.cached_addresses.get(address)?.clone();
                ServerMatch::Discovery { server, address }
            }
            Target::Manual(i) => ServerMatch::Manual(manual.get(i)?.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ServerId;
    use crate::model::DiscoveryStatus;

    fn manual(id: u64, url: &str) -> Arc<ManualServer> {
        Arc::new(ManualServer {
            id: ServerId(id),
            name: format!("m{id}").into(),
            url: url.into(),
            kind: cm_url::kind(url).unwrap(),
        })
    }

    fn discovery(id: u64, addresses: &[&str]) -> Arc<DiscoveryServer> {
        Arc::new(DiscoveryServer {
            id: ServerId(id),
            name: format!("d{id}").into(),
            url: format!("https://discovery{id}.example/").into(),
            cached_addresses: addresses.iter().map(|a| Arc::from(*a)).collect(),
            status: DiscoveryStatus::Ready,
        })
    }

    #[test]
    fn discovery_beats_manual_and_longer_roots_win() {
        let d = vec![discovery(1, &["omniverse://shared/"])];
        let m = vec![
            manual(2, "omniverse://shared/"),
            manual(3, "https://acct.blob.core.windows.net/a/"),
            manual(4, "https://acct.blob.core.windows.net/ab/"),
        ];
        let index = UrlIndex::build(&d, &m);
        let hit = |u: &str| index.find(u, &d, &m).map(|s| s.id().get());
        assert_eq!(hit("OMNIVERSE://Shared/x.usd"), Some(1));
        assert_eq!(hit("https://acct.blob.core.windows.net/ab/k"), Some(4));
        assert_eq!(hit("https://acct.blob.core.windows.net/a/k"), Some(3));
        assert_eq!(hit("https://acct.blob.core.windows.net/abc/k"), None);
        assert_eq!(hit("https://user:pw@acct.blob.core.windows.net:443/a"), Some(3));
        assert_eq!(hit("omniverse://other/x"), None);
        assert_eq!(hit("not a url"), None);
    }
}
