//! ensure_connection costs: the http answer, the cached "connected" answer, and 10, 100 and
//! 1 000 concurrent calls on a cold server (one network stat against cm-testkit).
//!
//! `cargo bench -p cm-manager --bench manager -- --warm-up-time 1 --measurement-time 2`
// criterion_group! generates an undocumented pub fn.
#![allow(missing_docs)]

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use cm_events::Dispatcher;
use cm_manager::{ManagerConfig, ManagerHandle};
use cm_testkit::{Endpoint, TestServer, TestServerConfig};
use criterion::{Criterion, criterion_group, criterion_main};

/// Polls a future that is expected to be ready at once (the no-round-trip answers).
fn now<F: Future>(future: F) -> F::Output {
    let mut context = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut context) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("expected an immediate answer"),
    }
}

fn benches(c: &mut Criterion) {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let manager =
        ManagerHandle::start(ManagerConfig::in_memory().dispatcher(Dispatcher::new())).unwrap();
    let nucleus = format!("{}Projects/scene.usd", server.storage_url());
    assert!(manager.ensure_connection_blocking(&nucleus).is_ok());

    let mut group = c.benchmark_group("cm_manager");
    group.bench_function("ensure_http", |b| {
        b.iter(|| now(manager.ensure_connection(black_box("https://example.com/scenes/a.usd"))))
    });
    group.bench_function("ensure_nucleus_connected", |b| {
        b.iter(|| now(manager.ensure_connection(black_box(&nucleus))))
    });

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let controls = server.controls();
    group.sample_size(10);
    // Three sizes, so the report shows how the shared attempt scales with its callers.
    for callers in [10usize, 100, 1_000] {
        group.bench_function(format!("ensure_{callers}_concurrent_cold"), |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    // Signing out makes the server cold again (no token is required here).
                    assert!(manager.disconnect_blocking(&nucleus));
                    let stats_before = controls.request_count(Endpoint::Stat);
                    let started = Instant::now();
                    let all = runtime.block_on(futures::future::join_all(
                        (0..callers).map(|_| manager.ensure_connection(&nucleus)),
                    ));
                    total += started.elapsed();
                    assert!(all.into_iter().all(|answer| answer.is_ok()));
                    assert_eq!(controls.request_count(Endpoint::Stat), stats_before + 1);
                }
                total
            })
        });
    }
    group.finish();
    manager.shutdown();
}

criterion_group!(manager, benches);
criterion_main!(manager);
