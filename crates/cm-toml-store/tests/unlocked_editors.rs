//! Editors that do not take `omniverse.toml.lock`, racing the store's own edits on real files
//! from another thread: a rename-over save that lands during an edit, and a truncate-then-write
//! save caught half way, must lose nothing (see `commit_check` in the crate).

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use cm_toml_store::{Change, TomlStore};
use common::{read, store_with};

fn add(name: &str, url: &str) -> Change {
    Change::AddBookmark {
        name: name.into(),
        url: url.into(),
    }
}

/// Waits for `condition` with a generous deadline (a loaded CI machine).
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// One save of an editor that reads the file, adds `key` and renames its own temporary file
/// over it, without the lock. Like a careful editor (vim's "file changed since reading") it
/// saves only over the file it read, and checks that with an atomic swap, so the test counts
/// only what the store loses, never what the editor itself overwrote.
#[cfg(target_os = "linux")]
fn editor_save(store: &TomlStore, key: &str) {
    use std::os::unix::fs::MetadataExt as _;
    let path = store.path();
    let temp = path.with_file_name(".editor-save.tmp");
    loop {
        let before = std::fs::metadata(path).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        if std::fs::metadata(path).unwrap().ino() != before.ino() {
            continue; // read across a save: read again
        }
        let edited = text.replacen(
            "[bookmarks]\n",
            &format!("[bookmarks]\n{key} = \"omniverse://ext/{key}/\"\n"),
            1,
        );
        std::fs::write(&temp, edited).unwrap();
        exchange(&temp, path);
        // The inode and the bytes: a freed inode number is soon reused for another file.
        let displaced = std::fs::metadata(&temp).unwrap();
        if displaced.ino() == before.ino() && std::fs::read_to_string(&temp).unwrap() == text {
            std::fs::remove_file(&temp).unwrap();
            return; // it replaced the file it read
        }
        // Someone saved in between: put that file back and redo the edit.
        exchange(&temp, path);
        std::fs::remove_file(&temp).unwrap();
    }
}

#[cfg(target_os = "linux")]
fn exchange(a: &std::path::Path, b: &std::path::Path) {
    use std::os::unix::ffi::OsStrExt as _;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes()).unwrap();
    let b = std::ffi::CString::new(b.as_os_str().as_bytes()).unwrap();
    // SAFETY: two valid NUL-terminated paths.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
}

#[cfg(target_os = "linux")]
#[test]
fn rename_over_saves_of_an_unlocked_editor_and_the_stores_edits_are_all_kept() {
    const EDITOR_SAVES: usize = 150;
    let (_dir, store) = store_with(Some(
        "[bookmarks]\nseed = \"omniverse://seed/p/\"\n\n[servers]\n",
    ));
    let done = Arc::new(AtomicBool::new(false));
    let ours = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(2));
    let writer = {
        let (store, done, ours, start) = (store.clone(), done.clone(), ours.clone(), start.clone());
        std::thread::spawn(move || {
            start.wait();
            let mut k = 0;
            while !done.load(Ordering::Acquire) {
                store
                    .apply(&[add(&format!("t{k}"), &format!("omniverse://t/{k}/"))])
                    .unwrap();
                k += 1;
                ours.store(k, Ordering::Release);
            }
        })
    };
    start.wait();
    for i in 0..EDITOR_SAVES {
        // Each save waits for at least one of the store's edits, so the two interleave.
        let seen = ours.load(Ordering::Acquire);
        wait_until("a store edit", || ours.load(Ordering::Acquire) > seen);
        editor_save(&store, &format!("ext_{i}"));
    }
    done.store(true, Ordering::Release);
    writer.join().unwrap();

    let text = read(store.path());
    let bookmarks = store.load().unwrap().sections;
    let lost_editor: Vec<String> = (0..EDITOR_SAVES)
        .map(|i| format!("ext_{i}"))
        .filter(|k| bookmarks.bookmark(k).is_none())
        .collect();
    let lost_ours: Vec<String> = (0..ours.load(Ordering::Acquire))
        .map(|k| format!("t{k}"))
        .filter(|k| bookmarks.bookmark(k).is_none())
        .collect();
    eprintln!(
        "editor saves {EDITOR_SAVES}, lost {}; store edits {}, lost {}",
        lost_editor.len(),
        ours.load(Ordering::Acquire),
        lost_ours.len()
    );
    assert!(bookmarks.bookmark("seed").is_some(), "{text}");
    assert_eq!(lost_editor, Vec::<String>::new(), "editor saves lost");
    assert_eq!(lost_ours, Vec::<String>::new(), "store edits lost");
}

