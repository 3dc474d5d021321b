//! Turning the file's sections into the registry's terms.
//!
//! URLs are normalised with the same rules as requests (see `url_policy`), so
//! that a hand-written `OMNIVERSE://Host` and the registry's own
//! `omniverse://host/` are the same entry to the diff. Entries the registry
//! cannot use (a URL that does not parse, a second spelling of a server already
//! listed) are left out of memory but never out of the file; each one becomes
//! a warning in the snapshot's storage status.

use std::collections::HashSet;
use std::sync::Arc;

use cm_toml_store::{BookmarkEntry, Loaded, Sections};

use crate::align::{Step, align};
use crate::bookmarks::Bookmarks;
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

/// The file's bookmarks in memory's terms. Usually almost every entry is one
/// memory already holds: the alignment pairs it with that entry in one walk and
/// the result shares its strings (no allocation, and the diff then compares
/// pointers). Any other entry reuses a URL memory holds under any name, as a
/// URL held is in normalised form and normalisation is idempotent, so only a
/// URL new to memory is parsed.
fn bookmarks(
    entries: &[BookmarkEntry],
    current: &Bookmarks,
    warnings: &mut Vec<String>,
) -> Vec<Bookmark> {
    let mut bookmarks = Vec::with_capacity(entries.len());
    let same =
        |old: &Bookmark, entry: &BookmarkEntry| *old.name == *entry.name && *old.url == *entry.url;
    align(current, entries, same, |step| {
        let (entry, old) = match step {
            Step::Same { old, .. } => return bookmarks.push(old.clone()),
            Step::OldOnly { .. } => return,
            Step::Replaced { old, new_at, .. } => (&entries[new_at], Some(old)),
            Step::NewOnly { new_at } => (&entries[new_at], None),
        };
        let known_url = match old {
            Some(old) if *old.url == *entry.url => Some(&old.url),
            _ => current.first_with_url(&entry.url, None).map(|b| &b.url),
        };
        let url = match known_url {
            Some(url) => Arc::clone(url),
            None => match url_policy::normalize(&entry.url) {
                Ok(url) => url.into(),
                Err(e) => {
                    warnings.push(format!("[bookmarks] {:?}: {e}; ignored", entry.name));
                    return;
                }
            },
        };
        let name = match old {
            Some(old) if *old.name == *entry.name => Arc::clone(&old.name),
            _ => entry.name.as_str().into(),
        };
        bookmarks.push(Bookmark { name, url });
    });
    bookmarks
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
    let bookmarks = bookmarks(&sections.bookmarks, &current.bookmarks, warnings);
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
