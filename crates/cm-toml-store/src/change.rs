//! Fine-grained edits of our sections.
//!
//! A [`Change`] says what one process wants changed; it is applied to the file
//! as it is on disk at the moment of the write (re-read under the lock), so
//! two processes editing different entries never undo each other. Entries a
//! change does not name are left alone byte for byte, including wrong-typed
//! entries that were skipped on load and their comments.

use std::collections::HashMap;

use toml_edit::{
    Array, ArrayOfTables, DocumentMut, InlineTable, Item, Key, Table, TableLike, Value,
};

use crate::document::{as_section_table, type_name};
use crate::url_rules::comparison_key;
use crate::{DiscoveryEntry, Refusal, Section};

/// One edit of omniverse.toml. Removing something that is not there is a no-op.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// Adds `name = url` to `[bookmarks]`, or points an existing bookmark of that name at `url`.
    AddBookmark {
        /// Bookmark name.
        name: String,
        /// Target URL.
        url: String,
    },
    /// Removes the bookmark called `name`.
    RemoveBookmark {
        /// Bookmark name.
        name: String,
    },
    /// Renames `old_name` to `new_name` (pointing at `url`) in place; a
    /// different bookmark already called `new_name` is replaced.
    RenameBookmark {
        /// Current name.
        old_name: String,
        /// New name.
        new_name: String,
        /// Target URL.
        url: String,
    },
    /// Adds `url = name` to `[servers]` or renames the server; an existing key
    /// for the same server (compared normalised, ignoring a trailing slash)
    /// is updated in place.
    SetServer {
        /// Server URL.
        url: String,
        /// Display name.
        name: String,
    },
    /// Removes every `[servers]` key that names the same server as `url`.
    RemoveServer {
        /// Server URL.
        url: String,
    },
    /// Adds a `[[discovery_servers]]` table or updates the one with the same URL in place.
    SetDiscoveryServer(DiscoveryEntry),
    /// Sets only the `cached_addresses` of the discovery server with the same URL, leaving its
    /// name alone; does nothing when no such entry exists. This is what a discovery result
    /// writes: another process may have renamed or removed the entry meanwhile, and neither
    /// edit may be undone by it.
    SetDiscoveryAddresses {
        /// Discovery URL of the entry.
        url: String,
        /// The addresses to cache.
        cached_addresses: Vec<String>,
    },
    /// Removes every discovery server with the same URL.
    RemoveDiscoveryServer {
        /// Discovery URL.
        url: String,
    },
}

/// Applies `change` to a document whose sections have already been validated.
/// Returns whether anything changed.
pub(crate) fn apply_change(doc: &mut DocumentMut, change: &Change) -> bool {
    match change {
        Change::AddBookmark { name, url } => {
            let table = section_table_mut(doc, Section::Bookmarks);
            set_string_entry(table, name, url)
        }
        Change::RemoveBookmark { name } => match existing_section_mut(doc, Section::Bookmarks) {
            Some(table) => remove_keeping_comments(table, name),
            None => false,
        },
        Change::RenameBookmark {
            old_name,
            new_name,
            url,
        } => rename_bookmark(doc, old_name, new_name, url),
        Change::SetServer { url, name } => {
            let table = section_table_mut(doc, Section::Servers);
            set_server_entry(table, url, name)
        }
        Change::RemoveServer { url } => match existing_section_mut(doc, Section::Servers) {
            Some(table) => {
                let wanted = comparison_key(url);
                let doomed: Vec<String> = table
                    .iter()
                    .filter(|(k, _)| comparison_key(k) == wanted)
                    .map(|(k, _)| k.to_string())
                    .collect();
                for key in &doomed {
                    remove_keeping_comments(table, key);
                }
                !doomed.is_empty()
            }
            None => false,
        },
        Change::SetDiscoveryServer(entry) => set_discovery(doc, entry),
        Change::SetDiscoveryAddresses {
            url,
            cached_addresses,
        } => set_discovery_addresses(doc, url, cached_addresses),
        Change::RemoveDiscoveryServer { url } => remove_discovery(doc, url),
    }
}

