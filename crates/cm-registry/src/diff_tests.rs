//! Unit tests of the reload diff: exact events for each kind of difference.

use super::*;
use crate::file_load::from_sections;
use cm_toml_store::{BookmarkEntry as FileBookmark, DiscoveryEntry, Sections, ServerEntry};

fn sections(
    bookmarks: &[(&str, &str)],
    servers: &[(&str, &str)],
    discovery: &[(&str, &str, &[&str])],
) -> Sections {
    Sections {
        bookmarks: bookmarks
            .iter()
            .map(|(n, u)| FileBookmark {
                name: n.to_string(),
                url: u.to_string(),
            })
            .collect(),
        servers: servers
            .iter()
            .map(|(u, n)| ServerEntry {
                url: u.to_string(),
                name: n.to_string(),
            })
            .collect(),
        discovery_servers: discovery
            .iter()
            .map(|(n, u, a)| DiscoveryEntry {
                name: n.to_string(),
                url: u.to_string(),
                cached_addresses: a.iter().map(|s| s.to_string()).collect(),
            })
            .collect(),
    }
}

/// Applies `s` to `state` and renders the events one per line.
fn apply(state: &mut RegistryState, s: &Sections) -> Vec<String> {
    let mut warnings = Vec::new();
    let model = from_sections(s, state, &mut warnings);
    assert!(warnings.is_empty(), "{warnings:?}");
    reconcile(state, model)
        .events
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                crate::events::short_name(e.name()),
                e.payload_json()
            )
        })
        .collect()
}

#[test]
fn same_content_gives_no_events() {
    let mut state = RegistryState::default();
    let s = sections(
        &[("a", "omniverse://h/a/")],
        &[("omniverse://h", "H")],
        &[("D", "https://d.example/", &["omniverse://s/"])],
    );
    assert_eq!(apply(&mut state, &s).len(), 3);
    assert!(apply(&mut state, &s).is_empty());
    // Another spelling of the same URLs is the same content.
    let respelled = sections(
        &[("a", "OMNIVERSE://H/a/")],
        &[("omniverse://H/", "H")],
        &[("D", "HTTPS://d.example", &["omniverse://S"])],
    );
    assert!(apply(&mut state, &respelled).is_empty());
}

#[test]
fn bookmark_add_remove_rename_and_repoint() {
    let mut state = RegistryState::default();
    apply(
        &mut state,
        &sections(
            &[
                ("a", "omniverse://h/a/"),
                ("b", "omniverse://h/b/"),
                ("c", "omniverse://h/c/"),
            ],
            &[],
            &[],
        ),
    );
    let events = apply(
        &mut state,
        &sections(
            &[
                ("b2", "omniverse://h/b/"),
                ("c", "omniverse://h/c2/"),
                ("d", "omniverse://h/d/"),
            ],
            &[],
            &[],
        ),
    );
    assert_eq!(
        events,
        [
            r#"BOOKMARK_DELETED {"name":"a","url":"omniverse://h/a/"}"#,
            r#"BOOKMARK_RENAMED {"new_name":"c","old_name":"c","url":"omniverse://h/c2/"}"#,
            r#"BOOKMARK_RENAMED {"new_name":"b2","old_name":"b","url":"omniverse://h/b/"}"#,
            r#"BOOKMARK_ADDED {"name":"d","url":"omniverse://h/d/"}"#,
        ]
    );
    let names: Vec<&str> = state.bookmarks.iter().map(|b| &*b.name).collect();
    assert_eq!(names, ["b2", "c", "d"]);
}

