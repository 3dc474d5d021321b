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
//! * **A save caught half way.** An editor or a script that saves in place (truncate, then
//!   write, maybe in several pieces) leaves the file empty or partial for a moment, and a
//!   partial file often parses (the first tables of it). An edit built on that read would
//!   write its change over the rest of the save. So an edit first asks [`settle_time`]
//!   whether the bytes it read may be such a moment, and if so waits ([`Settle`]) until the
//!   file changes (then reads it again) or has been quiet long enough to be what the writer
//!   meant:
//!   - empty, although this process last saw content: [`SETTLE_QUIET`] from now;
//!   - empty, or written in place — the inode is older than its last write by more than
//!     [`IN_PLACE_GAP`] (a whole-file writer — our own atomic writes, an editor's rename,
//!     a new file — creates the inode and writes it at once), or it carries the mark this
//!     store put on what it wrote ([`crate::written_mark`]) but other bytes — and modified less than
//!     [`SETTLE_QUIET`] ago: until it is that old. This is all a process that never saw the
//!     file (a fresh `cm`) can go by. File systems that keep whole seconds only (no
//!     sub-second part in the modification time) add [`COARSE_SLACK`], since the true time
//!     may be that much later.
//!
//!   Bytes this process read or wrote itself are never waited for. All waits of one edit
//!   share [`SETTLE_LIMIT`]; an edit that runs out of it while the file still changes fails
//!   with [`crate::StoreError::KeepsChanging`] and writes nothing (taking the read then
//!   would be taking a half-written file).
//!
//!   What stays possible: a writer that creates a *new* file and writes it in pieces with
//!   pauses shorter than [`IN_PLACE_GAP`], or on a file system that records no creation time
//!   (then only empty reads are recognised), can still be caught with a partial file that
//!   parses. Taking the lock (`omniverse.toml.lock`) is the only complete protection.

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
    /// When the inode was created, where the file system records it.
    born_ns: Option<i128>,
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
                born_ns: born_ns(meta),
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
                born_ns: born_ns(meta),
            }
        }
    }

    /// True when the file was written after its inode was created by more than
    /// [`IN_PLACE_GAP`]: an in-place save (or one written in pieces). Unknown creation time:
    /// false.
    fn written_in_place(self) -> bool {
        self.born_ns
            .is_some_and(|born| self.mtime_ns - born > IN_PLACE_GAP.as_nanos() as i128)
    }

    /// How much longer than now the file must stay unchanged to be [`SETTLE_QUIET`] old,
    /// counting [`COARSE_SLACK`] on a file system of whole-second times; `None`: it already is.
    fn unsettled_for(self) -> Option<Duration> {
        let coarse = self.mtime_ns % 1_000_000_000 == 0;
        let window = SETTLE_QUIET + if coarse { COARSE_SLACK } else { Duration::ZERO };
        window
            .checked_sub(self.age())
            .filter(|left| !left.is_zero())
    }

    /// How long ago the file was last modified, by the system clock; a modification time in
    /// the future (clock skew, another machine's share) counts as just now, since waiting a
    /// moment costs less than losing the file.
    fn age(self) -> Duration {
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

/// The creation time of the inode `meta` describes, in ns since the epoch.
fn born_ns(meta: &std::fs::Metadata) -> Option<i128> {
    let born = meta.created().ok()?;
    let since = born.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(since.as_nanos() as i128)
}

/// How long an edit must wait before building on the bytes it read, when they may be a save
/// caught half way (module docs); `None`: at once. `empty`: the bytes are empty;
/// `changed_since_marked`: the inode carries this store's mark of other bytes
/// ([`crate::written_mark`]); `saw_content`: this process last saw the file with content. The
/// caller does not ask for bytes this process read or wrote itself.
pub(crate) fn settle_time(
    read: Option<Fingerprint>,
    empty: bool,
    changed_since_marked: bool,
    saw_content: bool,
) -> Option<Duration> {
    if empty && saw_content {
        return Some(SETTLE_QUIET);
    }
    let read = read?;
    if empty || changed_since_marked || read.written_in_place() {
        read.unsettled_for()
    } else {
        None
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

/// A file whose last write came this much after its inode was created was written in place
/// (or in pieces). Whole-file writers (a temporary file renamed over, `fs::write` of a new
/// file) take far less for any size this store accepts.
pub(crate) const IN_PLACE_GAP: Duration = Duration::from_millis(20);

/// Added to [`SETTLE_QUIET`] where modification times are whole seconds (FAT keeps 2 s).
pub(crate) const COARSE_SLACK: Duration = Duration::from_secs(2);

/// What a [`Settle::wait_for_change`] ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Waited {
    /// The file changed: read it again.
    Changed,
    /// It stayed as read for the quiet time: take it as it is.
    Quiet,
    /// The edit's waiting budget ([`SETTLE_LIMIT`]) is spent while the file still changes:
    /// give up, writing nothing.
    OutOfTime,
}

const SETTLE_POLL: Duration = Duration::from_millis(2);

/// The waiting budget of one edit for a file caught half way through a save.
#[derive(Debug)]
pub(crate) struct Settle {
    started: Instant,
}

impl Settle {
    pub(crate) fn new() -> Self {
        Settle {
            started: Instant::now(),
        }
    }

    /// Waits until the file at `path` no longer has fingerprint `read`, or has stayed so for
    /// `quiet` more, within what is left of [`SETTLE_LIMIT`].
    pub(crate) fn wait_for_change(
        &mut self,
        path: &Path,
        read: Option<Fingerprint>,
        quiet: Duration,
    ) -> Waited {
        let quiet_until = Instant::now() + quiet;
        let limit = self.started + SETTLE_LIMIT;
        if gave_up_lately(path) {
            tracing::warn!(path = %path.display(), "omniverse.toml kept changing a moment ago and looks half-saved again; not waiting");
            return Waited::OutOfTime;
        }
        tracing::debug!(path = %path.display(), "omniverse.toml looks half-saved; waiting for it to settle");
        loop {
            if Instant::now() >= quiet_until {
                tracing::info!(path = %path.display(), "omniverse.toml stayed as read; using it as it is");
                return Waited::Quiet;
            }
            if Instant::now() >= limit {
                tracing::warn!(path = %path.display(), "omniverse.toml kept changing; giving up");
                remember_giving_up(path);
                return Waited::OutOfTime;
            }
            std::thread::sleep(SETTLE_POLL);
            if Fingerprint::now(path) != read {
                return Waited::Changed;
            }
        }
    }
}

/// Files that kept changing through a whole [`SETTLE_LIMIT`] of a wait in this process, and
/// when that wait gave up. Another wait on the same file within [`SETTLE_LIMIT`] gives up at
/// once: one command reads the file several times before it edits it (`cm` reads it, plans a
/// migration, starts a registry that loads it, then edits), and against a file that never
/// settles each of them used to wait its own 5 s (30 s in all, the attack found). Now they
/// share one budget: a read then takes the bytes as they are (a read loses nothing) and an
/// edit fails with `KeepsChanging`, writing nothing.
static GAVE_UP: std::sync::Mutex<Vec<(std::path::PathBuf, Instant)>> =
    std::sync::Mutex::new(Vec::new());

/// The file behind `path` as one key, whichever name or link reaches it.
fn settle_key(path: &Path) -> std::path::PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn remember_giving_up(path: &Path) {
    let key = settle_key(path);
    let mut gave_up = GAVE_UP
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    gave_up.retain(|(p, at)| *p != key && at.elapsed() < SETTLE_LIMIT);
    gave_up.push((key, Instant::now()));
}

fn gave_up_lately(path: &Path) -> bool {
    let gave_up = GAVE_UP
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if gave_up.is_empty() {
        return false;
    }
    let key = settle_key(path);
    gave_up
        .iter()
        .any(|(p, at)| *p == key && at.elapsed() < SETTLE_LIMIT)
}
