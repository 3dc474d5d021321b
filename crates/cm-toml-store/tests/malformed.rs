//! Malformed files: typed errors with file, line and column; never overwritten.

mod common;

use cm_toml_store::{Change, Sections, StoreError, WarningKind};
use common::{read, store_with};

fn add() -> Change {
    Change::AddBookmark {
        name: "x".into(),
        url: "omniverse://x/".into(),
    }
}

/// Loads, then tries every kind of write; all must refuse and leave the bytes alone.
fn assert_refused(text: &str) -> StoreError {
    let (_dir, store) = store_with(Some(text));
    let err = store.load().unwrap_err();
    assert!(err.is_malformed_file(), "{err}");
    assert!(
        err.to_string()
            .contains(&store.path().display().to_string()),
        "{err}"
    );
    for result in [
        store.apply(&[add()]).map(|_| ()),
        store.save_sections(&Sections::default()).map(|_| ()),
        store.migrate_if_needed().map(|_| ()),
    ] {
        assert!(result.unwrap_err().is_malformed_file());
        assert_eq!(read(store.path()), text);
    }
    err
}

#[test]
fn syntax_error_points_at_line_and_column() {
    let err = assert_refused("[paths]\na = 1\n[bookmarks]\nx = \"unterminated\n");
    assert!(matches!(err, StoreError::Parse { line: 4, .. }), "{err:?}");
}

#[test]
fn servers_of_the_wrong_type_is_a_shape_error() {
    let err = assert_refused("servers = 3\n[paths]\na = 1\n");
    match err {
        StoreError::Shape {
            line,
            column,
            message,
            ..
        } => {
            assert_eq!((line, column), (1, 1));
            assert!(message.contains("`servers` must be a table"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bookmarks_as_array_and_discovery_as_table_are_shape_errors() {
    assert!(matches!(
        assert_refused("bookmarks = [1, 2]\n"),
        StoreError::Shape { .. }
    ));
    assert!(matches!(
        assert_refused("[discovery_servers]\nname = \"x\"\n"),
        StoreError::Shape { line: 1, .. }
    ));
}

#[test]
fn invalid_utf8_is_an_encoding_error() {
    let (_dir, store) = store_with(None);
    let bytes = b"[bookmarks]\nok = \"omniverse://a/\"\nbad = \"\xff\"\n";
    std::fs::write(store.path(), bytes).unwrap();
    let err = store.load().unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Encoding {
                line: 3,
                column: 8,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(store.apply(&[add()]).is_err());
    assert_eq!(std::fs::read(store.path()).unwrap(), bytes);
}

#[test]
fn wrong_typed_single_entries_are_skipped_with_warnings_and_kept() {
    let text = "\
[bookmarks]
good = \"omniverse://a/b/\"
table = { x = 1 }
[servers]
\"omniverse://s\" = 5
[[discovery_servers]]
name = \"no url\"
[[discovery_servers]]
name = \"bad addresses\"
url = \"https://d.example.com/\"
cached_addresses = [1]
[[discovery_servers]]
name = \"fine\"
url = \"https://ok.example.com/\"
";
    let (_dir, store) = store_with(Some(text));
    let loaded = store.load().unwrap();
    assert_eq!(loaded.sections.bookmarks.len(), 1);
    assert!(loaded.sections.servers.is_empty());
    assert_eq!(loaded.sections.discovery_servers.len(), 1);
    let kinds: Vec<_> = loaded
        .warnings
        .iter()
        .map(|w| (w.line, w.kind.clone()))
        .collect();
    insta::assert_debug_snapshot!(kinds);
    // A fine-grained edit leaves all of them exactly as written.
    store.apply(&[add()]).unwrap();
    let after = read(store.path());
    assert_eq!(after.replace("x = \"omniverse://x/\"\n", ""), text);
}

#[test]
fn invalid_urls_are_reported_and_survive_edits() {
    let text = "[bookmarks]\nweird = \"not a url\"\n[servers]\n\"::nope\" = \"n\"\n";
    let (_dir, store) = store_with(Some(text));
    let loaded = store.load().unwrap();
    assert_eq!(loaded.sections.bookmark("weird"), Some("not a url"));
    assert_eq!(loaded.warnings.len(), 2, "{:?}", loaded.warnings);
    assert!(
        loaded
            .warnings
            .iter()
            .all(|w| matches!(w.kind, WarningKind::InvalidUrl { .. }))
    );
    assert_eq!((loaded.warnings[0].line, loaded.warnings[0].column), (2, 9));
    assert_eq!((loaded.warnings[1].line, loaded.warnings[1].column), (4, 1));
    let after = store.apply(&[add()]).unwrap();
    assert_eq!(after.warnings.len(), 2);
    assert!(read(store.path()).contains("weird = \"not a url\"\n"));
    // save_sections with what was loaded keeps them too.
    store.save_sections(&after.sections).unwrap();
    assert!(read(store.path()).contains("\"::nope\" = \"n\"\n"));
}

#[test]
fn two_entries_for_one_server_load_the_first_and_saves_change_neither() {
    // Found by the toml_load fuzz target: saves find servers by URL, so two spellings of one
    // server (or a repeated discovery table) were merged by the first save, which also gave
    // the first discovery entry the second one's name.
    let text = "\
[bookmarks]
[servers]
\"omniverse://a\" = \"first\"
\"omniverse://A/\" = \"second\"
[[discovery_servers]]
name = \"one\"
url = \"https://d.example.com/\"
[[discovery_servers]]
name = \"two\"
url = \"HTTPS://D.example.com\"
";
    let (_dir, store) = store_with(Some(text));
    let loaded = store.load().unwrap();
    let servers: Vec<_> = loaded
        .sections
        .servers
        .iter()
        .map(|s| (s.url.as_str(), s.name.as_str()))
        .collect();
    assert_eq!(servers, [("omniverse://a", "first")]);
    let discovery: Vec<_> = loaded
        .sections
        .discovery_servers
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(discovery, ["one"]);
    let warnings: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!(warnings.join("\n"), @r#"
    4:1: [servers] "omniverse://A/": URL "omniverse://A/" names the same server as "omniverse://a"; entry skipped (the first one is used)
    8:1: [discovery_servers] "two": URL "HTTPS://D.example.com" names the same server as "one"; entry skipped (the first one is used)
    "#);

    // Saving what was loaded, in place or to a new file, gives back exactly what was loaded,
    // and in place the skipped entries stay as written.
    let saved = store.save_sections(&loaded.sections).unwrap();
    assert_eq!(saved.sections, loaded.sections);
    assert_eq!(read(store.path()), text);
    let (_fresh_dir, fresh) = store_with(None);
    assert_eq!(
        fresh.save_sections(&loaded.sections).unwrap().sections,
        loaded.sections
    );
    // A fine-grained edit leaves them alone too.
    store.apply(&[add()]).unwrap();
    assert!(read(store.path()).contains("\"omniverse://A/\" = \"second\"\n"));
    assert!(read(store.path()).contains("name = \"two\"\n"));
}
