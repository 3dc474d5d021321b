//! [`HttpDiscoveryClient`] against the cm-testkit server on a real loopback socket.

use std::time::{Duration, Instant};

use cm_discovery::{DiscoveryClient, DiscoveryError, HttpDiscoveryClient, HttpDiscoveryConfig};
use cm_testkit::{Endpoint, Fault, TestServer, TestServerConfig, Times};

fn server() -> TestServer {
    TestServer::start(TestServerConfig::default()).unwrap()
}

fn client() -> HttpDiscoveryClient {
    HttpDiscoveryClient::new(HttpDiscoveryConfig::default()).unwrap()
}

/// The server side (the testkit) and the client side speak one protocol version.
#[test]
fn the_testkit_speaks_the_clients_protocol_version() {
    assert_eq!(cm_testkit::PROTOCOL_VERSION, cm_discovery::PROTOCOL_VERSION);
}

#[tokio::test]
async fn lists_the_servers_storage_addresses() {
    let server = server();
    let found = client().discover(&server.discovery_url()).await.unwrap();
    assert_eq!(found.addresses, vec![server.storage_url()]);
    assert!(found.rejected.is_empty());

    server.controls().set_storage_addresses([
        "omniverse://B.example:3009/",
        "omniverse://b.example:3009/",
        "https://bucket.s3.amazonaws.com/",
    ]);
    let found = client().discover(&server.discovery_url()).await.unwrap();
    assert_eq!(
        found.addresses,
        vec![
            "omniverse://b.example:3009/",
            "https://bucket.s3.amazonaws.com/"
        ]
    );
}

#[tokio::test]
async fn invalid_addresses_are_reported_and_skipped() {
    let server = server();
    server
        .controls()
        .set_storage_addresses(["not a url", "omniverse://good.example/"]);
    let found = client().discover(&server.discovery_url()).await.unwrap();
    assert_eq!(found.addresses, vec!["omniverse://good.example/"]);
    assert_eq!(found.rejected.len(), 1);
    assert_eq!(found.rejected[0].address, "not a url");

    server.controls().set_storage_addresses(["not a url"]);
    let err = client()
        .discover(&server.discovery_url())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "no-valid-addresses");
}

#[tokio::test]
async fn slow_server_times_out() {
    let server = server();
    server
        .controls()
        .set_latency(Endpoint::Discovery, Duration::from_secs(20));
    let client = HttpDiscoveryClient::new(HttpDiscoveryConfig {
        timeout: Duration::from_millis(300),
        ..HttpDiscoveryConfig::default()
    })
    .unwrap();
    let started = Instant::now();
    let err = client.discover(&server.discovery_url()).await.unwrap_err();
    assert!(
        matches!(err, DiscoveryError::Timeout { after, .. } if after == Duration::from_millis(300)),
        "{err}"
    );
    assert!(err.is_retryable());
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[tokio::test]
async fn http_errors_carry_the_status() {
    let server = server();
    server
        .controls()
        .fail(Endpoint::Discovery, 500, Times::Next(1));
    let err = client()
        .discover(&server.discovery_url())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        DiscoveryError::Status {
            url: server.discovery_url(),
            status: 500
        }
    );
    assert!(err.is_retryable());

    server
        .controls()
        .fail(Endpoint::Discovery, 404, Times::Next(1));
    let err = client()
        .discover(&server.discovery_url())
        .await
        .unwrap_err();
    assert!(!err.is_retryable(), "a 404 is a definite answer");
}

#[tokio::test]
async fn garbage_json_is_malformed() {
    let server = server();
    server
        .controls()
        .inject(Endpoint::Discovery, Fault::MalformedBody, Times::Always);
    let err = client()
        .discover(&server.discovery_url())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "malformed", "{err}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn oversized_body_is_cut_off_at_the_cap() {
    let server = server();
    server.controls().inject(
        Endpoint::Discovery,
        Fault::OversizedBody {
            bytes: 100 * 1024 * 1024,
        },
        Times::Always,
    );
    let started = Instant::now();
    let err = client()
        .discover(&server.discovery_url())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        DiscoveryError::TooLarge {
            url: server.discovery_url(),
            limit: 1024 * 1024
        }
    );
    // Reading 100 MB would take far longer on a loaded CI machine than stopping at 1 MiB.
    assert!(started.elapsed() < Duration::from_secs(10));

    // A body just under a small cap is fine; one byte over is not.
    let small = HttpDiscoveryClient::new(HttpDiscoveryConfig {
        max_body_bytes: 100,
        ..HttpDiscoveryConfig::default()
    })
    .unwrap();
    server.controls().clear_faults();
    assert!(small.discover(&server.discovery_url()).await.is_ok());
    server.controls().inject(
        Endpoint::Discovery,
        Fault::OversizedBody { bytes: 101 },
        Times::Always,
    );
    assert_eq!(
        small
            .discover(&server.discovery_url())
            .await
            .unwrap_err()
            .kind(),
        "too-large"
    );
}

#[tokio::test]
async fn redirects_are_followed_but_loops_are_not() {
    let server = server();
    let moved = format!("{}/moved", server.discovery_url());
    server
        .controls()
        .inject(Endpoint::Discovery, Fault::Redirect(moved), Times::Next(1));
    let found = client().discover(&server.discovery_url()).await.unwrap();
    assert_eq!(found.addresses, vec![server.storage_url()]);

    server.controls().inject(
        Endpoint::Discovery,
        Fault::Redirect(server.discovery_url()),
        Times::Always,
    );
    let err = client()
        .discover(&server.discovery_url())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "redirects", "{err}");
    // Loop detection stops at the first repeat, long before the limit.
    assert!(server.controls().request_count(Endpoint::Discovery) <= 3);
}

#[tokio::test]
async fn refused_and_dropped_connections_are_retryable() {
    let server = server();
    server
        .controls()
        .inject(Endpoint::Discovery, Fault::Drop, Times::Always);
    let err = client()
        .discover(&server.discovery_url())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "transport", "{err}");
    assert!(err.is_retryable());

    server.controls().go_down().unwrap();
    let err = client()
        .discover(&server.discovery_url())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "connect", "{err}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn bad_discovery_urls_are_rejected_without_a_request() {
    for url in [
        "not a url",
        "ftp://127.0.0.1/discovery",
        "omniverse://host/",
    ] {
        let err = client().discover(url).await.unwrap_err();
        assert_eq!(err.kind(), "invalid-url", "{url}: {err}");
    }
}

#[tokio::test]
async fn errors_never_contain_the_password() {
    let server = server();
    server
        .controls()
        .fail(Endpoint::Discovery, 503, Times::Always);
    let url = format!(
        "http://alice:hunter2@127.0.0.1:{}/discovery?token=abc123",
        server.port()
    );
    let err = client().discover(&url).await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains("hunter2") && !text.contains("abc123"),
        "{text}"
    );

    server.controls().go_down().unwrap();
    let err = client().discover(&url).await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains("hunter2") && !text.contains("abc123"),
        "{text}"
    );
}
