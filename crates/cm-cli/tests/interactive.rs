//! `cm server add --interactive` and `cm discovery add --interactive`, driven through a pipe.

mod common;

use cm_testkit::{TestServer, TestServerConfig};
use common::{Sandbox, redact_ports, stderr, stdout};

#[test]
fn a_refused_url_is_shown_inline_and_asked_again() {
    let server = TestServer::start(
        TestServerConfig::default()
            .with_user("alice", "secret")
            .with_required_token(true),
    )
    .unwrap();
    let sandbox = Sandbox::new();
    let input = format!("studio\nnot a url\nftp://x/\n{}\n", server.storage_url());
    let out = sandbox
        .cm(&[
            "server",
            "add",
            "--interactive",
            "--user",
            "alice",
            "--password-env",
            "CM_TEST_PASSWORD",
        ])
        .env("CM_TEST_PASSWORD", "secret")
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("transcript", redact_ports(&stderr(&out)));
    insta::assert_snapshot!("result", redact_ports(&stdout(&out)));
    assert!(sandbox.text().contains(&format!(
        "\"{}\" = \"studio\"",
        server.storage_url().trim_end_matches('/')
    )));
    assert!(!stderr(&out).contains("secret"));
}

#[test]
fn a_failed_connection_offers_retry_and_cancel() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let url = server.storage_url();
    server.controls().go_down().unwrap();
    let sandbox = Sandbox::new();
    let out = sandbox
        .cm(&["server", "add", "-i", "--timeout", "1"])
        .write_stdin(format!("down\n{url}\nr\nc\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.matches("could not add it").count(), 2, "{err}");
    assert!(
        err.trim_end()
            .ends_with("error: cancelled; no server was added"),
        "{err}"
    );
    assert!(!sandbox.config().exists() || !sandbox.text().contains("down"));
}

#[test]
fn retry_succeeds_once_the_server_is_back() {
    use std::io::{BufRead, BufReader, Write};

    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let url = server.storage_url();
    let controls = server.controls();
    controls.go_down().unwrap();
    let sandbox = Sandbox::new();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cm"))
        .arg("--config")
        .arg(sandbox.config())
        .args(["server", "add", "-i", "--timeout", "1"])
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "back\n{url}").unwrap();
    // The first attempt fails while the server is down.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let line = rx
            .recv_timeout(deadline - std::time::Instant::now())
            .expect("no failure shown");
        if line.contains("could not add it") {
            break;
        }
    }
    controls.go_up().unwrap();
    writeln!(stdin, "r").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("added nucleus server back"),
        "{}",
        stdout(&out)
    );
    assert!(sandbox.text().contains("= \"back\""), "{}", sandbox.text());
}

#[test]
fn end_of_input_cancels() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .cm(&["server", "add", "-i"])
        .write_stdin("only-a-name\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cancelled"), "{}", stderr(&out));
    assert!(!sandbox.config().exists());
}

#[test]
fn discovery_add_interactive_keeps_only_a_working_discovery() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let sandbox = Sandbox::new();
    let out = sandbox
        .cm(&["discovery", "add", "--interactive", "--json"])
        .write_stdin(format!("\n{}\n", server.discovery_url()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("discovery_result", redact_ports(&stdout(&out)));
    assert!(sandbox.text().contains("[[discovery_servers]]"));
}
