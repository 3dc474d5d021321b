//! The official toml-test suite: an edit of our sections never damages a
//! valid document we do not own, and an invalid document is never overwritten.

mod common;

use std::collections::BTreeMap;

use cm_toml_store::{Change, Sections};
use common::{CorpusFile, store_with, toml_test_files};
use toml_edit::{DocumentMut, Item, Value};

const OWNED: [&str; 3] = ["bookmarks", "servers", "discovery_servers"];

/// Files listed for TOML 1.1 (toml_edit implements 1.1) under `prefix`.
fn corpus_files(prefix: &str) -> Vec<CorpusFile> {
    let files = toml_test_files(prefix);
    assert!(
        files.len() > 100,
        "too few corpus files under {prefix}: {}",
        files.len()
    );
    files
}

/// A comparable, formatting-free form of a value (floats by bit pattern so NaN equals itself).
#[derive(Debug, PartialEq)]
enum Canon {
    Leaf(String),
    Array(Vec<Canon>),
    Table(BTreeMap<String, Canon>),
}

fn canon_value(v: &Value) -> Canon {
    match v {
        Value::String(s) => Canon::Leaf(format!("s:{}", s.value())),
        Value::Integer(i) => Canon::Leaf(format!("i:{}", i.value())),
        Value::Float(f) => Canon::Leaf(format!("f:{:x}", f.value().to_bits())),
        Value::Boolean(b) => Canon::Leaf(format!("b:{}", b.value())),
        Value::Datetime(d) => Canon::Leaf(format!("d:{}", d.value())),
        Value::Array(a) => Canon::Array(a.iter().map(canon_value).collect()),
        Value::InlineTable(t) => Canon::Table(
            t.iter()
                .map(|(k, v)| (k.to_string(), canon_value(v)))
                .collect(),
        ),
    }
}

fn canon_item(item: &Item) -> Canon {
    match item {
        Item::None => Canon::Leaf("none".into()),
        Item::Value(v) => canon_value(v),
        Item::Table(t) => Canon::Table(
            t.iter()
                .map(|(k, v)| (k.to_string(), canon_item(v)))
                .collect(),
        ),
        Item::ArrayOfTables(a) => Canon::Array(
            a.iter()
                .map(|t| {
                    Canon::Table(
                        t.iter()
                            .map(|(k, v)| (k.to_string(), canon_item(v)))
                            .collect(),
                    )
                })
                .collect(),
        ),
    }
}

fn foreign(text: &str) -> BTreeMap<String, Canon> {
    let doc: DocumentMut = text.parse().unwrap();
    doc.iter()
        .filter(|(k, _)| !OWNED.contains(k))
        .map(|(k, v)| (k.to_string(), canon_item(v)))
        .collect()
}

#[test]
fn editing_our_sections_keeps_every_foreign_key_of_valid_documents() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for file in corpus_files("valid/") {
        let Ok(text) = String::from_utf8(file.bytes.to_vec()) else {
            continue;
        };
        if text.parse::<DocumentMut>().is_err() {
            continue;
        }
        let (_dir, store) = store_with(Some(&text));
        let original = store.load();
        let Ok(original) = original else {
            // Only a document that itself uses our section names with other types may refuse.
            assert!(
                OWNED.iter().any(|k| text.contains(k)),
                "{}: {:?}",
                file.name,
                original
            );
            continue;
        };
        let add = Change::AddBookmark {
            name: "cm-test \"bookmark\"".into(),
            url: "omniverse://cm-test/x/".into(),
        };
        let added = store.apply(&[add]).unwrap();
        assert!(added.sections.bookmark("cm-test \"bookmark\"").is_some());
        let removed = store
            .apply(&[Change::RemoveBookmark {
                name: "cm-test \"bookmark\"".into(),
            }])
            .unwrap();
        let after = std::fs::read_to_string(store.path()).unwrap();
        if foreign(&after) != foreign(&text) || removed.sections != original.sections {
            failures.push(file.name.clone());
        }
        // The bytes before our new section are the original document's.
        if !OWNED.iter().any(|k| text.contains(k)) && !after.starts_with(text.trim_end()) {
            failures.push(format!("{} (prefix changed)", file.name));
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "foreign content changed in: {failures:#?}"
    );
    assert!(checked > 150, "only {checked} valid documents checked");
    eprintln!("checked {checked} valid documents");
}

#[test]
fn invalid_documents_fail_to_load_and_are_never_overwritten() {
    let mut accepted = Vec::new();
    let mut checked = 0;
    for file in corpus_files("invalid/") {
        let bytes = file.bytes;
        let (_dir, store) = store_with(None);
        std::fs::write(store.path(), bytes).unwrap();
        if store.load().is_ok() {
            accepted.push(file.name);
            continue;
        }
        let add = Change::AddBookmark {
            name: "x".into(),
            url: "omniverse://x/".into(),
        };
        let err = match store.apply(&[add]) {
            Ok(_) => panic!("{}: a write to an invalid document succeeded", file.name),
            Err(err) => err,
        };
        assert!(err.is_malformed_file(), "{}: {err}", file.name);
        assert!(err.position().is_some(), "{}: {err}", file.name);
        assert!(store.save_sections(&Sections::default()).is_err());
        assert!(store.migrate_if_needed().is_err());
        assert_eq!(
            std::fs::read(store.path()).unwrap(),
            bytes,
            "{} was modified",
            file.name
        );
        checked += 1;
    }
    assert!(
        accepted.is_empty(),
        "invalid documents that loaded: {accepted:#?}"
    );
    assert!(checked > 300, "only {checked} invalid documents checked");
    eprintln!("checked {checked} invalid documents");
}
