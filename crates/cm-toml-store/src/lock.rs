//! The cross-process advisory lock on the `omniverse.toml.lock` sidecar.
//!
//! The lock is taken on a separate file because the config file itself is
//! replaced by rename on every save: a lock on the old inode would not
//! exclude a process that opens the new one. The sidecar is never deleted,
//! for the same reason.

use std::fs::{File, OpenOptions};
use std::path::Path;

use crate::StoreError;

/// Holds the exclusive lock until dropped.
#[derive(Debug)]
#[must_use = "the lock is released when the guard is dropped"]
pub(crate) struct LockGuard {
    file: File,
}

impl LockGuard {
    /// Blocks until this process holds the exclusive lock on `lock_path`.
    pub(crate) fn acquire(lock_path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, "create directory", e))?;
        }
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options
            .open(lock_path)
            .map_err(|e| StoreError::io(lock_path, "open lock file", e))?;
        file.lock()
            .map_err(|e| StoreError::io(lock_path, "lock", e))?;
        Ok(LockGuard { file })
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first makes the release prompt.
        let _ = self.file.unlock();
    }
}