/// A hand edit that renames a bookmark and changes its URL in one go (the file
/// `rename_bookmark(old, new, url)` writes, the bookmark keeping its place) is that rename,
/// not a deletion and an addition; a removal elsewhere plus an addition stay what they are.
#[test]
fn a_bookmark_renamed_and_repointed_in_place_is_one_rename() {
    let mut state = RegistryState::default();
    let before = [
        ("a", "omniverse://h/a/"),
        ("b", "omniverse://h/b/"),
        ("c", "omniverse://h/c/"),
    ];
    apply(&mut state, &sections(&before, &[], &[]));
    let events = apply(
        &mut state,
        &sections(
            &[
                ("a", "omniverse://h/a/"),
                ("B2", "omniverse://h/b2/"),
                ("c", "omniverse://h/c/"),
            ],
            &[],
            &[],
        ),
    );
    assert_eq!(
        events,
        [r#"BOOKMARK_RENAMED {"new_name":"B2","old_name":"b","url":"omniverse://h/b2/"}"#]
    );
    // The API's rename of the same bookmark announces the same event.
    let mut api = RegistryState::default();
    apply(&mut api, &sections(&before, &[], &[]));
    let outcome = api.rename_bookmark("b", "B2", "omniverse://h/b2/").unwrap();
    let api_events: Vec<String> = outcome
        .events
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                crate::events::short_name(e.name()),
                e.payload_json()
            )
        })
        .collect();
    assert_eq!(api_events, events);
    // Removed at the start, added at the end: different places, so no rename.
    let events = apply(
        &mut state,
        &sections(
            &[
                ("B2", "omniverse://h/b2/"),
                ("c", "omniverse://h/c/"),
                ("z", "omniverse://h/z/"),
            ],
            &[],
            &[],
        ),
    );
    assert_eq!(
        events,
        [
            r#"BOOKMARK_DELETED {"name":"a","url":"omniverse://h/a/"}"#,
            r#"BOOKMARK_ADDED {"name":"z","url":"omniverse://h/z/"}"#,
        ]
    );
    // Two replaced between the same survivors: no guessing which became which.
    let events = apply(
        &mut state,
        &sections(
            &[
                ("p", "omniverse://h/p/"),
                ("q", "omniverse://h/q/"),
                ("c", "omniverse://h/c/"),
            ],
            &[],
            &[],
        ),
    );
    assert_eq!(events.len(), 4, "{events:?}");
    assert!(
        events.iter().all(|e| !e.starts_with("BOOKMARK_RENAMED")),
        "{events:?}"
    );
    // Every bookmark replaced (a recreated file): deletions and additions.
    let events = apply(
        &mut state,
        &sections(&[("only", "omniverse://h/o/")], &[], &[]),
    );
    assert!(
        events.iter().all(|e| !e.starts_with("BOOKMARK_RENAMED")),
        "{events:?}"
    );
}

#[test]
fn server_rename_keeps_id_and_is_removed_then_added() {
    let mut state = RegistryState::default();
    apply(
        &mut state,
        &sections(
            &[],
            &[("omniverse://h", "H"), ("https://x.example", "X")],
            &[("D", "https://d.example/", &[])],
        ),
    );
    let ids: Vec<u64> = state.manual.iter().map(|s| s.server.id.get()).collect();
    let events = apply(
        &mut state,
        &sections(
            &[],
            &[("omniverse://h", "H2")],
            &[("D2", "https://d.example/", &["omniverse://s/"])],
        ),
    );
    assert_eq!(
        events,
        [
            r#"DISCOVERY_SERVER_REMOVED {"name":"D","server_id":1,"url":"https://d.example/"}"#,
            r#"DISCOVERY_SERVER_ADDED {"name":"D2","server_id":1,"url":"https://d.example/"}"#,
            r#"DISCOVERY_SERVER_UPDATED {"addresses":["omniverse://s/"],"name":"D2","server_id":1,"status":"pending","url":"https://d.example/"}"#,
            r#"MANUAL_SERVER_REMOVED {"kind":"nucleus","name":"H","server_id":2,"url":"omniverse://h/"}"#,
            r#"MANUAL_SERVER_REMOVED {"kind":"http","name":"X","server_id":3,"url":"https://x.example/"}"#,
            r#"MANUAL_SERVER_ADDED {"kind":"nucleus","name":"H2","server_id":2,"url":"omniverse://h/"}"#,
        ]
    );
    assert_eq!(ids, [2, 3]);
    assert_eq!(state.manual[0].server.id.get(), 2);
}

#[test]
fn new_servers_get_fresh_ids_and_removed_discovery_is_reported() {
    let mut state = RegistryState::default();
    apply(
        &mut state,
        &sections(&[], &[], &[("D", "https://d.example/", &[])]),
    );
    let file = sections(
        &[],
        &[("s3://bucket", "B")],
        &[("E", "https://e.example/", &[])],
    );
    let mut warnings = Vec::new();
    let model = from_sections(&file, &state, &mut warnings);
    let out = reconcile(&mut state, model);
    assert_eq!(out.discovery_removed, [ServerId(1)]);
    assert_eq!(out.discovery_added.len(), 1);
    assert_eq!(out.discovery_added[0].id, ServerId(2));
    assert_eq!(state.manual[0].server.id, ServerId(3));
}

#[test]
fn diff_of_ten_thousand_bookmarks_is_exact() {
    let mut state = RegistryState::default();
    let old: Vec<(String, String)> = (0..10_000)
        .map(|i| (format!("b{i}"), format!("omniverse://h/{i}/")))
        .collect();
    let refs: Vec<(&str, &str)> = old.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    apply(&mut state, &sections(&refs, &[], &[]));
    let mut new = refs.clone();
    new.remove(5);
    new[100].0 = "renamed";
    new.push(("fresh", "omniverse://h/fresh/"));
    let events = apply(&mut state, &sections(&new, &[], &[]));
    assert_eq!(events.len(), 3, "{events:?}");
}
