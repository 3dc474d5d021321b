//! Crash-safe file replacement.
//!
//! The new content goes to a fresh temporary file in the target's directory
//! (created exclusively, so an existing file or symlink of that name is never
//! opened), is flushed to disk, and then renamed over the target; finally the
//! directory entry itself is flushed. A crash at any point leaves either the
//! old or the new complete file: `rename` within one directory is atomic.
//!
//! The caller passes the *resolved* target ([`crate::path::resolve_link_target`]), so a
//! symlinked config is written through and stays a link. Before the rename the new file is
//! given the old one's owner, group and mode ([`crate::permissions`]), and a file this
//! process could not have written in place is refused instead of replaced.
//!
//! # Temporary files
//!
//! A temporary file is named `.<file>.tmp-<pid>-<nonce>-<n>` and, on Unix, locked by its
//! writer from creation to rename. A writer killed mid-save leaves it behind; the next
//! writer removes it only when that is provably safe: the pid in its name is not this
//! process, the kernel says no process has that pid, *and* the file's lock can be taken (a
//! live writer, even one in another pid namespace, still holds it). Anything else is left
//! alone: a leftover costs a few bytes, deleting a live writer's file loses its update.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::StoreError;
use crate::commit_check::Fingerprint;
use crate::permissions::{Owner, check_can_replace, keep_owner, owner_to_keep, process_exists};
/// Whether writes are flushed to stable storage before they count as done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// fsync the new file before the rename and the directory after it
    /// (survives power loss). The default.
    #[default]
    Full,
    /// Skip both fsyncs: still atomic for other processes and for a process
    /// crash, but an OS crash may lose the last write. For tests and benchmarks.
    NoSync,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn temp_prefix(file_name: &str) -> String {
    format!(".{file_name}.tmp-")
}

/// A per-process random word, so two processes with one pid (in two pid namespaces sharing
/// the directory) never pick the same temporary name.
fn process_nonce() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    static NONCE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *NONCE.get_or_init(|| {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        hasher.finish() & 0xffff_ffff
    })
}

fn temp_name(file_name: &str) -> String {
    format!(
        "{}{}-{:08x}-{}",
        temp_prefix(file_name),
        std::process::id(),
        process_nonce(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The pid a temporary file's name carries (`None` for a name of another form).
fn temp_pid(name: &str, prefix: &str) -> Option<u32> {
    name.strip_prefix(prefix)?.split('-').next()?.parse().ok()
}

/// Atomically replaces `target` (already resolved, not a symlink) with `bytes`, creating its
/// directory if needed. An existing file keeps its owner, group and permissions; a new one is
/// private to the user (0600), and one root creates belongs to the directory's owner. A file
/// this process could not write in place is refused ([`StoreError::NotWritable`]).
///
/// `is_the_one_read(path)` says whether the file at `path` is the one the caller read (`read`
/// its fingerprint, `None`: there was none). It runs on `target` right before the rename,
/// after the new file is written and flushed, and on Linux again on the file the rename
/// displaced: when it says false nothing is replaced and `Ok(false)` is returned
/// ([`crate::commit_check`]).
pub(crate) fn write_atomic(
    target: &Path,
    bytes: &[u8],
    durability: Durability,
    read: Option<Fingerprint>,
    is_the_one_read: impl Fn(&Path) -> Result<bool, StoreError>,
) -> Result<bool, StoreError> {
    let dir = parent_dir(target);
    fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, "create directory", e))?;
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let existing = fs::metadata(target).ok();
    if let Some(meta) = &existing {
        check_can_replace(target, meta)?;
    }
    let keep = Keep {
        owner: owner_to_keep(existing.as_ref(), &dir),
        permissions: existing.map(|m| m.permissions()),
    };

    let temp = dir.join(temp_name(&file_name));
    let result = write_temp_then_rename(
        &temp,
        target,
        bytes,
        keep,
        durability,
        read,
        is_the_one_read,
    );
    if !matches!(result, Ok(true)) {
        let _ = fs::remove_file(&temp);
        return result;
    }
    if durability == Durability::Full {
        sync_dir(&dir)?;
    }
    Ok(true)
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// What the replacement takes over from the file it replaces.
struct Keep {
    owner: Option<Owner>,
    permissions: Option<fs::Permissions>,
}

fn write_temp_then_rename(
    temp: &Path,
    target: &Path,
    bytes: &[u8],
    keep: Keep,
    durability: Durability,
    read: Option<Fingerprint>,
    is_the_one_read: impl Fn(&Path) -> Result<bool, StoreError>,
) -> Result<bool, StoreError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_EXCL already refuses any existing name, a dangling link included; O_NOFOLLOW
        // says so explicitly. Owner and mode are then set through this descriptor only.
        options
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }
    let mut file = options
        .open(temp)
        .map_err(|e| StoreError::io(temp, "create temporary file", e))?;
    // Held until the file is renamed (or removed): proof for other writers' clean-up that
    // this file is not orphaned. Uncontended, so it never waits.
    #[cfg(unix)]
    file.try_lock()
        .map_err(|e| StoreError::io(temp, "lock temporary file", std::io::Error::other(e)))?;
    file.write_all(bytes)
        .map_err(|e| StoreError::io(temp, "write", e))?;
    crate::written_mark::mark(&file, bytes);
    // Owner first: a chown may clear set-id bits, which the mode below then restores.
    if let Some(owner) = keep.owner
        && let Err(e) = keep_owner(&file, owner)
    {
        // Root could hand it over and failed (a file system without owners): refuse rather
        // than take the file over. A user saving their own file (the owner was checked
        // before) may only lack the file's group, which the kernel lets no one but root give.
        if crate::permissions::is_root() {
            return Err(StoreError::NotWritable {
                path: target.to_path_buf(),
                reason: format!(
                    "its replacement could not keep owner uid {} / gid {}: {e}",
                    owner.uid, owner.gid
                ),
            });
        }
        tracing::warn!(path = %target.display(), gid = owner.gid, error = %e, "the saved file could not keep its group");
    }
    if let Some(permissions) = keep.permissions {
        file.set_permissions(permissions)
            .map_err(|e| StoreError::io(temp, "set permissions of", e))?;
    }
    if durability == Durability::Full {
        file.sync_all()
            .map_err(|e| StoreError::io(temp, "fsync", e))?;
    }
    // As late as possible: the window for an unlocked editor's save to be lost is from here
    // to the rename.
    if !is_the_one_read(target)? {
        return Ok(false);
    }
    let replaced = replace(temp, target, &file, read, is_the_one_read)?;
    drop(file);
    Ok(replaced)
}

