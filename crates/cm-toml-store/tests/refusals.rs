//! A write never produces what the loader skips or refuses: an invalid URL, a name or URL over
//! its limit, a file over the read limit, or the silent replacement of a wrong-typed entry.
//! Each is refused with `StoreError::Refused` before anything is written.

mod common;

use cm_toml_store::{
    BookmarkEntry, Change, DiscoveryEntry, MAX_FILE_BYTES, MAX_NAME_BYTES, MAX_URL_BYTES, Refusal,
    Sections, StoreError,
};
use common::{read, store_with};

fn add(name: &str, url: &str) -> Change {
    Change::AddBookmark {
        name: name.into(),
        url: url.into(),
    }
}

/// Applies `changes` to a file holding `original`; returns the refusal and checks that the
/// file is byte-identical.
fn refused(original: &str, changes: &[Change]) -> Refusal {
    let (_dir, store) = store_with(Some(original));
    let err = store.apply(changes).unwrap_err();
    assert!(err.is_refused_change(), "{err}");
    assert!(!err.to_string().contains('\n'), "{err}");
    assert_eq!(read(store.path()), original, "a refused change wrote");
    match err {
        StoreError::Refused { reason, .. } => reason,
        other => panic!("{other}"),
    }
}

#[test]
fn a_url_the_loader_would_warn_about_is_refused() {
    let file = "[bookmarks]\nA = \"omniverse://h/a/\"\n";
    for change in [
        add("B", "ftp://not allowed"),
        Change::SetServer {
            url: "not a url".into(),
            name: "x".into(),
        },
        Change::SetDiscoveryServer(DiscoveryEntry {
            name: "D".into(),
            url: "gopher://d".into(),
            cached_addresses: Vec::new(),
        }),
        Change::RenameBookmark {
            old_name: "A".into(),
            new_name: "A2".into(),
            url: "omniverse://ho st/".into(),
        },
    ] {
        let reason = refused(file, &[add("ok", "omniverse://h/ok/"), change.clone()]);
        assert!(
            matches!(reason, Refusal::InvalidUrl { .. }),
            "{change:?}: {reason}"
        );
    }
}

#[test]
fn removals_and_valid_changes_are_not_refused() {
    let (_dir, store) = store_with(Some("[bookmarks]\nbad = \"ftp://hand written\"\n"));
    store.apply(&[add("B", "omniverse://h/b/")]).unwrap();
    let loaded = store
        .apply(&[Change::RemoveBookmark { name: "bad".into() }])
        .unwrap();
    assert_eq!(loaded.sections.bookmarks.len(), 1);
}

#[test]
fn names_and_urls_over_their_limits_are_refused_with_the_reason() {
    let file = "[bookmarks]\n";
    let long_name = "n".repeat(100 * 1024);
    let reason = refused(file, &[add(&long_name, "omniverse://h/a/")]);
    assert_eq!(
        reason,
        Refusal::TooLong {
            what: "bookmark name",
            length: 100 * 1024,
            limit: MAX_NAME_BYTES
        }
    );
    assert!(reason.to_string().contains("one-line label"), "{reason}");
    let long_url = format!("omniverse://h/{}", "p".repeat(MAX_URL_BYTES));
    let reason = refused(file, &[add("A", &long_url)]);
    assert!(
        matches!(reason, Refusal::TooLong { what: "bookmark URL", limit, .. } if limit == MAX_URL_BYTES),
        "{reason}"
    );
    assert!(reason.to_string().contains("RFC 9110"), "{reason}");
    // At the limits, accepted.
    let (_dir, store) = store_with(Some(file));
    let at_limit = format!("omniverse://h/{}", "p".repeat(MAX_URL_BYTES - 14));
    store
        .apply(&[add(&"n".repeat(MAX_NAME_BYTES), &at_limit)])
        .unwrap();
}

