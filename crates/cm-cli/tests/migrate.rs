//! `cm migrate`: the diff it would make (`--dry-run`, file untouched) and the diff it made.

mod common;

use common::Sandbox;

const OLD: &str = r#"# written by an old Kit
[paths]
cache = "/tmp/cache"

[bookmarks]
Root = "omniverse://srv/"
Projects = "omniverse://srv/Projects/"
Bucket = "https://s3.amazonaws.com/bkt/a/"
"#;

#[test]
fn dry_run_shows_the_diff_and_leaves_the_file_alone() {
    let sandbox = Sandbox::with_file(OLD);
    let out = sandbox.ok(&["migrate", "--dry-run"]);
    insta::assert_snapshot!(sandbox.redact(&out));
    assert_eq!(sandbox.text(), OLD);
}

#[test]
fn migrate_writes_and_reports_the_diff_it_made() {
    let sandbox = Sandbox::with_file(OLD);
    let out = sandbox.ok(&["migrate", "--json"]);
    insta::assert_snapshot!(sandbox.redact(&out));
    insta::assert_snapshot!("migrated_file", sandbox.text());
    // Once migrated there is nothing left to do.
    let again = sandbox.ok(&["migrate", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(value["migrated"], false);
    assert_eq!(value["diff"], "");
}

#[test]
fn a_new_style_file_has_nothing_to_migrate() {
    let sandbox = Sandbox::with_file("[bookmarks]\nA = \"omniverse://a/x/\"\n\n[servers]\n");
    let out = sandbox.ok(&["migrate"]);
    assert!(out.ends_with("nothing to migrate\n"), "{out}");
}

/// Passwords and tokens in the file are never printed: not in the changed lines, not in the
/// context lines, not in `--json`'s "diff" (the real `cm` binary, stdout grepped).
#[test]
fn the_diff_never_shows_a_password_or_token_from_the_file() {
    const WITH_SECRETS: &str = r#"[paths]
cache = "/tmp/cache"

[bookmarks]
Signed = "https://acct.blob.core.windows.net/c/x?sig=SECRETQ&sv=1"
Mine = "omniverse://u:SECRETP@srv/Users/u/"
Root = "omniverse://srv/"
Token = "https://h.example.com/a#access_token=SECRETT"
Odd = "az://c%3ASECRETE@acct/x"
"#;
    let sandbox = Sandbox::with_file(WITH_SECRETS);
    for args in [
        &["migrate", "--dry-run"][..],
        &["migrate", "--dry-run", "--json"][..],
    ] {
        let out = sandbox.ok(args);
        for secret in ["SECRETQ", "SECRETP", "SECRETT", "SECRETE"] {
            assert!(!out.contains(secret), "{args:?} printed {secret}:\n{out}");
        }
        assert!(out.contains("REDACTED"), "{out}");
        // What is not a secret is shown as written.
        assert!(out.contains("?sig=REDACTED&sv=1"), "{out}");
        assert!(out.contains("/Users/u/"), "{out}");
    }
    assert_eq!(sandbox.text(), WITH_SECRETS);
    let out = sandbox.ok(&["migrate", "--json"]);
    for secret in ["SECRETQ", "SECRETP", "SECRETT", "SECRETE"] {
        assert!(!out.contains(secret), "printed {secret}:\n{out}");
    }
}

/// Migration drops no bookmark name: a second bookmark on the same root stays a bookmark, a
/// derived server name that is taken gets a suffix, and the summary and --json say so.
#[test]
fn migration_keeps_what_it_cannot_move_and_says_so() {
    let sandbox = Sandbox::with_file(
        "[bookmarks]\nA = \"omniverse://s/\"\nB = \"omniverse://s/\"\nserver1 = \"omniverse://other/\"\nP = \"omniverse://server1/Proj/\"\n",
    );
    let dry = sandbox.ok(&["migrate", "--dry-run", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&dry).unwrap();
    assert_eq!(value["bookmarks_kept"][0]["name"], "B", "{dry}");
    assert_eq!(value["names_changed"][0]["derived"], "server1", "{dry}");
    assert_eq!(value["names_changed"][0]["name"], "server1 (2)", "{dry}");
    let out = sandbox.ok(&["migrate"]);
    let summary = out.lines().last().unwrap_or_default();
    assert_eq!(
        summary,
        "added 3 server(s) (A, server1, server1 (2)); moved 2 root bookmark(s) to [servers] \
         (A, server1); kept 1 root bookmark(s) in [bookmarks] (the server is named after \
         another) (B); named a server \"server1 (2)\" because \"server1\" was taken"
    );
    let text = sandbox.text();
    assert!(text.contains("B = \"omniverse://s/\""), "{text}");
    assert!(text.contains("\"omniverse://s\" = \"A\""), "{text}");
    assert!(
        text.contains("\"omniverse://other\" = \"server1\""),
        "{text}"
    );
    assert!(
        text.contains("\"omniverse://server1\" = \"server1 (2)\""),
        "{text}"
    );
    // Every name is still there: bookmarks B and P, servers A, server1, server1 (2).
    let bookmarks = sandbox.ok(&["bookmark", "list", "--json"]);
    assert!(
        bookmarks.contains("\"B\"") && bookmarks.contains("\"P\""),
        "{bookmarks}"
    );
}
