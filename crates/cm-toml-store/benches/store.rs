//! omniverse.toml load and edit costs at three file sizes (100, 1 000 and 10 000 bookmarks,
//! with a tenth as many servers and a hundredth as many discovery servers), against two
//! peers that keep no formatting: a plain `toml` parse and rewrite of the same text, and a
//! plain read-modify-write save (`toml` parse, change one entry, serialise, atomic replace).
//!
//! Ids: `cm_toml_store/<operation>/<case>` and `toml_peer/<operation>/<case>`. The edit is
//! measured without fsync (`nosync`, 10 000 bookmarks; `nosync_<n>_bookmarks` for the smaller
//! files) and with it (`full`, 10 000 bookmarks); the difference is the fsync cost. Its floor,
//! `edit_one_bookmark/floor` (`floor_<n>_bookmarks`), is what any edit of the file must do at
//! least: read it, hash it, write the same bytes to a temporary file and rename it over (no
//! fsync). `edit_one_bookmark/outside_changed_<n>_bookmarks` is an edit of a file another writer
//! changed since the store's last edit (so it is parsed again), the outside write included; at
//! 10 000 bookmarks it times its peer, a plain save of a copy of the file, interleaved.
//!
//! Fixtures are written the first time a benchmark of their size runs, so a filter that skips
//! a size skips its set-up and `cargo test --benches` stays quick.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use std::hash::BuildHasher as _;

use cm_benchkit::Pair;
use cm_toml_store::{Change, Durability, TomlStore};
use criterion::{Criterion, criterion_main};

/// File sizes: bookmark count and the label used in ids.
const SIZES: [(usize, &str); 3] = [(100, "100"), (1_000, "1k"), (10_000, "10k")];

fn file_text(bookmarks: usize) -> String {
    let servers = (bookmarks / 10).max(1);
    let discovery = (bookmarks / 100).max(1);
    let mut s = String::from(
        "# generated for benchmarks\n[paths]\ncache = \"/tmp/cache\"\n\n[bookmarks]\n",
    );
    for i in 0..bookmarks {
        writeln!(
            s,
            "\"Bookmark {i}\" = \"omniverse://server-{}/Projects/p{i}/\"",
            i % servers
        )
        .unwrap();
    }
    s.push_str("\n[servers]\n");
    for i in 0..servers {
        writeln!(s, "\"omniverse://server-{i}\" = \"Server {i}\"").unwrap();
    }
    for i in 0..discovery {
        writeln!(
            s,
            "\n[[discovery_servers]]\nname = \"Discovery {i}\"\nurl = \"https://discovery-{i}.example.com/\"\ncached_addresses = [\"omniverse://storage-{i}.example.com/\", \"https://bucket-{i}.s3.amazonaws.com/\"]"
        )
        .unwrap();
    }
    s
}

/// A directory with the file of one size, on the target file system (not tmpfs), so fsync
/// costs what it costs in use.
struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    text: String,
    bookmarks: usize,
    store: TomlStore,
}

impl Fixture {
    fn new(bookmarks: usize, durability: Durability) -> Self {
        let dir = tempfile::tempdir_in(env!("CARGO_MANIFEST_DIR")).unwrap();
        let path = dir.path().join("omniverse.toml");
        let text = file_text(bookmarks);
        std::fs::write(&path, &text).unwrap();
        let store = TomlStore::new(&path).with_durability(durability);
        Self {
            _dir: dir,
            path,
            text,
            bookmarks,
            store,
        }
    }
}

/// Alternates the URL so every iteration really writes.
fn next_url(counter: &AtomicU64) -> String {
    format!(
        "omniverse://bench/{}/",
        counter.fetch_add(1, Ordering::Relaxed) % 2
    )
}

fn edit(store: &TomlStore, counter: &AtomicU64) -> usize {
    store
        .apply(&[Change::AddBookmark {
            name: "Bench".into(),
            url: next_url(counter),
        }])
        .unwrap()
        .sections
        .bookmarks
        .len()
}

/// The floor of an edit: read the file, hash it (what telling our own save from an outside
/// edit costs), and replace it atomically with the same bytes (no fsync).
fn read_hash_write(path: &Path) -> u64 {
    let bytes = std::fs::read(path).unwrap();
    let hash = foldhash::quality::FixedState::with_seed(1).hash_one(&bytes[..]);
    let temp = path.with_extension("toml.floor-tmp");
    std::fs::write(&temp, &bytes).unwrap();
    std::fs::rename(&temp, path).unwrap();
    hash
}

/// An outside writer's edit of the file (a comment line that alternates, so the length stays
/// and the bytes differ), then the store's edit.
fn edit_after_outside_change(f: &Fixture, counter: &AtomicU64, round: &AtomicU64) -> usize {
    let mut text = std::fs::read_to_string(&f.path).unwrap();
    let n = round.fetch_add(1, Ordering::Relaxed);
    let mark = text.find("# outside ").unwrap_or(text.len());
    text.truncate(mark);
    writeln!(text, "# outside {}", n % 2).unwrap();
    let temp = f.path.with_extension("toml.outside-tmp");
    std::fs::write(&temp, &text).unwrap();
    std::fs::rename(&temp, &f.path).unwrap();
    edit(&f.store, counter)
}

