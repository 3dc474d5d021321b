//! `cm ensure --probe` contacts what it claims to check (the real `cm` binary): a redirect is
//! an answer (not followed), and an S3 root is probed with a `HEAD` of its endpoint
//! (`AWS_ENDPOINT_URL` points it at a loopback server here).

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;

use cm_testkit::{TestServer, TestServerConfig};
use common::{Sandbox, stderr, stdout};

/// A server that answers every request with a redirect to a port where nothing listens.
fn redirecting_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    url
}

#[test]
fn a_redirect_is_an_answer_and_is_not_followed() {
    let sandbox = Sandbox::new();
    let url = format!("{}x.usd", redirecting_server());
    let out = sandbox
        .cm(&["ensure", &url, "--probe", "--json", "--timeout", "10"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(value["reachable"], true, "{value}");
    assert_eq!(value["checked"], true, "{value}");
}

#[test]
fn an_s3_root_is_probed_at_its_endpoint() {
    let sandbox = Sandbox::new();
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let out = sandbox
        .cm(&[
            "ensure",
            "s3://my-bucket/a/b.usd",
            "--probe",
            "--json",
            "--timeout",
            "10",
        ])
        .env("AWS_ENDPOINT_URL", server.url())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(value["reachable"], true, "{value}");
    assert_eq!(value["checked"], true, "{value}");
    assert!(
        server.controls().total_requests() >= 1,
        "no request reached the endpoint"
    );

    // Nothing listening at the endpoint: unreachable with the transport's cause.
    let refused = sandbox
        .cm(&[
            "ensure",
            "s3://my-bucket/a/b.usd",
            "--probe",
            "--timeout",
            "5",
        ])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("connection refused"),
        "{}",
        stderr(&refused)
    );
}
