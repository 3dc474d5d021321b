//! A failing command never modifies the config file, an old-style one (bookmarks only, due
//! for its one-time migration) included: the real `cm` binary, the file's bytes compared.

mod common;

use common::{Sandbox, stderr};

const OLD: &str = "# an old Kit's file\n[bookmarks]\nOther = \"omniverse://server2/\"\nProjects = \"omniverse://server1/Projects/\"\n";

/// Every write command that must fail on [`OLD`]: a name or URL the migration gives a
/// server, a bookmark the migration moves to `[servers]`, a server that is not there.
const FAILING: &[&[&str]] = &[
    &["server", "add", "Other", "omniverse://zzz/"],
    &["server", "add", "server1", "omniverse://zzz/"],
    &["server", "add", "Z", "omniverse://server2/"],
    &["server", "add", "Z", "omniverse://server1/deep/path/"],
    &["server", "remove", "Nope"],
    &["server", "remove", "omniverse://nowhere/"],
    &["server", "rename", "Nope", "New"],
    &["server", "rename", "Other", "server1"],
    &["bookmark", "remove", "Other"],
    &["bookmark", "remove", "Nope"],
    &["bookmark", "rename", "Other", "New", "omniverse://x/"],
    &["bookmark", "rename", "Nope", "New", "omniverse://x/"],
    &["bookmark", "add", "Projects", "omniverse://x/y/"],
    &["discovery", "remove", "Nope"],
    &["discovery", "remove", "https://nowhere.example/"],
    &["discovery", "add", "Other", "https://disc.example/"],
];

#[test]
fn every_failing_write_leaves_an_old_style_file_byte_identical() {
    for args in FAILING {
        let sandbox = Sandbox::with_file(OLD);
        let out = sandbox.run(args);
        assert!(
            matches!(out.status.code(), Some(1 | 2)),
            "{args:?} should fail (exit 1 or 2): {}",
            stderr(&out)
        );
        assert_eq!(sandbox.text(), OLD, "{args:?} changed the file");
        assert!(
            !stderr(&out).contains("migrated"),
            "{args:?} claims a migration: {}",
            stderr(&out)
        );
    }
}

#[test]
fn a_succeeding_write_still_migrates_with_its_change() {
    let sandbox = Sandbox::with_file(OLD);
    let out = sandbox.run(&["server", "add", "Fresh", "omniverse://fresh/"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("migrated"), "{}", stderr(&out));
    let text = sandbox.text();
    assert!(text.contains("\"omniverse://fresh\" = \"Fresh\""), "{text}");
    assert!(
        text.contains("\"omniverse://server2\" = \"Other\""),
        "{text}"
    );
}
