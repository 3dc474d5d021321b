//! `cm ensure`, `cm disconnect`, `cm reconnect` and `cm discovery refresh` against the
//! cm-testkit loopback servers.

mod common;

use cm_testkit::{Endpoint, TestServer, TestServerConfig};
use common::{Sandbox, redact_ports, stderr, stdout};

fn signed_in_server() -> TestServer {
    TestServer::start(
        TestServerConfig::default()
            .with_user("alice", "secret")
            .with_required_token(true),
    )
    .unwrap()
}

#[test]
fn http_urls_are_reachable_at_once() {
    let sandbox = Sandbox::new();
    let out = sandbox.ok(&["ensure", "https://bucket.s3.amazonaws.com/a.usd", "--json"]);
    insta::assert_snapshot!(out);
}

#[test]
fn a_server_that_asks_for_a_sign_in_needs_credentials_from_the_environment() {
    let server = signed_in_server();
    let sandbox = Sandbox::new();
    let url = format!("{}Projects/car.usd", server.storage_url());

    let refused = sandbox.run(&["ensure", &url, "--json", "--timeout", "10"]);
    assert_eq!(refused.status.code(), Some(1));
    insta::assert_snapshot!("without_credentials", redact_ports(&stdout(&refused)));
    // The answer names the flags to pass (no terminal here to prompt on).
    assert!(
        stdout(&refused).contains("--token-env"),
        "{}",
        stdout(&refused)
    );

    let signed_in = sandbox
        .cm(&[
            "ensure",
            &url,
            "--json",
            "--user",
            "alice",
            "--password-env",
            "CM_TEST_PASSWORD",
        ])
        .env("CM_TEST_PASSWORD", "secret")
        .output()
        .unwrap();
    assert_eq!(signed_in.status.code(), Some(0), "{}", stderr(&signed_in));
    insta::assert_snapshot!("with_password", redact_ports(&stdout(&signed_in)));
    // The password is never printed.
    assert!(!stdout(&signed_in).contains("secret") && !stderr(&signed_in).contains("secret"));

    let wrong = sandbox
        .cm(&[
            "ensure",
            &url,
            "--user",
            "alice",
            "--password-env",
            "CM_TEST_PASSWORD",
        ])
        .env("CM_TEST_PASSWORD", "wrong")
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        stderr(&wrong).contains("credentials for") && stderr(&wrong).contains("rejected"),
        "{}",
        stderr(&wrong)
    );

    let token = server.controls().issue_token("alice");
    let with_token = sandbox
        .cm(&["ensure", &url, "--token-env", "CM_TEST_TOKEN"])
        .env("CM_TEST_TOKEN", &token)
        .output()
        .unwrap();
    assert_eq!(with_token.status.code(), Some(0), "{}", stdout(&with_token));
    assert!(!stdout(&with_token).contains(&token));
}

#[test]
fn an_unreachable_server_fails_within_the_timeout() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let url = server.storage_url();
    server.controls().go_down().unwrap();
    let sandbox = Sandbox::new();
    let started = std::time::Instant::now();
    let out = sandbox.run(&["ensure", &url, "--timeout", "2", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["reachable"], false);
    assert!(
        value["reason"]
            .as_str()
            .unwrap()
            .contains("connection refused"),
        "{value}"
    );
    assert!(
        value["detail"].as_str().unwrap().contains("unreachable"),
        "{value}"
    );
}

#[test]
fn discovery_refresh_saves_the_addresses_and_ensure_waits_for_discovery() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let sandbox = Sandbox::new();
    sandbox.ok(&["discovery", "add", "Studio", &server.discovery_url()]);

    let refreshed = sandbox.ok(&["discovery", "refresh", "--json", "--timeout", "20"]);
    insta::assert_snapshot!("refresh", redact_ports(&refreshed));
    assert!(sandbox.text().contains(&format!(
        "cached_addresses = [\"{}\"]",
        server.storage_url()
    )));

    let listed = sandbox.ok(&["server", "list", "--json"]);
    insta::assert_snapshot!("server_list_after_discovery", redact_ports(&listed));

    let url = format!("{}Projects/a.usd", server.storage_url());
    let ensured = sandbox.ok(&["ensure", &url, "--json", "--timeout", "20"]);
    insta::assert_snapshot!("ensure_discovered", redact_ports(&ensured));
    assert!(server.controls().request_count(Endpoint::Discovery) >= 2);
}

#[test]
fn a_failing_discovery_refresh_exits_1() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let sandbox = Sandbox::new();
    sandbox.ok(&["discovery", "add", "Gone", &server.discovery_url()]);
    server.controls().go_down().unwrap();
    let out = sandbox.run(&[
        "discovery",
        "refresh",
        &server.discovery_url(),
        "--timeout",
        "2",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(value[0]["status"], "ready", "{value}");
    assert!(
        stderr(&out).contains("discovery failed for Gone"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn disconnect_signs_out_and_reconnect_connects_again() {
    let server = signed_in_server();
    let sandbox = Sandbox::new();
    let url = server.storage_url();

    let out = sandbox.ok(&["disconnect", &url, "--json"]);
    insta::assert_snapshot!("disconnect", redact_ports(&out));
    let out = sandbox.ok(&["disconnect", "https://example.com/x"]);
    assert!(out.contains("not a Nucleus URL"), "{out}");

    let out = sandbox
        .cm(&[
            "reconnect",
            &url,
            "--json",
            "--user",
            "alice",
            "--password-env",
            "CM_TEST_PASSWORD",
        ])
        .env("CM_TEST_PASSWORD", "secret")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    insta::assert_snapshot!("reconnect", redact_ports(&stdout(&out)));
    assert!(server.controls().request_count(Endpoint::Token) >= 1);

    let refused = sandbox.run(&["reconnect", &url]);
    assert_eq!(refused.status.code(), Some(1));
}

#[test]
fn ensure_never_writes_the_config_file() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let sandbox = Sandbox::new();
    sandbox.ok(&["discovery", "add", "Studio", &server.discovery_url()]);
    let before = sandbox.text();
    sandbox.ok(&["ensure", &server.storage_url(), "--timeout", "20"]);
    assert_eq!(sandbox.text(), before);
}
