//! Fuzz entry point for the one-time migration of old-style files.
//!
//! Invariants, for arbitrary bytes as the file:
//!
//! * `plan_migration` and `migrate_if_needed` never panic; a file that is not UTF-8 or not
//!   TOML is refused by both and left byte-identical;
//! * the plan keeps the input as `before`, and planning its `after` finds nothing more to do
//!   (the migration is idempotent);
//! * `migrate_if_needed` writes exactly the plan's `after` and reports the plan's report; a
//!   second call does nothing; the migrated file loads, lists every server the report added
//!   and no longer lists the bookmarks it removed.

// A fuzz check reports a broken invariant by panicking (that is what libFuzzer records as a
// crash), so an `expect` here is the check itself, not an unhandled error.
#![allow(clippy::expect_used)]

use cm_toml_store::{MigrationPlan, TomlStore, plan_migration};

use crate::scratch::with_scratch_store;

/// Checks every invariant above on `data` as an (old-style or not) omniverse.toml; panics on
/// a violation.
pub fn check(data: &[u8]) {
    with_scratch_store(data, |_, store| check_in(data, store));
}

fn check_in(data: &[u8], store: TomlStore) {
    let path = store.path().to_path_buf();

    let plan = match std::str::from_utf8(data) {
        Ok(text) => plan_migration(text, &path),
        Err(_) => store.plan_migration(),
    };
    let plan = match plan {
        Ok(plan) => plan,
        Err(error) => {
            assert!(error.is_malformed_file(), "unexpected error kind: {error}");
            let migrated = store.migrate_if_needed();
            assert!(
                migrated.is_err(),
                "migrate accepted a file the plan refused"
            );
            assert_eq!(
                std::fs::read(&path).expect("read back"),
                data,
                "refused migration changed the file"
            );
            return;
        }
    };
    assert_eq!(
        store.plan_migration().expect("plan from the file"),
        plan,
        "planning from the file and from the text differ"
    );
    let migrated = store
        .migrate_if_needed()
        .unwrap_or_else(|e| panic!("migrate failed where the plan succeeded: {e}"));
    let after = std::fs::read(&path).expect("read back");
    match (plan, migrated) {
        (None, None) => assert_eq!(after, data, "a file with nothing to migrate changed"),
        (Some(plan), Some(report)) => check_migrated(&store, &plan, &report, &after),
        (plan, report) => panic!("plan {plan:?} and migration {report:?} disagree"),
    }
}

fn check_migrated(
    store: &TomlStore,
    plan: &MigrationPlan,
    report: &cm_toml_store::MigrationReport,
    after: &[u8],
) {
    assert_eq!(
        &plan.report, report,
        "the migration did not do what the plan said"
    );
    assert_eq!(
        after,
        plan.after.as_bytes(),
        "the migration wrote something else than the plan's text"
    );
    let again = plan_migration(&plan.after, store.path())
        .unwrap_or_else(|e| panic!("the migrated text does not parse: {e}"));
    assert!(
        again.is_none(),
        "the migration is not idempotent: {again:?}"
    );
    assert!(
        store
            .migrate_if_needed()
            .expect("second migration")
            .is_none(),
        "a second migration changed something"
    );
    let loaded = store
        .load()
        .unwrap_or_else(|e| panic!("the migrated file does not load: {e}"));
    for server in &report.servers_added {
        assert!(
            loaded.sections.servers.iter().any(|s| s == server),
            "server {server:?} from the report is not in the migrated file"
        );
    }
    for bookmark in &report.bookmarks_removed {
        assert!(
            !loaded.sections.bookmarks.iter().any(|b| b == bookmark),
            "removed bookmark {bookmark:?} is still in the migrated file"
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn old_and_new_style_files_pass() {
        super::check(b"[bookmarks]\nroot = \"omniverse://srv/\"\nsub = \"omniverse://srv/a/\"\n");
        super::check(b"[bookmarks]\nbad = \"nope\"\n");
        super::check(b"[bookmarks]\n[servers]\n");
        super::check(b"[bookmarks\n");
        super::check(&[0xff]);
    }
}
