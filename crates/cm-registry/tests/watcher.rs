//! External edits of omniverse.toml, seen through the real watcher: exactly
//! the right events, none for our own writes, no state loss on a bad file.

mod common;

use std::time::Duration;

use cm_testkit::wait;
use common::{DEADLINE, Recorder, assert_quiet, start_persisted, toml_path};

const BEFORE: &str = r#"[bookmarks]
Keep = "omniverse://h/keep/"
Gone = "omniverse://h/gone/"
Old = "omniverse://h/renamed/"
Moved = "omniverse://h/moved/"

[servers]
"omniverse://h" = "h"
"https://bye.example" = "bye"
"https://rename.example" = "before"

[[discovery_servers]]
name = "D"
url = "https://d.example/"
cached_addresses = []
"#;

const AFTER: &str = r#"[bookmarks]
Keep = "omniverse://h/keep/"
New = "omniverse://h/renamed/"
Moved = "omniverse://h/moved/elsewhere/"
Fresh = "omniverse://h/fresh/"

[servers]
"omniverse://h" = "h"
"https://rename.example" = "after"
"s3://new-bucket" = "bucket"

[[discovery_servers]]
name = "D"
url = "https://d.example/"
cached_addresses = ["omniverse://s.example/"]

[[discovery_servers]]
name = "E"
url = "https://e.example/"
cached_addresses = []
"#;

#[actix_rt::test]
async fn external_edits_produce_exactly_the_difference() {
    let dir = tempfile::tempdir().unwrap();
    let path = toml_path(dir.path());
    std::fs::write(&path, BEFORE).unwrap();
    let recorder = Recorder::new();
    let registry = start_persisted(&path, &recorder);
    assert_eq!(registry.snapshot().bookmarks().len(), 4);

    // Editors save by writing a new file and renaming it over the old one.
    let tmp = dir.path().join("omniverse.toml.swp");
    std::fs::write(&tmp, AFTER).unwrap();
    std::fs::rename(&tmp, &path).unwrap();

    wait::until_async(DEADLINE, "the reload events", || recorder.len() >= 10).await;
    assert_quiet(&recorder, Duration::from_millis(600)).await;
    insta::assert_snapshot!("external_edit_events", recorder.take());
    let snapshot = registry.snapshot();
    let names: Vec<&str> = snapshot.bookmarks().iter().map(|b| &*b.name).collect();
    assert_eq!(names, ["Keep", "New", "Moved", "Fresh"]);
    assert!(
        snapshot
            .find_server_for_url("omniverse://s.example/x")
            .is_some()
    );
}

#[actix_rt::test]
async fn our_own_writes_produce_no_reload_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = toml_path(dir.path());
    std::fs::write(&path, BEFORE).unwrap();
    let recorder = Recorder::new();
    let registry = start_persisted(&path, &recorder);

    registry
        .add_bookmark("Mine", "omniverse://h/mine/")
        .await
        .unwrap();
    registry.remove_bookmark("Gone").await.unwrap();
    registry
        .add_manual_server("x", "https://x.example/")
        .await
        .unwrap();
    assert_eq!(recorder.len(), 3);
    let generation = registry.snapshot().generation();
    // Several debounce periods: a self-write that came back would show here.
    assert_quiet(&recorder, Duration::from_millis(1_000)).await;
    assert_eq!(registry.snapshot().generation(), generation);
}

#[actix_rt::test]
async fn a_malformed_external_edit_keeps_the_state_and_reports_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = toml_path(dir.path());
    std::fs::write(&path, BEFORE).unwrap();
    let recorder = Recorder::new();
    let registry = start_persisted(&path, &recorder);

    std::fs::write(&path, "[bookmarks]\nbroken = \n").unwrap();
    wait::until_async(DEADLINE, "the load error", || {
        registry.snapshot().storage().last_load_error.is_some()
    })
    .await;
    let snapshot = registry.snapshot();
    assert_eq!(snapshot.bookmarks().len(), 4);
    assert_eq!(snapshot.manual_servers().len(), 3);
    let error = snapshot.storage().last_load_error.clone().unwrap();
    assert!(error.is_malformed_file(), "{error}");
    assert_eq!(recorder.take(), "");

    // Repairing it brings the difference, and clears the error.
    std::fs::write(
        &path,
        BEFORE.replace("Gone = \"omniverse://h/gone/\"\n", ""),
    )
    .unwrap();
    wait::until_async(DEADLINE, "the repair", || recorder.len() >= 1).await;
    assert_quiet(&recorder, Duration::from_millis(600)).await;
    assert_eq!(
        recorder.take(),
        r#"omni.kit.widget.connection_manager.BOOKMARK_DELETED {"name":"Gone","url":"omniverse://h/gone/"}"#
    );
    assert!(registry.snapshot().storage().last_load_error.is_none());
}
