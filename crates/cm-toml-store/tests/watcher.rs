//! The file watcher against a real directory and real notify backends.

mod common;

use std::path::Path;
use std::time::Duration;

use cm_testkit::wait;
use cm_toml_store::{Change, FileChanged, TomlStore, WatchBackend, WatchConfig};
use common::store_with;
use crossbeam_channel::{Receiver, unbounded};

const DEBOUNCE: Duration = Duration::from_millis(200);
const DEADLINE: Duration = Duration::from_secs(20);

fn config() -> WatchConfig {
    WatchConfig::with_debounce(DEBOUNCE)
}

fn next(rx: &Receiver<FileChanged>) -> FileChanged {
    rx.recv_timeout(DEADLINE)
        .expect("no change notification within the deadline")
}

/// Asserts nothing arrives for a while (a few debounce periods).
fn assert_quiet(rx: &Receiver<FileChanged>) {
    if let Ok(change) = rx.recv_timeout(DEBOUNCE * 5) {
        panic!("unexpected notification: {change:?}");
    }
}

fn bookmark_file(name: &str) -> String {
    format!("[bookmarks]\n{name} = \"omniverse://h/{name}/\"\n")
}

fn has_bookmark(change: &FileChanged, name: &str) -> bool {
    change
        .result
        .as_ref()
        .is_ok_and(|l| l.sections.bookmark(name).is_some())
}

/// Writes `text` next to `path` and renames it over, as vim and VS Code do.
fn rename_over(path: &Path, text: &str) {
    let temp = path.with_file_name("omniverse.toml.swp");
    std::fs::write(&temp, text).unwrap();
    std::fs::rename(&temp, path).unwrap();
}

fn watched(
    text: Option<&str>,
) -> (
    tempfile::TempDir,
    TomlStore,
    cm_toml_store::TomlFileWatcher,
    Receiver<FileChanged>,
) {
    let (dir, store) = store_with(text);
    let (tx, rx) = unbounded();
    let watcher = store.watch(config(), tx).unwrap();
    (dir, store, watcher, rx)
}

#[test]
fn plain_write_is_reported() {
    let (_dir, store, watcher, rx) = watched(Some(&bookmark_file("a")));
    assert!(!watcher.is_polling());
    std::fs::write(store.path(), bookmark_file("b")).unwrap();
    let change = next(&rx);
    assert_eq!(change.path, store.path());
    assert!(has_bookmark(&change, "b"), "{change:?}");
}

#[test]
fn rename_over_is_reported() {
    let (_dir, store, _watcher, rx) = watched(Some(&bookmark_file("a")));
    rename_over(store.path(), &bookmark_file("renamed"));
    assert!(has_bookmark(&next(&rx), "renamed"));
}

#[test]
fn delete_then_create_is_reported_once_with_the_new_content() {
    let (_dir, store, _watcher, rx) = watched(Some(&bookmark_file("a")));
    std::fs::remove_file(store.path()).unwrap();
    std::fs::write(store.path(), bookmark_file("recreated")).unwrap();
    assert!(has_bookmark(&next(&rx), "recreated"));
    assert_quiet(&rx);
}

#[test]
fn a_burst_of_writes_gives_one_notification() {
    let (_dir, store, _watcher, rx) = watched(None);
    for i in 0..30 {
        std::fs::write(store.path(), bookmark_file(&format!("n{i}"))).unwrap();
    }
    let change = next(&rx);
    assert!(has_bookmark(&change, "n29"), "{change:?}");
    assert_quiet(&rx);
}

#[test]
fn own_saves_are_not_reported_but_later_external_writes_are() {
    let (_dir, store, _watcher, rx) = watched(Some(&bookmark_file("a")));
    for i in 0..5 {
        store
            .apply(&[Change::AddBookmark {
                name: format!("own{i}"),
                url: "omniverse://own/".into(),
            }])
            .unwrap();
    }
    store
        .save_sections(&store.load().unwrap().sections)
        .unwrap();
    assert_quiet(&rx);
    // The watcher is alive: an external edit still arrives.
    std::fs::write(store.path(), bookmark_file("external")).unwrap();
    assert!(has_bookmark(&next(&rx), "external"));
}

#[test]
fn a_clone_of_the_store_shares_the_own_write_record() {
    let (_dir, store, _watcher, rx) = watched(None);
    let clone = store.clone();
    clone
        .apply(&[Change::AddBookmark {
            name: "c".into(),
            url: "omniverse://c/".into(),
        }])
        .unwrap();
    assert_quiet(&rx);
}

