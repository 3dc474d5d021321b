//! Every switch of the test server, checked with a real HTTP client over loopback.

use std::time::{Duration, Instant};

use cm_testkit::protocol::{
    DiscoveryDocument, ErrorBody, InfoResponse, SignOutResponse, StatResponse, TokenResponse,
    WireResultCode,
};
use cm_testkit::{Endpoint, Fault, TestServer, TestServerConfig, Times};
use reqwest::StatusCode;

const DEADLINE: Duration = Duration::from_secs(30);

fn start(config: TestServerConfig) -> TestServer {
    TestServer::start(config).unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(DEADLINE)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn stat(server: &TestServer, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = client()
        .get(format!("{}/stat", server.url()))
        .query(&[("path", path)]);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn discovery_lists_own_storage_by_default_and_follows_changes() {
    let server = start(TestServerConfig::default());
    let doc: DiscoveryDocument = client()
        .get(server.discovery_url())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc.version, 1);
    assert_eq!(doc.storage.len(), 1);
    assert_eq!(doc.storage[0].url, server.storage_url());

    server
        .controls()
        .set_storage_addresses(["omniverse://a.example/", "omniverse://b.example/"]);
    // Any path under the prefix answers too.
    let doc: DiscoveryDocument = client()
        .get(format!("{}/v1/anything", server.discovery_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let urls: Vec<_> = doc.storage.iter().map(|s| s.url.as_str()).collect();
    assert_eq!(urls, ["omniverse://a.example/", "omniverse://b.example/"]);
    assert_eq!(server.controls().request_count(Endpoint::Discovery), 2);
}

#[tokio::test]
async fn configured_prefix_and_addresses_are_used() {
    let mut config = TestServerConfig::default().with_storage_addresses(["omniverse://x/"]);
    config.discovery_prefix = "/omni/discovery".to_owned();
    let server = start(config);
    assert!(server.discovery_url().ends_with("/omni/discovery"));
    let doc: DiscoveryDocument = client()
        .get(server.discovery_url())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc.storage[0].url, "omniverse://x/");
    let old = client()
        .get(format!("{}/discovery", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn stat_knows_files_folders_and_missing_paths() {
    let server = start(TestServerConfig::default().with_path("/Projects/car.usd"));
    let ok: StatResponse = stat(&server, "/", None).await.json().await.unwrap();
    assert_eq!(
        (ok.result, ok.kind.as_str()),
        (WireResultCode::Ok, "folder")
    );
    let file: StatResponse = stat(&server, "/Projects/car.usd", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(file.kind, "file");
    let folder: StatResponse = stat(&server, "/Projects/", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (folder.kind.as_str(), folder.path.as_str()),
        ("folder", "/Projects")
    );

    let missing = stat(&server, "/nope", None).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let body: ErrorBody = missing.json().await.unwrap();
    assert_eq!(body.result, WireResultCode::NotFound);

    let relative = stat(&server, "relative", None).await;
    assert_eq!(relative.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        relative.json::<ErrorBody>().await.unwrap().result,
        WireResultCode::InvalidPath
    );

    server.controls().add_path("/Library/");
    let lib: StatResponse = stat(&server, "/Library", None).await.json().await.unwrap();
    assert_eq!(lib.kind, "folder");
}

#[tokio::test]
async fn required_token_challenges_and_sign_in_sign_out_work() {
    let server = start(
        TestServerConfig::default()
            .with_user("alice", "secret")
            .with_required_token(true),
    );
    let controls = server.controls();

    let missing = stat(&server, "/", None).await;
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        missing.headers()["www-authenticate"],
        "Bearer realm=\"cm-testkit\""
    );
    let wrong = stat(&server, "/", Some("not-a-token")).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(
        wrong.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );

    let bad_password = client()
        .post(format!("{}/auth/token", server.url()))
        .json(&serde_json::json!({"username": "alice", "password": "guess"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_password.status(), StatusCode::UNAUTHORIZED);

    let granted: TokenResponse = client()
        .post(format!("{}/auth/token", server.url()))
        .json(&serde_json::json!({"username": "alice", "password": "secret"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(granted.token_type, "Bearer");
    assert!(controls.is_token_valid(&granted.token));
    let ok: StatResponse = stat(&server, "/", Some(&granted.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ok.user.as_deref(), Some("alice"));

    let out: SignOutResponse = client()
        .post(format!("{}/auth/sign-out", server.url()))
        .bearer_auth(&granted.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(out.revoked);
    assert_eq!(
        stat(&server, "/", Some(&granted.token)).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Tokens made by the test directly are accepted too, until revoked.
    let issued = controls.issue_token("bob");
    assert_eq!(
        stat(&server, "/", Some(&issued)).await.status(),
        StatusCode::OK
    );
    controls.add_token("static");
    assert_eq!(
        stat(&server, "/", Some("static")).await.status(),
        StatusCode::OK
    );
    controls.revoke_all_tokens();
    assert_eq!(
        stat(&server, "/", Some("static")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    controls.set_require_token(false);
    assert_eq!(stat(&server, "/", None).await.status(), StatusCode::OK);

    let log = controls.requests();
    assert!(log.iter().any(|r| r.endpoint == Endpoint::SignOut
        && r.bearer_token.as_deref() == Some(granted.token.as_str())));
}

#[tokio::test]
async fn wrong_method_and_bad_sign_in_body_are_rejected() {
    let server = start(TestServerConfig::default());
    let get_token = client()
        .get(format!("{}/auth/token", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(get_token.status(), StatusCode::METHOD_NOT_ALLOWED);
    let garbage = client()
        .post(format!("{}/auth/token", server.url()))
        .body("username=alice")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        garbage.json::<ErrorBody>().await.unwrap().result,
        WireResultCode::BadRequest
    );
}

#[tokio::test]
async fn latency_delays_only_its_endpoint() {
    let server = start(TestServerConfig::default());
    let latency = Duration::from_millis(1500);
    server.controls().set_latency(Endpoint::Discovery, latency);
    let started = Instant::now();
    client().get(server.discovery_url()).send().await.unwrap();
    assert!(started.elapsed() >= latency);
    let started = Instant::now();
    stat(&server, "/", None).await;
    assert!(started.elapsed() < latency);
    server.controls().clear_faults();
    let started = Instant::now();
    client().get(server.discovery_url()).send().await.unwrap();
    assert!(started.elapsed() < latency);
}

#[tokio::test]
async fn status_faults_for_next_n_then_recover_or_always() {
    let server = start(TestServerConfig::default());
    let controls = server.controls();
    controls.fail(Endpoint::Stat, 503, Times::Next(2));
    for _ in 0..2 {
        let response = stat(&server, "/", None).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response.json::<ErrorBody>().await.unwrap().result,
            WireResultCode::Connection
        );
    }
    assert_eq!(stat(&server, "/", None).await.status(), StatusCode::OK);

    controls.fail(Endpoint::Discovery, 500, Times::Always);
    for _ in 0..3 {
        let response = client().get(server.discovery_url()).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
    controls.clear_fault(Endpoint::Discovery);
    let response = client().get(server.discovery_url()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    controls.fail(Endpoint::Stat, 401, Times::Next(1));
    let challenged = stat(&server, "/", None).await;
    assert_eq!(challenged.status(), StatusCode::UNAUTHORIZED);
    assert!(challenged.headers().contains_key("www-authenticate"));
    assert_eq!(controls.request_count(Endpoint::Stat), 4);
}

#[tokio::test]
async fn malformed_body_is_not_json() {
    let server = start(TestServerConfig::default());
    server
        .controls()
        .inject(Endpoint::Discovery, Fault::MalformedBody, Times::Always);
    let response = client().get(server.discovery_url()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let text = response.text().await.unwrap();
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());
}

#[tokio::test]
async fn oversized_body_streams_without_length() {
    let server = start(TestServerConfig::default());
    let total = 100 * 1024 * 1024;
    server.controls().inject(
        Endpoint::Discovery,
        Fault::OversizedBody { bytes: total },
        Times::Next(1),
    );
    let mut response = client().get(server.discovery_url()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.content_length().is_none());
    let mut read = 0u64;
    while let Some(chunk) = response.chunk().await.unwrap() {
        read += chunk.len() as u64;
        if read > 8 * 1024 * 1024 {
            break;
        }
    }
    assert!(read > 8 * 1024 * 1024, "only {read} bytes arrived");
    drop(response);
    // The fault was for one request only.
    let doc: DiscoveryDocument = client()
        .get(server.discovery_url())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc.storage.len(), 1);
}

#[tokio::test]
async fn small_oversized_body_has_exact_size() {
    let server = start(TestServerConfig::default());
    let bytes = 3 * 64 * 1024 + 17;
    server.controls().inject(
        Endpoint::Stat,
        Fault::OversizedBody { bytes },
        Times::Next(1),
    );
    let body = stat(&server, "/", None).await.bytes().await.unwrap();
    assert_eq!(body.len() as u64, bytes);
}

#[tokio::test]
async fn drop_closes_the_connection_without_a_response() {
    let server = start(TestServerConfig::default());
    server
        .controls()
        .inject(Endpoint::Stat, Fault::Drop, Times::Next(1));
    let err = client()
        .get(format!("{}/stat?path=/", server.url()))
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout(), "{err}");
    assert_eq!(server.controls().request_count(Endpoint::Stat), 1);
    assert_eq!(stat(&server, "/", None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn redirect_fault_points_elsewhere() {
    let server = start(TestServerConfig::default());
    let target = format!("{}/discovery/next", server.url());
    server.controls().inject(
        Endpoint::Discovery,
        Fault::Redirect(target.clone()),
        Times::Always,
    );
    let response = client().get(server.discovery_url()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], target.as_str());
}

#[tokio::test]
async fn info_reports_protocol_version_and_auth() {
    let server = start(TestServerConfig::default());
    let info: InfoResponse = client()
        .get(format!("{}/info", server.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (info.protocol.as_str(), info.version, info.auth_required),
        ("cm-storage", 1, false)
    );
    server.controls().set_protocol_version(9);
    server.controls().set_require_token(true);
    let info: InfoResponse = client()
        .get(format!("{}/info", server.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((info.version, info.auth_required), (9, true));
}

#[tokio::test]
async fn down_refuses_connections_and_up_serves_the_same_port() {
    let server = start(TestServerConfig::default());
    let controls = server.controls();
    let port = server.port();
    assert_eq!(stat(&server, "/", None).await.status(), StatusCode::OK);

    controls.go_down().unwrap();
    assert!(!controls.is_up());
    let err = client()
        .get(format!("{}/stat?path=/", server.url()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err}");

    controls.go_up().unwrap();
    assert!(controls.is_up());
    assert_eq!(server.port(), port);
    assert_eq!(stat(&server, "/", None).await.status(), StatusCode::OK);
    // Going up twice or down twice is harmless.
    controls.go_up().unwrap();
    controls.go_down().unwrap();
    controls.go_down().unwrap();
    controls.go_up().unwrap();
    assert_eq!(stat(&server, "/", None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn going_down_closes_requests_in_flight() {
    let server = start(TestServerConfig::default());
    let controls = server.controls();
    controls.hold(Endpoint::Stat);
    let url = format!("{}/stat?path=/", server.url());
    let in_flight = tokio::spawn(async move { client().get(url).send().await });
    controls
        .wait_for_requests(Endpoint::Stat, 1, DEADLINE)
        .await
        .unwrap();
    let down = controls.clone();
    tokio::task::spawn_blocking(move || down.go_down().unwrap())
        .await
        .unwrap();
    let result = in_flight.await.unwrap();
    assert!(result.is_err(), "a held request survived going down");
}

#[tokio::test]
async fn hold_keeps_concurrent_requests_in_flight_until_release() {
    let server = start(TestServerConfig::default());
    let controls = server.controls();
    controls.hold(Endpoint::Stat);
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let url = format!("{}/stat?path=/", server.url());
        tasks.push(tokio::spawn(async move {
            client().get(url).send().await.unwrap().status()
        }));
    }
    controls
        .wait_for_requests(Endpoint::Stat, 20, DEADLINE)
        .await
        .unwrap();
    assert!(tasks.iter().all(|t| !t.is_finished()));
    controls.release(Endpoint::Stat);
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(controls.request_count(Endpoint::Stat), 20);
    assert_eq!(controls.total_requests(), 20);
    controls.reset_counters();
    assert_eq!(controls.request_count(Endpoint::Stat), 0);
    assert!(controls.requests().is_empty());
}

#[test]
fn blocking_wait_works_from_plain_threads_and_times_out() {
    let server = start(TestServerConfig::default());
    let controls = server.controls();
    let url = server.discovery_url();
    let requester = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            for _ in 0..3 {
                client().get(&url).send().await.unwrap();
            }
        });
    });
    controls
        .wait_for_requests_blocking(Endpoint::Discovery, 3, DEADLINE)
        .unwrap();
    requester.join().unwrap();
    let err = controls
        .wait_for_requests_blocking(Endpoint::Discovery, 4, Duration::from_millis(50))
        .unwrap_err();
    assert_eq!((err.wanted, err.seen), (4, 3));
}

#[test]
fn dropping_the_server_closes_the_port() {
    let server = start(TestServerConfig::default());
    let addr = server.addr();
    assert!(std::net::TcpStream::connect(addr).is_ok());
    drop(server);
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[test]
fn a_taken_port_is_a_bind_error() {
    let first = start(TestServerConfig::default());
    let err = TestServer::start(TestServerConfig::default().with_port(first.port())).unwrap_err();
    assert!(
        matches!(err, cm_testkit::TestkitError::Bind { .. }),
        "{err}"
    );
}
