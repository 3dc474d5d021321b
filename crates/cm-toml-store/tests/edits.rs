//! The exact file text after each kind of edit on a file full of comments and
//! foreign sections (insta snapshots), plus round-trips of awkward strings.

mod common;

use cm_toml_store::{BookmarkEntry, Change, DiscoveryEntry, Sections, ServerEntry, WarningKind};
use common::{COMMENTED, read, store_with};

fn edited(changes: &[Change]) -> String {
    let (_dir, store) = store_with(Some(COMMENTED));
    store.apply(changes).unwrap();
    read(store.path())
}

fn bookmark(name: &str, url: &str) -> Change {
    Change::AddBookmark {
        name: name.into(),
        url: url.into(),
    }
}

#[test]
fn fixture_loads_with_one_warning_for_the_wrong_typed_entry() {
    let (_dir, store) = store_with(Some(COMMENTED));
    let loaded = store.load().unwrap();
    let names: Vec<_> = loaded
        .sections
        .bookmarks
        .iter()
        .map(|b| b.name.as_str())
        .collect();
    assert_eq!(names, ["Astronaut", "user@example.com", "Projects"]);
    assert_eq!(loaded.sections.servers.len(), 2);
    assert_eq!(loaded.sections.discovery_servers.len(), 1);
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    let w = &loaded.warnings[0];
    assert_eq!((w.entry.as_str(), w.line, w.column), ("broken", 13, 1));
    assert!(matches!(
        w.kind,
        WarningKind::WrongType {
            found: "integer",
            ..
        }
    ));
}

#[test]
fn add_bookmark() {
    insta::assert_snapshot!(edited(&[bookmark("New One", "omniverse://other/Library/")]));
}

#[test]
fn add_existing_bookmark_changes_only_its_value() {
    insta::assert_snapshot!(edited(&[bookmark(
        "Astronaut",
        "https://bucket.s3.amazonaws.com/Samples/Other/"
    )]));
}

#[test]
fn remove_bookmark() {
    insta::assert_snapshot!(edited(&[Change::RemoveBookmark {
        name: "user@example.com".into()
    }]));
}

#[test]
fn rename_bookmark_in_place() {
    insta::assert_snapshot!(edited(&[Change::RenameBookmark {
        old_name: "Astronaut".into(),
        new_name: "Astronaut (old)".into(),
        url: "https://bucket.s3.amazonaws.com/Samples/Astronaut/".into(),
    }]));
}

#[test]
fn set_new_server() {
    insta::assert_snapshot!(edited(&[Change::SetServer {
        url: "https://account.blob.core.windows.net/container".into(),
        name: "Azure".into(),
    }]));
}

#[test]
fn rename_existing_server_matched_with_trailing_slash() {
    insta::assert_snapshot!(edited(&[Change::SetServer {
        url: "omniverse://my-server/".into(),
        name: "Main Server".into(),
    }]));
}

#[test]
fn remove_server() {
    insta::assert_snapshot!(edited(&[Change::RemoveServer {
        url: "https://mybucket.s3.amazonaws.com/".into()
    }]));
}

#[test]
fn add_discovery_server() {
    insta::assert_snapshot!(edited(&[Change::SetDiscoveryServer(DiscoveryEntry {
        name: "Second".into(),
        url: "https://discovery2.example.com/".into(),
        cached_addresses: vec!["omniverse://s2.example.com/".into()],
    })]));
}

#[test]
fn update_discovery_addresses_in_place() {
    insta::assert_snapshot!(edited(&[Change::SetDiscoveryServer(DiscoveryEntry {
        name: "My Storage".into(),
        url: "https://discovery.example.com/".into(),
        cached_addresses: vec!["omniverse://storage2.example.com/".into()],
    })]));
}

#[test]
fn remove_discovery_server() {
    insta::assert_snapshot!(edited(&[Change::RemoveDiscoveryServer {
        url: "https://discovery.example.com".into()
    }]));
}

#[test]
fn removing_what_is_not_there_does_not_write() {
    let (_dir, store) = store_with(Some(COMMENTED));
    let before = std::fs::metadata(store.path()).unwrap().modified().unwrap();
    store
        .apply(&[Change::RemoveBookmark {
            name: "nope".into(),
        }])
        .unwrap();
    assert_eq!(read(store.path()), COMMENTED);
    assert_eq!(
        std::fs::metadata(store.path()).unwrap().modified().unwrap(),
        before
    );
}

