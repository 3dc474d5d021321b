//! Turning the file's sections into the registry's terms.
//!
//! URLs are normalised with the same rules as requests (see `url_policy`), so
//! that a hand-written `OMNIVERSE://Host` and the registry's own
//! `omniverse://host/` are the same entry to the diff. Entries the registry
//! cannot use (a URL that does not parse, a second spelling of a server already
//! listed) are left out of memory but never out of the file; each one becomes
//! a warning in the snapshot's storage status.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use cm_toml_store::{Loaded, Sections};

use crate::diff::{FileDiscovery, FileModel, FileServer};
use crate::state::RegistryState;
use crate::url_policy;
use crate::values::Bookmark;

/// The usable content of a loaded file, plus one warning line per problem.
pub(crate) fn from_loaded(loaded: &Loaded, current: &RegistryState) -> (FileModel, Vec<String>) {
    let mut warnings: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
    let model = from_sections(&loaded.sections, current, &mut warnings);
    (model, warnings)
}

/// Display name for a server entry whose name is blank.
fn server_name(name: &str, url: &str) -> Arc<str> {
    if name.trim().is_empty() {
        cm_url::fallback_name_for_url(url).into()
    } else {
        name.into()
    }
}

pub(crate) fn from_sections(
    sections: &Sections,
    current: &RegistryState,
    warnings: &mut Vec<String>,
) -> FileModel {
    // A URL already held in memory is in normalised form, and normalisation is
    // idempotent, so it needs no second parse: this keeps reloads of big
    // bookmark lists cheap.
    let known: HashMap<&str, &Arc<str>> = current
        .bookmarks
        .iter()
        .map(|b| (&*b.url, &b.url))
        .collect();
    let mut bookmarks = Vec::with_capacity(sections.bookmarks.len());
    for b in &sections.bookmarks {
        let url = match known.get(b.url.as_str()) {
            Some(url) => Arc::clone(url),
            None => match url_policy::normalize(&b.url) {
                Ok(url) => url.into(),
                Err(e) => {
                    warnings.push(format!("[bookmarks] {:?}: {e}; ignored", b.name));
                    continue;
                }
            },
        };
        bookmarks.push(Bookmark::new(b.name.as_str(), url));
    }

    let mut manual = Vec::with_capacity(sections.servers.len());
    let mut seen: HashSet<Arc<str>> = HashSet::new();
    for s in &sections.servers {
        match url_policy::manual_server_root(&s.url) {
            Ok((root, kind)) => {
                let root: Arc<str> = root.into();
                if !seen.insert(root.clone()) {
                    warnings.push(format!(
                        "[servers] {:?}: same server as an earlier entry; ignored",
                        url_policy::redact(&s.url)
                    ));
                    continue;
                }
                manual.push(FileServer {
                    name: server_name(&s.name, &s.url),
                    url: root,
                    written_as: s.url.as_str().into(),
                    kind,
                });
            }
            Err(e) => warnings.push(format!("[servers] {e}; ignored")),
        }
    }

    let mut discovery = Vec::with_capacity(sections.discovery_servers.len());
    let mut seen: HashSet<Arc<str>> = HashSet::new();
    for d in &sections.discovery_servers {
        let url: Arc<str> = match url_policy::normalize_discovery(&d.url) {
            Ok(url) => url.into(),
            Err(e) => {
                warnings.push(format!("[[discovery_servers]] {:?}: {e}; ignored", d.name));
                continue;
            }
        };
        if !seen.insert(url.clone()) {
            warnings.push(format!(
                "[[discovery_servers]] {:?}: same URL as an earlier entry; ignored",
                d.name
            ));
            continue;
        }
        let cached_addresses: Arc<[Arc<str>]> = d
            .cached_addresses
            .iter()
            .filter_map(|a| match url_policy::normalize(a) {
                Ok(a) => Some(Arc::from(a)),
                Err(e) => {
                    warnings.push(format!(
                        "[[discovery_servers]] {:?}: cached address {e}; ignored",
                        d.name
                    ));
                    None
                }
            })
            .collect();
        discovery.push(FileDiscovery {
            name: server_name(&d.name, &d.url),
            url,
            written_as: d.url.as_str().into(),
            cached_addresses,
        });
    }
    FileModel {
        bookmarks,
        manual,
        discovery,
    }
}