#[test]
fn a_malformed_external_edit_delivers_an_error_and_leaves_the_file() {
    let (_dir, store, _watcher, rx) = watched(Some(&bookmark_file("a")));
    let broken = "[bookmarks]\nx = \"unterminated\n";
    std::fs::write(store.path(), broken).unwrap();
    let change = next(&rx);
    let err = change.result.expect_err("malformed file must be an error");
    assert_eq!(err.position().map(|p| p.0), Some(2), "{err}");
    assert!(
        store
            .apply(&[Change::RemoveBookmark { name: "x".into() }])
            .is_err()
    );
    assert_eq!(common::read(store.path()), broken);
}

#[test]
fn deleting_the_file_reports_empty_sections() {
    let (_dir, store, _watcher, rx) = watched(Some(&bookmark_file("a")));
    std::fs::remove_file(store.path()).unwrap();
    let change = next(&rx);
    assert!(change.result.unwrap().sections.bookmarks.is_empty());
}

#[test]
fn other_files_in_the_directory_are_ignored() {
    let (dir, _store, _watcher, rx) = watched(Some(&bookmark_file("a")));
    std::fs::write(dir.path().join("other.toml"), "x = 1").unwrap();
    assert_quiet(&rx);
}

#[test]
fn polling_backend_sees_changes() {
    let (_dir, store) = store_with(Some(&bookmark_file("a")));
    let (tx, rx) = unbounded();
    let config = WatchConfig {
        debounce: DEBOUNCE,
        backend: WatchBackend::Poll {
            interval: Duration::from_millis(100),
        },
    };
    let watcher = store.watch(config, tx).unwrap();
    assert!(watcher.is_polling());
    rename_over(store.path(), &bookmark_file("polled"));
    assert!(has_bookmark(&next(&rx), "polled"));
}

#[test]
fn callback_subscriber_runs_and_dropping_the_watcher_stops_it() {
    use std::sync::{Arc, Mutex};
    let (_dir, store) = store_with(Some(&bookmark_file("a")));
    let seen: Arc<Mutex<Vec<FileChanged>>> = Arc::default();
    let sink = seen.clone();
    let watcher = store
        .watch(
            config(),
            cm_toml_store::Subscriber::callback(move |c| sink.lock().unwrap().push(c)),
        )
        .unwrap();
    std::fs::write(store.path(), bookmark_file("cb")).unwrap();
    wait::until(DEADLINE, "one notification", || {
        seen.lock().unwrap().len() == 1
    });
    drop(watcher);
    std::fs::write(store.path(), bookmark_file("after-drop")).unwrap();
    std::thread::sleep(DEBOUNCE * 4);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[cfg(feature = "actix")]
#[test]
fn actix_recipient_receives_changes() {
    use actix::prelude::*;

    struct Collector(crossbeam_channel::Sender<FileChanged>);
    impl Actor for Collector {
        type Context = Context<Self>;
    }
    impl Handler<FileChanged> for Collector {
        type Result = ();
        fn handle(&mut self, msg: FileChanged, _: &mut Context<Self>) {
            self.0.send(msg).unwrap();
        }
    }

    let (_dir, store) = store_with(Some(&bookmark_file("a")));
    let (tx, rx) = unbounded();
    let system = actix::System::new();
    let watcher = system.block_on(async {
        let addr = Collector(tx).start();
        store
            .watch(config(), addr.recipient::<FileChanged>())
            .unwrap()
    });
    let path = store.path().to_path_buf();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        std::fs::write(&path, bookmark_file("actor")).unwrap();
    });
    let change = system.block_on(async {
        let deadline = std::time::Instant::now() + DEADLINE;
        loop {
            if let Ok(change) = rx.try_recv() {
                return change;
            }
            assert!(std::time::Instant::now() < deadline, "actor got nothing");
            actix_rt::time::sleep(Duration::from_millis(20)).await;
        }
    });
    writer.join().unwrap();
    assert!(has_bookmark(&change, "actor"));
    drop(watcher);
}

/// Waits (up to the deadline) for a notification in which bookmark `name` exists.
fn wait_for_bookmark(rx: &Receiver<FileChanged>, name: &str) {
    let end = std::time::Instant::now() + DEADLINE;
    loop {
        let left = end.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(change) if has_bookmark(&change, name) => return,
            Ok(_) => {}
            Err(_) => panic!("no notification with bookmark {name} within the deadline"),
        }
    }
}

