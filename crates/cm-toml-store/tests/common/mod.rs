//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cm_toml_store::{Durability, TomlStore};

/// The fixture full of comments and foreign sections.
pub const COMMENTED: &str = include_str!("../fixtures/commented.toml");

/// A store in a fresh temporary directory, optionally pre-filled.
pub fn store_with(text: Option<&str>) -> (tempfile::TempDir, TomlStore) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("omniverse.toml");
    if let Some(text) = text {
        std::fs::write(&path, text).unwrap();
    }
    let store = TomlStore::new(path).with_durability(Durability::NoSync);
    (dir, store)
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// Polls `condition` until it holds or `deadline` passes.
pub fn wait_until(deadline: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + deadline;
    while Instant::now() < end {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    condition()
}

/// The toml-test corpus: `CM_TOML_TEST_DIR` or `<workspace>/../shared/corpora/toml-test`.
pub fn toml_test_dir() -> PathBuf {
    let dir = std::env::var_os("CM_TOML_TEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpora/toml-test"
            ))
        });
    assert!(
        dir.join("tests").is_dir(),
        "the toml-test corpus is missing: expected {}/tests (set CM_TOML_TEST_DIR to its location; \
         see shared/corpora/README.md)",
        dir.display()
    );
    dir
}
