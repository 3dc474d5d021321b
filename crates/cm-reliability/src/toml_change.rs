//! Fuzz entry point for the write path: arbitrary bytes as the file, every kind of
//! [`Change`] applied to it, one write at a time.
//!
//! The changes run in three rounds, each change a write of its own and each checked against
//! the text before it: first adding a bookmark, a server and a discovery server (which
//! creates any missing section), then changing each in place (rename the bookmark, rename
//! the server, cache the discovery server's addresses), then removing each. So every kind of
//! change meets every shape the file had before it: sections placed last, no final newline,
//! CRLF, a trailing comment, and whatever the fuzzer makes of them.
//!
//! Invariants, for every file that loads:
//!
//! * every change is accepted and its result parses and loads;
//! * the result contains the change (the bookmark, server or discovery server has what the
//!   change said, or is gone);
//! * every foreign key keeps its value (compared as parsed values, so formatting is not at
//!   issue) and every entry of our sections the change does not name is loaded as before;
//! * every byte outside the changed entries is unchanged: the lines of the file, minus blank
//!   lines, our section headers and the lines of the changed entries, are the same bytes in
//!   the same order before and after (comments included); a byte order mark, the final line
//!   ending or its absence, and CRLF or LF line endings are kept.
//!
//! [`variants`] gives the shapes the corpus test (`tests/toml_change_corpus.rs`) derives from
//! every valid document of the toml-test suite.

// A fuzz check reports a broken invariant by panicking (that is what libFuzzer records as a
// crash), so an `expect` here is the check itself, not an unhandled error.
#![allow(clippy::expect_used)]

use cm_toml_store::{Change, DiscoveryEntry, Sections, TomlStore};

use crate::scratch::with_scratch_store;

/// Every name and URL the changes use contains this, and nothing else in a test input does,
/// so the lines it marks are exactly the lines the changes may touch.
const MARK: &str = "cm-change";

const BOOKMARK: &str = "cm-change-bookmark";
const RENAMED: &str = "cm-change-renamed";
const SERVER: &str = "omniverse://cm-change.example.com";
const DISCOVERY: &str = "https://cm-change-discovery.example.com/";
const ADDRESS: &str = "omniverse://cm-change-storage.example.com/";

/// The three rounds of changes, in order.
pub fn rounds() -> [Vec<Change>; 3] {
    [
        vec![
            Change::AddBookmark {
                name: BOOKMARK.into(),
                url: format!("{SERVER}/a/"),
            },
            Change::SetServer {
                url: SERVER.into(),
                name: "cm-change server".into(),
            },
            Change::SetDiscoveryServer(DiscoveryEntry {
                name: "cm-change discovery".into(),
                url: DISCOVERY.into(),
                cached_addresses: Vec::new(),
            }),
        ],
        vec![
            Change::RenameBookmark {
                old_name: BOOKMARK.into(),
                new_name: RENAMED.into(),
                url: format!("{SERVER}/b/"),
            },
            Change::SetServer {
                url: SERVER.into(),
                name: "cm-change renamed server".into(),
            },
            Change::SetDiscoveryAddresses {
                url: DISCOVERY.into(),
                cached_addresses: vec![ADDRESS.into()],
            },
        ],
        vec![
            Change::RemoveBookmark {
                name: RENAMED.into(),
            },
            Change::RemoveServer { url: SERVER.into() },
            Change::RemoveDiscoveryServer {
                url: DISCOVERY.into(),
            },
        ],
    ]
}

/// How many kinds of [`Change`] the rounds apply (each once).
pub const CHANGES_PER_FILE: usize = 9;

/// Checks every invariant above on `data` as the content of omniverse.toml; panics on a
/// violation. A file that does not load is left to [`crate::toml_load::check`].
pub fn check(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        check_text(text);
    }
}

/// [`check`] for a text; returns how many changes were applied and checked (0 when the text
/// does not load, which is not this entry point's business).
pub fn check_text(text: &str) -> usize {
    if text.contains(MARK) {
        // The line rule below could not tell the input's lines from the changes' own.
        return 0;
    }
    with_scratch_store(text.as_bytes(), |_, store| check_in(text, &store))
}

