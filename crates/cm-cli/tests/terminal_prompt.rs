//! The terminal sign-in prompt and the refresh spinner, on a real pseudo-terminal (rexpect):
//! `cm` sees a TTY on stdin and stderr, as at an interactive shell.
#![cfg(unix)]

mod common;

use std::process::Command;

use cm_testkit::{Endpoint, TestServer, TestServerConfig};
use common::Sandbox;

const DEADLINE_MS: u64 = 60_000;

fn cm_on_a_terminal(sandbox: &Sandbox, args: &[&str]) -> rexpect::session::PtySession {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cm"));
    command
        .env_remove("OMNI_CONFIG_PATH")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .arg("--config")
        .arg(sandbox.config())
        .args(args);
    rexpect::session::spawn_command(command, Some(DEADLINE_MS)).unwrap()
}

#[test]
fn a_terminal_user_is_asked_for_a_user_and_a_hidden_password() {
    let server = TestServer::start(
        TestServerConfig::default()
            .with_user("alice", "secret")
            .with_required_token(true),
    )
    .unwrap();
    let sandbox = Sandbox::new();
    let url = format!("{}Projects/car.usd", server.storage_url());
    let mut cm = cm_on_a_terminal(&sandbox, &["ensure", &url]);
    cm.exp_string("asks for a sign-in").unwrap();
    cm.exp_string("User (empty for a token): ").unwrap();
    cm.send_line("alice").unwrap();
    cm.exp_string("Password: ").unwrap();
    cm.send_line("wrong").unwrap();
    // Rejected: asked again, and the right one gets in.
    cm.exp_string("rejected; try again").unwrap();
    cm.exp_string("User (empty for a token): ").unwrap();
    cm.send_line("alice").unwrap();
    cm.exp_string("Password: ").unwrap();
    cm.send_line("secret").unwrap();
    let rest = cm.exp_eof().unwrap();
    assert!(rest.contains("reachable"), "{rest}");
    assert!(
        !rest.contains("secret"),
        "the password is not echoed: {rest}"
    );
    assert_eq!(server.controls().request_count(Endpoint::Token), 2);
}

#[test]
fn an_empty_user_name_asks_for_a_token() {
    let server = TestServer::start(TestServerConfig::default().with_required_token(true)).unwrap();
    let token = server.controls().issue_token("alice");
    let sandbox = Sandbox::new();
    let mut cm = cm_on_a_terminal(&sandbox, &["ensure", &server.storage_url()]);
    cm.exp_string("User (empty for a token): ").unwrap();
    cm.send_line("").unwrap();
    cm.exp_string("Token: ").unwrap();
    cm.send_line(&token).unwrap();
    let rest = cm.exp_eof().unwrap();
    assert!(rest.contains("reachable"), "{rest}");
    assert!(!rest.contains(&token), "the token is not echoed: {rest}");
}

#[test]
fn a_refresh_shows_a_spinner_while_it_waits() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let sandbox = Sandbox::new();
    let added = common::cm_command()
        .arg("--config")
        .arg(sandbox.config())
        .args(["discovery", "add", "Gone", &server.discovery_url()])
        .output()
        .unwrap();
    assert!(added.status.success());
    server.controls().go_down().unwrap();
    let mut cm = cm_on_a_terminal(&sandbox, &["discovery", "refresh", "--timeout", "3"]);
    cm.exp_string("running discovery").unwrap();
    cm.exp_eof().unwrap();
}

#[test]
fn interactive_add_signs_in_on_the_terminal_and_shows_the_stored_key() {
    let server = TestServer::start(
        TestServerConfig::default()
            .with_user("alice", "secret")
            .with_required_token(true),
    )
    .unwrap();
    let sandbox = Sandbox::new();
    let mut cm = cm_on_a_terminal(&sandbox, &["server", "add", "-i", "--timeout", "30"]);
    cm.exp_string("Name (empty: derived from the URL):")
        .unwrap();
    cm.send_line("studio").unwrap();
    cm.exp_string("URL:").unwrap();
    cm.send_line(&format!("{}Projects/", server.storage_url()))
        .unwrap();
    cm.exp_string("User (empty for a token): ").unwrap();
    cm.send_line("alice").unwrap();
    cm.exp_string("Password: ").unwrap();
    cm.send_line("secret").unwrap();
    let key = server.storage_url().trim_end_matches('/').to_owned();
    cm.exp_string(&format!("added nucleus server studio -> {key}"))
        .unwrap();
    let rest = cm.exp_eof().unwrap();
    assert!(!rest.contains("secret"), "{rest}");
    assert!(sandbox.text().contains(&format!("\"{key}\" = \"studio\"")));
}
