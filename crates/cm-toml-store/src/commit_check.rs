//! Guards for editors that do not take `omniverse.toml.lock`.
//!
//! The lock excludes every writer that takes it, but a text editor saving the file knows
//! nothing of it. Two ways such a save could be lost are closed or narrowed here:
//!
//! * **A save that lands during our edit.** An edit reads the file, renders the change and
//!   writes a temporary file; an editor's rename-over save in between would be replaced by
//!   our rename. So the file is fingerprinted when read ([`Fingerprint`]: device, inode, size,
//!   modification time) and checked again — fingerprint, then bytes — right before the
//!   rename; if it changed, the edit is redone from a fresh read. On Linux the rename itself
//!   is an atomic swap (`RENAME_EXCHANGE`) whose displaced file is checked to be the one
//!   read, and swapped back when it is not, so even a save landing between the check and the
//!   rename survives (`atomic_write::replace`). Elsewhere that gap (microseconds) remains.
//! * **A save caught half way.** An editor that saves by truncate-then-write leaves the file
//!   empty (or partial) for a moment. An edit that reads it then would take "empty" for the
//!   user's truth and write its change over it. So when the bytes read are empty, or do not
//!   parse, although this process last saw other content, the edit waits ([`Settle`]) for
//!   the file to change again, up to [`SETTLE_QUIET`] of quiet per wait and [`SETTLE_LIMIT`]
//!   in all; a file that stays empty that long is taken as what the user wants.
//!
//!   A process that never saw the file (a `cm` started while the editor saves) can only go
//!   by the clock: an *empty* file modified less than [`SETTLE_QUIET`] ago is waited for
//!   until it is that old ([`Fingerprint::age`]). A non-empty file that does not parse is
//!   not waited for in that case: the edit fails with a parse error, which loses nothing,
//!   and waiting there would delay every edit of a file just broken by hand.

use std::path::Path;
use std::time::{Duration, Instant};

/// How the file looked when it was read: a save by anyone changes at least one field (a
/// rename-over gives a new inode, an in-place write a new size or modification time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    dev: u64,
    ino: u64,
    len: u64,
    mtime_ns: i128,
}

impl Fingerprint {
    /// The fingerprint of the file `meta` describes.
    pub(crate) fn of(meta: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            Fingerprint {
                dev: meta.dev(),
                ino: meta.ino(),
                len: meta.len(),
                mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            }
        }
        #[cfg(not(unix))]
        {
            let mtime_ns = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i128);
            Fingerprint {
                dev: 0,
                ino: 0,
                len: meta.len(),
                mtime_ns,
            }
        }
    }

    /// How long ago the file was last modified, by the system clock; a modification time in
    /// the future (clock skew, another machine's share) counts as just now, since waiting a
    /// moment costs less than losing the file.
    pub(crate) fn age(self) -> Duration {
        let now_ns = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
        let age_ns = (now_ns - self.mtime_ns).max(0);
        Duration::from_nanos(u64::try_from(age_ns).unwrap_or(u64::MAX))
    }

    /// The file's identity alone (device and inode).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub(crate) fn inode(self) -> (u64, u64) {
        (self.dev, self.ino)
    }

    /// The fingerprint of the file at `path` now (following links); `None` when it is
    /// missing or cannot be inspected.
    pub(crate) fn now(path: &Path) -> Option<Self> {
        std::fs::metadata(path).ok().map(|meta| Self::of(&meta))
    }
}

/// Redos of an edit whose file changed between the read and the rename before it gives up
/// with [`crate::StoreError::KeepsChanging`]. An editor saving in a tight loop loses this
/// race at most this many times in a row; an edit takes about a millisecond.
pub(crate) const MAX_REDOS: usize = 16;

/// How long a file read as empty (or unparsable) must stay unchanged before an edit takes
/// it as it is. An editor's truncate-then-write normally takes microseconds.
pub(crate) const SETTLE_QUIET: Duration = Duration::from_secs(1);

/// The most one edit waits for a file to settle, over all its waits.
pub(crate) const SETTLE_LIMIT: Duration = Duration::from_secs(5);

const SETTLE_POLL: Duration = Duration::from_millis(2);

/// The waiting budget of one edit for a file caught half way through a save.
#[derive(Debug)]
pub(crate) struct Settle {
    started: Instant,
    spent: bool,
}

impl Settle {
    pub(crate) fn new() -> Self {
        Settle {
            started: Instant::now(),
            spent: false,
        }
    }

    /// Waits until the file at `path` no longer has fingerprint `read` (true: read it again)
    /// or has been quiet for `quiet` more (false: take it as it is). Once it returned false,
    /// or [`SETTLE_LIMIT`] has passed, it returns false at once.
    pub(crate) fn wait_for_change(
        &mut self,
        path: &Path,
        read: Option<Fingerprint>,
        quiet: Duration,
    ) -> bool {
        if self.spent || self.started.elapsed() >= SETTLE_LIMIT {
            self.spent = true;
            return false;
        }
        let quiet_until = Instant::now() + quiet;
        tracing::debug!(path = %path.display(), "omniverse.toml looks half-saved; waiting for it to settle");
        loop {
            std::thread::sleep(SETTLE_POLL);
            if Fingerprint::now(path) != read {
                return true;
            }
            if Instant::now() >= quiet_until {
                self.spent = true;
                tracing::info!(path = %path.display(), "omniverse.toml stayed as read; using it as it is");
                return false;
            }
        }
    }
}
