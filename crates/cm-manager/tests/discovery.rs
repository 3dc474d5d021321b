//! ensure_connection for URLs under a discovery server's cached addresses.

mod common;

use std::time::Duration;

use cm_events::Dispatcher;
use cm_manager::{EnsureError, ManagerConfig, ManagerHandle, Reachable};
use cm_registry::RegistryConfig;
use cm_testkit::{Endpoint, TestServer, TestServerConfig, Times};

const UNDER_DISCOVERY: &str = "https://bucket.example.com/scenes/a.usd";

/// A manager whose omniverse.toml knows one discovery server (the testkit) with a cached
/// address, and a held discovery endpoint so that discovery stays in flight.
fn setup(discovery_timeout: Duration) -> (TestServer, ManagerHandle, tempfile::TempDir) {
    let server = TestServer::start(
        TestServerConfig::default().with_storage_addresses(["https://bucket.example.com/"]),
    )
    .unwrap();
    server.controls().hold(Endpoint::Discovery);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("omniverse.toml");
    std::fs::write(
        &path,
        format!(
            "[[discovery_servers]]\nname = \"Studio\"\nurl = \"{}\"\ncached_addresses = [\"https://bucket.example.com/\"]\n",
            server.discovery_url()
        ),
    )
    .unwrap();
    let registry = RegistryConfig::new(&path)
        .watch(false)
        .persistence(false)
        .retry_policy(cm_discovery::RetryPolicy::NEVER);
    let manager = ManagerHandle::start(
        ManagerConfig::new(registry)
            .dispatcher(Dispatcher::new())
            .discovery_timeout(discovery_timeout),
    )
    .unwrap();
    (server, manager, dir)
}

#[tokio::test]
async fn waits_for_the_discovery_then_succeeds() {
    let (server, manager, _dir) = setup(common::DEADLINE);
    let waiting = manager.clone();
    let call = tokio::spawn(async move { waiting.ensure_connection(UNDER_DISCOVERY).await });
    server
        .controls()
        .wait_for_requests(Endpoint::Discovery, 1, common::DEADLINE)
        .await
        .unwrap();
    assert!(
        !call.is_finished(),
        "must wait while discovery is in flight"
    );
    server.controls().release(Endpoint::Discovery);
    assert_eq!(
        call.await.unwrap(),
        Ok(Reachable::Discovered {
            server: "Studio".into()
        })
    );
    // Settled: answered from the snapshot now.
    assert!(manager.ensure_connection(UNDER_DISCOVERY).await.is_ok());
    manager.shutdown();
}

#[tokio::test]
async fn a_failed_discovery_gives_false_with_the_reason() {
    let (server, manager, _dir) = setup(common::DEADLINE);
    server
        .controls()
        .fail(Endpoint::Discovery, 404, Times::Always);
    server.controls().release(Endpoint::Discovery);
    match manager.ensure_connection(UNDER_DISCOVERY).await {
        Err(EnsureError::DiscoveryFailed { server, reason }) => {
            assert_eq!(server, "Studio");
            assert!(reason.contains("404"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    manager.shutdown();
}

#[tokio::test]
async fn a_discovery_that_never_settles_times_out() {
    let (_server, manager, _dir) = setup(Duration::from_millis(300));
    assert_eq!(
        manager.ensure_connection(UNDER_DISCOVERY).await,
        Err(EnsureError::DiscoveryTimeout {
            server: "Studio".into(),
            timeout: Duration::from_millis(300)
        })
    );
    // A URL outside the discovery server is not affected.
    assert!(
        manager
            .ensure_connection("https://other.example.com/")
            .await
            .is_ok()
    );
    manager.shutdown();
}

#[tokio::test]
async fn a_new_discovery_server_changes_the_answer_for_a_url_seen_before() {
    let server = TestServer::start(
        TestServerConfig::default().with_storage_addresses(["https://bucket.example.com/"]),
    )
    .unwrap();
    let manager =
        ManagerHandle::start(ManagerConfig::in_memory().dispatcher(Dispatcher::new())).unwrap();
    // Answered (and remembered) as a plain web URL...
    assert_eq!(
        manager.ensure_connection(UNDER_DISCOVERY).await,
        Ok(Reachable::AlwaysReachable)
    );
    // ...until a discovery server announces that address.
    let id = manager
        .registry()
        .add_discovery_server("Studio", &server.discovery_url())
        .await
        .unwrap();
    manager
        .registry()
        .wait_for(|s| {
            s.discovery_server(id)
                .is_some_and(|d| d.status.is_settled())
        })
        .await
        .unwrap();
    assert_eq!(
        manager.ensure_connection(UNDER_DISCOVERY).await,
        Ok(Reachable::Discovered {
            server: "Studio".into()
        })
    );
    manager.shutdown();
}
