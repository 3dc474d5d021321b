//! omniverse.toml through the registry: startup load and migration, one
//! fine-grained write per change, failed saves, read-only mode.

mod common;

use std::time::Duration;

use cm_registry::{ConnectionRegistry, RegistryConfig, RegistryError};
use cm_testkit::wait;
use cm_toml_store::{Change, TomlStore};
use common::{DEADLINE, Recorder, start_persisted, toml_path};

const FILE: &str = r#"# user comment
[paths]
foreign = "kept"

[bookmarks]
Astronaut = "https://bucket.s3.amazonaws.com/Samples/Astronaut/"

[servers]
"omniverse://my-server" = "my-server"

[[discovery_servers]]
name = "My Storage"
url = "https://discovery.example.com/"
cached_addresses = ["omniverse://storage.example.com/"]
"#;

fn listing(registry: &cm_registry::RegistryHandle) -> String {
    let s = registry.snapshot();
    let mut out = Vec::new();
    for b in s.bookmarks() {
        out.push(format!("bookmark {} -> {}", b.name, b.url));
    }
    for d in s.discovery_servers() {
        out.push(format!(
            "discovery {} {} {} {:?} {}",
            d.id, d.name, d.url, d.cached_addresses, d.status
        ));
    }
    for m in s.manual_servers() {
        out.push(format!("manual {} {} {} {}", m.id, m.name, m.url, m.kind));
    }
    out.join("\n")
}

#[actix_rt::test]
async fn startup_loads_the_file_and_announces_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = toml_path(dir.path());
    std::fs::write(&path, FILE).unwrap();
    let recorder = Recorder::new();
    let registry = start_persisted(&path, &recorder);
    insta::assert_snapshot!("startup_listing", listing(&registry));
    let found = registry
        .find_server_for_url("omniverse://storage.example.com/x.usd")
        .expect("cached discovery address owns the URL");
    assert_eq!(found.name(), "My Storage");
    assert_eq!(recorder.take(), "");
    assert!(registry.snapshot().storage().last_load_error.is_none());
    // Nothing was written.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), FILE);
}

#[actix_rt::test]
async fn startup_with_an_old_style_file_migrates_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = toml_path(dir.path());
    std::fs::write(
        &path,
        "[bookmarks]\nmy-server = \"omniverse://my-server/\"\nProjects = \"omniverse://my-server/Projects/\"\nBucket = \"https://s3.amazonaws.com/bucket/a/\"\n",
    )
    .unwrap();
    let recorder = Recorder::new();
    let registry = start_persisted(&path, &recorder);
    insta::assert_snapshot!("migrated_listing", listing(&registry));
    insta::assert_snapshot!("migrated_file", std::fs::read_to_string(&path).unwrap());
    assert_eq!(recorder.take(), "");
}

#[actix_rt::test]
async fn each_change_is_one_fine_grained_write_that_keeps_other_edits() {
    let dir = tempfile::tempdir().unwrap();
    let path = toml_path(dir.path());
    std::fs::write(&path, FILE).unwrap();
    let recorder = Recorder::new();
    let registry = ConnectionRegistry::start(
        RegistryConfig::new(&path)
            .watch(false)
            .discovery(false)
            .dispatcher(recorder.dispatcher.clone()),
    );
    // Another process adds a bookmark the registry does not know about.
    TomlStore::new(&path)
        .apply(&[Change::AddBookmark {
            name: "Other".into(),
            url: "omniverse://other/".into(),
        }])
        .unwrap();
    registry
        .add_bookmark("Mine", "omniverse://my-server/Mine/")
        .await
        .unwrap();
    registry
        .add_manual_server("http", "http://example.com:8080/x")
        .await
        .unwrap();
    insta::assert_snapshot!("fine_grained_file", std::fs::read_to_string(&path).unwrap());
}

#[actix_rt::test]
async fn a_failed_save_keeps_the_change_and_never_overwrites_the_malformed_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = toml_path(dir.path());
    std::fs::write(&path, FILE).unwrap();
    let recorder = Recorder::new();
    let registry = ConnectionRegistry::start(
        RegistryConfig::new(&path)
            .watch(false)
            .discovery(false)
            .dispatcher(recorder.dispatcher.clone()),
    );
    let broken = "[bookmarks\nthis is = not toml";
    std::fs::write(&path, broken).unwrap();

    let err = registry
        .add_bookmark("Mine", "omniverse://my-server/Mine/")
        .await
        .unwrap_err();
    assert!(err.change_applied(), "{err}");
    assert!(matches!(err, RegistryError::NotSaved { .. }));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
    let snapshot = registry.snapshot();
    assert!(snapshot.bookmark("Mine").is_some());
    assert_eq!(snapshot.storage().unsaved_changes, 1);
    assert!(snapshot.storage().last_save_error.is_some());
    // The change was announced: it is in effect for this process.
    assert!(
        recorder
            .take()
            .contains(cm_registry::events::BOOKMARK_ADDED_EVENT)
    );

    // An explicit reload of the broken file keeps everything.
    let err = registry.reload().await.unwrap_err();
    assert!(matches!(err, RegistryError::LoadFailed { .. }));
    assert_eq!(registry.snapshot().bookmarks().len(), 2);

    // Someone repairs the file (dropping Astronaut); the unsaved edit is
    // written first, so only the external removal is news.
    std::fs::write(
        &path,
        "[bookmarks]\n[servers]\n\"omniverse://my-server\" = \"my-server\"\n",
    )
    .unwrap();
    registry.reload().await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("Mine = \"omniverse://my-server/Mine/\""),
        "{text}"
    );
    let snapshot = registry.snapshot();
    assert_eq!(snapshot.storage().unsaved_changes, 0);
    assert!(snapshot.storage().last_save_error.is_none());
    assert!(snapshot.storage().last_load_error.is_none());
    insta::assert_snapshot!("repaired_events", recorder.take());
}

