//! Turning the file's sections into a wanted state with the fewest edits
//! (the engine behind `save_sections`).
//!
//! Entries that already hold the wanted value are not touched, so their
//! comments and spelling survive; wrong-typed entries that were skipped on
//! load are invisible to the typed layer and stay where they are.

use std::collections::HashMap;

use toml_edit::{DocumentMut, Item};

use crate::change::{Change, apply_change, ensure_section};
use crate::url_rules::comparison_key;
use crate::{Section, Sections};

/// Edits `doc` (whose typed content is `current`) so that it reads back as
/// `desired`; returns whether anything changed.
pub(crate) fn reconcile(doc: &mut DocumentMut, current: &Sections, desired: &Sections) -> bool {
    let mut changed = false;
    let wanted_names: HashMap<&str, usize> = desired
        .bookmarks
        .iter()
        .enumerate()
        .map(|(i, b)| (b.name.as_str(), i))
        .collect();
    for b in &current.bookmarks {
        if !wanted_names.contains_key(b.name.as_str()) {
            changed |= apply_change(
                doc,
                &Change::RemoveBookmark {
                    name: b.name.clone(),
                },
            );
        }
    }
    changed |= ensure_section(doc, Section::Bookmarks);
    for b in &desired.bookmarks {
        changed |= apply_change(
            doc,
            &Change::AddBookmark {
                name: b.name.clone(),
                url: b.url.clone(),
            },
        );
    }
    changed |= order_entries(doc, Section::Bookmarks, |key| {
        wanted_names.get(key).copied()
    });

    let wanted_servers: HashMap<String, usize> = desired
        .servers
        .iter()
        .enumerate()
        .map(|(i, s)| (comparison_key(&s.url), i))
        .collect();
    for s in &current.servers {
        if !wanted_servers.contains_key(&comparison_key(&s.url)) {
            changed |= apply_change(doc, &Change::RemoveServer { url: s.url.clone() });
        }
    }
    changed |= ensure_section(doc, Section::Servers);
    for s in &desired.servers {
        changed |= apply_change(
            doc,
            &Change::SetServer {
                url: s.url.clone(),
                name: s.name.clone(),
            },
        );
    }
    changed |= order_entries(doc, Section::Servers, |key| {
        wanted_servers.get(&comparison_key(key)).copied()
    });

    let wanted_discovery: Vec<String> = desired
        .discovery_servers
        .iter()
        .map(|d| comparison_key(&d.url))
        .collect();
    for d in &current.discovery_servers {
        if !wanted_discovery.contains(&comparison_key(&d.url)) {
            changed |= apply_change(doc, &Change::RemoveDiscoveryServer { url: d.url.clone() });
        }
    }
    for d in &desired.discovery_servers {
        changed |= apply_change(doc, &Change::SetDiscoveryServer(d.clone()));
    }
    changed
}

/// Sorts a standard section table into the wanted order. Keys without a rank
/// (wrong-typed entries) stay right after the entry they followed.
fn order_entries(
    doc: &mut DocumentMut,
    section: Section,
    rank_of: impl Fn(&str) -> Option<usize>,
) -> bool {
    let Some(Item::Table(table)) = doc.get_mut(section.key()) else {
        return false;
    };
    let mut anchor = 0usize;
    let sort_keys: HashMap<String, usize> = table
        .iter()
        .map(|(k, _)| {
            let key = match rank_of(k) {
                Some(r) => {
                    anchor = 2 * r + 2;
                    2 * r + 1
                }
                None => anchor,
            };
            (k.to_string(), key)
        })
        .collect();
    let in_order = table.iter().map(|(k, _)| sort_keys[k]).is_sorted();
    if in_order {
        return false;
    }
    table.sort_values_by(|a, _, b, _| sort_keys.get(a.get()).cmp(&sort_keys.get(b.get())));
    true
}
