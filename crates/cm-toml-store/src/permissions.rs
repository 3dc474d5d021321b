//! Who may replace omniverse.toml, and whose file it stays.
//!
//! A save replaces the file by renaming a new one over it, and a rename needs write
//! permission on the *directory* only. Left alone, that would let anyone who may create files
//! in the directory replace a file they could not write, and it would hand the file (and
//! the lock file) to whoever saved last: `sudo cm bookmark add` would lock the owner out of
//! their own config. So before a replace, [`check_can_replace`] asks the question a write in
//! place would ask (can this process, with its *effective* ids, write this file?), and the
//! new file is given the old one's owner, group and mode ([`keep_owner`]) before the rename.
//!
//! Every call into the operating system's user model is here, behind `cfg(unix)`. Elsewhere
//! the checks reduce to the read-only attribute, and files keep the creating user's owner
//! (Windows has no owner to hand over through a rename of this kind).

use std::fs::{File, Metadata};
use std::path::Path;

use crate::StoreError;

/// A file's owner and group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Owner {
    /// User id.
    pub(crate) uid: u32,
    /// Group id.
    pub(crate) gid: u32,
}

/// The owner a replacement of `existing` (or a new file in `dir`) must have, when it can
/// differ from this process's own: the existing file's owner, else the directory's (so a file
/// root creates in a user's directory is the user's). `None` off Unix.
pub(crate) fn owner_to_keep(existing: Option<&Metadata>, dir: &Path) -> Option<Owner> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let of = |meta: &Metadata| Owner {
            uid: meta.uid(),
            gid: meta.gid(),
        };
        match existing {
            Some(meta) => Some(of(meta)),
            // Only root hands a new file to someone else; other users' new files are theirs.
            None if is_root() => std::fs::metadata(dir).ok().map(|meta| of(&meta)),
            None => None,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (existing, dir);
        None
    }
}

/// Gives `file` the owner `owner` when it has another one (root hands a replacement back
/// to the file's owner; a user's own file keeps its group).
pub(crate) fn keep_owner(file: &File, owner: Owner) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = file.metadata()?;
        if (meta.uid(), meta.gid()) == (owner.uid, owner.gid) {
            return Ok(());
        }
        std::os::unix::fs::fchown(file, Some(owner.uid), Some(owner.gid))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, owner);
        Ok(())
    }
}

/// Whether this process runs with root's effective user id (which permission bits do not
/// stop). Always false off Unix.
pub(crate) fn is_root() -> bool {
    effective_uid() == Some(0)
}

#[cfg(unix)]
fn effective_uid() -> Option<u32> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    Some(unsafe { libc::geteuid() })
}

#[cfg(not(unix))]
fn effective_uid() -> Option<u32> {
    None
}

/// Refuses to replace the existing file `target` (metadata `meta`) when this process could
/// not have written it in place, or when the replacement could not keep its owner:
///
/// * no write permission bit at all: the owner marked it read-only (refused for root too,
///   whom permission bits would not stop);
/// * (Unix) this process's effective ids give no write access to the file itself, even if
///   they allow creating files in its directory;
/// * (Unix) the file belongs to another user and this process is not root: the replacement
///   would belong to this process's user.
pub(crate) fn check_can_replace(target: &Path, meta: &Metadata) -> Result<(), StoreError> {
    let permissions = meta.permissions();
    if permissions.readonly() {
        return Err(not_writable(
            target,
            format!(
                "it is read-only{}; make it writable to allow changes",
                mode_note(meta)
            ),
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Err(error) = writable_in_place(target)
            && matches!(
                error.kind(),
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
            )
        {
            return Err(not_writable(
                target,
                format!(
                    "you (uid {}) may not write it{}, owner uid {}; replacing it would bypass that",
                    effective_uid().unwrap_or_default(),
                    mode_note(meta),
                    meta.uid()
                ),
            ));
        }
        let me = effective_uid().unwrap_or_default();
        if me != 0 && meta.uid() != me {
            return Err(not_writable(
                target,
                format!(
                    "it belongs to uid {} and a replacement would belong to you (uid {me}); \
                     only its owner (or root) can save it without taking it over",
                    meta.uid()
                ),
            ));
        }
    }
    Ok(())
}

fn not_writable(path: &Path, reason: String) -> StoreError {
    StoreError::NotWritable {
        path: path.to_path_buf(),
        reason,
    }
}

/// ` (mode 644)` on Unix, nothing elsewhere.
fn mode_note(meta: &Metadata) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        format!(" (mode {:o})", meta.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        String::new()
    }
}

/// The kernel's answer to "may this process, with its effective ids, open `path` for
/// writing?" (`faccessat(W_OK, AT_EACCESS)`), without opening it: an open for writing would
/// itself be an event for every watcher of the file.
#[cfg(unix)]
fn writable_in_place(path: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    // SAFETY: c_path is a valid NUL-terminated string that outlives the call; faccessat only
    // reads it.
    let status = unsafe {
        libc::faccessat(
            libc::AT_FDCWD,
            c_path.as_ptr(),
            libc::W_OK,
            libc::AT_EACCESS,
        )
    };
    if status == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Whether the process `pid` still exists: `Some(false)` only when the kernel says there is
/// no such process. `None` when that cannot be known (off Unix).
pub(crate) fn process_exists(pid: u32) -> Option<bool> {
    #[cfg(unix)]
    {
        let pid = libc::pid_t::try_from(pid).ok()?;
        if pid <= 0 {
            return None;
        }
        // SAFETY: signal 0 performs only the existence and permission checks; nothing is sent.
        if unsafe { libc::kill(pid, 0) } == 0 {
            return Some(true);
        }
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::ESRCH) => Some(false),
            // EPERM: it exists but belongs to someone else.
            _ => Some(true),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        None
    }
}
