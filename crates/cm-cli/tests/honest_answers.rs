//! Issue 18, "answers that are wrong or misleading": what `cm` says about connections,
//! sign-ins, discovery, migrations and URLs, each against the real binary and cm-testkit
//! servers.

mod common;

use std::time::Duration;

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

/// `after 7 attempts` → `after [N] attempts`: how many retries fit in a budget depends on
/// the machine's load.
fn redact_attempts(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("after ") {
        let (head, tail) = rest.split_at(i + "after ".len());
        out.push_str(head);
        let digits = tail.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && tail[digits..].starts_with(" attempts") {
            out.push_str("[N]");
            rest = &tail[digits..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

// 1. Rejected credentials end the attempt at once.

#[test]
fn rejected_credentials_from_the_flags_are_sent_once_and_reported_as_rejected() {
    let server = signed_in_server();
    let sandbox = Sandbox::new();
    let url = format!("{}Projects/car.usd", server.storage_url());
    let out = sandbox
        .cm(&["ensure", &url, "--user", "alice", "--password-env", "BADPW"])
        .env("BADPW", "wrong")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    insta::assert_snapshot!("rejected_password", redact_ports(&stderr(&out)));
    assert_eq!(stdout(&out), "");
    // The wrong password went to the server once, not once per retry.
    assert_eq!(server.controls().request_count(Endpoint::Token), 1);
    assert!(!stderr(&out).contains("--password-env"), "{}", stderr(&out));

    let token = sandbox
        .cm(&["ensure", &url, "--json", "--token-env", "BADTOKEN"])
        .env("BADTOKEN", "not-a-token")
        .output()
        .unwrap();
    assert_eq!(token.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&token.stdout).unwrap();
    assert_eq!(
        value["reason"],
        format!("credentials for {} rejected", server.storage_url())
    );
}

#[test]
fn rejected_credentials_on_a_slow_server_are_not_reported_as_a_timeout() {
    let server = TestServer::start(
        TestServerConfig {
            latency: Duration::from_millis(500),
            ..TestServerConfig::default()
        }
        .with_user("alice", "secret")
        .with_required_token(true),
    )
    .unwrap();
    let sandbox = Sandbox::new();
    let out = sandbox
        .cm(&[
            "ensure",
            &server.storage_url(),
            "--user",
            "alice",
            "--password-env",
            "BADPW",
            "--timeout",
            "60",
        ])
        .env("BADPW", "wrong")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("rejected") && !err.contains("no answer"),
        "{err}"
    );
    assert_eq!(server.controls().request_count(Endpoint::Token), 1);
}

// 2. One line, the URL once, one plain cause, the attempt count; the chain at -v.

#[test]
fn a_refused_connection_is_one_plain_line_on_stderr() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&["ensure", "omniverse://127.0.0.1:1/x.usd", "--timeout", "2"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "", "the failure goes to stderr");
    insta::assert_snapshot!("refused", redact_attempts(&stderr(&out)));

    let verbose = sandbox.run(&[
        "-v",
        "ensure",
        "omniverse://127.0.0.1:1/x.usd",
        "--timeout",
        "2",
    ]);
    let err = stderr(&verbose);
    assert!(
        err.contains("Connection refused (os error"),
        "the chain at -v: {err}"
    );
    assert!(
        err.contains("attempt 1 failed (connection refused)"),
        "{err}"
    );
    assert!(err.contains("config file"), "{err}");
}

#[test]
fn a_host_that_does_not_resolve_says_host_not_found() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&[
        "ensure",
        "omniverse://no-such-host.invalid/x.usd",
        "--timeout",
        "10",
    ]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("host_not_found", stderr(&out));
    assert!(!stderr(&out).contains("InvalidHost"));
}

// 3. What `ensure` did for a URL it did not contact, and --probe.

#[test]
fn a_web_url_is_not_checked_unless_probed() {
    let sandbox = Sandbox::new();
    let out = sandbox.ok(&["ensure", "https://127.0.0.1:1/x"]);
    insta::assert_snapshot!("not_checked", out);
    let json = sandbox.ok(&["ensure", "https://127.0.0.1:1/x", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["checked"], false);
    assert_eq!(value["reachable"], true);

    let probed = sandbox.run(&[
        "ensure",
        "https://127.0.0.1:1/x",
        "--probe",
        "--timeout",
        "5",
    ]);
    assert_eq!(probed.status.code(), Some(1));
    assert_eq!(
        stderr(&probed),
        "error: unreachable https://127.0.0.1:1/x: connection refused\n"
    );

    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let http = format!("{}/some/file.usd", server.url());
    let answered = sandbox.ok(&["ensure", &http, "--probe"]);
    assert!(answered.starts_with("reachable "), "{answered}");
    assert!(server.controls().total_requests() >= 1);
}

// 4. Disconnect without a session.

#[test]
fn disconnect_without_a_session_says_so() {
    let sandbox = Sandbox::new();
    let out = sandbox.ok(&["disconnect", "omniverse://never-connected/"]);
    insta::assert_snapshot!("no_session", out);
    let json = sandbox.ok(&["disconnect", "omniverse://never-connected/", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["signed_out"], false);
    assert_eq!(value["had_session"], false);
}

// 5. Sign-in without flags and without a terminal; the success line shows what was stored.

#[test]
fn without_a_terminal_a_sign_in_names_the_flags_to_use() {
    let server = signed_in_server();
    let sandbox = Sandbox::new();
    let out = sandbox
        .cm(&["server", "add", "-i", "--timeout", "5"])
        .write_stdin(format!("studio\n{}Projects/\nc\n", server.storage_url()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = redact_ports(&stderr(&out));
    assert!(
        err.contains("could not add it: omniverse://127.0.0.1:[PORT]/ asks for a sign-in: pass --token-env VAR"),
        "{err}"
    );
    assert!(!err.contains("was aborted"), "{err}");
}

#[test]
fn interactive_add_shows_the_stored_key() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let sandbox = Sandbox::new();
    let out = sandbox
        .cm(&["server", "add", "-i", "--timeout", "10"])
        .write_stdin(format!("studio\n{}Projects/\n", server.storage_url()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("stored_key", redact_ports(&stdout(&out)));
    let key = server.storage_url().trim_end_matches('/').to_owned();
    assert!(sandbox.text().contains(&format!("\"{key}\" = \"studio\"")));
    assert!(stdout(&out).contains(&format!("-> {key}\n")));
}

// 6. A write that migrates an old-style file says so.

#[test]
fn a_write_that_migrates_an_old_style_file_prints_a_notice() {
    let sandbox = Sandbox::with_file(
        "[bookmarks]\nOther = \"omniverse://other/\"\nProj = \"omniverse://srv/Projects/\"\n",
    );
    let out = sandbox.run(&["bookmark", "add", "New", "omniverse://new/x/"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("migration_notice", sandbox.redact(&stderr(&out)));
    insta::assert_snapshot!("migrated_file", sandbox.text());
    // A second write has nothing left to migrate and says nothing about it.
    let again = sandbox.run(&["bookmark", "add", "Newer", "omniverse://new/y/"]);
    assert_eq!(stderr(&again), "");
}

// 7. One rule for file roots.

#[test]
fn migrate_and_server_add_spell_a_file_root_alike_and_keep_its_path() {
    let migrated = Sandbox::with_file(
        "[bookmarks]\nShare = \"file:///mnt/share/\"\nScene = \"file:///mnt/share/a.usd\"\nBad = \"ftp://x/\"\n",
    );
    let out = migrated.run(&["migrate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("migrated_file_root", migrated.text());
    let summary = stdout(&out);
    let summary = summary.lines().last().unwrap_or_default();
    insta::assert_snapshot!("migrate_summary", summary);

    let added = Sandbox::new();
    let line = added.ok(&["server", "add", "Share", "file:///mnt/share/"]);
    assert_eq!(line, "added file server Share -> file:///mnt/share/\n");
    assert_eq!(
        added.text(),
        "[servers]\n\"file:///mnt/share/\" = \"Share\"\n"
    );
}

// 8. Discovery: errors below the table, cached addresses shown as cached.

#[test]
fn a_failed_refresh_keeps_the_table_narrow_and_says_why_below_it() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let sandbox = Sandbox::new();
    sandbox.ok(&["discovery", "add", "Gone", &server.discovery_url()]);
    server.controls().go_down().unwrap();
    let out = sandbox.run(&["discovery", "refresh", "--timeout", "2"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("refresh_failed_stdout", redact_ports(&stdout(&out)));
    insta::assert_snapshot!(
        "refresh_failed_stderr",
        redact_attempts(&redact_ports(&stderr(&out)))
    );
}

#[test]
fn addresses_from_the_cache_are_listed_as_cached() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let sandbox = Sandbox::new();
    sandbox.ok(&["discovery", "add", "Studio", &server.discovery_url()]);
    let refreshed = sandbox.ok(&["discovery", "refresh", "--timeout", "20"]);
    assert!(refreshed.contains("ready"), "{refreshed}");
    let listed = sandbox.ok(&["discovery", "list"]);
    insta::assert_snapshot!("listed_cached", redact_ports(&listed));
    let json = sandbox.ok(&["discovery", "list", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value[0]["cached"], true);
    assert_eq!(value[0]["status"], "pending");
}

// 9. url normalize --show-secrets, and `input` is the input.

#[test]
fn url_normalize_shows_secrets_only_when_asked() {
    let sandbox = Sandbox::new();
    let url = "https://bob:hunter2@Example.COM:443/x?token=abc&x=1";
    let redacted = sandbox.ok(&["url", "normalize", url]);
    assert_eq!(
        redacted,
        "https://bob:REDACTED@example.com/x?token=REDACTED&x=1\n"
    );
    let shown = sandbox.ok(&["url", "normalize", url, "--show-secrets"]);
    assert_eq!(shown, "https://bob:hunter2@example.com/x?token=abc&x=1\n");
    let json = sandbox.ok(&["url", "normalize", url, "--show-secrets", "--json"]);
    insta::assert_snapshot!("normalize_show_secrets", json);
    let json = sandbox.ok(&["url", "normalize", url, "--json"]);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["redacted"], true);
    assert!(!json.contains("hunter2"));
}

// 10. Log colours follow --color, NO_COLOR and the terminal.

#[test]
fn verbose_logs_follow_the_colour_choice() {
    let sandbox = Sandbox::new();
    let args = ["-v", "ensure", "https://example.com/x"];
    let piped = sandbox.cm(&args).env_remove("NO_COLOR").output().unwrap();
    assert!(stderr(&piped).contains("INFO"), "{}", stderr(&piped));
    assert!(
        !stderr(&piped).contains('\x1b'),
        "piped: {}",
        stderr(&piped)
    );
    let never = sandbox
        .cm(&["--color", "never", "-v", "ensure", "https://example.com/x"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(!stderr(&never).contains('\x1b'));
    let always = sandbox
        .cm(&["--color", "always", "-v", "ensure", "https://example.com/x"])
        .output()
        .unwrap();
    assert!(stderr(&always).contains('\x1b'), "{}", stderr(&always));
}