#[test]
fn save_sections_rewrites_only_what_differs() {
    let (_dir, store) = store_with(Some(COMMENTED));
    let mut sections = store.load().unwrap().sections;
    sections.bookmarks.retain(|b| b.name != "Astronaut");
    sections.bookmarks.insert(
        0,
        BookmarkEntry {
            name: "First".into(),
            url: "omniverse://a/b/".into(),
        },
    );
    sections.servers.push(ServerEntry {
        url: "omniverse://new-server".into(),
        name: "new".into(),
    });
    sections.discovery_servers.clear();
    let loaded = store.save_sections(&sections).unwrap();
    assert_eq!(loaded.sections, sections);
    insta::assert_snapshot!(read(store.path()));
}

#[test]
fn save_sections_into_a_missing_file_creates_directory_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep/config/omniverse.toml");
    let store = cm_toml_store::TomlStore::new(&path);
    let sections = Sections {
        bookmarks: vec![BookmarkEntry {
            name: "Astronaut".into(),
            url: "https://x.s3.amazonaws.com/A/".into(),
        }],
        servers: vec![ServerEntry {
            url: "omniverse://my-server".into(),
            name: "my-server".into(),
        }],
        discovery_servers: vec![DiscoveryEntry {
            name: "My Storage".into(),
            url: "https://discovery.example.com/".into(),
            cached_addresses: vec!["omniverse://storage.example.com/".into()],
        }],
    };
    store.save_sections(&sections).unwrap();
    assert_eq!(store.load().unwrap().sections, sections);
    insta::assert_snapshot!(read(&path));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[cfg(unix)]
#[test]
fn existing_permissions_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, store) = store_with(Some(COMMENTED));
    std::fs::set_permissions(store.path(), std::fs::Permissions::from_mode(0o640)).unwrap();
    store.apply(&[bookmark("x", "omniverse://x/")]).unwrap();
    assert_eq!(
        std::fs::metadata(store.path())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o640
    );
}

#[cfg(unix)]
#[test]
fn a_symlinked_config_is_written_through_and_stays_a_link() {
    let (dir, store) = store_with(None);
    let real = dir.path().join("dotfiles.toml");
    std::fs::write(&real, COMMENTED).unwrap();
    std::os::unix::fs::symlink(&real, store.path()).unwrap();
    store.apply(&[bookmark("x", "omniverse://x/")]).unwrap();
    assert!(
        std::fs::symlink_metadata(store.path())
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(read(&real).contains("x = \"omniverse://x/\""));
}

#[test]
fn awkward_names_and_urls_round_trip() {
    let awkward = [
        "quote \" inside",
        "back\\slash",
        "new\nline",
        "a = b",
        "# not a comment",
        " leading space",
        "ünïcødé 🚀",
        "'single'",
        "tab\there",
        "",
    ];
    // URLs as awkward as a valid URL may be: quotes, backslashes, `#` and `=` in the path.
    let url = |i: usize| format!("omniverse://h/{i}/'q'\\b=c/%20x/#frag\"");
    let (_dir, store) = store_with(Some(COMMENTED));
    let changes: Vec<Change> = awkward
        .iter()
        .enumerate()
        .map(|(i, s)| bookmark(s, &url(i)))
        .collect();
    store.apply(&changes).unwrap();
    let loaded = store.load().unwrap();
    for (i, s) in awkward.iter().enumerate() {
        assert_eq!(loaded.sections.bookmark(s), Some(url(i).as_str()), "{s:?}");
    }
    insta::assert_snapshot!(read(store.path()));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_name_round_trips(name in any::<String>(), path in "[a-zA-Z0-9._~/'=!$&()*+,;:@-]{0,24}") {
            let url = format!("omniverse://h/{path}");
            let (_dir, store) = store_with(Some(COMMENTED));
            store.apply(&[bookmark(&name, &url)]).unwrap();
            let loaded = store.load().unwrap();
            prop_assert_eq!(loaded.sections.bookmark(&name), Some(url.as_str()));
            // Everything else is still there.
            prop_assert!(read(store.path()).contains("[connection_library]\nenabled = true\norder = [3, 1, 2]\n"));
        }

        /// Any URL is either written and read back as given, or refused (nothing written)
        /// because the loader would warn about it: never written to be skipped later.
        #[test]
        fn any_url_round_trips_or_is_refused(name in any::<String>(), url in any::<String>()) {
            let (_dir, store) = store_with(Some(COMMENTED));
            match store.apply(&[bookmark(&name, &url)]) {
                Ok(_) => {
                    let loaded = store.load().unwrap();
                    prop_assert_eq!(loaded.sections.bookmark(&name), Some(url.as_str()));
                    prop_assert!(loaded.warnings.iter().all(|w| w.entry != name));
                }
                Err(err) => {
                    prop_assert!(err.is_refused_change(), "{}", err);
                    prop_assert_eq!(read(store.path()), COMMENTED);
                }
            }
        }
    }
}