/// A store on `links/omniverse.toml`, a link to `dotfiles/omniverse.toml`.
#[cfg(unix)]
fn linked() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let (links, dotfiles) = (root.path().join("links"), root.path().join("dotfiles"));
    std::fs::create_dir(&links).unwrap();
    std::fs::create_dir(&dotfiles).unwrap();
    let target = dotfiles.join("omniverse.toml");
    std::fs::write(&target, bookmark_file("A")).unwrap();
    let link = links.join("omniverse.toml");
    std::os::unix::fs::symlink("../dotfiles/omniverse.toml", &link).unwrap();
    (root, link, target)
}

#[cfg(unix)]
#[test]
fn edits_through_a_link_and_to_its_target_are_reported() {
    let (_root, link, target) = linked();
    let store = TomlStore::new(&link);
    let (tx, rx) = unbounded();
    let _watcher = store.watch(config(), tx).unwrap();

    // In place through the link, then an editor-style save of the target in its directory.
    std::fs::write(&link, bookmark_file("B")).unwrap();
    wait_for_bookmark(&rx, "B");
    rename_over(&target, &bookmark_file("C"));
    wait_for_bookmark(&rx, "C");
    assert!(link.is_symlink(), "the link is still a link");
}

#[cfg(unix)]
#[test]
fn a_link_re_pointed_at_another_file_is_followed_to_it() {
    let (root, link, _target) = linked();
    let store = TomlStore::new(&link);
    let (tx, rx) = unbounded();
    let _watcher = store.watch(config(), tx).unwrap();

    let elsewhere = root.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let other = elsewhere.join("other.toml");
    std::fs::write(&other, bookmark_file("D")).unwrap();
    let new_link = link.with_file_name("omniverse.toml.new");
    std::os::unix::fs::symlink(&other, &new_link).unwrap();
    std::fs::rename(&new_link, &link).unwrap();
    wait_for_bookmark(&rx, "D");

    // Later edits of the new target, in its own directory, are seen too.
    rename_over(&other, &bookmark_file("E"));
    wait_for_bookmark(&rx, "E");
}

#[test]
fn the_directory_removed_and_recreated_is_watched_again() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("config");
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("omniverse.toml");
    std::fs::write(&path, bookmark_file("A")).unwrap();
    let store = TomlStore::new(&path);
    let (tx, rx) = unbounded();
    let _watcher = store.watch(config(), tx).unwrap();

    for round in ["N1", "N2"] {
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(&path, bookmark_file(round)).unwrap();
        wait_for_bookmark(&rx, round);
        // And an ordinary edit after the directory came back.
        let edited = format!("{round}x");
        rename_over(&path, &bookmark_file(&edited));
        wait_for_bookmark(&rx, &edited);
    }
}

#[test]
fn a_directory_that_returns_after_a_while_is_watched_again() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("config");
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("omniverse.toml");
    let store = TomlStore::new(&path);
    let (tx, rx) = unbounded();
    let _watcher = store.watch(config(), tx).unwrap();

    std::fs::remove_dir_all(&dir).unwrap();
    // Let the watcher notice the removal and fall back to the parent.
    std::thread::sleep(DEBOUNCE * 3);
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(&path, bookmark_file("Back")).unwrap();
    wait_for_bookmark(&rx, "Back");
}

/// An editor that truncates the file and writes it a debounce and a half later (a slow
/// truncate-then-write save): the empty file is read again one debounce later before it
/// counts, so the registry never applies "all bookmarks deleted" for it.
#[test]
fn an_emptied_file_is_read_again_before_it_counts() {
    let (_dir, store, _watcher, rx) = watched(Some(&bookmark_file("Keep")));
    store.load().unwrap();
    let file = std::fs::File::create(store.path()).unwrap(); // truncated
    // The scenario's pause (not a wait for a condition): past the first debounce, well
    // within the second.
    std::thread::sleep(DEBOUNCE * 3 / 2);
    {
        use std::io::Write as _;
        let mut file = file;
        file.write_all(bookmark_file("Keep").replace("Keep", "Edited").as_bytes())
            .unwrap();
    }
    let change = next(&rx);
    assert!(has_bookmark(&change, "Edited"), "{change:?}");
}

/// A file that stays empty is delivered as empty once the second read confirms it.
#[test]
fn a_file_that_stays_empty_is_delivered() {
    let (_dir, store, _watcher, rx) = watched(Some(&bookmark_file("Gone")));
    store.load().unwrap();
    std::fs::write(store.path(), "").unwrap();
    let change = next(&rx);
    let loaded = change.result.expect("an empty file loads");
    assert!(loaded.sections.bookmarks.is_empty());
}
