//! Turning the file's sections into a wanted state with the fewest edits
//! (the engine behind `save_sections`).
//!
//! Entries that already hold the wanted value are not touched, so their
//! comments and spelling survive; wrong-typed entries that were skipped on
//! load are invisible to the typed layer and stay where they are.

use foldhash::{HashMap, HashSet};

use toml_edit::{DocumentMut, Item};

use crate::change::{
    Change, apply_change, ensure_section, section_table_mut, set_discovery_servers,
    set_server_entry, set_string_entry,
};
use crate::url_rules::comparison_key;
use crate::{Section, Sections};

/// Edits `doc` (whose typed content is `current`) so that it reads back as
/// `desired`; returns whether anything changed.
///
/// Each entry costs a constant number of hash lookups (the section tables are looked up once,
/// not once per entry), so a save grows linearly with the file.
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
    if !desired.bookmarks.is_empty() {
        let table = section_table_mut(doc, Section::Bookmarks);
        for b in &desired.bookmarks {
            changed |= set_string_entry(table, &b.name, &b.url);
        }
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
    if !desired.servers.is_empty() {
        let table = section_table_mut(doc, Section::Servers);
        for s in &desired.servers {
            changed |= set_server_entry(table, &s.url, &s.name);
        }
    }
    changed |= order_entries(doc, Section::Servers, |key| {
        wanted_servers.get(&comparison_key(key)).copied()
    });

    let wanted_discovery: HashSet<String> = desired
        .discovery_servers
        .iter()
        .map(|d| comparison_key(&d.url))
        .collect();
    for d in &current.discovery_servers {
        if !wanted_discovery.contains(&comparison_key(&d.url)) {
            changed |= apply_change(doc, &Change::RemoveDiscoveryServer { url: d.url.clone() });
        }
    }
    changed |= set_discovery_servers(doc, &desired.discovery_servers);
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
    let sort_keys: Vec<usize> = table
        .iter()
        .map(|(k, _)| match rank_of(k) {
            Some(r) => {
                anchor = 2 * r + 2;
                2 * r + 1
            }
            None => anchor,
        })
        .collect();
    // The usual save keeps the order: check it without building the key map.
    if sort_keys.is_sorted() {
        return false;
    }
    let by_key: HashMap<String, usize> = table
        .iter()
        .map(|(k, _)| k.to_string())
        .zip(sort_keys)
        .collect();
    table.sort_values_by(|a, _, b, _| by_key.get(a.get()).cmp(&by_key.get(b.get())));
    true
}