/// Puts `temp` in `target`'s place; false when the file there is not the one read (`read`,
/// `None`: there was none), and then nothing is replaced.
///
/// On Linux this closes the last gap after [`write_atomic`]'s check: the files are swapped
/// atomically (`RENAME_EXCHANGE`; `RENAME_NOREPLACE` where there was no file), the file
/// swapped out is checked to be the one read, and an unlocked editor's save that landed in
/// between is swapped back. Elsewhere (or on a file system without these flags) it is a
/// plain rename.
#[cfg(target_os = "linux")]
fn replace(
    temp: &Path,
    target: &Path,
    ours: &fs::File,
    read: Option<Fingerprint>,
    is_the_one_read: impl Fn(&Path) -> Result<bool, StoreError>,
) -> Result<bool, StoreError> {
    let flags = if read.is_some() {
        libc::RENAME_EXCHANGE
    } else {
        libc::RENAME_NOREPLACE
    };
    match rename_with_flags(temp, target, flags) {
        Ok(()) => {}
        // A file appeared where there was none, or the one read was removed.
        Err(e) if matches!(e.raw_os_error(), Some(libc::EEXIST | libc::ENOENT)) => {
            return Ok(false);
        }
        Err(e)
            if matches!(
                e.raw_os_error(),
                Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)
            ) =>
        {
            fs::rename(temp, target).map_err(|e| StoreError::io(target, "rename over", e))?;
            return Ok(true);
        }
        Err(e) => return Err(StoreError::io(target, "rename over", e)),
    }
    if read.is_none() {
        return Ok(true);
    }
    // `temp` now names the file that was at `target`.
    if is_the_one_read(temp)? {
        let _ = fs::remove_file(temp);
        return Ok(true);
    }
    // Someone saved in between: give their file its place back.
    rename_with_flags(temp, target, libc::RENAME_EXCHANGE)
        .map_err(|e| StoreError::io(target, "restore", e))?;
    let ours_now = ours.metadata().ok().map(|m| Fingerprint::of(&m));
    let at_temp = fs::symlink_metadata(temp).ok().map(|m| Fingerprint::of(&m));
    if at_temp.is_some() && at_temp.map(Fingerprint::inode) == ours_now.map(Fingerprint::inode) {
        let _ = fs::remove_file(temp);
    } else {
        // A third save landed within microseconds: keep the file rather than guess.
        tracing::warn!(path = %temp.display(), "omniverse.toml was saved twice during one swap; the displaced file is kept under this name");
    }
    Ok(false)
}

