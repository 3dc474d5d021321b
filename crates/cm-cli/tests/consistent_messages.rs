//! The words agree (a18 findings 17, 19): a rejected sign-in says "rejected" in `reason`,
//! `detail` and the `-v` log alike; `disconnect` without a session does not log "signed out";
//! `reconnect` of a non-Nucleus URL does not suggest the `--probe` it lacks; a refused
//! `--timeout` is quoted as typed.

mod common;

use cm_testkit::{TestServer, TestServerConfig};
use common::{Sandbox, stderr, stdout};

#[test]
fn a_rejected_sign_in_says_rejected_everywhere() {
    let server = TestServer::start(TestServerConfig::default().with_required_token(true)).unwrap();
    let sandbox = Sandbox::new();
    let url = server.storage_url();
    let out = sandbox
        .cm(&[
            "-v",
            "ensure",
            &url,
            "--json",
            "--token-env",
            "CM_TEST_TOKEN",
        ])
        .env("CM_TEST_TOKEN", "not-a-token")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let reason = json["reason"].as_str().unwrap();
    assert!(reason.contains("rejected"), "{json}");
    assert_eq!(json["detail"].as_str(), Some(reason), "{json}");
    let log = stderr(&out);
    assert!(log.contains("rejected"), "{log}");
    assert!(!log.contains("was aborted"), "{log}");
}

#[test]
fn disconnect_without_a_session_does_not_log_signed_out() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let sandbox = Sandbox::new();
    let out = sandbox
        .cm(&["-v", "disconnect", &server.storage_url()])
        .output()
        .unwrap();
    let (result, log) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(result.contains("no session for"), "{result}");
    assert!(!log.contains("signed out"), "{log}");
}

#[test]
fn reconnect_of_a_non_nucleus_url_does_not_suggest_probe() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .cm(&["reconnect", "https://127.0.0.1:1/"])
        .output()
        .unwrap();
    let result = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(result.contains("not a Nucleus URL"), "{result}");
    assert!(result.contains("`cm ensure --probe`"), "{result}");
    assert!(!result.contains("; --probe"), "{result}");
}

#[test]
fn a_refused_timeout_is_quoted_as_typed() {
    let sandbox = Sandbox::new();
    for typed in ["nan", "1e20", "-5", "0", "soon"] {
        let flag = format!("--timeout={typed}");
        let out = sandbox
            .cm(&["ensure", "omniverse://example.invalid/", &flag])
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{typed}: {err}");
        assert!(err.contains(&format!("'{typed}'")), "{typed}: {err}");
        assert!(
            err.contains("expected a number of seconds greater than 0 and at most 86400"),
            "{typed}: {err}"
        );
        assert!(
            !err.contains("NaN") && !err.contains("100000000000000000000"),
            "{err}"
        );
    }
}
