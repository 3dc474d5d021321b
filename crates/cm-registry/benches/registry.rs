//! Registry benchmarks: actor round trips (with a plain actix round trip as
//! the peer), snapshot reads, URL lookups and the reload diff.
//!
//! Sized cases run at three sizes so the report shows how the cost grows:
//! mutations with 100 / 1 000 / 10 000 bookmarks in memory, lookups among
//! 100 / 1 000 / 10 000 servers, reload diffs of 1 000 / 10 000 / 100 000
//! bookmarks. Large fixtures are built the first time their benchmark runs.
//!
//! `cargo bench -p cm-registry -- --warm-up-time 1 --measurement-time 2`

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

use std::cell::Cell;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use actix::prelude::*;
use cm_registry::{ConnectionRegistry, RegistryConfig, RegistryHandle, RegistryModel};
use cm_toml_store::{BookmarkEntry, Durability, Sections, TomlStore};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

/// The peer: an actor that answers an empty message.
struct Echo;

impl Actor for Echo {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "()")]
struct Ping;

impl Handler<Ping> for Echo {
    type Result = ();

    fn handle(&mut self, _: Ping, _: &mut Context<Self>) {}
}

/// The bookmark every mutation benchmark renames back and forth.
const BENCH_URL: &str = "omniverse://bench/p/";

/// An `omniverse.toml` with `bookmarks` bookmarks (the first one is `a` ->
/// `BENCH_URL`) and `servers` manual servers `omniverse://server-<i>.example.com/`.
fn write_file(path: &Path, bookmarks: usize, servers: usize) {
    let mut text = format!("[bookmarks]\n\"a\" = \"{BENCH_URL}\"\n");
    for i in 1..bookmarks {
        writeln!(
            text,
            "\"bookmark {i}\" = \"omniverse://server-{}.example.com/Projects/{i}/\"",
            i % 50
        )
        .unwrap();
    }
    text.push_str("\n[servers]\n");
    for i in 0..servers {
        writeln!(text, "\"omniverse://server-{i}.example.com\" = \"s{i}\"").unwrap();
    }
    std::fs::write(path, text).unwrap();
}

/// A registry holding the file's content in memory: loaded at start, never
/// written or watched.
fn loaded_registry(
    system: &SystemRunner,
    bookmarks: usize,
    servers: usize,
) -> (tempfile::TempDir, RegistryHandle) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("omniverse.toml");
    write_file(&path, bookmarks, servers);
    let registry = system.block_on(async {
        ConnectionRegistry::start(private(
            RegistryConfig::new(&path).persistence(false).watch(false),
        ))
    });
    assert_eq!(registry.snapshot().bookmarks().len(), bookmarks);
    assert_eq!(registry.snapshot().manual_servers().len(), servers);
    (dir, registry)
}

fn private(config: RegistryConfig) -> RegistryConfig {
    config
        .discovery(false)
        .dispatcher(cm_events::Dispatcher::new())
}

/// Times `iters` renames that alternate a bookmark between two names;
/// `renames` carries the parity across calls.
async fn rename_loop(registry: &RegistryHandle, renames: &Cell<u64>, iters: u64) -> Duration {
    let url = BENCH_URL;
    let start = Instant::now();
    for _ in 0..iters {
        let i = renames.get();
        renames.set(i + 1);
        let (from, to) = if i.is_multiple_of(2) {
            ("a", "b")
        } else {
            ("b", "a")
        };
        registry.rename_bookmark(from, to, url).await.unwrap();
    }
    start.elapsed()
}