fn check_in(text: &str, store: &TomlStore) -> usize {
    let Ok(mut before) = store.load() else {
        return 0;
    };
    let mut previous = text.to_owned();
    let mut applied = 0;
    for change in rounds().iter().flatten() {
        let after = store
            .apply(std::slice::from_ref(change))
            .unwrap_or_else(|e| panic!("{change:?} was refused: {e}"));
        let written = std::fs::read_to_string(store.path())
            .unwrap_or_else(|e| panic!("read back the written file: {e}"));
        let reloaded = store
            .load()
            .unwrap_or_else(|e| panic!("after {change:?} the file does not load: {e}\n{written}"));
        assert_eq!(
            after.sections, reloaded.sections,
            "{change:?}: apply's answer"
        );
        assert_contains(change, &reloaded.sections);
        assert_eq!(
            untouched(&before.sections),
            untouched(&reloaded.sections),
            "{change:?} changed entries it does not name"
        );
        assert_eq!(
            foreign(&previous),
            foreign(&written),
            "{change:?} changed foreign content"
        );
        assert_same_bytes_outside_the_change(&previous, &written, change);
        before = reloaded;
        previous = written;
        applied += 1;
    }
    applied
}

/// Panics unless `sections` hold what `change` asked for.
fn assert_contains(change: &Change, sections: &Sections) {
    let server = sections
        .servers
        .iter()
        .find(|s| s.url.trim_end_matches('/') == SERVER);
    let discovery = sections
        .discovery_servers
        .iter()
        .find(|d| d.url == DISCOVERY);
    let holds = match change {
        Change::AddBookmark { name, url } => sections.bookmark(name) == Some(url),
        Change::RenameBookmark {
            old_name,
            new_name,
            url,
        } => sections.bookmark(old_name).is_none() && sections.bookmark(new_name) == Some(url),
        Change::RemoveBookmark { name } => sections.bookmark(name).is_none(),
        Change::SetServer { name, .. } => server.is_some_and(|s| &s.name == name),
        Change::RemoveServer { .. } => server.is_none(),
        Change::SetDiscoveryServer(entry) => discovery.is_some_and(|d| d.name == entry.name),
        Change::SetDiscoveryAddresses {
            cached_addresses, ..
        } => discovery.is_some_and(|d| &d.cached_addresses == cached_addresses),
        Change::RemoveDiscoveryServer { .. } => discovery.is_none(),
        other => panic!("a change this check does not know: {other:?}"),
    };
    assert!(holds, "the result does not hold {change:?}: {sections:?}");
}

/// Our sections without the entries the changes name.
fn untouched(sections: &Sections) -> Sections {
    let mut kept = sections.clone();
    kept.bookmarks
        .retain(|b| !b.name.contains(MARK) && !b.url.contains(MARK));
    kept.servers.retain(|s| !s.url.contains(MARK));
    kept.discovery_servers.retain(|d| !d.url.contains(MARK));
    kept
}

/// Every top-level key but our sections, as parsed values (`Debug` so that NaN equals
/// itself).
fn foreign(text: &str) -> String {
    let mut table: toml::Table = toml::from_str(text.trim_start_matches('\u{feff}'))
        .unwrap_or_else(|e| panic!("a loaded file does not parse as TOML: {e}\n{text}"));
    for key in ["bookmarks", "servers", "discovery_servers"] {
        table.remove(key);
    }
    format!("{table:?}")
}

/// The lines a change must not touch: all but blank lines, our section headers (and the
/// one line of a section written inline, `servers = { ... }`, whose other entries the
/// entry comparison covers), and the lines of the changed entries (those holding [`MARK`], and for discovery changes the
/// `cached_addresses` field, which holds no URL of the entry). Line endings are compared
/// separately, so a last line without one equals the same line followed by one.
fn kept_lines<'t>(text: &'t str, change: &Change) -> Vec<&'t str> {
    let discovery = matches!(
        change,
        Change::SetDiscoveryServer(_)
            | Change::SetDiscoveryAddresses { .. }
            | Change::RemoveDiscoveryServer { .. }
    );
    text.trim_start_matches('\u{feff}')
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .filter(|line| {
            let trimmed = line.trim();
            !(trimmed.is_empty()
                || matches!(
                    trimmed,
                    "[bookmarks]" | "[servers]" | "[[discovery_servers]]"
                )
                || is_inline_section(trimmed)
                || line.contains(MARK)
                || (discovery && line.contains("cached_addresses")))
        })
        .collect()
}

