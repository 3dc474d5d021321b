//! Registry benchmarks: actor round trips (with a plain actix round trip as
//! the peer), snapshot reads, URL lookups and the reload diff.
//!
//! `cargo bench -p cm-registry -- --warm-up-time 1 --measurement-time 2`

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

use std::cell::Cell;
use std::hint::black_box;
use std::time::{Duration, Instant};

use actix::prelude::*;
use cm_registry::{ConnectionRegistry, RegistryConfig, RegistryHandle, RegistryModel};
use cm_toml_store::{Bookmark, Durability, Sections, TomlStore};
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

fn private(config: RegistryConfig) -> RegistryConfig {
    config
        .discovery(false)
        .dispatcher(cm_events::Dispatcher::new())
}

/// Times `iters` renames that alternate a bookmark between two names;
/// `renames` carries the parity across calls.
async fn rename_loop(registry: &RegistryHandle, renames: &Cell<u64>, iters: u64) -> Duration {
    let url = "omniverse://bench/p/";
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
    group.finish();
}

fn reads(c: &mut Criterion) {
    let system = System::new();
    let registry = system.block_on(async {
        let r = ConnectionRegistry::start(private(RegistryConfig::in_memory()));
        for i in 0..1_000 {
            r.add_manual_server(
                &format!("s{i}"),
                &format!("omniverse://server-{i}.example.com/"),
            )
            .await
            .unwrap();
        }
        r
    });
    let mut group = c.benchmark_group("cm_registry");
    group.bench_function("snapshot_read", |b| {
        b.iter(|| black_box(registry.snapshot()))
    });
    group.bench_function("find_server_for_url/1000_servers", |b| {
        b.iter(|| {
            black_box(registry.find_server_for_url(black_box(
                "omniverse://server-517.example.com/Projects/scene.usd",
            )))
        })
    });
    group.bench_function("find_server_for_url/1000_servers_miss", |b| {
        b.iter(|| {
            black_box(
                registry.find_server_for_url(black_box("omniverse://unknown.example.com/a.usd")),
            )
        })
    });
    group.finish();
}

fn bookmarks(n: usize, renamed: usize) -> Sections {
    Sections {
        bookmarks: (0..n)
            .map(|i| Bookmark {
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

fn reload_diff(c: &mut Criterion) {
    let before = bookmarks(10_000, 0);
    let after = bookmarks(10_000, 100);
    let mut model = RegistryModel::new();
    model.apply_sections(&before);
    let mut group = c.benchmark_group("cm_registry");
    group.bench_function("reload_diff/10000_bookmarks", |b| {
        b.iter_batched(
            || model.clone(),
            |mut m| black_box(m.apply_sections(&after).events.len()),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("reload_diff/10000_bookmarks_unchanged", |b| {
        b.iter_batched(
            || model.clone(),
            |mut m| black_box(m.apply_sections(&before).events.len()),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, round_trips, reads, reload_diff);
criterion_main!(benches);