fn round_trips(c: &mut Criterion) {
    let system = System::new();
    let mut group = c.benchmark_group("cm_registry");

    let echo = system.block_on(async { Echo.start() });
    group.bench_function("actix_send_empty_peer", |b| {
        b.iter_custom(|iters| {
            system.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    echo.send(Ping).await.unwrap();
                }
                start.elapsed()
            })
        })
    });

    let in_memory = system.block_on(async {
        let r = ConnectionRegistry::start(private(RegistryConfig::in_memory()));
        r.add_bookmark("a", "omniverse://bench/p/").await.unwrap();
        r
    });
    let renames = Cell::new(0);
    group.bench_function("mutation_round_trip/in_memory", |b| {
        b.iter_custom(|iters| system.block_on(rename_loop(&in_memory, &renames, iters)))
    });
    let dir = tempfile::tempdir().unwrap();
    let persisted = system.block_on(async {
        let store =
            TomlStore::new(dir.path().join("omniverse.toml")).with_durability(Durability::NoSync);
        let r = ConnectionRegistry::start(private(RegistryConfig::with_store(store).watch(false)));
        r.add_bookmark("a", "omniverse://bench/p/").await.unwrap();
        r
    });
    let renames = Cell::new(0);
    group.bench_function("mutation_round_trip/persisted_nosync", |b| {
        b.iter_custom(|iters| system.block_on(rename_loop(&persisted, &renames, iters)))
    });
    for n in [100usize, 1_000, 10_000] {
        let mut fixture = None;
        let renames = Cell::new(0);
        group.bench_function(
            format!("mutation_round_trip/in_memory_{n}_bookmarks"),
            |b| {
                let (_dir, registry) =
                    fixture.get_or_insert_with(|| loaded_registry(&system, n, 0));
                b.iter_custom(|iters| system.block_on(rename_loop(registry, &renames, iters)))
            },
        );
    }
    group.finish();
}

fn reads(c: &mut Criterion) {
    let system = System::new();
    let mut group = c.benchmark_group("cm_registry");
    for n in [100usize, 1_000, 10_000] {
        let mut fixture = None;
        // A hit about half-way down the list.
        let hit = format!(
            "omniverse://server-{}.example.com/Projects/scene.usd",
            n * 517 / 1000
        );
        group.bench_function(format!("find_server_for_url/{n}_servers"), |b| {
            let (_dir, registry) = fixture.get_or_insert_with(|| loaded_registry(&system, 1, n));
            b.iter(|| black_box(registry.find_server_for_url(black_box(&hit))))
        });
        if n == 1_000 {
            group.bench_function("snapshot_read", |b| {
                let (_dir, registry) =
                    fixture.get_or_insert_with(|| loaded_registry(&system, 1, n));
                b.iter(|| black_box(registry.snapshot()))
            });
            group.bench_function("find_server_for_url/1000_servers_miss", |b| {
                let (_dir, registry) =
                    fixture.get_or_insert_with(|| loaded_registry(&system, 1, n));
                b.iter(|| {
                    black_box(
                        registry.find_server_for_url(black_box(
                            "omniverse://unknown.example.com/a.usd",
                        )),
                    )
                })
            });
        }
    }
    group.finish();
}

fn bookmarks(n: usize, renamed: usize) -> Sections {
    Sections {
        bookmarks: (0..n)
            .map(|i| BookmarkEntry {
                name: if i < renamed {
                    format!("renamed {i}")
                } else {
                    format!("bookmark {i}")
                },
                url: format!("omniverse://server-{}.example.com/Projects/{i}/", i % 50),
            })
            .collect(),
        ..Sections::default()
    }
}

/// A model holding `n` bookmarks, and the same file with 1 % of them renamed.
fn reload_fixture(n: usize) -> (RegistryModel, Sections, Sections) {
    let before = bookmarks(n, 0);
    let after = bookmarks(n, n / 100);
    let mut model = RegistryModel::new();
    model.apply_sections(&before);
    (model, before, after)
}

fn reload_diff(c: &mut Criterion) {
    let mut group = c.benchmark_group("cm_registry");
    for n in [1_000usize, 10_000, 100_000] {
        let mut fixture = None;
        group.bench_function(format!("reload_diff/{n}_bookmarks"), |b| {
            let (model, _, after) = fixture.get_or_insert_with(|| reload_fixture(n));
            b.iter_batched(
                || model.clone(),
                |mut m| black_box(m.apply_sections(after).events.len()),
                BatchSize::LargeInput,
            )
        });
        if n == 10_000 {
            group.bench_function("reload_diff/10000_bookmarks_unchanged", |b| {
                let (model, before, _) = fixture.get_or_insert_with(|| reload_fixture(n));
                b.iter_batched(
                    || model.clone(),
                    |mut m| black_box(m.apply_sections(before).events.len()),
                    BatchSize::LargeInput,
                )
            });
        }
    }
    group.finish();
}

criterion_group!(benches, round_trips, reads, reload_diff);
criterion_main!(benches);