/// The wrong-typed entry `change` would replace in `doc`, if any: an entry the loader skipped
/// (`A = 1` in `[bookmarks]`, a discovery server whose `name` is not a string) that the
/// change would overwrite or, for a rename onto its name, remove. It uses the same lookups
/// as [`apply_change`], so it names exactly the entry that would be replaced.
pub(crate) fn wrong_typed_target(doc: &mut DocumentMut, change: &Change) -> Option<Refusal> {
    let wrong = |section: Section, entry: &str, field, item: Option<&Item>| {
        item.filter(|item| !item.is_none() && item.as_str().is_none())
            .map(|item| Refusal::WrongTypedEntry {
                section,
                entry: entry.to_owned(),
                field,
                found: type_name(item),
            })
    };
    match change {
        Change::AddBookmark { name, .. } => {
            let table = existing_section_mut(doc, Section::Bookmarks)?;
            wrong(Section::Bookmarks, name, None, table.get(name))
        }
        Change::RenameBookmark {
            old_name, new_name, ..
        } => {
            let table = existing_section_mut(doc, Section::Bookmarks)?;
            wrong(Section::Bookmarks, old_name, None, table.get(old_name))
                .or_else(|| wrong(Section::Bookmarks, new_name, None, table.get(new_name)))
        }
        Change::SetServer { url, .. } => {
            let table = existing_section_mut(doc, Section::Servers)?;
            let key = server_key(table, url)?;
            wrong(Section::Servers, &key, None, table.get(&key))
        }
        Change::SetDiscoveryServer(DiscoveryEntry { url, .. })
        | Change::SetDiscoveryAddresses { url, .. } => {
            let mut list = discovery_list(doc)?;
            let index = discovery_index(&list, url)?;
            let table = list.table_mut(index)?;
            let name = match change {
                Change::SetDiscoveryServer(_) => wrong(
                    Section::DiscoveryServers,
                    url,
                    Some("name"),
                    table.get("name"),
                ),
                _ => None,
            };
            name.or_else(|| {
                let addresses = table.get("cached_addresses")?;
                let strings = addresses
                    .as_array()
                    .is_some_and(|a| a.iter().all(|v| v.as_str().is_some()));
                (!strings).then(|| Refusal::WrongTypedEntry {
                    section: Section::DiscoveryServers,
                    entry: url.clone(),
                    field: Some("cached_addresses"),
                    found: type_name(addresses),
                })
            })
        }
        Change::RemoveBookmark { .. }
        | Change::RemoveServer { .. }
        | Change::RemoveDiscoveryServer { .. } => None,
    }
}

/// The highest table position in the document plus one, so a new section is
/// rendered after everything that is already there.
fn next_position(doc: &DocumentMut) -> isize {
    fn walk(table: &Table, max: &mut isize) {
        if let Some(p) = table.position() {
            *max = (*max).max(p);
        }
        for (_, item) in table.iter() {
            match item {
                Item::Table(t) => walk(t, max),
                Item::ArrayOfTables(a) => a.iter().for_each(|t| walk(t, max)),
                _ => {}
            }
        }
    }
    let mut max = 0;
    walk(doc.as_table(), &mut max);
    max + 1
}

fn existing_section_mut(doc: &mut DocumentMut, section: Section) -> Option<&mut dyn TableLike> {
    match doc.get_mut(section.key())? {
        Item::Table(t) => Some(t),
        Item::Value(Value::InlineTable(t)) => Some(t),
        _ => None,
    }
}

/// Creates the section's table at the end of the document when missing;
/// returns whether it was created.
pub(crate) fn ensure_section(doc: &mut DocumentMut, section: Section) -> bool {
    if as_section_table(doc.get(section.key())).is_ok_and(|t| t.is_some()) {
        return false;
    }
    let mut table = Table::new();
    table.set_implicit(false);
    table.set_position(Some(next_position(doc)));
    adopt_trailing_comments(doc, table.decor_mut());
    doc.insert(section.key(), Item::Table(table));
    true
}

