//! Credentials that can never be sent are refused before anything is contacted (a18 finding
//! 8): a token or password from the environment with a line break (or another control
//! character) is bad input, exit 2, naming the variable, and no request reaches the server.

mod common;

use cm_testkit::{TestServer, TestServerConfig};
use common::Sandbox;

fn refused(flag_args: &[&str], var: &str, value: &str) {
    let server = TestServer::start(TestServerConfig::default().with_required_token(true)).unwrap();
    let sandbox = Sandbox::new();
    let url = server.storage_url();
    let mut args = vec!["ensure", url.as_str()];
    args.extend_from_slice(flag_args);
    let output = sandbox.cm(&args).env(var, value).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("environment variable {var} holds a line break")),
        "{stderr}"
    );
    assert!(
        !stderr.contains("X-Injected"),
        "the value is not shown: {stderr}"
    );
    assert_eq!(
        server.controls().total_requests(),
        0,
        "nothing was contacted"
    );
}

#[test]
fn a_token_with_a_line_break_is_refused_at_once() {
    refused(
        &["--token-env", "CM_TEST_TOKEN"],
        "CM_TEST_TOKEN",
        "abc\r\nX-Injected: 1",
    );
}

#[test]
fn a_password_with_a_line_break_is_refused_at_once() {
    refused(
        &["--user", "alice", "--password-env", "CM_TEST_PASSWORD"],
        "CM_TEST_PASSWORD",
        "secret\nX-Injected",
    );
}

#[test]
fn a_token_with_an_escape_byte_is_refused_at_once() {
    refused(
        &["--token-env", "CM_TEST_TOKEN"],
        "CM_TEST_TOKEN",
        "abc\u{1b}[2JX-Injected",
    );
}
