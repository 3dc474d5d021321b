//! Every write leaves a file that parses and in which every byte outside the changed entries
//! is the original's, whatever the file's shape: no final newline (as VS Code saves), CRLF, a
//! byte order mark, a trailing comment, one of our sections placed last, a bare header.
//!
//! These are the exact reproductions of the corruption reports, with the exact text expected.
//! The general proof (every valid document of the toml-test suite, in each of these shapes,
//! under every kind of `Change`) is `cm-reliability/tests/toml_change_corpus.rs`, and the fuzz
//! target `toml_change`.

mod common;

use cm_toml_store::{Change, DiscoveryEntry};
use common::{read, store_with};

/// The file text after applying `changes` to a file holding `original`.
fn edited(original: &str, changes: &[Change]) -> String {
    let (_dir, store) = store_with(Some(original));
    store.apply(changes).unwrap();
    let text = read(store.path());
    assert!(
        text.parse::<toml_edit::DocumentMut>().is_ok(),
        "the write left a file that does not parse:\n{text}"
    );
    text
}

fn add_bookmark(name: &str, url: &str) -> Change {
    Change::AddBookmark {
        name: name.into(),
        url: url.into(),
    }
}

fn set_server(url: &str, name: &str) -> Change {
    Change::SetServer {
        url: url.into(),
        name: name.into(),
    }
}

#[test]
fn bookmark_add_on_a_file_without_final_newline() {
    let original = "[servers]\n\"omniverse://h\" = \"h\"\n\n[bookmarks]\nA = \"omniverse://h/a/\"";
    assert_eq!(
        edited(original, &[add_bookmark("B", "omniverse://h/b/")]),
        "[servers]\n\"omniverse://h\" = \"h\"\n\n[bookmarks]\nA = \"omniverse://h/a/\"\nB = \"omniverse://h/b/\""
    );
}

#[test]
fn server_add_with_servers_last_and_no_final_newline() {
    let original = "[bookmarks]\nA = \"omniverse://h/a/\"\n\n[servers]\n\"omniverse://h\" = \"h\"";
    assert_eq!(
        edited(original, &[set_server("omniverse://g", "g")]),
        "[bookmarks]\nA = \"omniverse://h/a/\"\n\n[servers]\n\"omniverse://h\" = \"h\"\n\"omniverse://g\" = \"g\""
    );
}

#[test]
fn server_add_with_servers_last_in_a_crlf_file_without_final_newline() {
    let original =
        "[bookmarks]\r\nA = \"omniverse://h/a/\"\r\n\r\n[servers]\r\n\"omniverse://h\" = \"h\"";
    assert_eq!(
        edited(original, &[set_server("omniverse://g", "g")]),
        "[bookmarks]\r\nA = \"omniverse://h/a/\"\r\n\r\n[servers]\r\n\"omniverse://h\" = \"h\"\r\n\"omniverse://g\" = \"g\""
    );
}

#[test]
fn server_add_under_a_bare_servers_header_with_no_newline() {
    let original = "[bookmarks]\nA = \"omniverse://h/a/\"\n\n[servers]";
    assert_eq!(
        edited(original, &[set_server("omniverse://g", "g")]),
        "[bookmarks]\nA = \"omniverse://h/a/\"\n\n[servers]\n\"omniverse://g\" = \"g\""
    );
}

#[test]
fn discovery_addresses_when_discovery_servers_is_last_without_final_newline() {
    let original =
        "[servers]\n\n[[discovery_servers]]\nname = \"D\"\nurl = \"https://d.example.com/\"";
    let change = Change::SetDiscoveryAddresses {
        url: "https://d.example.com/".into(),
        cached_addresses: vec!["omniverse://s.example.com/".into()],
    };
    assert_eq!(
        edited(original, &[change]),
        "[servers]\n\n[[discovery_servers]]\nname = \"D\"\nurl = \"https://d.example.com/\"\ncached_addresses = [\"omniverse://s.example.com/\"]"
    );
}

#[test]
fn a_new_discovery_server_after_a_last_line_without_newline() {
    let original = "[servers]\n\"omniverse://h\" = \"h\"";
    let change = Change::SetDiscoveryServer(DiscoveryEntry {
        name: "D".into(),
        url: "https://d.example.com/".into(),
        cached_addresses: Vec::new(),
    });
    assert_eq!(
        edited(original, &[change]),
        "[servers]\n\"omniverse://h\" = \"h\"\n\n[[discovery_servers]]\nname = \"D\"\nurl = \"https://d.example.com/\"\ncached_addresses = []"
    );
}

#[test]
fn a_byte_order_mark_and_a_trailing_comment_without_newline_are_kept() {
    let original = "\u{feff}[bookmarks]\nA = \"omniverse://h/a/\"\n# the end";
    assert_eq!(
        edited(original, &[add_bookmark("B", "omniverse://h/b/")]),
        "\u{feff}[bookmarks]\nA = \"omniverse://h/a/\"\nB = \"omniverse://h/b/\"\n# the end"
    );
}

#[test]
fn trailing_whitespace_without_newline_is_kept() {
    let original = "[bookmarks]\nA = \"omniverse://h/a/\"   \t";
    let text = edited(original, &[add_bookmark("B", "omniverse://h/b/")]);
    assert!(
        text.starts_with("[bookmarks]\nA = \"omniverse://h/a/\"   \t\n"),
        "{text:?}"
    );
    assert!(text.contains("B = \"omniverse://h/b/\""), "{text:?}");
}

#[test]
fn removing_the_last_entry_of_a_file_without_final_newline_keeps_that_shape() {
    let original = "[bookmarks]\nA = \"omniverse://h/a/\"\nB = \"omniverse://h/b/\"";
    assert_eq!(
        edited(original, &[Change::RemoveBookmark { name: "B".into() }]),
        "[bookmarks]\nA = \"omniverse://h/a/\""
    );
}

#[test]
fn a_file_ending_in_a_lone_carriage_return_is_still_refused() {
    let original = "a = 1\r";
    let (_dir, store) = store_with(Some(original));
    let err = store
        .apply(&[add_bookmark("B", "omniverse://h/b/")])
        .unwrap_err();
    assert!(err.is_malformed_file(), "{err}");
    assert_eq!(read(store.path()), original);
}

#[test]
fn an_error_from_a_write_names_the_position_a_load_names() {
    for original in ["a = ", "\u{feff}[x\n", "x = 1\ny = "] {
        let (_dir, store) = store_with(Some(original));
        let loaded = store.load().unwrap_err();
        let written = store
            .apply(&[add_bookmark("B", "omniverse://h/b/")])
            .unwrap_err();
        assert_eq!(loaded.position(), written.position(), "{original:?}");
        assert_eq!(read(store.path()), original);
    }
}
