//! What `ensure_connection` has to do for a URL, remembered per input string.
//!
//! Classifying a URL means a full cm-url parse (about 1 µs) plus a lookup of the discovery
//! servers; callers ask about the same few URLs again and again. The answer depends only on the
//! input string and on the registry's servers, so it is cached keyed by the string and stamped
//! with the registry snapshot generation it was computed at: any registry change (a discovery
//! server added, its addresses or status updated) makes every entry stale. cm-url stays the
//! only code that parses URLs; the cache only remembers its answers.

use std::collections::HashMap;
use std::sync::Arc;

use cm_registry::{RegistryHandle, ServerMatch};
use cm_url::UrlKind;
use parking_lot::RwLock;

use crate::error::EnsureError;

/// Entries kept before the cache starts over (a bound, not a tuning knob).
const MAX_ENTRIES: usize = 4096;

/// What to do for a URL.
#[derive(Clone, Debug)]
pub(crate) enum Route {
    /// Not `omniverse://` and under no discovery server: reachable at once.
    Web,
    /// A Nucleus server: connect to this root (with the normalised URL for the event).
    Nucleus {
        root: Arc<str>,
        normalized: Arc<str>,
    },
    /// Under a discovery server's addresses: wait for it (not cached: its status moves).
    Discovery(ServerMatch),
}

type Map = HashMap<Box<str>, (u64, Route), foldhash::fast::RandomState>;

/// The cache of [`Route`]s.
#[derive(Default)]
pub(crate) struct RouteCache {
    entries: RwLock<Map>,
}

impl RouteCache {
    /// The route for `url` as of the registry's current snapshot.
    pub(crate) fn route(&self, url: &str, registry: &RegistryHandle) -> Result<Route, EnsureError> {
        let generation = registry.reader().with(|s| s.generation());
        if let Some((stamp, route)) = self.entries.read().get(url)
            && *stamp == generation
        {
            return Ok(route.clone());
        }
        let route = compute(url, registry)?;
        if !matches!(route, Route::Discovery(_)) {
            let mut entries = self.entries.write();
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(url.into(), (generation, route.clone()));
        }
        Ok(route)
    }
}

fn compute(url: &str, registry: &RegistryHandle) -> Result<Route, EnsureError> {
    let parsed = cm_url::parse(url).map_err(|e| EnsureError::InvalidUrl(e.to_string()))?;
    if let Some(found @ ServerMatch::Discovery { .. }) = registry.find_server_for_url(url) {
        return Ok(Route::Discovery(found));
    }
    if parsed.kind() != UrlKind::Nucleus {
        return Ok(Route::Web);
    }
    Ok(Route::Nucleus {
        root: parsed.server_root().into(),
        normalized: parsed.into_string().into(),
    })
}
