//! An edit reuses the document this process kept from its last edit only when the file is
//! byte for byte what that edit wrote. These tests change the file from outside between two
//! of the store's edits, in the ways a weaker check (length, modification time, a cheap
//! hash of part of the file) would miss, and check the outside change is never lost.

mod common;

use cm_toml_store::{Change, TomlStore};
use common::{read, store_with};

const FILE: &str = "# kept\n[bookmarks]\nAlpha = \"omniverse://a/one/\"\nBeta = \"omniverse://b/two/\"\n\n[servers]\n";

fn add(name: &str, url: &str) -> Change {
    Change::AddBookmark {
        name: name.into(),
        url: url.into(),
    }
}

/// Replaces the file the way another writer does (temporary file renamed over it).
fn write_from_outside(store: &TomlStore, text: &str) {
    let temp = store.path().with_extension("outside-tmp");
    std::fs::write(&temp, text).unwrap();
    std::fs::rename(&temp, store.path()).unwrap();
}

#[test]
fn an_outside_edit_of_the_same_length_is_kept() {
    let (_dir, store) = store_with(Some(FILE));
    store
        .apply(&[add("Gamma", "omniverse://c/three/")])
        .unwrap();
    let ours = read(store.path());
    // Same length, one byte different.
    let outside = ours.replace("omniverse://a/one/", "omniverse://a/onE/");
    assert_eq!(outside.len(), ours.len());
    assert_ne!(outside, ours);
    write_from_outside(&store, &outside);

    let loaded = store.apply(&[add("Delta", "omniverse://d/four/")]).unwrap();

    let text = read(store.path());
    assert!(text.contains("Alpha = \"omniverse://a/onE/\""), "{text}");
    assert!(text.contains("Delta = \"omniverse://d/four/\""), "{text}");
    assert_eq!(
        loaded.sections.bookmark("Alpha"),
        Some("omniverse://a/onE/")
    );
    assert_eq!(loaded.sections, store.load().unwrap().sections);
}

#[test]
fn an_outside_edit_that_keeps_length_and_modification_time_is_kept() {
    let (_dir, store) = store_with(Some(FILE));
    store
        .apply(&[add("Gamma", "omniverse://c/three/")])
        .unwrap();
    let ours = read(store.path());
    let mtime = std::fs::metadata(store.path()).unwrap().modified().unwrap();
    // Written in place (same inode), then the modification time put back.
    let outside = ours.replace("Beta", "Bet2");
    std::fs::write(store.path(), &outside).unwrap();
    std::fs::File::options()
        .write(true)
        .open(store.path())
        .unwrap()
        .set_modified(mtime)
        .unwrap();

    store.apply(&[add("Delta", "omniverse://d/four/")]).unwrap();

    let sections = store.load().unwrap().sections;
    assert_eq!(sections.bookmark("Bet2"), Some("omniverse://b/two/"));
    assert_eq!(sections.bookmark("Beta"), None);
    assert_eq!(sections.bookmark("Delta"), Some("omniverse://d/four/"));
}

#[test]
fn the_same_bytes_rewritten_from_outside_give_the_same_result_as_no_rewrite() {
    let (_dir, store) = store_with(Some(FILE));
    let (_other_dir, fresh) = store_with(None);
    store
        .apply(&[add("Gamma", "omniverse://c/three/")])
        .unwrap();
    let ours = read(store.path());
    write_from_outside(&store, &ours);

    store.apply(&[add("Delta", "omniverse://d/four/")]).unwrap();

    // What a store that never saw the file writes for the same edit of the same bytes.
    write_from_outside(&fresh, &ours);
    fresh.apply(&[add("Delta", "omniverse://d/four/")]).unwrap();
    assert_eq!(read(store.path()), read(fresh.path()));
}

#[test]
fn every_outside_edit_between_our_edits_survives() {
    // Alternating: our edit, then an outside edit that changes a byte somewhere else and
    // keeps the length, many times; at the end every edit of either side is in the file.
    let (_dir, store) = store_with(Some(FILE));
    for round in 0..20 {
        store
            .apply(&[add(&format!("Ours{round:02}"), "omniverse://ours/x/")])
            .unwrap();
        let text = read(store.path());
        let from = format!("Ours{round:02}");
        let to = format!("Outs{round:02}");
        write_from_outside(&store, &text.replacen(&from, &to, 1));
    }
    store.apply(&[add("Last", "omniverse://ours/y/")]).unwrap();
    let sections = store.load().unwrap().sections;
    for round in 0..20 {
        assert_eq!(
            sections.bookmark(&format!("Outs{round:02}")),
            Some("omniverse://ours/x/"),
            "round {round}"
        );
        assert_eq!(sections.bookmark(&format!("Ours{round:02}")), None);
    }
    assert_eq!(sections.bookmark("Last"), Some("omniverse://ours/y/"));
}

#[test]
fn a_refused_edit_leaves_nothing_of_its_earlier_changes_for_the_next() {
    // The second change is refused after the first was applied to the document in memory:
    // the next edit must not start from that half-edited document.
    let (_dir, store) = store_with(Some("[bookmarks]\nA = 1\n\n[servers]\n"));
    store
        .apply(&[add("Gamma", "omniverse://c/three/")])
        .unwrap();
    let refused = store.apply(&[add("Half", "omniverse://h/"), add("A", "omniverse://a/")]);
    assert!(refused.is_err());
    store.apply(&[add("Delta", "omniverse://d/four/")]).unwrap();
    let sections = store.load().unwrap().sections;
    assert_eq!(sections.bookmark("Half"), None, "{}", read(store.path()));
    assert_eq!(sections.bookmark("Delta"), Some("omniverse://d/four/"));
}

#[test]
fn clones_and_separate_stores_see_each_others_edits() {
    // A clone shares the kept document; a second store for the same file does not. Each
    // edit by one is an outside edit for the other.
    let (_dir, store) = store_with(Some(FILE));
    let clone = store.clone();
    let separate = TomlStore::new(store.path()).with_durability(cm_toml_store::Durability::NoSync);
    for round in 0..5 {
        store
            .apply(&[add(&format!("S{round}"), "omniverse://s/")])
            .unwrap();
        separate
            .apply(&[add(&format!("P{round}"), "omniverse://p/")])
            .unwrap();
        clone
            .apply(&[add(&format!("C{round}"), "omniverse://c/")])
            .unwrap();
    }
    let sections = store.load().unwrap().sections;
    for round in 0..5 {
        for prefix in ["S", "P", "C"] {
            assert!(
                sections.bookmark(&format!("{prefix}{round}")).is_some(),
                "{prefix}{round}"
            );
        }
    }
}
