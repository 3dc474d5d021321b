//! omniverse.toml load and edit costs on a large file (10 000 bookmarks,
//! 1 000 servers, 100 discovery servers), with a plain `toml` parse and
//! rewrite of the same text as a peer.
//!
//! Ids: `cm_toml_store/<operation>/<case>`. The edit is measured without
//! fsync (`nosync`) and with it (`full`); the difference is the fsync cost.

use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use cm_toml_store::{Change, Durability, TomlStore};
use criterion::{Criterion, criterion_main};

fn big_file() -> String {
    let mut s = String::from(
        "# generated for benchmarks\n[paths]\ncache = \"/tmp/cache\"\n\n[bookmarks]\n",
    );
    for i in 0..10_000 {
        writeln!(
            s,
            "\"Bookmark {i}\" = \"omniverse://server-{}/Projects/p{i}/\"",
            i % 1000
        )
        .unwrap();
    }
    s.push_str("\n[servers]\n");
    for i in 0..1000 {
        writeln!(s, "\"omniverse://server-{i}\" = \"Server {i}\"").unwrap();
    }
    for i in 0..100 {
        writeln!(
            s,
            "\n[[discovery_servers]]\nname = \"Discovery {i}\"\nurl = \"https://discovery-{i}.example.com/\"\ncached_addresses = [\"omniverse://storage-{i}.example.com/\", \"https://bucket-{i}.s3.amazonaws.com/\"]"
        )
        .unwrap();
    }
    s
}

fn setup(durability: Durability) -> (tempfile::TempDir, TomlStore) {
    // On the target file system (not tmpfs), so fsync costs what it costs in use.
    let dir = tempfile::tempdir_in(env!("CARGO_MANIFEST_DIR")).unwrap();
    let path = dir.path().join("omniverse.toml");
    std::fs::write(&path, big_file()).unwrap();
    (dir, TomlStore::new(path).with_durability(durability))
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("cm_toml_store");
    group.sample_size(20);

    let (_dir, store) = setup(Durability::NoSync);
    group.bench_function("load/10k_bookmarks", |b| {
        b.iter(|| black_box(store.load().unwrap()))
    });

    let counter = AtomicU64::new(0);
    let edit = |store: &TomlStore| {
        // Alternate the URL so every iteration really writes.
        let n = counter.fetch_add(1, Ordering::Relaxed);
        store
            .apply(&[Change::AddBookmark {
                name: "Bench".into(),
                url: format!("omniverse://bench/{}/", n % 2),
            }])
            .unwrap()
    };
    group.bench_function("edit_one_bookmark/nosync", |b| {
        b.iter(|| black_box(edit(&store)))
    });
    let (_dir_full, store_full) = setup(Durability::Full);
    group.bench_function("edit_one_bookmark/full", |b| {
        b.iter(|| black_box(edit(&store_full)))
    });

    let mut sections = store.load().unwrap().sections;
    group.bench_function("save_sections/10k_bookmarks_nosync", |b| {
        b.iter(|| {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            sections.bookmarks[5000].url = format!("omniverse://bench/{}/", n % 2);
            black_box(store.save_sections(&sections).unwrap())
        })
    });
    group.finish();

    let text = big_file();
    let mut peer = c.benchmark_group("toml_peer");
    peer.sample_size(20);
    peer.bench_function("parse_and_rewrite/10k_bookmarks", |b| {
        b.iter(|| {
            let table: toml::Table = toml::from_str(black_box(&text)).unwrap();
            black_box(toml::to_string(&table).unwrap())
        })
    });
    peer.finish();
}

/// The benchmark group (written out because `criterion_group!` generates an undocumented `pub fn`).
fn store_benches() {
    let mut criterion = Criterion::default().configure_from_args();
    benches(&mut criterion);
}

criterion_main!(store_benches);
