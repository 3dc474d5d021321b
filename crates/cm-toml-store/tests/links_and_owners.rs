//! The store's side of symlinked configs and file owners (issue 14, items 2 and 5): the lock
//! and temp files live next to the link's target, a live writer's temp file is never
//! cleaned up, and root's saves hand file and lock file back to their owner.
//!
//! The `cm`-level runs of the same guarantees (several processes, another uid) are in
//! `cm-cli/tests/file_safety.rs`. The ownership tests need root; as another user they print
//! why they are skipped.
#![cfg(unix)]

use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;

use cm_toml_store::{Change, Durability, StoreError, TomlStore};

const OTHER: u32 = 65534;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn add(store: &TomlStore, name: &str) -> Result<(), StoreError> {
    store
        .apply(&[Change::AddBookmark {
            name: name.into(),
            url: format!("omniverse://{name}/"),
        }])
        .map(drop)
}

fn store(path: &Path) -> TomlStore {
    TomlStore::new(path).with_durability(Durability::NoSync)
}

#[test]
fn a_link_and_its_target_share_one_lock_and_one_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("dotfiles")).unwrap();
    std::fs::create_dir(dir.path().join("config")).unwrap();
    let target = dir.path().join("dotfiles/omniverse.toml");
    std::fs::write(&target, "[bookmarks]\n[servers]\n").unwrap();
    let link = dir.path().join("config/omniverse.toml");
    symlink("../dotfiles/omniverse.toml", &link).unwrap();
    let through_link = store(&link);
    let direct = store(&target);
    assert_eq!(
        std::fs::canonicalize(through_link.lock_path().parent().unwrap()).unwrap(),
        std::fs::canonicalize(direct.lock_path().parent().unwrap()).unwrap(),
        "one lock file for both names"
    );
    // A temp file of a live writer (this test's parent, which is alive) in the target's
    // directory survives other writers' clean-up.
    // SAFETY: getppid has no preconditions and cannot fail.
    let parent = unsafe { libc::getppid() };
    let live_temp = dir
        .path()
        .join(format!("dotfiles/.omniverse.toml.tmp-{parent}-0-0"));
    std::fs::write(&live_temp, "half-written").unwrap();
    add(&through_link, "a").unwrap();
    add(&direct, "b").unwrap();
    assert!(live_temp.exists(), "a live writer's temp file was removed");
    let loaded = direct.load().unwrap();
    assert_eq!(loaded.sections.bookmarks.len(), 2);
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert!(!dir.path().join("config/omniverse.toml.lock").exists());
    assert!(
        !dir.path()
            .join("config")
            .read_dir()
            .unwrap()
            .any(|e| { e.unwrap().file_name().to_string_lossy().contains(".tmp-") })
    );
}

#[test]
fn root_hands_the_file_and_an_old_root_owned_lock_file_back_to_the_owner() {
    if !is_root() {
        println!("skipped: needs root to create another user's file (running as a user)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("omniverse.toml");
    std::fs::write(&path, "# mine\n[bookmarks]\n[servers]\n").unwrap();
    std::os::unix::fs::chown(&path, Some(OTHER), Some(OTHER)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    // A lock file an older version left owned by root.
    let lock = dir.path().join("omniverse.toml.lock");
    std::fs::write(&lock, "").unwrap();
    add(&store(&path), "a").unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(
        (meta.uid(), meta.gid(), meta.mode() & 0o7777),
        (OTHER, OTHER, 0o600)
    );
    let lock_meta = std::fs::metadata(&lock).unwrap();
    assert_eq!((lock_meta.uid(), lock_meta.gid()), (OTHER, OTHER));
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("# mine\n")
    );
}

/// A lock file that is a link (to a file or to nowhere) or another file's hard link is a
/// typed refusal: the file it names is neither written, created nor handed over. For any
/// user; as root the owner hand-over is checked too.
#[test]
fn a_linked_lock_file_is_refused_and_its_target_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("omniverse.toml");
    std::fs::write(&path, "[bookmarks]\n[servers]\n").unwrap();
    if is_root() {
        std::os::unix::fs::chown(&path, Some(OTHER), Some(OTHER)).unwrap();
    }
    let lock = dir.path().join("omniverse.toml.lock");
    let victim = dir.path().join("victim");
    let dangling = dir.path().join("not-there");
    for kind in ["symlink", "dangling symlink", "hard link"] {
        std::fs::write(&victim, "secret\n").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
        let before = std::fs::metadata(&victim).unwrap();
        let _ = std::fs::remove_file(&lock);
        match kind {
            "symlink" => symlink(&victim, &lock).unwrap(),
            "dangling symlink" => symlink(&dangling, &lock).unwrap(),
            _ => std::fs::hard_link(&victim, &lock).unwrap(),
        }
        let err = add(&store(&path), "a").unwrap_err();
        let expected = if kind == "hard link" {
            "has other hard links"
        } else {
            "is a symbolic link"
        };
        assert!(
            matches!(&err, StoreError::UnsafeLockFile { path, reason } if path == &lock && reason.contains(expected)),
            "{kind}: {err}"
        );
        assert!(err.to_string().starts_with("lock file "), "{err}");
        let after = std::fs::metadata(&victim).unwrap();
        assert_eq!(
            (after.uid(), after.gid(), after.mode()),
            (before.uid(), before.gid(), before.mode()),
            "{kind}: the victim's owner and mode"
        );
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "secret\n",
            "{kind}"
        );
        assert!(
            !dangling.exists(),
            "{kind}: a dangling link's target was created"
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[bookmarks]\n[servers]\n",
            "{kind}: nothing written"
        );
    }
}

#[test]
fn a_read_only_file_is_a_typed_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("omniverse.toml");
    std::fs::write(&path, "[bookmarks]\n[servers]\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let err = add(&store(&path), "a").unwrap_err();
    assert!(
        matches!(&err, StoreError::NotWritable { path: p, reason } if p == &path && reason.contains("read-only (mode 444)")),
        "{err}"
    );
    assert!(!err.is_malformed_file());
}