/// Comments at the very end of the file belong before a section appended
/// after them, so the bytes that were there stay a prefix of the new file.
fn adopt_trailing_comments(doc: &mut DocumentMut, decor: &mut toml_edit::Decor) {
    let trailing = doc.trailing().as_str().unwrap_or("").to_string();
    if trailing.is_empty() {
        return;
    }
    let newline = if trailing.ends_with('\n') { "" } else { "\n" };
    decor.set_prefix(format!("{trailing}{newline}\n"));
    doc.set_trailing("");
}

/// The section's table, created at the end of the document when missing.
pub(crate) fn section_table_mut(doc: &mut DocumentMut, section: Section) -> &mut dyn TableLike {
    ensure_section(doc, section);
    match doc.get_mut(section.key()) {
        Some(Item::Table(t)) => {
            // A table only implied by `[bookmarks.x]` must get its own header once it holds values.
            t.set_implicit(false);
            t
        }
        Some(Item::Value(Value::InlineTable(t))) => t,
        _ => unreachable!("the section was just ensured to be a table"),
    }
}

/// Removes `key`; comment lines written above it move to the entry that
/// follows, because such comments often describe the group, not the entry.
fn remove_keeping_comments(table: &mut dyn TableLike, key: &str) -> bool {
    let Some(index) = table.iter().position(|(k, _)| k == key) else {
        return false;
    };
    let comments = table
        .key(key)
        .and_then(|k| k.leaf_decor().prefix())
        .and_then(|p| p.as_str())
        .filter(|p| p.contains('#'))
        .map(str::to_string);
    table.remove(key);
    if let Some(comments) = comments {
        let next = table.iter().nth(index).map(|(k, _)| k.to_string());
        if let Some(mut next_key) = next.as_deref().and_then(|k| table.key_mut(k)) {
            let decor = next_key.leaf_decor_mut();
            let own = decor
                .prefix()
                .and_then(|p| p.as_str())
                .unwrap_or("")
                .to_string();
            decor.set_prefix(format!("{comments}{own}"));
        }
    }
    true
}

/// Replaces the value of `item` with `new`, keeping the old value's comments and spacing.
fn replace_value(item: &mut Item, mut new: Value) {
    if let Item::Value(old) = item {
        *new.decor_mut() = old.decor().clone();
        *old = new;
    } else {
        *item = Item::Value(new);
    }
}

/// Upserts a string entry: the first key satisfying `matches` gets `value`
/// in place; otherwise `key = value` is appended.
pub(crate) fn set_string_entry(table: &mut dyn TableLike, key: &str, value: &str) -> bool {
    // One lookup and no key copy: a save calls this for every bookmark.
    // `Item::None` counts as absent, as for `contains_key`.
    match table.get_mut(key).filter(|item| !item.is_none()) {
        Some(item) => set_item_string(item, value),
        None => {
            table.insert(key, toml_edit::value(value));
            true
        }
    }
}

/// Gives `item` the string `value` unless it already holds it.
fn set_item_string(item: &mut Item, value: &str) -> bool {
    if item.as_str() == Some(value) {
        return false;
    }
    replace_value(item, Value::from(value));
    true
}

/// Sets `[servers]` `url = name`, reusing a key that names the same server.
pub(crate) fn set_server_entry(table: &mut dyn TableLike, url: &str, name: &str) -> bool {
    let existing = server_key(table, url);
    set_string_at(table, existing, url, name)
}

/// The `[servers]` key that names the same server as `url`: `url` itself, else the first
/// key that compares equal.
fn server_key(table: &dyn TableLike, url: &str) -> Option<String> {
    if table.contains_key(url) {
        return Some(url.to_string());
    }
    let wanted = comparison_key(url);
    table
        .iter()
        .find(|(k, _)| comparison_key(k) == wanted)
        .map(|(k, _)| k.to_string())
}