#[actix_rt::test]
async fn read_only_mode_loads_but_never_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = toml_path(dir.path());
    std::fs::write(&path, FILE).unwrap();
    let recorder = Recorder::new();
    let registry = ConnectionRegistry::start(
        RegistryConfig::new(&path)
            .persistence(false)
            .debounce(Duration::from_millis(200))
            .discovery(false)
            .dispatcher(recorder.dispatcher.clone()),
    );
    registry
        .add_bookmark("Mine", "omniverse://h/")
        .await
        .unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), FILE);
    assert_eq!(registry.snapshot().bookmarks().len(), 2);
    // It still follows the file.
    std::fs::write(&path, FILE.replace("Astronaut", "Cosmonaut")).unwrap();
    wait::until_async(DEADLINE, "the rename to be seen", || {
        registry.snapshot().bookmark("Cosmonaut").is_some()
    })
    .await;
}

#[actix_rt::test]
async fn start_persisted_with_missing_file_creates_it_on_first_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("omniverse.toml");
    let recorder = Recorder::new();
    let registry = start_persisted(&path, &recorder);
    assert!(registry.snapshot().bookmarks().is_empty());
    registry
        .add_bookmark("a", "omniverse://h/a/")
        .await
        .unwrap();
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("a = \"omniverse://h/a/\"")
    );
}

#[actix_rt::test]
async fn a_credential_in_a_new_url_never_reaches_the_file_but_a_hand_written_one_is_kept() {
    const SIGNED: &str = "https://bucket.s3.amazonaws.com/k.usd?X-Amz-Signature=s3cr3t";
    let dir = tempfile::tempdir().unwrap();
    let path = toml_path(dir.path());
    let hand_written = format!("[bookmarks]\nSigned = \"{SIGNED}\"\n");
    std::fs::write(&path, &hand_written).unwrap();
    let recorder = Recorder::new();
    let registry = start_persisted(&path, &recorder);

    // The user's own entry is loaded as written: dropping it would lose data.
    assert_eq!(
        registry
            .snapshot()
            .bookmarks()
            .first()
            .unwrap()
            .url
            .as_ref(),
        SIGNED
    );
    // A rename that keeps its URL is allowed (the URL is already in the file) ...
    registry
        .rename_bookmark("Signed", "Renamed", SIGNED)
        .await
        .unwrap();
    // ... but a new URL with a credential is refused, whichever way it comes in.
    let refused = [
        registry
            .add_bookmark("New", "s3://bucket/k.usd?token=s3cr3t")
            .await
            .unwrap_err(),
        registry
            .rename_bookmark("Renamed", "Renamed", "https://h.example/x?sig=s3cr3t")
            .await
            .unwrap_err(),
        registry
            .add_discovery_server("D", "https://d.example/?api_key=s3cr3t")
            .await
            .unwrap_err(),
    ];
    for error in &refused {
        assert!(
            matches!(error, RegistryError::CredentialInUrl { .. }),
            "{error:?}"
        );
        assert!(!error.change_applied());
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with(&format!("[bookmarks]\nRenamed = \"{SIGNED}\"\n")),
        "{text}"
    );
    assert!(!text.contains("New"), "{text}");
    assert_eq!(
        text.matches("s3cr3t").count(),
        1,
        "only the hand-written one: {text}"
    );
    // The events name the hand-written URL redacted.
    let events = recorder.take();
    assert!(
        events.contains(cm_registry::events::BOOKMARK_RENAMED_EVENT),
        "{events}"
    );
    assert!(!events.contains("s3cr3t"), "{events}");
}

/// A change the store refuses outright (here: replacing an entry the loader skipped for its
/// type) is undone in memory and never re-sent: the registry keeps saving later changes, and
/// observers hear nothing of the refused one.
#[actix_rt::test]
async fn a_change_the_store_refuses_is_undone_and_later_saves_still_work() {
    let dir = tempfile::tempdir().unwrap();
    let path = toml_path(dir.path());
    std::fs::write(&path, "[bookmarks]\nA = 1\n").unwrap();
    let recorder = Recorder::new();
    let registry = start_persisted(&path, &recorder);

    let refused = registry
        .add_bookmark("A", "omniverse://h/a/")
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, RegistryError::NotSaved { source, .. } if source.is_refused_change()),
        "{refused:?}"
    );
    assert!(
        registry.snapshot().bookmarks().is_empty(),
        "undone in memory"
    );
    assert_eq!(registry.snapshot().storage().unsaved_changes, 0);
    assert_eq!(recorder.take(), "", "no event for a refused change");

    registry
        .add_bookmark("B", "omniverse://h/b/")
        .await
        .expect("a later change is saved");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("A = 1"),
        "the wrong-typed entry is left alone: {text}"
    );
    assert!(text.contains("B = \"omniverse://h/b/\""), "{text}");
    let names: Vec<String> = registry
        .snapshot()
        .bookmarks()
        .iter()
        .map(|b| b.name.to_string())
        .collect();
    assert_eq!(names, ["B"]);
}
