//! Whole-system benchmarks through the facade, on real temp files and cm-testkit loopback
//! servers:
//!
//! * `system/startup/<n>_bookmarks`: `ManagerHandle::start` with an `omniverse.toml` of `n`
//!   bookmarks (and `n / 10` servers) until the first snapshot holds them all. The initial
//!   load is synchronous, so this is the time until a UI could draw the list. At 10 000
//!   bookmarks a plain `TomlStore::load` of the same file is timed interleaved with it
//!   ([`cm_benchkit::Pair`]): its ratio target reads "a start costs at most two loads".
//! * `system/ensure_connection/1000_callers_warm` and `..._cold`: 1 000 concurrent
//!   `ensure_connection` calls for one server, already connected (answered from the status
//!   cache) or signed out first (one shared attempt: `/info`, one `/stat`). The peer
//!   `peer/actix_send/1000_concurrent` is 1 000 concurrent empty actix round trips to an actor
//!   on another thread: what the callers would pay if each crossed a mailbox once. Both rows
//!   time it interleaved with them ([`cm_benchkit::Pair`]).
//! * `system/edit_to_event/<n>_bookmarks`: a plain `std::fs::write` of the file (as another
//!   process would) until the registry's `BOOKMARK_ADDED` event is observed, minus the
//!   configured watcher debounce (`DEBOUNCE`, trailing edge: the watcher fires `DEBOUNCE` after
//!   the last file-system event, so what is left is notification, re-read, diff and dispatch).
//!   Each sample is the mean of two real edits (criterion would otherwise plan hundreds of
//!   iterations from the debounce-free time and spend seconds waiting out debounces).
//!
//! `cargo bench --bench system -- --warm-up-time 1 --measurement-time 2`
//!
//! Fixtures are built the first time their benchmark runs (a filter that skips a benchmark
//! skips its set-up), so `cargo test --benches` stays quick.

// criterion_group! generates an undocumented public fn.
#![allow(missing_docs)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use cm_benchkit::Pair;
use cm_testkit::{Endpoint, TestServer, TestServerConfig};
use connection_manager::events::{Dispatcher, ObserverGuard};
use connection_manager::manager::{ManagerConfig, ManagerHandle};
use connection_manager::registry::{RegistryConfig, events};
use connection_manager::toml_store::TomlStore;
use criterion::{Criterion, criterion_group, criterion_main};

/// The watcher debounce for the edit -> event benchmark (the default is 1 s; shorter keeps
/// the benchmark quick, and it is subtracted from every measurement anyway).
const DEBOUNCE: Duration = Duration::from_millis(25);

/// Real edits per criterion sample of the edit -> event benchmark (see its `iter_custom`).
const EDITS_PER_SAMPLE: u64 = 2;

/// How long a wait for an event may take before the benchmark fails (loaded CI machine).
const DEADLINE: Duration = Duration::from_secs(30);

/// An `omniverse.toml` with `bookmarks` bookmarks, `bookmarks / 10` manual servers, and one
/// `extra` bookmark when given.
fn config_text(bookmarks: usize, extra: Option<&str>) -> String {
    let mut text = String::from("# generated for benchmarks\n[bookmarks]\n");
    for i in 0..bookmarks {
        writeln!(
            text,
            "\"Bookmark {i}\" = \"omniverse://server-{}.example.com/Projects/p{i}/\"",
            i % 1000
        )
        .unwrap();
    }
    if let Some(name) = extra {
        writeln!(
            text,
            "\"{name}\" = \"omniverse://edited.example.com/{name}/\""
        )
        .unwrap();
        debug_assert!(!name.contains(' '), "the name is part of a URL");
    }
    text.push_str("\n[servers]\n");
    for i in 0..(bookmarks / 10).max(1) {
        writeln!(
            text,
            "\"omniverse://server-{i}.example.com\" = \"Server {i}\""
        )
        .unwrap();
    }
    text
}

fn write_config(dir: &Path, bookmarks: usize) -> PathBuf {
    let path = dir.join("omniverse.toml");
    std::fs::write(&path, config_text(bookmarks, None)).unwrap();
    path
}

/// `iterations` manager starts on the file at `path` of `n` bookmarks, until the first snapshot
/// holds them all; the time to that snapshot, shutdown excluded.
fn start_managers(path: &Path, n: usize, iterations: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iterations {
        let config = ManagerConfig::new(RegistryConfig::new(path).discovery(false))
            .dispatcher(Dispatcher::new());
        let started = Instant::now();
        let manager = ManagerHandle::start(config).unwrap();
        let loaded = manager.registry().snapshot().bookmarks().len();
        total += started.elapsed();
        assert_eq!(loaded, n);
        manager.shutdown();
    }
    total
}

