//! Shutting the manager down while network requests are in flight.

mod common;

use cm_events::Dispatcher;
use cm_manager::{ManagerConfig, ManagerHandle};
use cm_registry::RegistryConfig;
use cm_testkit::{Endpoint, TestServer, TestServerConfig};

/// A discovery request held open by the server is still in flight when the manager stops;
/// stopping must neither panic nor hang.
#[test]
fn shutdown_with_a_discovery_request_in_flight_is_clean() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    server.controls().hold(Endpoint::Discovery);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("omniverse.toml");
    std::fs::write(
        &path,
        format!(
            "[[discovery_servers]]\nname = \"Studio\"\nurl = \"{}\"\ncached_addresses = []\n",
            server.discovery_url()
        ),
    )
    .unwrap();
    let registry = RegistryConfig::new(&path).watch(false).persistence(false);
    let manager =
        ManagerHandle::start(ManagerConfig::new(registry).dispatcher(Dispatcher::new())).unwrap();
    server
        .controls()
        .wait_for_requests_blocking(Endpoint::Discovery, 1, common::DEADLINE)
        .unwrap();

    let panicked = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = panicked.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        seen.store(true, std::sync::atomic::Ordering::SeqCst);
        eprintln!("panic during shutdown: {info}");
    }));
    manager.shutdown();
    drop(manager);
    std::panic::set_hook(previous);
    assert!(
        !panicked.load(std::sync::atomic::Ordering::SeqCst),
        "a thread panicked while the manager shut down"
    );
    server.controls().release(Endpoint::Discovery);
}
