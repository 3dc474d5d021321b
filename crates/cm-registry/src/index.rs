//! The URL -> server lookup index behind `find_server_for_url`.
//!
//! A lookup must stay cheap with thousands of servers, so every root (cached
//! discovery address or manual server root) is parsed once, when the index is
//! built, and bucketed by its origin (`scheme://host[:port]` as cm-url
//! normalises them). A lookup takes the one bucket for the URL's origin and
//! tests only the few roots in it. Within a bucket discovery addresses come
//! before manual servers, and a longer root before a shorter one, so the most
//! specific root of the preferred kind wins.
//!
//! Parsing the URL (cm-url, on top of the `url` crate) costs more than the
//! whole rest of a lookup, so URLs that `cm_url::plain` recognises as already
//! normal skip it (`RootPrefix::contains_plain`). Anything else (upper case,
//! percent escapes, user info, query, dot segments, IP addresses, other
//! schemes) takes the full `cm_url::parse` path. Origins and containment are
//! cm-url's (`ServerUrl::origin`, `RootPrefix`): this file only buckets.

use std::collections::HashMap;
use std::sync::Arc;

use cm_url::{RootPrefix, ServerUrl};

use crate::values::{DiscoveryServer, ManualServer, ServerMatch};

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
    /// The root as cm-url compares it.
    prefix: RootPrefix,
    target: Target,
}

/// Roots bucketed by origin; built once per published server table.
#[derive(Clone, Debug, Default)]
pub(crate) struct UrlIndex {
    buckets: FastMap<String, Vec<Candidate>>,
}

impl UrlIndex {
    pub(crate) fn build(discovery: &[Arc<DiscoveryServer>], manual: &[Arc<ManualServer>]) -> Self {
        let mut buckets: FastMap<String, Vec<Candidate>> = FastMap::default();
        let mut add = |root: &str, tier: u8, target: Target| {
            // Stored URLs are normalised, so they parse; a root that does not
            // cannot own anything and is left out.
            if let Ok(root) = cm_url::parse(root) {
                let key = root.origin().into_owned();
                let prefix = RootPrefix::new(&root);
                buckets.entry(key).or_default().push(Candidate {
                    tier,
                    root,
                    prefix,
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
        let hit = match cm_url::plain(url) {
            Some(plain) => {
                let bucket = self.buckets.get(plain.origin())?;
                bucket.iter().find(|c| c.prefix.contains_plain(plain))?
            }
            None => {
                let url = cm_url::parse(url).ok()?;
                let bucket = self.buckets.get(&*url.origin())?;
                bucket.iter().find(|c| c.prefix.contains(&url))?
            }
        };
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
    use crate::values::DiscoveryStatus;

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
    fn the_plain_fast_path_agrees_with_cm_url() {
        let roots = [
            "omniverse://h/",
            "omniverse://h:3009/",
            "https://acct.blob.core.windows.net/a/",
            "https://s3.amazonaws.com/bucket/",
            "http://example.com:8080/",
        ];
        let urls = [
            "omniverse://h/a/b.usd",
            "omniverse://h",
            "omniverse://h/",
            "omniverse://h:3009/x",
            "omniverse://h:03009/x",
            "omniverse://H/x",
            "omniverse://h//x",
            "omniverse://h/./x",
            "omniverse://h/a/../x",
            "omniverse://h/%41",
            "omniverse://user@h/x",
            "omniverse://h./x",
            "omniverse://xn--bcher-kva.example/",
            "omniverse://h/x?q=1#f",
            "omniverse://h/x?q=a b",
            "https://acct.blob.core.windows.net/a",
            "https://acct.blob.core.windows.net/ab/x",
            "https://s3.amazonaws.com/bucket",
            "https://s3.amazonaws.com:443/bucket/x",
            "http://example.com:8080/x",
            "http://example.com:80/x",
            "http://127.0.0.1:8080/x",
            "omniverse://h/ä",
        ];
        for root in roots {
            let parsed = cm_url::parse(root).unwrap();
            let prefix = RootPrefix::new(&parsed);
            for url in urls {
                if let Some(plain) = cm_url::plain(url) {
                    assert_eq!(
                        prefix.contains_plain(plain),
                        cm_url::is_under(url, root),
                        "{url} under {root}"
                    );
                    assert_eq!(
                        cm_url::normalize(url).ok().as_deref(),
                        Some(plain.as_str()),
                        "{url}"
                    );
                }
            }
        }
        assert!(cm_url::plain("omniverse://h/a/b.usd").is_some());
        assert!(cm_url::plain("OMNIVERSE://h/").is_none());
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
        assert_eq!(
            hit("https://user:pw@acct.blob.core.windows.net:443/a"),
            Some(3)
        );
        assert_eq!(hit("omniverse://other/x"), None);
        assert_eq!(hit("not a url"), None);
    }

    #[test]
    fn two_containers_of_one_account_are_two_servers() {
        let m = vec![
            manual(1, "az://c@acct/"),
            manual(2, "az://d@acct/"),
            manual(3, "abfss://c@acct.dfs.core.windows.net/"),
        ];
        let index = UrlIndex::build(&[], &m);
        let hit = |u: &str| index.find(u, &[], &m).map(|s| s.id().get());
        assert_eq!(hit("az://c@acct/x/y.parquet"), Some(1));
        assert_eq!(hit("AZ://d@ACCT/x"), Some(2));
        assert_eq!(hit("az://acct/x"), None);
        assert_eq!(
            hit("abfss://c@acct.dfs.core.windows.net/dir/a b.csv"),
            Some(3)
        );
        assert_eq!(hit("abfss://d@acct.dfs.core.windows.net/dir"), None);
    }
}