/// 200 bookmarks, as in the report that found the loss.
fn two_hundred() -> String {
    let mut text = String::from("[bookmarks]\n");
    for i in 0..200 {
        text.push_str(&format!("b{i} = \"omniverse://h/p{i}/\"\n"));
    }
    text.push_str("\n[servers]\n");
    text
}

/// An editor truncates the file, pauses, then writes its content (plus one key); the store
/// edits in the pause. No bookmark may be lost, the editor's or the store's. With `fresh`,
/// the edit is made by a store that never read the file (a `cm` process started in the
/// pause), which can only go by the file's modification time.
fn truncate_then_write_with_pause(pause: Duration, fresh: bool) {
    let body = two_hundred();
    let (_dir, store) = store_with(Some(&body));
    assert_eq!(store.load().unwrap().sections.bookmarks.len(), 200);

    let file = std::fs::File::create(store.path()).unwrap(); // the editor truncates...
    let edit = {
        let store = if fresh {
            TomlStore::new(store.path())
        } else {
            store.clone()
        };
        std::thread::spawn(move || store.apply(&[add("from_store", "omniverse://h/new/")]))
    };
    std::thread::sleep(pause); // ...is slow to write (the pause is the scenario, not a wait)
    {
        use std::io::Write as _;
        let mut file = file;
        let edited = body.replacen(
            "[bookmarks]\n",
            "[bookmarks]\nedited = \"omniverse://h/edited/\"\n",
            1,
        );
        file.write_all(edited.as_bytes()).unwrap(); // ...and writes
    }
    let loaded = edit.join().unwrap().unwrap();

    let sections = store.load().unwrap().sections;
    let lost: Vec<usize> = (0..200)
        .filter(|i| sections.bookmark(&format!("b{i}")).is_none())
        .collect();
    assert_eq!(lost, Vec::<usize>::new(), "user's bookmarks lost");
    assert!(sections.bookmark("edited").is_some(), "editor's save lost");
    assert!(
        sections.bookmark("from_store").is_some(),
        "store's edit lost"
    );
    assert_eq!(loaded.sections, sections);
}

#[test]
fn a_truncate_then_write_save_caught_empty_loses_nothing() {
    truncate_then_write_with_pause(Duration::ZERO, false);
}

/// Found by the attack on the commit check: a fresh `cm` meeting an in-place save half done
/// took the empty file for the user's truth and wrote over it.
#[test]
fn a_fresh_store_that_meets_a_save_caught_empty_loses_nothing() {
    truncate_then_write_with_pause(Duration::from_millis(300), true);
}

#[test]
fn a_truncate_then_write_save_that_pauses_loses_nothing() {
    truncate_then_write_with_pause(Duration::from_millis(500), false);
}

#[test]
fn a_file_that_stays_empty_is_taken_as_the_users_truth() {
    let (_dir, store) = store_with(Some(&two_hundred()));
    store.load().unwrap();
    std::fs::write(store.path(), "").unwrap();
    let loaded = store.apply(&[add("only", "omniverse://h/only/")]).unwrap();
    assert_eq!(loaded.sections.bookmarks.len(), 1);
    assert_eq!(store.load().unwrap().sections.bookmarks.len(), 1);
}