/// The peer of a save: what a store that keeps no formatting does for one edit (read, parse,
/// change, serialise, write a temp file and rename it over; no fsync).
fn plain_save(path: &Path, url: String) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    let mut table: toml::Table = toml::from_str(&text).unwrap();
    if let Some(toml::Value::Table(bookmarks)) = table.get_mut("bookmarks") {
        bookmarks.insert("Bench".into(), toml::Value::String(url));
    }
    let out = toml::to_string(&table).unwrap();
    let temp = path.with_extension("toml.peer-tmp");
    std::fs::write(&temp, &out).unwrap();
    std::fs::rename(&temp, path).unwrap();
    out.len()
}

fn benches(c: &mut Criterion) {
    let counter = AtomicU64::new(0);
    for (n, label) in SIZES {
        let mut fixture: Option<Fixture> = None;
        let mut group = c.benchmark_group("cm_toml_store");
        group.bench_function(format!("load/{label}_bookmarks"), |b| {
            let f = fixture.get_or_insert_with(|| Fixture::new(n, Durability::NoSync));
            b.iter(|| black_box(f.store.load().unwrap()))
        });
        let edit_id = if n == 10_000 {
            "edit_one_bookmark/nosync".to_owned()
        } else {
            format!("edit_one_bookmark/nosync_{label}_bookmarks")
        };
        group.bench_function(edit_id, |b| {
            let f = fixture.get_or_insert_with(|| Fixture::new(n, Durability::NoSync));
            b.iter(|| black_box(edit(&f.store, &counter)))
        });
        let floor_id = if n == 10_000 {
            "edit_one_bookmark/floor".to_owned()
        } else {
            format!("edit_one_bookmark/floor_{label}_bookmarks")
        };
        // Its own copy, so the store's kept document stays valid for the edit rows.
        let mut floor: Option<Fixture> = None;
        group.bench_function(floor_id, |b| {
            let f = floor.get_or_insert_with(|| Fixture::new(n, Durability::NoSync));
            b.iter(|| black_box(read_hash_write(&f.path)))
        });
        let mut outside: Option<Fixture> = None;
        let outside_id =
            format!("cm_toml_store/edit_one_bookmark/outside_changed_{label}_bookmarks");
        // The 10 000-bookmark row's ratio target times its peer, a plain save of a copy of the
        // same file, interleaved with it (`cm_benchkit::Pair`).
        let mut pair =
            (n == 10_000).then(|| Pair::new(&outside_id, "toml_peer/plain_save/10k_bookmarks"));
        group.bench_function(
            format!("edit_one_bookmark/outside_changed_{label}_bookmarks"),
            |b| {
                let f = outside.get_or_insert_with(|| Fixture::new(n, Durability::NoSync));
                let round = AtomicU64::new(0);
                // Its own URL counter: with the shared one, the peer's saves (or another
                // benchmark's edits) shift its parity, and every other edit would set the URL the
                // file already holds.
                let counter = AtomicU64::new(0);
                match &mut pair {
                    Some(pair) => {
                        let peer_path = f.path.with_file_name("peer-omniverse.toml");
                        std::fs::write(&peer_path, &f.text).unwrap();
                        pair.iter(
                            b,
                            || edit_after_outside_change(f, &counter, &round),
                            || plain_save(&peer_path, String::from("omniverse://bench/peer/")),
                        )
                    }
                    None => b.iter(|| black_box(edit_after_outside_change(f, &counter, &round))),
                }
            },
        );
        if n == 10_000 {
            // The same file with fsync of the file and its directory.
            let mut full: Option<Fixture> = None;
            group.bench_function("edit_one_bookmark/full", |b| {
                let f = full.get_or_insert_with(|| Fixture::new(n, Durability::Full));
                b.iter(|| black_box(edit(&f.store, &counter)))
            });
        }
        group.bench_function(format!("save_sections/{label}_bookmarks_nosync"), |b| {
            let f = fixture.get_or_insert_with(|| Fixture::new(n, Durability::NoSync));
            let mut sections = f.store.load().unwrap().sections;
            let middle = f.bookmarks / 2;
            b.iter(|| {
                sections.bookmarks[middle].url = next_url(&counter);
                black_box(f.store.save_sections(&sections).unwrap())
            })
        });
        group.finish();

        let mut peer = c.benchmark_group("toml_peer");
        peer.bench_function(format!("parse_and_rewrite/{label}_bookmarks"), |b| {
            let f = fixture.get_or_insert_with(|| Fixture::new(n, Durability::NoSync));
            b.iter(|| {
                let table: toml::Table = toml::from_str(black_box(&f.text)).unwrap();
                black_box(toml::to_string(&table).unwrap())
            })
        });
        // Its own copy: the peer's output is not a file the store would keep as it is.
        let mut plain: Option<Fixture> = None;
        peer.bench_function(format!("plain_save/{label}_bookmarks"), |b| {
            let f = plain.get_or_insert_with(|| Fixture::new(n, Durability::NoSync));
            b.iter(|| black_box(plain_save(&f.path, next_url(&counter))))
        });
        peer.finish();
    }
}

/// The benchmark group (written out because `criterion_group!` generates an undocumented `pub fn`).
fn store_benches() {
    // Iterations of the large cases take milliseconds: 20 samples are plenty (the command line
    // may lower it further).
    let mut criterion = Criterion::default().sample_size(20).configure_from_args();
    benches(&mut criterion);
}

criterion_main!(store_benches);
