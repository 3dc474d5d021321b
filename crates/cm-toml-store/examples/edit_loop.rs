//! A fixed number of edits of a generated omniverse.toml, for instruction counts under
//! callgrind (which, unlike wall time, do not depend on the load of the machine):
//!
//! ```text
//! cargo build --release -p cm-toml-store --example edit_loop
//! valgrind --tool=callgrind target/release/examples/edit_loop <bookmarks> <edits> [edit|floor|outside]
//! ```
//!
//! Run it with two edit counts and divide the difference of the totals by the difference of
//! the counts: that is the cost of one edit, set-up excluded. `edit` is the benchmark's
//! `edit_one_bookmark/nosync` (one bookmark's URL changed in a file only this store writes);
//! `floor` its floor peer (read, hash, write the same bytes to a temporary file and rename);
//! `outside` an edit after another writer changed the file (the edit parses again; the outside
//! write is counted too).

use std::fmt::Write as _;
use std::hash::BuildHasher as _;

use cm_toml_store::{Change, Durability, TomlStore};

fn main() {
    let mut args = std::env::args().skip(1);
    let bookmarks: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let edits: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let mode = args.next().unwrap_or_default();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("omniverse.toml");
    std::fs::write(&path, file_text(bookmarks)).expect("the fixture is written");
    let store = TomlStore::new(&path).with_durability(Durability::NoSync);
    // The first edit parses; the ones measured reuse the kept document.
    edit(&store, 0);
    for round in 1..=edits {
        match mode.as_str() {
            "floor" => read_hash_write(&path),
            "outside" => {
                outside_edit(&path, round);
                edit(&store, round);
            }
            _ => edit(&store, round),
        }
    }
}

fn edit(store: &TomlStore, round: usize) {
    let loaded = store
        .apply(&[Change::AddBookmark {
            name: "Bench".into(),
            url: format!("omniverse://bench/{round}/"),
        }])
        .expect("the edit is written");
    std::hint::black_box(loaded.sections.bookmarks.len());
}

fn read_hash_write(path: &std::path::Path) {
    let bytes = std::fs::read(path).expect("the file is read");
    std::hint::black_box(foldhash::quality::FixedState::with_seed(1).hash_one(&bytes[..]));
    let temp = path.with_extension("tmp");
    std::fs::write(&temp, &bytes).expect("the copy is written");
    std::fs::rename(&temp, path).expect("the copy replaces the file");
}

/// Another writer's edit (a last comment line that alternates), so the store parses again.
fn outside_edit(path: &std::path::Path, round: usize) {
    let mut text = std::fs::read_to_string(path).expect("the file is read");
    let mark = text.find("# outside ").unwrap_or(text.len());
    text.truncate(mark);
    let _ = writeln!(text, "# outside {}", round % 2);
    std::fs::write(path, text).expect("the outside edit is written");
}

/// The benchmark's fixture (`benches/store.rs`).
fn file_text(bookmarks: usize) -> String {
    let servers = (bookmarks / 10).max(1);
    let discovery = (bookmarks / 100).max(1);
    let mut s = String::from(
        "# generated for benchmarks\n[paths]\ncache = \"/tmp/cache\"\n\n[bookmarks]\n",
    );
    for i in 0..bookmarks {
        let _ = writeln!(
            s,
            "\"Bookmark {i}\" = \"omniverse://server-{}/Projects/p{i}/\"",
            i % servers
        );
    }
    s.push_str("\n[servers]\n");
    for i in 0..servers {
        let _ = writeln!(s, "\"omniverse://server-{i}\" = \"Server {i}\"");
    }
    for i in 0..discovery {
        let _ = writeln!(
            s,
            "\n[[discovery_servers]]\nname = \"Discovery {i}\"\nurl = \"https://discovery-{i}.example.com/\"\ncached_addresses = [\"omniverse://storage-{i}.example.com/\", \"https://bucket-{i}.s3.amazonaws.com/\"]"
        );
    }
    s
}
