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
//!   config is produced), unless an entry is one no change may write (an invalid URL, a
//!   name or URL over its limit): then the new file is refused and not created.

// A fuzz check reports a broken invariant by panicking (that is what libFuzzer records as a
// crash), so an `expect` here is the check itself, not an unhandled error.
#![allow(clippy::expect_used)]

use std::path::Path;

use cm_toml_store::{
    Change, Durability, Loaded, MAX_NAME_BYTES, MAX_URL_BYTES, Sections, TomlStore, WarningKind,
};

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
    match fresh.save_sections(&loaded.sections) {
        Ok(_) => {
            let fresh_loaded = fresh.load().expect("load the new file");
            assert_same("new file", &loaded.sections, &fresh_loaded.sections);
        }
        // Entries a file holds are written back as they are, but a new file gets only what
        // a change may write: an entry with an invalid URL or over a length limit is refused.
        Err(e) => {
            assert!(
                e.is_refused_change() && has_unwritable_entry(&loaded),
                "writing the loaded entries to a new file failed: {e}"
            );
            assert!(
                !fresh.path().exists(),
                "a refused save created the new file"
            );
        }
    }
}

/// Whether `loaded` holds an entry that a change may not write: one the loader warned about
/// for its URL, or a name or URL over its limit.
fn has_unwritable_entry(loaded: &Loaded) -> bool {
    let invalid_url = loaded
        .warnings
        .iter()
        .any(|w| matches!(w.kind, WarningKind::InvalidUrl { .. }));
    let s = &loaded.sections;
    let names = s
        .bookmarks
        .iter()
        .map(|b| &b.name)
        .chain(s.servers.iter().map(|e| &e.name))
        .chain(s.discovery_servers.iter().map(|d| &d.name));
    let urls = s
        .bookmarks
        .iter()
        .map(|b| &b.url)
        .chain(s.servers.iter().map(|e| &e.url))
        .chain(s.discovery_servers.iter().map(|d| &d.url));
    invalid_url
        || names.into_iter().any(|n| n.len() > MAX_NAME_BYTES)
        || urls.into_iter().any(|u| u.len() > MAX_URL_BYTES)
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
