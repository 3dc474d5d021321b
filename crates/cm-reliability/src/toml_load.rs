//! Fuzz entry point for the omniverse.toml loader: arbitrary bytes as the file.
//!
//! Invariants:
//!
//! * `load` either fails with a `StoreError` whose message is one line and names the file, or
//!   returns entries;
//! * a file that fails to load because of its content (not UTF-8, not TOML, wrong-typed
//!   section) refuses every write, and stays byte-identical;
//! * a loaded file saved back in place with `save_sections(loaded)` re-loads to the same
//!   entries, and so does a new file written from those entries (which is how a fresh
//!   config is produced).

// A fuzz check reports a broken invariant by panicking (that is what libFuzzer records as a
// crash), so an `expect` here is the check itself, not an unhandled error.
#![allow(clippy::expect_used)]

use std::path::Path;

use cm_toml_store::{Change, Durability, Sections, TomlStore};

use crate::scratch::with_scratch_store;

/// Checks every invariant above on `data` as the content of omniverse.toml; panics on a
/// violation.
pub fn check(data: &[u8]) {
    with_scratch_store(data, |dir, store| check_in(dir, data, store));
}

fn check_in(dir: &Path, data: &[u8], store: TomlStore) {
    let path = store.path().to_path_buf();
    let loaded = match store.load() {
        Ok(loaded) => loaded,
        Err(error) => {
            let message = error.to_string();
            assert!(
                !message.contains('\n') && !message.contains('\r'),
                "load error is not one line: {message:?}"
            );
            assert!(
                message.contains(&path.display().to_string()),
                "load error does not name the file: {message:?}"
            );
            assert!(
                error.is_malformed_file(),
                "a readable file failed with a non-content error: {error}"
            );
            let refused = store.apply(&[Change::AddBookmark {
                name: "fuzz".into(),
                url: "omniverse://fuzz/".into(),
            }]);
            assert!(refused.is_err(), "a write to a malformed file succeeded");
            assert_eq!(
                std::fs::read(&path).expect("read back"),
                data,
                "a refused write changed a malformed file"
            );
            return;
        }
    };
    for warning in &loaded.warnings {
        let text = warning.to_string();
        assert!(!text.contains('\n'), "warning is not one line: {text:?}");
    }

    let saved = store
        .save_sections(&loaded.sections)
        .unwrap_or_else(|e| panic!("saving the loaded entries back failed: {e}"));
    assert_same("save_sections result", &loaded.sections, &saved.sections);
    let reloaded = store.load().expect("reload after save");
    assert_same(
        "reload after saving in place",
        &loaded.sections,
        &reloaded.sections,
    );

    let fresh = TomlStore::new(dir.join("fresh.toml")).with_durability(Durability::NoSync);
    fresh
        .save_sections(&loaded.sections)
        .unwrap_or_else(|e| panic!("writing the loaded entries to a new file failed: {e}"));
    let fresh_loaded = fresh.load().expect("load the new file");
    assert_same("new file", &loaded.sections, &fresh_loaded.sections);
}

fn assert_same(what: &str, expected: &Sections, actual: &Sections) {
    assert_eq!(expected, actual, "{what}: entries differ");
}

#[cfg(test)]
mod tests {
    #[test]
    fn good_and_bad_files_pass() {
        super::check(
            b"[bookmarks]\nA = \"omniverse://a/\"\n[servers]\n\"omniverse://a\" = \"a\"\n",
        );
        super::check(b"[bookmarks\n");
        super::check(b"servers = 3\n");
        super::check(&[0xff, 0xfe]);
        super::check(b"");
    }
}
