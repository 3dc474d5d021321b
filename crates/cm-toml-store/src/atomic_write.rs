//! Crash-safe file replacement.
//!
//! The new content goes to a fresh temporary file in the target's directory
//! (created exclusively, so an existing file or symlink of that name is never
//! opened), is flushed to disk, and then renamed over the target; finally the
//! directory entry itself is flushed. A crash at any point leaves either the
//! old or the new complete file: `rename` within one directory is atomic.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::StoreError;

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

/// Symlinks followed before giving up (Linux's own limit is 40).
const MAX_LINKS: usize = 40;

/// The file that is actually replaced: a symlinked config file is written
/// through to its target so dotfile setups keep their link. A dangling link
/// (its target does not exist yet) is followed too, so the first save creates
/// the target instead of replacing the link with a regular file.
fn real_target(target: &Path) -> PathBuf {
    let mut current = target.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                if let Ok(resolved) = fs::canonicalize(&current) {
                    return resolved;
                }
                // Dangling: follow one link by hand, relative to the link's directory.
                let Ok(link) = fs::read_link(&current) else {
                    return current;
                };
                current = match current.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return current,
        }
    }
    // A loop: the rename fails on the link itself, with the OS's own error.
    target.to_path_buf()
}

/// Refuses to replace a file that has no write permission bit: its owner marked it
/// read-only, and the rename would bypass that (as would root, whom permission bits do
/// not stop).
fn check_writable(target: &Path, permissions: Option<&fs::Permissions>) -> Result<(), StoreError> {
    match permissions {
        Some(permissions) if permissions.readonly() => {
            #[cfg(unix)]
            let mode = {
                use std::os::unix::fs::PermissionsExt;
                format!(" (mode {:o})", permissions.mode() & 0o7777)
            };
            #[cfg(not(unix))]
            let mode = String::new();
            let error = std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!("it is read-only{mode}; make it writable to allow changes"),
            );
            Err(StoreError::io(target, "write", error))
        }
        _ => Ok(()),
    }
}

/// Atomically replaces `target` with `bytes`, creating its directory if needed.
/// An existing file keeps its permissions; a new one is private to the user (0600).
/// A read-only file (no write bit at all) is refused, not replaced.
pub(crate) fn write_atomic(
    target: &Path,
    bytes: &[u8],
    durability: Durability,
) -> Result<(), StoreError> {
    let target = real_target(target);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, "create directory", e))?;
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let existing_permissions = fs::metadata(&target).ok().map(|m| m.permissions());
    check_writable(&target, existing_permissions.as_ref())?;

    let temp = dir.join(format!(
        "{}{}-{}",
        temp_prefix(&file_name),
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = write_temp_then_rename(&temp, &target, bytes, existing_permissions, durability);
    if result.is_err() {
        let _ = fs::remove_file(&temp);
        return result;
    }
    if durability == Durability::Full {
        sync_dir(&dir)?;
    }
    Ok(())
}

fn write_temp_then_rename(
    temp: &Path,
    target: &Path,
    bytes: &[u8],
    permissions: Option<fs::Permissions>,
    durability: Durability,
) -> Result<(), StoreError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(temp)
        .map_err(|e| StoreError::io(temp, "create temporary file", e))?;
    file.write_all(bytes)
        .map_err(|e| StoreError::io(temp, "write", e))?;
    if let Some(permissions) = permissions {
        file.set_permissions(permissions)
            .map_err(|e| StoreError::io(temp, "set permissions of", e))?;
    }
    if durability == Durability::Full {
        file.sync_all()
            .map_err(|e| StoreError::io(temp, "fsync", e))?;
    }
    drop(file);
    fs::rename(temp, target).map_err(|e| StoreError::io(target, "rename over", e))
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io(dir, "fsync directory", e))
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<(), StoreError> {
    // Windows has no directory handle fsync; the rename is made durable by NTFS's journal.
    Ok(())
}

/// Removes temporary files left behind by a writer that was killed mid-save.
///
/// Only call this while holding the store's lock: every writer holds it while
/// its own temporary file exists, so any file found here is orphaned.
pub(crate) fn remove_orphaned_temps(target: &Path) {
    let target = real_target(target);
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = temp_prefix(&name.to_string_lossy());
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            tracing::debug!(path = %entry.path().display(), "removing orphaned temporary file");
            let _ = fs::remove_file(entry.path());
        }
    }
}