#[test]
fn a_change_that_would_grow_the_file_over_the_read_limit_is_refused() {
    // A file just under the limit: one long foreign comment.
    let filler = MAX_FILE_BYTES as usize - 200;
    let original = format!("# {}\n[bookmarks]\n", "x".repeat(filler));
    let reason = refused(
        &original,
        &[add(&"n".repeat(MAX_NAME_BYTES), "omniverse://h/a/")],
    );
    assert!(
        matches!(reason, Refusal::FileTooLarge { size, limit } if size > limit && limit == MAX_FILE_BYTES),
        "{reason}"
    );
    assert!(reason.to_string().contains("16 MiB"), "{reason}");
    // A change that fits is written, and the file still loads.
    let (_dir, store) = store_with(Some(&original));
    store.apply(&[add("B", "omniverse://h/b/")]).unwrap();
    assert!(store.load().is_ok());
}

#[test]
fn a_wrong_typed_bookmark_is_not_replaced_unless_asked() {
    let file = "[bookmarks]\nA = 1 # hand written\n";
    let reason = refused(file, &[add("A", "omniverse://h/a/")]);
    assert_eq!(
        reason,
        Refusal::WrongTypedEntry {
            section: cm_toml_store::Section::Bookmarks,
            entry: "A".into(),
            field: None,
            found: "integer"
        }
    );
    // A rename from or onto it would lose it too.
    for change in [
        Change::RenameBookmark {
            old_name: "A".into(),
            new_name: "B".into(),
            url: "omniverse://h/b/".into(),
        },
        Change::RenameBookmark {
            old_name: "C".into(),
            new_name: "A".into(),
            url: "omniverse://h/b/".into(),
        },
    ] {
        let reason = refused(file, &[change]);
        assert!(
            matches!(reason, Refusal::WrongTypedEntry { .. }),
            "{reason}"
        );
    }
    let (_dir, store) = store_with(Some(file));
    let store = store.replacing_wrong_typed_entries(true);
    let loaded = store.apply(&[add("A", "omniverse://h/a/")]).unwrap();
    assert_eq!(loaded.sections.bookmark("A"), Some("omniverse://h/a/"));
    assert!(read(store.path()).contains("# hand written"));
}

#[test]
fn a_wrong_typed_server_or_discovery_field_is_not_replaced_unless_asked() {
    let server = "[servers]\n\"omniverse://h\" = 3\n";
    let reason = refused(
        server,
        &[Change::SetServer {
            url: "omniverse://h/".into(),
            name: "h".into(),
        }],
    );
    assert!(
        matches!(&reason, Refusal::WrongTypedEntry { entry, .. } if entry == "omniverse://h"),
        "{reason}"
    );
    let discovery = "[[discovery_servers]]\nname = 7\nurl = \"https://d.example.com/\"\ncached_addresses = \"x\"\n";
    let reason = refused(
        discovery,
        &[Change::SetDiscoveryServer(DiscoveryEntry {
            name: "D".into(),
            url: "https://d.example.com/".into(),
            cached_addresses: Vec::new(),
        })],
    );
    assert!(
        matches!(
            reason,
            Refusal::WrongTypedEntry {
                field: Some("name"),
                found: "integer",
                ..
            }
        ),
        "{reason}"
    );
    let reason = refused(
        discovery,
        &[Change::SetDiscoveryAddresses {
            url: "https://d.example.com".into(),
            cached_addresses: vec!["omniverse://s/".into()],
        }],
    );
    assert!(
        matches!(
            reason,
            Refusal::WrongTypedEntry {
                field: Some("cached_addresses"),
                found: "string",
                ..
            }
        ),
        "{reason}"
    );
}

#[test]
fn save_sections_refuses_a_new_invalid_entry_and_keeps_a_hand_written_one() {
    let file = "[bookmarks]\nbad = \"ftp://hand written\"\n";
    let (_dir, store) = store_with(Some(file));
    let mut sections = store.load().unwrap().sections;
    // Written back as it is: not refused.
    store.save_sections(&sections).unwrap();
    sections.bookmarks.push(BookmarkEntry {
        name: "new".into(),
        url: "ftp://new one".into(),
    });
    let before = read(store.path());
    let err = store.save_sections(&sections).unwrap_err();
    assert!(err.is_refused_change(), "{err}");
    assert_eq!(read(store.path()), before);
    assert!(
        store
            .save_sections(&Sections::default())
            .unwrap()
            .sections
            .bookmarks
            .is_empty()
    );
}
