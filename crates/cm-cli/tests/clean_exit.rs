//! A command that exits while an HTTP request is still in flight shuts the library down cleanly:
//! no panic, no backtrace on stderr, the right exit status.
//!
//! Each case holds one endpoint of a cm-testkit server open, so the request the command made
//! is certainly still waiting when the command stops (no timing guesses). The manager and the
//! registry are shut down through their ordinary `shutdown` paths, which must drop those
//! requests inside their runtime (hyper panics "no reactor running" otherwise).

mod common;

use cm_testkit::{Endpoint, TestServer, TestServerConfig};
use common::{Sandbox, stderr};

/// The lines of stderr that show a panic.
fn assert_no_panic(out: &std::process::Output) {
    let err = stderr(out);
    assert!(
        !err.contains("panicked") && !err.contains("no reactor running"),
        "cm panicked on the way out:\n{err}"
    );
}

fn discovery_file(server: &TestServer) -> String {
    format!(
        "[[discovery_servers]]\nname = \"Studio\"\nurl = \"{}\"\ncached_addresses = []\n",
        server.discovery_url()
    )
}

/// `cm ensure` gives up at its timeout while the stat of the server is held open.
#[test]
fn ensure_that_times_out_with_a_request_in_flight_exits_cleanly() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    server.controls().hold(Endpoint::Info);
    server.controls().hold(Endpoint::Stat);
    let sandbox = Sandbox::new();
    let out = sandbox.run(&["ensure", &server.storage_url(), "--timeout", "0.5"]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert!(
        server.controls().request_count(Endpoint::Info)
            + server.controls().request_count(Endpoint::Stat)
            >= 1,
        "the command never reached the server"
    );
    assert_no_panic(&out);
    server.controls().release(Endpoint::Info);
    server.controls().release(Endpoint::Stat);
}

/// `cm ensure` of an https URL answers at once while the manager's registry still waits for a
/// discovery the command did not ask about.
#[test]
fn ensure_with_a_discovery_request_in_flight_exits_cleanly() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    server.controls().hold(Endpoint::Discovery);
    let sandbox = Sandbox::with_file(&discovery_file(&server));
    let out = sandbox.run(&["ensure", "https://example.com/a.usd", "--timeout", "5"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_no_panic(&out);
    server.controls().release(Endpoint::Discovery);
}

/// `cm discovery refresh` gives up at its timeout while the discovery request is held open
/// (a registry in a System the CLI drives with `block_on`).
#[test]
fn discovery_refresh_that_times_out_exits_cleanly() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    server.controls().hold(Endpoint::Discovery);
    let sandbox = Sandbox::with_file(&discovery_file(&server));
    let out = sandbox.run(&["discovery", "refresh", "--timeout", "0.5"]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert!(server.controls().request_count(Endpoint::Discovery) >= 1);
    assert_no_panic(&out);
    server.controls().release(Endpoint::Discovery);
}
