//! Files that are not ordinary config files: a FIFO, an endless device, an oversized file.
//! Regression tests for the bounded read (found by the cm-reliability hostile-input table:
//! `load` on a FIFO blocked forever, on `/dev/zero` it read until memory ran out).

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use cm_toml_store::{Change, MAX_FILE_BYTES, TomlStore};

/// Runs `load` and `apply` on a thread and fails if they do not return within 20 s.
fn load_and_apply_within_deadline(path: &Path) -> (String, String) {
    let store = TomlStore::new(path);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let load = store.load().map(|_| ()).unwrap_err().to_string();
        let apply = store
            .apply(&[Change::AddBookmark {
                name: "x".into(),
                url: "omniverse://x/".into(),
            }])
            .map(|_| ())
            .unwrap_err()
            .to_string();
        let _ = tx.send((load, apply));
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("load/apply on a hostile file did not return")
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("omniverse.toml");
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: c_path is a valid NUL-terminated path.
    assert_eq!(unsafe { libc_mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let (load, apply) = load_and_apply_within_deadline(&path);
    assert!(load.contains("it is a FIFO, not a regular file"), "{load}");
    assert!(
        apply.contains("it is a FIFO, not a regular file"),
        "{apply}"
    );
    let meta = std::fs::symlink_metadata(&path).unwrap();
    assert!(
        std::os::unix::fs::FileTypeExt::is_fifo(&meta.file_type()),
        "the FIFO was replaced"
    );
}

#[cfg(unix)]
unsafe extern "C" {
    #[link_name = "mkfifo"]
    fn libc_mkfifo(path: *const std::ffi::c_char, mode: u32) -> i32;
}

#[cfg(unix)]
#[test]
fn a_symlink_to_an_endless_device_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("omniverse.toml");
    std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
    let (load, apply) = load_and_apply_within_deadline(&path);
    assert!(
        load.contains("it is a character device, not a regular file"),
        "{load}"
    );
    assert!(apply.contains("not a regular file"), "{apply}");
    assert!(
        std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn an_oversized_file_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("omniverse.toml");
    let file = std::fs::File::create(&path).unwrap();
    // Sparse: costs no disk space and no time to create.
    file.set_len(MAX_FILE_BYTES + 1).unwrap();
    drop(file);
    let (load, apply) = load_and_apply_within_deadline(&path);
    assert!(load.contains("over the 16 MiB limit"), "{load}");
    assert!(apply.contains("over the 16 MiB limit"), "{apply}");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), MAX_FILE_BYTES + 1);
}

#[test]
fn a_file_at_the_limit_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("omniverse.toml");
    // A comment line padded to exactly the limit is valid TOML.
    let mut text = String::from("[bookmarks]\nA = \"omniverse://a/\"\n#");
    text.push_str(&"x".repeat(MAX_FILE_BYTES as usize - text.len() - 1));
    text.push('\n');
    assert_eq!(text.len() as u64, MAX_FILE_BYTES);
    std::fs::write(&path, &text).unwrap();
    let loaded = TomlStore::new(&path).load().unwrap();
    assert_eq!(loaded.sections.bookmark("A"), Some("omniverse://a/"));
}

/// Regression: a file with mode 0444 was silently replaced (the atomic rename needs no write
/// permission on the file, and root ignores permission bits anyway).
#[cfg(unix)]
#[test]
fn a_read_only_file_is_refused_and_left_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("omniverse.toml");
    let text = "[bookmarks]\nA = \"omniverse://a/\"\n[servers]\n";
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let err = TomlStore::new(&path)
        .apply(&[Change::AddBookmark {
            name: "B".into(),
            url: "omniverse://b/".into(),
        }])
        .unwrap_err();
    assert!(
        err.to_string().contains("it is read-only (mode 444)"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o444);
    // A file that was made writable again is edited as usual.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    TomlStore::new(&path)
        .apply(&[Change::AddBookmark {
            name: "B".into(),
            url: "omniverse://b/".into(),
        }])
        .unwrap();
}

/// Regression: a dangling symlink (`omniverse.toml -> dotfiles/omniverse.toml`, target not
/// created yet) was replaced by a regular file, losing the link.
#[cfg(unix)]
#[test]
fn a_dangling_symlink_is_written_through() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("dotfiles")).unwrap();
    let path = dir.path().join("omniverse.toml");
    std::os::unix::fs::symlink("dotfiles/omniverse.toml", &path).unwrap();
    TomlStore::new(&path)
        .apply(&[Change::AddBookmark {
            name: "B".into(),
            url: "omniverse://b/".into(),
        }])
        .unwrap();
    assert!(
        std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_link(&path).unwrap(),
        Path::new("dotfiles/omniverse.toml")
    );
    let target = std::fs::read_to_string(dir.path().join("dotfiles/omniverse.toml")).unwrap();
    assert!(target.contains("B = \"omniverse://b/\""), "{target}");
}
