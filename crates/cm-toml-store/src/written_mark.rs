//! The store's mark on the files it writes: the hash of their content, in an extended
//! attribute (`user.omniverse.content-hash`) of the file itself.
//!
//! A file this store wrote is always written whole (a temporary file renamed into place), so
//! a process that never saw the file can trust it as soon as it reads it. But another program
//! may later write *into* that same inode in place (truncate, then write), and a read in the
//! middle of that can find a partial file that parses. The creation time of the inode does
//! not tell (our rename made it moments ago), but the mark does: its hash no longer matches
//! the bytes, so the file was changed in place since we wrote it, and an edit waits for it to
//! settle ([`crate::commit_check`]). A rename-over save brings a new inode without a mark.
//!
//! Best effort: where extended attributes are not supported (some file systems, other
//! systems) nothing is marked and reads find no mark, which only means less is recognised.

use std::fs::File;

const NAME: &[u8] = b"user.omniverse.content-hash\0";

/// Marks `file` (the temporary file, before its rename) as holding `bytes`.
pub(crate) fn mark(file: &File, bytes: &[u8]) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd as _;
        let value = crate::seen::content_hash(bytes).to_le_bytes();
        // SAFETY: NAME is NUL-terminated, `value` is a live 8-byte buffer of the length
        // given, and the descriptor is open for the call's duration.
        let done = unsafe {
            libc::fsetxattr(
                file.as_raw_fd(),
                NAME.as_ptr().cast(),
                value.as_ptr().cast(),
                value.len(),
                0,
            )
        };
        if done != 0 {
            tracing::trace!(error = %std::io::Error::last_os_error(), "no content mark on the saved file");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, bytes);
}

/// The content hash the store marked `file` with, if it carries a mark.
pub(crate) fn read(file: &File) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd as _;
        let mut value = [0u8; 8];
        // SAFETY: as in `mark`; the kernel writes at most `value.len()` bytes into it.
        let got = unsafe {
            libc::fgetxattr(
                file.as_raw_fd(),
                NAME.as_ptr().cast(),
                value.as_mut_ptr().cast(),
                value.len(),
            )
        };
        (got == 8).then(|| u64::from_le_bytes(value))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = file;
        None
    }
}