/// Whether `line` starts an inline definition of one of our sections.
fn is_inline_section(line: &str) -> bool {
    ["bookmarks", "servers", "discovery_servers"]
        .iter()
        .any(|key| {
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
}

fn assert_same_bytes_outside_the_change(before: &str, after: &str, change: &Change) {
    let (kept_before, kept_after) = (kept_lines(before, change), kept_lines(after, change));
    if kept_before != kept_after {
        let first = kept_before
            .iter()
            .zip(&kept_after)
            .position(|(a, b)| a != b)
            .unwrap_or(kept_before.len().min(kept_after.len()));
        panic!(
            "{change:?} changed bytes outside the change, first at kept line {first}: {:?} became {:?}\n--- before\n{before}\n--- after\n{after}",
            kept_before.get(first),
            kept_after.get(first)
        );
    }
    assert_eq!(
        before.starts_with('\u{feff}'),
        after.starts_with('\u{feff}'),
        "{change:?} added or removed the byte order mark"
    );
    let content = |t: &str| !t.trim_start_matches('\u{feff}').is_empty();
    if content(before) && content(after) {
        assert_eq!(
            before.ends_with('\n'),
            after.ends_with('\n'),
            "{change:?} added or removed the final line ending"
        );
    }
    let (endings_before, endings_after) = (line_endings(before), line_endings(after));
    if matches!(endings_before, Endings::Lf | Endings::Crlf) {
        assert!(
            endings_after == endings_before || endings_after == Endings::None,
            "{change:?} changed the line endings from {endings_before:?} to {endings_after:?}"
        );
    }
}

/// The line endings a text uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endings {
    None,
    Lf,
    Crlf,
    Mixed,
}

fn line_endings(text: &str) -> Endings {
    let newlines = text.matches('\n').count();
    let crlf = text.matches("\r\n").count();
    match (newlines, crlf) {
        (0, _) => Endings::None,
        (n, 0) if n > 0 => Endings::Lf,
        (n, c) if n == c => Endings::Crlf,
        _ => Endings::Mixed,
    }
}

/// The shapes a document is tried in: as it is, without its final line ending, with CRLF
/// line endings, with a byte order mark, with a trailing comment or trailing whitespace and
/// no final newline, with each of our sections placed last (holding an entry, no final
/// newline), with bare section headers, and CRLF with `[servers]` last. A shape that does not
/// parse (the document already has the section, say) is the caller's to skip.
pub fn variants(text: &str) -> Vec<(&'static str, String)> {
    let trimmed = text.trim_end_matches(['\n', '\r']);
    let crlf = |t: &str| t.replace("\r\n", "\n").replace('\n', "\r\n");
    let appended = |tail: &str| {
        format!(
            "{text}{}{tail}",
            if text.ends_with('\n') || text.is_empty() {
                ""
            } else {
                "\n"
            }
        )
    };
    let servers_last = appended("\n[servers]\n\"omniverse://existing.example.com\" = \"existing\"");
    vec![
        ("as-is", text.to_owned()),
        ("no-final-newline", trimmed.to_owned()),
        ("crlf", crlf(text)),
        ("bom", format!("\u{feff}{text}")),
        ("trailing-comment", appended("# a trailing comment")),
        ("trailing-whitespace", format!("{trimmed}\n  \t")),
        (
            "bookmarks-last",
            appended("\n[bookmarks]\nexisting = \"omniverse://existing.example.com/e/\""),
        ),
        ("servers-last", servers_last.clone()),
        (
            "discovery-last",
            appended(
                "\n[[discovery_servers]]\nname = \"existing\"\nurl = \"https://existing.example.com/\"",
            ),
        ),
        ("bare-headers", appended("\n[bookmarks]\n[servers]")),
        ("bare-servers-header", appended("\n[servers]")),
        ("crlf-servers-last", crlf(&servers_last)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_of_a_small_file_passes() {
        let text = "# a comment\nname = \"x\" # trailing\n\n[table]\nkey = [1, 2]\n";
        for (variant, shaped) in variants(text) {
            assert_eq!(
                check_text(&shaped),
                CHANGES_PER_FILE,
                "{variant}: {shaped:?}"
            );
        }
        assert_eq!(check_text(""), CHANGES_PER_FILE);
        assert_eq!(
            rounds().iter().map(Vec::len).sum::<usize>(),
            CHANGES_PER_FILE
        );
        assert_eq!(check_text("[bookmarks\n"), 0);
    }

    #[test]
    fn the_line_rule_catches_a_glued_line() {
        let change = &rounds()[0][0];
        let result = std::panic::catch_unwind(|| {
            assert_same_bytes_outside_the_change(
                "[bookmarks]\nA = \"omniverse://h/a/\"",
                "[bookmarks]\nA = \"omniverse://h/a/\"cm-change-bookmark = \"x\"",
                change,
            );
        });
        assert!(result.is_err());
    }
}
