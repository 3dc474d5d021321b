//! Bookmark edits of a file only this store writes are spliced into the kept text
//! (`src/splice.rs`); whatever path an edit takes, the file must be what a fresh parse, the
//! same change and a whole rendering give, and the returned content what a load reads.

use std::path::Path;

use cm_toml_store::{Change, Durability, TomlStore};

const FILE: &str = "# my config\n[paths]\ncache = \"/c\"\n\n[bookmarks] # mine\n\"A b\" = \"omniverse://s/a/\"\nb='omniverse://s/b/'   # keep\n\n# the servers\n[servers]\n\"omniverse://s\" = \"s\"\n";

/// The oracle: the same change made by a fresh store (no kept document: it parses the text
/// and renders the whole document) to a copy of `text`.
fn expected_after(dir: &Path, text: &str, change: &Change) -> String {
    let path = dir.join("oracle.toml");
    std::fs::write(&path, text).unwrap();
    let fresh = TomlStore::new(&path).with_durability(Durability::NoSync);
    fresh.apply(std::slice::from_ref(change)).unwrap();
    std::fs::read_to_string(&path).unwrap()
}

#[test]
fn a_sequence_of_bookmark_edits_writes_what_a_whole_rendering_would() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("oracle")).unwrap();
    let path = dir.path().join("omniverse.toml");
    std::fs::write(&path, FILE).unwrap();
    let store = TomlStore::new(&path).with_durability(Durability::NoSync);
    let edits = [
        ("b", "omniverse://s/b2/"),
        ("New", "omniverse://s/new/"),
        ("A b", "omniverse://s/a2/"),
        ("New", "omniverse://s/new2/"),
        ("b", "omniverse://s/b3/"),
        ("Other one", "omniverse://s/other/"),
    ];
    for (round, (name, url)) in edits.into_iter().enumerate() {
        let before = std::fs::read_to_string(&path).unwrap();
        let change = Change::AddBookmark {
            name: name.into(),
            url: url.into(),
        };
        let loaded = store.apply(std::slice::from_ref(&change)).unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        let oracle = expected_after(&dir.path().join("oracle"), &before, &change);
        assert_eq!(after, oracle, "edit {round}");
        assert_eq!(loaded, store.load().unwrap(), "edit {round}");
    }
    let last = std::fs::read_to_string(&path).unwrap();
    assert!(last.starts_with("# my config\n[paths]\ncache = \"/c\"\n\n[bookmarks] # mine\n"));
    assert!(last.contains("b=\"omniverse://s/b3/\"   # keep\n"));
    assert!(
        last.contains("\"Other one\" = \"omniverse://s/other/\"\n\n# the servers\n[servers]\n")
    );
}