/// Gives the `existing` key `value` in place, or appends `key = value`.
fn set_string_at(
    table: &mut dyn TableLike,
    existing: Option<String>,
    key: &str,
    value: &str,
) -> bool {
    match existing {
        Some(k) => {
            let Some(item) = table.get_mut(&k) else {
                return false;
            };
            set_item_string(item, value)
        }
        None => {
            table.insert(key, toml_edit::value(value));
            true
        }
    }
}

fn rename_bookmark(doc: &mut DocumentMut, old_name: &str, new_name: &str, url: &str) -> bool {
    if old_name == new_name {
        let table = section_table_mut(doc, Section::Bookmarks);
        return set_string_entry(table, new_name, url);
    }
    let table = section_table_mut(doc, Section::Bookmarks);
    if !table.contains_key(old_name) {
        // Nothing to rename (another process may have removed it): add under the new name.
        return set_string_entry(table, new_name, url);
    }
    remove_keeping_comments(table, new_name);
    let Some(old_index) = table.iter().position(|(k, _)| k == old_name) else {
        return false;
    };
    let Some(old_key) = table.key(old_name).cloned() else {
        return false;
    };
    let Some(mut item) = table.remove(old_name) else {
        return false;
    };
    replace_value(&mut item, Value::from(url));
    let key = Key::new(new_name).with_leaf_decor(old_key.leaf_decor().clone());
    if let Some(Item::Table(t)) = doc.get_mut(Section::Bookmarks.key()) {
        t.insert_formatted(&key, item);
        // Put the renamed entry back where the old one was.
        let len = t.len();
        let mut rank = 0usize;
        let ranks: std::collections::HashMap<String, usize> = t
            .iter()
            .map(|(k, _)| {
                let r = if k == new_name {
                    old_index
                } else {
                    let r = if rank >= old_index { rank + 1 } else { rank };
                    rank += 1;
                    r
                };
                (k.to_string(), r)
            })
            .collect();
        t.sort_values_by(|a, _, b, _| {
            ranks
                .get(a.get())
                .unwrap_or(&len)
                .cmp(ranks.get(b.get()).unwrap_or(&len))
        });
    } else {
        section_table_mut(doc, Section::Bookmarks).insert(new_name, item);
    }
    true
}

