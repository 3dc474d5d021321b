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