#[test]
fn rename_onto_an_existing_name_replaces_it_and_keeps_the_position() {
    let (_dir, store) = store_with(Some(
        "[bookmarks]\na = \"omniverse://h/a/\"\nb = \"omniverse://h/b/\"\nc = \"omniverse://h/c/\"\n",
    ));
    let loaded = store
        .apply(&[Change::RenameBookmark {
            old_name: "a".into(),
            new_name: "c".into(),
            url: "omniverse://h/new/".into(),
        }])
        .unwrap();
    assert_eq!(
        read(store.path()),
        "[bookmarks]\nc = \"omniverse://h/new/\"\nb = \"omniverse://h/b/\"\n"
    );
    assert_eq!(loaded.sections.bookmarks.len(), 2);
}

#[test]
fn several_changes_in_one_apply_on_a_missing_file() {
    let (_dir, store) = store_with(None);
    store
        .apply(&[
            bookmark("one", "omniverse://h/1/"),
            Change::SetServer {
                url: "omniverse://h".into(),
                name: "h".into(),
            },
            bookmark("two", "omniverse://h/2/"),
            Change::RemoveBookmark { name: "one".into() },
        ])
        .unwrap();
    insta::assert_snapshot!(read(store.path()), @r#"
    [bookmarks]
    two = "omniverse://h/2/"

    [servers]
    "omniverse://h" = "h"
    "#);
}

#[test]
fn inline_discovery_arrays_are_edited_in_place() {
    let text = "discovery_servers = [{ name = \"a\", url = \"https://a.example.com/\" }]\n[paths]\nx = 1\n";
    let (_dir, store) = store_with(Some(text));
    let loaded = store
        .apply(&[
            Change::SetDiscoveryServer(DiscoveryEntry {
                name: "a2".into(),
                url: "https://a.example.com".into(),
                cached_addresses: vec![],
            }),
            Change::SetDiscoveryServer(DiscoveryEntry {
                name: "b".into(),
                url: "https://b.example.com/".into(),
                cached_addresses: vec!["omniverse://s/".into()],
            }),
        ])
        .unwrap();
    assert_eq!(loaded.sections.discovery_servers.len(), 2);
    assert_eq!(loaded.sections.discovery_servers[0].name, "a2");
    insta::assert_snapshot!(read(store.path()));
}

#[test]
fn first_bookmark_in_an_empty_file_keeps_the_file_new_style() {
    // A bookmarks-only file is what migration looks for; a file this library wrote must
    // never look like one, or the next start would turn the bookmark into a server.
    let (_dir, store) = store_with(None);
    store
        .apply(&[bookmark("Project", "omniverse://host/Projects/x/")])
        .unwrap();
    let text = read(store.path());
    assert!(text.contains("[servers]"), "no [servers] table in:\n{text}");
    assert_eq!(store.plan_migration().unwrap().map(|p| p.report), None);
    assert_eq!(store.migrate_if_needed().unwrap(), None);
    assert_eq!(store.load().unwrap().sections.bookmarks.len(), 1);
}

#[test]
fn an_edit_of_an_old_style_file_leaves_its_migration_to_run() {
    let (_dir, store) = store_with(Some("[bookmarks]\nA = \"omniverse://host/a/\"\n"));
    store
        .apply(&[bookmark("B", "omniverse://other/b/")])
        .unwrap();
    assert!(!read(store.path()).contains("[servers]"));
    let report = store.migrate_if_needed().unwrap().expect("still old-style");
    assert_eq!(report.servers_added.len(), 2);
}

#[test]
fn discovery_addresses_update_keeps_a_name_another_process_changed() {
    let (_dir, store) = store_with(Some(
        "[[discovery_servers]]\nname = \"Renamed elsewhere\"\nurl = \"https://discovery.example.com/\"\ncached_addresses = []\n",
    ));
    store
        .apply(&[Change::SetDiscoveryAddresses {
            url: "https://DISCOVERY.example.com".into(),
            cached_addresses: vec!["omniverse://storage.example.com/".into()],
        }])
        .unwrap();
    let loaded = store.load().unwrap().sections.discovery_servers;
    assert_eq!(loaded.len(), 1);
    assert_eq!(loaded[0].name, "Renamed elsewhere");
    assert_eq!(
        loaded[0].cached_addresses,
        vec!["omniverse://storage.example.com/".to_owned()]
    );
}

#[test]
fn discovery_addresses_update_never_re_adds_a_removed_entry() {
    let text = "# nothing discovered here\n[servers]\n";
    let (_dir, store) = store_with(Some(text));
    store
        .apply(&[Change::SetDiscoveryAddresses {
            url: "https://discovery.example.com/".into(),
            cached_addresses: vec!["omniverse://storage.example.com/".into()],
        }])
        .unwrap();
    assert_eq!(read(store.path()), text);
}