/// The discovery list as either an array of tables or an inline array.
enum DiscoveryList<'a> {
    Tables(&'a mut ArrayOfTables),
    Inline(&'a mut Array),
}

impl DiscoveryList<'_> {
    fn urls(&self) -> Vec<Option<String>> {
        match self {
            DiscoveryList::Tables(a) => a
                .iter()
                .map(|t| t.get("url").and_then(Item::as_str).map(str::to_string))
                .collect(),
            DiscoveryList::Inline(a) => a
                .iter()
                .map(|v| {
                    v.as_inline_table()
                        .and_then(|t| t.get("url"))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .collect(),
        }
    }

    fn table_mut(&mut self, index: usize) -> Option<&mut dyn TableLike> {
        match self {
            DiscoveryList::Tables(a) => a.get_mut(index).map(|t| t as &mut dyn TableLike),
            DiscoveryList::Inline(a) => a
                .get_mut(index)
                .and_then(Value::as_inline_table_mut)
                .map(|t| t as &mut dyn TableLike),
        }
    }

    /// Appends a new entry holding `entry`.
    fn push(&mut self, entry: &DiscoveryEntry) {
        match self {
            DiscoveryList::Tables(a) => {
                let mut table = Table::new();
                update_discovery_fields(&mut table, entry);
                a.push(table);
            }
            DiscoveryList::Inline(a) => {
                let mut table = InlineTable::new();
                update_discovery_fields(&mut table, entry);
                a.push(Value::InlineTable(table));
            }
        }
    }

    fn remove(&mut self, index: usize) {
        match self {
            DiscoveryList::Tables(a) => {
                a.remove(index);
            }
            DiscoveryList::Inline(a) => {
                a.remove(index);
            }
        }
    }
}

fn discovery_list(doc: &mut DocumentMut) -> Option<DiscoveryList<'_>> {
    match doc.get_mut(Section::DiscoveryServers.key())? {
        Item::ArrayOfTables(a) => Some(DiscoveryList::Tables(a)),
        Item::Value(Value::Array(a)) => Some(DiscoveryList::Inline(a)),
        _ => None,
    }
}

fn addresses_value(addresses: &[String]) -> Value {
    Value::Array(addresses.iter().map(String::as_str).collect::<Array>())
}

/// Writes `entry`'s fields into an existing table, touching only fields that differ.
fn update_discovery_fields(table: &mut dyn TableLike, entry: &DiscoveryEntry) -> bool {
    let is_new = !table.contains_key("url");
    let mut changed = set_string_entry(table, "name", &entry.name);
    let url_same = table
        .get("url")
        .and_then(Item::as_str)
        .is_some_and(|u| comparison_key(u) == comparison_key(&entry.url));
    if !url_same {
        changed |= set_string_entry(table, "url", &entry.url);
    }
    changed | update_discovery_addresses(table, &entry.cached_addresses, is_new)
}

/// Writes `addresses` into the table's `cached_addresses` when they differ.
fn update_discovery_addresses(
    table: &mut dyn TableLike,
    addresses: &[String],
    is_new: bool,
) -> bool {
    let current: Option<Vec<&str>> = table
        .get("cached_addresses")
        .and_then(Item::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect());
    let wanted: Vec<&str> = addresses.iter().map(String::as_str).collect();
    // An existing entry without the field and nothing to cache stays as written.
    let absent_and_empty = current.is_none() && wanted.is_empty() && !is_new;
    if current.as_ref() == Some(&wanted) || absent_and_empty {
        return false;
    }
    match table.get_mut("cached_addresses") {
        Some(item) => replace_value(item, addresses_value(addresses)),
        None => {
            table.insert("cached_addresses", Item::Value(addresses_value(addresses)));
        }
    }
    true
}

/// The index of the first discovery entry whose URL names the same server as `url`.
fn discovery_index(list: &DiscoveryList<'_>, url: &str) -> Option<usize> {
    let wanted = comparison_key(url);
    list.urls()
        .iter()
        .position(|u| u.as_deref().is_some_and(|u| comparison_key(u) == wanted))
}

fn set_discovery_addresses(doc: &mut DocumentMut, url: &str, addresses: &[String]) -> bool {
    let Some(mut list) = discovery_list(doc) else {
        return false;
    };
    let index = discovery_index(&list, url);
    match index.and_then(|i| list.table_mut(i)) {
        Some(table) => update_discovery_addresses(table, addresses, false),
        None => false,
    }
}

fn set_discovery(doc: &mut DocumentMut, entry: &DiscoveryEntry) -> bool {
    if discovery_list(doc).is_none() {
        let position = next_position(doc);
        let mut table = Table::new();
        table.set_position(Some(position));
        adopt_trailing_comments(doc, table.decor_mut());
        update_discovery_fields(&mut table, entry);
        let mut array = ArrayOfTables::new();
        array.push(table);
        doc.insert(Section::DiscoveryServers.key(), Item::ArrayOfTables(array));
        return true;
    }
    let Some(mut list) = discovery_list(doc) else {
        return false;
    };
    match discovery_index(&list, &entry.url) {
        Some(i) => match list.table_mut(i) {
            Some(table) => update_discovery_fields(table, entry),
            None => false,
        },
        None => {
            list.push(entry);
            true
        }
    }
}

/// Applies [`Change::SetDiscoveryServer`] for each of `entries` in order, looking entries up
/// in one table of comparison keys instead of comparing every URL again for every entry
/// (which made a save of 100 discovery servers cost 5 000 URL normalisations).
pub(crate) fn set_discovery_servers(doc: &mut DocumentMut, entries: &[DiscoveryEntry]) -> bool {
    let [first, rest @ ..] = entries else {
        return false;
    };
    let mut changed = false;
    let rest = if discovery_list(doc).is_none() {
        changed |= set_discovery(doc, first);
        rest
    } else {
        entries
    };
    let Some(mut list) = discovery_list(doc) else {
        return changed;
    };
    let urls = list.urls();
    let mut len = urls.len();
    let mut index_of: HashMap<String, usize> = HashMap::with_capacity(len + rest.len());
    for (index, url) in urls.iter().enumerate() {
        if let Some(url) = url {
            // The first entry with a URL is the one `set_discovery` would update.
            index_of.entry(comparison_key(url)).or_insert(index);
        }
    }
    for entry in rest {
        let key = comparison_key(&entry.url);
        match index_of.get(&key) {
            // The entry keeps its URL (it already compares equal), so the index stays right.
            Some(&index) => {
                if let Some(table) = list.table_mut(index) {
                    changed |= update_discovery_fields(table, entry);
                }
            }
            None => {
                list.push(entry);
                index_of.insert(key, len);
                len += 1;
                changed = true;
            }
        }
    }
    changed
}

fn remove_discovery(doc: &mut DocumentMut, url: &str) -> bool {
    let wanted = comparison_key(url);
    let Some(mut list) = discovery_list(doc) else {
        return false;
    };
    let doomed: Vec<usize> = list
        .urls()
        .iter()
        .enumerate()
        .filter(|(_, u)| u.as_deref().is_some_and(|u| comparison_key(u) == wanted))
        .map(|(i, _)| i)
        .collect();
    for &i in doomed.iter().rev() {
        list.remove(i);
    }
    !doomed.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, url: &str, addresses: &[&str]) -> DiscoveryEntry {
        DiscoveryEntry {
            name: name.into(),
            url: url.into(),
            cached_addresses: addresses.iter().map(|a| a.to_string()).collect(),
        }
    }

    /// The batch must leave exactly the text that one `SetDiscoveryServer` per entry leaves.
    #[test]
    fn batch_discovery_set_equals_one_change_per_entry() {
        let files = [
            "",
            "# only a comment\n",
            "[[discovery_servers]]\nname = \"A\" # keep\nurl = \"https://a.example.com/\"\n\n\
             [[discovery_servers]]\nname = \"no url\"\n\n\
             [[discovery_servers]]\nname = \"B\"\nurl = \"HTTPS://B.example.com\"\ncached_addresses = []\n",
            "discovery_servers = [{ name = \"A\", url = \"https://a.example.com\" }, 3]\n",
            // Two entries for one server: the first is the one updated.
            "[[discovery_servers]]\nname = \"X1\"\nurl = \"https://x.example.com/\"\n\n\
             [[discovery_servers]]\nname = \"X2\"\nurl = \"https://x.example.com\"\n",
        ];
        let entries = [
            entry("A2", "https://a.example.com", &["omniverse://x/"]),
            entry("B", "https://b.example.com/", &[]),
            entry("C", "https://c.example.com/", &["omniverse://c/"]),
            entry("C again", "https://C.example.com", &[]),
            entry("A", "https://a.example.com/", &[]),
            entry("X", "https://x.example.com/", &["omniverse://x/"]),
        ];
        for file in files {
            for count in 0..=entries.len() {
                let mut one_by_one: DocumentMut = file.parse().unwrap();
                let mut expected_changed = false;
                for e in &entries[..count] {
                    expected_changed |=
                        apply_change(&mut one_by_one, &Change::SetDiscoveryServer(e.clone()));
                }
                let mut batch: DocumentMut = file.parse().unwrap();
                let changed = set_discovery_servers(&mut batch, &entries[..count]);
                assert_eq!(
                    batch.to_string(),
                    one_by_one.to_string(),
                    "{file:?} {count}"
                );
                assert_eq!(changed, expected_changed, "{file:?} {count}");
            }
        }
    }
}