/// The scenario of the two tests below: a store writes the file (a new, marked inode, as a
/// `cm` run just before would); then a writer rewrites it *in place* in two pieces, the first of
/// which parses (cut at a line end), with a 300 ms pause between them. `fresh` runs on a new
/// store (a new `cm`) during the pause and must add `from_fresh`; afterwards nothing of the
/// writer's save or of either store's edits may be missing. Returns what `fresh` returned.
fn fresh_store_during_a_two_piece_save<T: Send + 'static>(
    fresh: impl FnOnce(TomlStore) -> T + Send + 'static,
) -> T {
    use std::io::Write as _;
    let (_dir, store) = store_with(Some(&two_hundred()));
    store
        .apply(&[add("written", "omniverse://h/written/")])
        .unwrap();
    let text = std::fs::read_to_string(store.path()).unwrap();
    let cut = text.find("b100 =").expect("a line boundary in the middle");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(store.path())
        .unwrap();
    file.write_all(&text.as_bytes()[..cut]).unwrap(); // the first piece, valid TOML
    let edit = {
        let store = TomlStore::new(store.path());
        std::thread::spawn(move || fresh(store))
    };
    std::thread::sleep(Duration::from_millis(300)); // the writer's pause (the scenario)
    file.write_all(&text.as_bytes()[cut..]).unwrap();
    drop(file);
    let result = edit.join().unwrap();

    let sections = TomlStore::new(store.path()).load().unwrap().sections;
    let lost: Vec<usize> = (0..200)
        .filter(|i| sections.bookmark(&format!("b{i}")).is_none())
        .collect();
    assert_eq!(
        lost,
        Vec::<usize>::new(),
        "the writer's second piece was lost"
    );
    assert!(sections.bookmark("written").is_some());
    assert!(sections.bookmark("from_fresh").is_some());
    result
}

/// Found by the attack on the fresh-process wait: a fresh store reading between the pieces of an
/// in-place save must not take the first piece for the whole file: the inode's content mark no
/// longer matches, so it waits.
#[test]
fn a_fresh_store_waits_for_an_in_place_save_whose_first_piece_parses() {
    fresh_store_during_a_two_piece_save(|fresh| {
        fresh
            .apply(&[add("from_fresh", "omniverse://h/fresh/")])
            .unwrap();
    });
}

/// Found by the second attack on the fresh-process wait (through `cm`): a fresh process reads
/// the file once at start (`load`, as `cm` and every registry do) and then edits it. The start-up
/// read of a first piece that parses used to count as content "this process saw", and the edit
/// skipped its wait for seen bytes: 5 of 5 `cm bookmark add`s wrote the first piece back, the
/// rest of the save went into the replaced inode. Now a read waits like an edit, and only bytes
/// known to be a whole save (written, or read settled) skip an edit's wait.
#[test]
fn a_fresh_store_that_loads_first_still_waits_for_an_in_place_save_whose_first_piece_parses() {
    let at_start = fresh_store_during_a_two_piece_save(|fresh| {
        let at_start = fresh.load().unwrap().sections.bookmarks.len();
        fresh
            .apply(&[add("from_fresh", "omniverse://h/fresh/")])
            .unwrap();
        at_start
    });
    assert_eq!(at_start, 201, "the start-up read waited for the whole save");
}

/// Found by the same attack: once an edit had waited its whole budget, it took the next empty
/// read at once. A file that keeps being emptied and touched must make the edit give up
/// (`KeepsChanging`), never write over it.
#[test]
fn an_edit_that_runs_out_of_waiting_gives_up_instead_of_writing_over_an_empty_file() {
    let (_dir, store) = store_with(Some(&two_hundred()));
    store.load().unwrap();
    std::fs::write(store.path(), "").unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let toucher = {
        let (path, stop) = (store.path().to_path_buf(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                // An in-place "save" of nothing: the file changes and stays empty.
                std::fs::write(&path, "").unwrap();
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    let result = store.apply(&[add("only", "omniverse://h/only/")]);
    stop.store(true, Ordering::Relaxed);
    toucher.join().unwrap();
    assert!(
        matches!(result, Err(cm_toml_store::StoreError::KeepsChanging { .. })),
        "{result:?}"
    );
    assert_eq!(
        read(store.path()),
        "",
        "the edit wrote over a file that kept changing"
    );
}
