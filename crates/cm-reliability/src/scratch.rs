//! A per-thread scratch directory for the entry points that need a real file.
//!
//! The store's API works on paths (it locks, renames and fsyncs), so the TOML entry points
//! write each input to a file. One directory per thread keeps parallel replay tests apart;
//! everything in it is removed after each input, so a long fuzz run leaves one empty
//! directory behind at most (libFuzzer exits without running destructors).

// A fuzz check reports a broken invariant by panicking (that is what libFuzzer records as a
// crash), so an `expect` here is the check itself, not an unhandled error.
#![allow(clippy::expect_used)]

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use cm_toml_store::{Durability, TomlStore};

thread_local! {
    static DIR: RefCell<Option<tempfile::TempDir>> = const { RefCell::new(None) };
}

/// Runs `body` with an empty scratch directory, then empties the directory. Panics when no temporary directory can be created (the harness
/// cannot work without one).
pub(crate) fn with_scratch_dir<R>(body: impl FnOnce(&Path) -> R) -> R {
    let dir = DIR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let dir = slot.get_or_insert_with(|| {
            tempfile::Builder::new()
                .prefix("cm-reliability-")
                .tempdir()
                .expect("a temporary directory for the fuzz harness")
        });
        dir.path().to_path_buf()
    });
    let result = body(&dir);
    empty(&dir);
    result
}

/// Writes `data` as `omniverse.toml` in the scratch directory and runs `body` with the
/// directory and a store over that file (no fsync: the harness checks content, not
/// durability).
pub(crate) fn with_scratch_store<R>(data: &[u8], body: impl FnOnce(&Path, TomlStore) -> R) -> R {
    with_scratch_dir(|dir| {
        let path = dir.join("omniverse.toml");
        std::fs::write(&path, data).expect("write the scratch file");
        body(
            dir,
            TomlStore::new(&path).with_durability(Durability::NoSync),
        )
    })
}

fn empty(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path: PathBuf = entry.path();
            if path.is_dir() && !path.is_symlink() {
                let _ = std::fs::remove_dir_all(&path);
            } else {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}