/// `iterations` loads of the file at `path` by the store alone: the floor of a start.
fn load_files(path: &Path, iterations: u64) -> Duration {
    let store = TomlStore::new(path);
    let started = Instant::now();
    for _ in 0..iterations {
        black_box(store.load().unwrap());
    }
    started.elapsed()
}

fn startup(c: &mut Criterion) {
    let mut group = c.benchmark_group("system/startup");
    for n in [100usize, 1_000, 10_000] {
        let mut fixture = None;
        // The row with a ratio target (start ≤ 2x one load) times its peer interleaved: a load
        // of this very file by the store alone, under the id of the store's own load benchmark.
        let mut pair = (n == 10_000).then(|| {
            Pair::new(
                format!("system/startup/{n}_bookmarks"),
                "cm_toml_store/load/10k_bookmarks",
            )
        });
        group.bench_function(format!("{n}_bookmarks"), |b| {
            let (_dir, path) = fixture.get_or_insert_with(|| {
                let dir = tempfile::tempdir().unwrap();
                let path = write_config(dir.path(), n);
                (dir, path)
            });
            match &mut pair {
                Some(pair) => pair.iter_custom(
                    b,
                    |iterations| start_managers(path, n, iterations),
                    |iterations| load_files(path, iterations),
                ),
                None => b.iter_custom(|iterations| start_managers(path, n, iterations)),
            }
        });
    }
    group.finish();
}

/// The peer's actor: answers an empty message.
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

/// An `Echo` actor in an actix System on its own thread, as the manager runs.
fn echo_on_own_thread() -> (Addr<Echo>, System) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let system = System::new();
        system.block_on(async {
            tx.send((Echo.start(), System::current())).unwrap();
        });
        system.run().unwrap();
    });
    rx.recv().unwrap()
}

struct EnsureFixture {
    _server: TestServer,
    controls: cm_testkit::Controls,
    manager: ManagerHandle,
    url: String,
    runtime: tokio::runtime::Runtime,
}

impl EnsureFixture {
    fn new() -> Self {
        let server = TestServer::start(TestServerConfig::default()).unwrap();
        let manager =
            ManagerHandle::start(ManagerConfig::in_memory().dispatcher(Dispatcher::new())).unwrap();
        let url = format!("{}Projects/scene.usd", server.storage_url());
        assert!(manager.ensure_connection_blocking(&url).is_ok());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Self {
            controls: server.controls(),
            _server: server,
            manager,
            url,
            runtime,
        }
    }

    /// `callers` concurrent calls; all must succeed.
    fn ensure_all(&self, callers: usize) -> Duration {
        let started = Instant::now();
        let all = self.runtime.block_on(futures::future::join_all(
            (0..callers).map(|_| self.manager.ensure_connection(&self.url)),
        ));
        let elapsed = started.elapsed();
        assert!(all.into_iter().all(|answer| answer.is_ok()));
        elapsed
    }
}

/// The peer of the ensure rows: an actor on its own thread and a runtime to send from.
struct EchoPeer {
    addr: Addr<Echo>,
    system: System,
    runtime: tokio::runtime::Runtime,
}

impl EchoPeer {
    fn new() -> Self {
        let (addr, system) = echo_on_own_thread();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        EchoPeer {
            addr,
            system,
            runtime,
        }
    }

    /// `iterations` rounds of `callers` concurrent empty round trips.
    fn sends(&self, callers: usize, iterations: u64) -> Duration {
        let started = Instant::now();
        for _ in 0..iterations {
            let all = self.runtime.block_on(futures::future::join_all(
                (0..callers).map(|_| self.addr.send(Ping)),
            ));
            black_box(all);
        }
        started.elapsed()
    }
}

fn ensure_connection(c: &mut Criterion) {
    const CALLERS: usize = 1_000;
    const PEER: &str = "peer/actix_send/1000_concurrent";
    let mut echo: Option<EchoPeer> = None;
    let mut group = c.benchmark_group("system/ensure_connection");
    let mut fixture: Option<EnsureFixture> = None;
    // Both rows time the actix peer interleaved with them (their targets are ratios to it).
    let mut pair = Pair::new("system/ensure_connection/1000_callers_warm", PEER);
    group.bench_function("1000_callers_warm", |b| {
        let f = fixture.get_or_insert_with(EnsureFixture::new);
        let echo = echo.get_or_insert_with(EchoPeer::new);
        pair.iter_custom(
            b,
            |iterations| (0..iterations).map(|_| f.ensure_all(CALLERS)).sum(),
            |iterations| echo.sends(CALLERS, iterations),
        )
    });
    let mut pair = Pair::new("system/ensure_connection/1000_callers_cold", PEER);
    group.bench_function("1000_callers_cold", |b| {
        let f = fixture.get_or_insert_with(EnsureFixture::new);
        let echo = echo.get_or_insert_with(EchoPeer::new);
        pair.iter_custom(
            b,
            |iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    // Signing out makes the server cold again (no token is required here).
                    assert!(f.manager.disconnect_blocking(&f.url));
                    let stats_before = f.controls.request_count(Endpoint::Stat);
                    total += f.ensure_all(CALLERS);
                    assert_eq!(f.controls.request_count(Endpoint::Stat), stats_before + 1);
                }
                total
            },
            |iterations| echo.sends(CALLERS, iterations),
        )
    });
    group.finish();
    if let Some(f) = fixture {
        f.manager.shutdown();
    }

    let mut group = c.benchmark_group("peer/actix_send");
    group.bench_function("1000_concurrent", |b| {
        let echo = echo.get_or_insert_with(EchoPeer::new);
        b.iter_custom(|iterations| echo.sends(CALLERS, iterations))
    });
    group.finish();
    if let Some(echo) = echo {
        echo.system.stop();
    }
}