#[cfg(target_os = "linux")]
fn rename_with_flags(from: &Path, to: &Path, flags: libc::c_uint) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt as _;
    let from = std::ffi::CString::new(from.as_os_str().as_bytes())?;
    let to = std::ffi::CString::new(to.as_os_str().as_bytes())?;
    // SAFETY: both are valid NUL-terminated paths, relative to the working directory.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            flags,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn replace(
    temp: &Path,
    target: &Path,
    _ours: &fs::File,
    _read: Option<Fingerprint>,
    _is_the_one_read: impl Fn(&Path) -> Result<bool, StoreError>,
) -> Result<bool, StoreError> {
    fs::rename(temp, target).map_err(|e| StoreError::io(target, "rename over", e))?;
    Ok(true)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io(dir, "fsync directory", e))
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<(), StoreError> {
    // Windows has no directory handle fsync; the rename is made durable by NTFS's journal.
    Ok(())
}

/// Removes the temporary files next to `target` (resolved) that a writer killed mid-save
/// left behind, and only those provably orphaned (see the module docs).
pub(crate) fn remove_orphaned_temps(target: &Path) {
    let (dir, Some(name)) = (parent_dir(target), target.file_name()) else {
        return;
    };
    let prefix = temp_prefix(&name.to_string_lossy());
    let Ok(entries) = fs::read_dir(&dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = temp_pid(&file_name, &prefix) else {
            continue;
        };
        if pid == std::process::id() || process_exists(pid) != Some(false) {
            continue;
        }
        if is_unlocked_regular_file(&entry.path()) {
            tracing::debug!(path = %entry.path().display(), pid, "removing orphaned temporary file");
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether `path` is a regular file whose lock no one holds (its writer is gone).
#[cfg(unix)]
fn is_unlocked_regular_file(path: &Path) -> bool {
    use std::os::unix::fs::OpenOptionsExt;
    if !fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    // O_NOFOLLOW | O_NONBLOCK: a name swapped for a link or a FIFO is neither followed nor
    // waited on.
    let Ok(file) = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
    else {
        return false;
    };
    file.try_lock().is_ok()
}

#[cfg(not(unix))]
fn is_unlocked_regular_file(_path: &Path) -> bool {
    // Without a liveness check for the writer (see process_exists) nothing is provably
    // orphaned; never reached, kept so the clean-up compiles everywhere.
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_carry_the_writers_pid() {
        let prefix = temp_prefix("omniverse.toml");
        let name = temp_name("omniverse.toml");
        assert_eq!(temp_pid(&name, &prefix), Some(std::process::id()));
        assert_ne!(name, temp_name("omniverse.toml"), "each name is fresh");
        // Names of older versions (`<pid>-<n>`) carry the pid in the same place.
        assert_eq!(temp_pid(".omniverse.toml.tmp-123-4", &prefix), Some(123));
        assert_eq!(temp_pid(".omniverse.toml.tmp-x", &prefix), None);
        assert_eq!(temp_pid("omniverse.toml", &prefix), None);
    }

    #[cfg(unix)]
    #[test]
    fn only_temps_of_dead_unlocking_writers_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("omniverse.toml");
        let prefix = temp_prefix("omniverse.toml");
        // A pid that cannot exist (above Linux's pid_max limit of 2^22).
        let dead = dir.path().join(format!("{prefix}4194305-0-0"));
        let dead_but_locked = dir.path().join(format!("{prefix}4194306-0-0"));
        let live = dir.path().join(format!("{prefix}1-0-0")); // init always exists
        let mine = dir
            .path()
            .join(format!("{prefix}{}-0-0", std::process::id()));
        let foreign = dir.path().join(format!("{prefix}notes"));
        for path in [&dead, &dead_but_locked, &live, &mine, &foreign] {
            fs::write(path, "x").unwrap();
        }
        let holder = fs::File::open(&dead_but_locked).unwrap();
        holder.lock().unwrap();
        remove_orphaned_temps(&target);
        assert!(!dead.exists(), "a dead writer's unlocked temp is removed");
        for kept in [&dead_but_locked, &live, &mine, &foreign] {
            assert!(kept.exists(), "{} must be kept", kept.display());
        }
    }
}
