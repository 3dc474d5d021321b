//! Discovery through the registry against a real loopback discovery server:
//! statuses, events and persisted cached addresses.

mod common;

use std::path::Path;
use std::time::Duration;

use cm_discovery::RetryPolicy;
use cm_registry::{ConnectionRegistry, DiscoveryStatus, RegistryConfig, RegistryHandle, ServerId};
use cm_testkit::{Endpoint, Fault, TestServer, TestServerConfig, Times, wait};
use common::{DEADLINE, Recorder, toml_path};

fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_budget(Duration::from_secs(20))
        .with_base(Duration::from_millis(50))
        .with_jitter(Duration::from_millis(10))
}

fn start(path: &Path, recorder: &Recorder) -> RegistryHandle {
    ConnectionRegistry::start(
        RegistryConfig::new(path)
            .watch(false)
            .retry_policy(fast_retry())
            .dispatcher(recorder.dispatcher.clone()),
    )
}

fn status(registry: &RegistryHandle, id: ServerId) -> DiscoveryStatus {
    registry
        .snapshot()
        .discovery_server(id)
        .map(|s| s.status.clone())
        .expect("server exists")
}

async fn wait_status(registry: &RegistryHandle, id: ServerId, want: &str) {
    wait::until_async(DEADLINE, &format!("status {want}"), || {
        status(registry, id).as_str() == want
    })
    .await;
}

#[actix_rt::test]
async fn successful_discovery_updates_status_addresses_and_file() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = toml_path(dir.path());
    let recorder = Recorder::new();
    recorder.replace(server.addr().port().to_string(), "PORT");
    let registry = start(&path, &recorder);

    let id = registry
        .add_discovery_server("Loopback", &server.discovery_url())
        .await
        .unwrap();
    wait_status(&registry, id, "ready").await;
    let snapshot = registry.snapshot();
    let storage = server.storage_url();
    assert_eq!(
        snapshot
            .discovery_server(id)
            .unwrap()
            .cached_addresses
            .iter()
            .map(|a| a.as_ref())
            .collect::<Vec<&str>>(),
        [storage.as_str()]
    );
    let found = registry
        .find_server_for_url(&format!("{storage}Projects/a.usd"))
        .unwrap();
    assert_eq!(found.id(), id);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains(&format!("cached_addresses = [\"{storage}\"]")),
        "{text}"
    );
    insta::assert_snapshot!("discovery_success_events", recorder.take());

    // A refresh runs another round.
    let before = server.controls().request_count(Endpoint::Discovery);
    registry.refresh_discovery(Some(id)).await.unwrap();
    wait::until_async(DEADLINE, "a second discovery request", || {
        server.controls().request_count(Endpoint::Discovery) > before
    })
    .await;
}

#[actix_rt::test]
async fn a_slow_server_is_discovering_until_it_answers() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    server
        .controls()
        .set_latency(Endpoint::Discovery, Duration::from_millis(1_500));
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::new();
    let registry = start(&toml_path(dir.path()), &recorder);
    let id = registry
        .add_discovery_server("Slow", &server.discovery_url())
        .await
        .unwrap();
    wait_status(&registry, id, "discovering").await;
    assert!(!status(&registry, id).is_settled());
    wait_status(&registry, id, "ready").await;
}

#[actix_rt::test]
async fn http_500_is_retried_until_it_succeeds() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    server
        .controls()
        .inject(Endpoint::Discovery, Fault::Status(500), Times::Next(2));
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::new();
    let registry = start(&toml_path(dir.path()), &recorder);
    let id = registry
        .add_discovery_server("Flaky", &server.discovery_url())
        .await
        .unwrap();
    wait_status(&registry, id, "ready").await;
    let lines = recorder.lines();
    let errors: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("\"status\":\"error\""))
        .collect();
    assert_eq!(errors.len(), 2, "{lines:#?}");
    assert!(
        errors
            .iter()
            .all(|l| l.contains("\"error\":") && l.contains("500"))
    );
    assert_eq!(server.controls().request_count(Endpoint::Discovery), 3);
}

async fn settles_with_error(fault: Fault) -> String {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    server
        .controls()
        .inject(Endpoint::Discovery, fault, Times::Always);
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::new();
    let registry = start(&toml_path(dir.path()), &recorder);
    let id = registry
        .add_discovery_server("Bad", &server.discovery_url())
        .await
        .unwrap();
    wait::until_async(DEADLINE, "a settled error", || {
        let s = status(&registry, id);
        s.as_str() == "error" && s.is_settled()
    })
    .await;
    let snapshot = registry.snapshot();
    let server_state = snapshot.discovery_server(id).unwrap();
    assert!(server_state.cached_addresses.is_empty());
    // The state stays usable: a refresh after the fault is cleared succeeds.
    server.controls().clear_faults();
    registry.refresh_discovery(None).await.unwrap();
    wait_status(&registry, id, "ready").await;
    server_state.status.error().unwrap().to_owned()
}

#[actix_rt::test]
async fn garbage_json_is_an_error_without_retries() {
    let reason = settles_with_error(Fault::MalformedBody).await;
    assert!(!reason.is_empty());
}

#[actix_rt::test]
async fn an_oversized_body_is_an_error_without_retries() {
    let reason = settles_with_error(Fault::OversizedBody {
        bytes: 100 * 1024 * 1024,
    })
    .await;
    assert!(!reason.is_empty());
}

#[actix_rt::test]
async fn a_server_that_is_down_then_up_is_retried_until_ready() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    server.controls().go_down().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::new();
    let registry = start(&toml_path(dir.path()), &recorder);
    let id = registry
        .add_discovery_server("Sleepy", &server.discovery_url())
        .await
        .unwrap();
    wait::until_async(DEADLINE, "a retrying error", || {
        matches!(
            status(&registry, id),
            DiscoveryStatus::Error {
                will_retry: true,
                ..
            }
        )
    })
    .await;
    server.controls().go_up().unwrap();
    wait_status(&registry, id, "ready").await;
    assert!(
        recorder
            .lines()
            .iter()
            .any(|l| l.contains("\"status\":\"error\""))
    );
}

#[actix_rt::test]
async fn startup_discovers_servers_from_the_file_and_removal_stops_updates() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = toml_path(dir.path());
    std::fs::write(
        &path,
        format!(
            "[servers]\n\n[[discovery_servers]]\nname = \"From file\"\nurl = \"{}\"\ncached_addresses = [\"omniverse://old.example/\"]\n",
            server.discovery_url()
        ),
    )
    .unwrap();
    let recorder = Recorder::new();
    let registry = start(&path, &recorder);
    let id = registry.snapshot().discovery_servers()[0].id;
    // Cached addresses answer lookups before discovery finishes.
    assert!(
        registry
            .find_server_for_url("omniverse://old.example/x")
            .is_some()
    );
    wait_status(&registry, id, "ready").await;
    assert!(
        registry
            .find_server_for_url("omniverse://old.example/x")
            .is_none()
    );
    registry.remove_discovery_server(id).await.unwrap();
    let count = recorder.len();
    registry.refresh_discovery(None).await.unwrap();
    common::assert_quiet(&recorder, Duration::from_millis(500)).await;
    assert_eq!(recorder.len(), count);
}