struct EditFixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    bookmarks: usize,
    manager: ManagerHandle,
    added: mpsc::Receiver<String>,
    _guards: [ObserverGuard; 2],
    edits: u64,
}

impl EditFixture {
    fn new(bookmarks: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(dir.path(), bookmarks);
        let dispatcher = Dispatcher::new();
        let (tx, added) = mpsc::channel();
        // The edit replaces the last edit's extra bookmark in place, which the reload reports
        // as that bookmark renamed (cm-registry's reconcile rule); the first one is an add.
        let observe = |event_name: &'static str, key: &'static str| {
            let tx = tx.clone();
            dispatcher.observe("bench", 0, event_name, None, move |event| {
                let _ = tx.send(event.get_str(key).unwrap_or_default().to_owned());
            })
        };
        let guards = [
            observe(events::BOOKMARK_ADDED_EVENT, "name"),
            observe(events::BOOKMARK_RENAMED_EVENT, "new_name"),
        ];
        let manager = ManagerHandle::start(
            ManagerConfig::new(
                RegistryConfig::new(&path)
                    .discovery(false)
                    .debounce(DEBOUNCE),
            )
            .dispatcher(dispatcher),
        )
        .unwrap();
        let mut fixture = Self {
            _dir: dir,
            path,
            bookmarks,
            manager,
            added,
            _guards: guards,
            edits: 0,
        };
        // The watcher starts after the handle is returned: edit until it reports.
        let deadline = Instant::now() + DEADLINE;
        while fixture.edit_and_wait(Duration::from_secs(1)).is_none() {
            assert!(
                Instant::now() < deadline,
                "the watcher never reported an edit"
            );
        }
        fixture
    }

    /// Writes the file with a new extra bookmark; the time until its `BOOKMARK_ADDED` (or
    /// `BOOKMARK_RENAMED` to it) is observed, or `None` if it was not within `patience`.
    fn edit_and_wait(&mut self, patience: Duration) -> Option<Duration> {
        self.edits += 1;
        let name = format!("edited-{}", self.edits);
        let text = config_text(self.bookmarks, Some(&name));
        let started = Instant::now();
        std::fs::write(&self.path, text).unwrap();
        loop {
            let left = patience.checked_sub(started.elapsed())?;
            match self.added.recv_timeout(left) {
                Ok(seen) if seen == name => return Some(started.elapsed()),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }
}

fn edit_to_event(c: &mut Criterion) {
    let mut group = c.benchmark_group("system/edit_to_event");
    for n in [100usize, 1_000, 10_000] {
        let mut fixture: Option<EditFixture> = None;
        group.bench_function(format!("{n}_bookmarks"), |b| {
            let f = fixture.get_or_insert_with(|| EditFixture::new(n));
            b.iter_custom(|iterations| {
                // Criterion plans iterations from the time returned, which leaves out the
                // debounce: running them all would wait `iterations x DEBOUNCE` unseen. A sample
                // is the mean of at most `EDITS_PER_SAMPLE` real edits instead.
                let edits = iterations.min(EDITS_PER_SAMPLE);
                let mut total = Duration::ZERO;
                for _ in 0..edits {
                    let latency = f
                        .edit_and_wait(DEADLINE)
                        .expect("the edit was not reported in time");
                    total += latency.saturating_sub(DEBOUNCE);
                }
                total.mul_f64(iterations as f64 / edits as f64)
            })
        });
        if let Some(f) = fixture {
            f.manager.shutdown();
        }
    }
    group.finish();
}

criterion_group! {
    name = system;
    // Every iteration here takes milliseconds: ten samples are plenty.
    config = Criterion::default().sample_size(10);
    targets = startup, ensure_connection, edit_to_event
}
criterion_main!(system);
