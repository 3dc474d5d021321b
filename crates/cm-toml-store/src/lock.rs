//! The cross-process advisory lock on the `omniverse.toml.lock` sidecar.
//!
//! The lock is taken on a separate file because the config file itself is
//! replaced by rename on every save: a lock on the old inode would not
//! exclude a process that opens the new one.
//!
//! # Who holds it
//!
//! While a process holds the lock, the sidecar says so in one line, `<pid> <command>`, and
//! it is emptied again before the lock is released. A process that has to wait reads that
//! line to name the holder ([`LockWait`]: a notice after a second, and a timeout after which
//! it gives up with [`StoreError::LockTimeout`] instead of hanging silently). A sidecar that
//! is not a regular file (a FIFO works as a lock too) is only locked, never written.
//!
//! # Links planted in the directory
//!
//! The sidecar is opened with `O_NOFOLLOW` (created with `O_EXCL`) and checked through the
//! opened descriptor: a symbolic link, a file with other hard links, or anything but a
//! regular file or FIFO is refused ([`StoreError::UnsafeLockFile`]) before anything is
//! written. Otherwise root saving a user's config would truncate, or hand to the user, a
//! file the user linked there. The holder line and the owner (`fchown`) go through that
//! descriptor only.
//!
//! # Why the sidecar stays
//!
//! The 0-byte sidecar is left in place when no one holds the lock, on purpose. Deleting it
//! would race with the next locker: a process that opened the file just before it was
//! unlinked would lock the deleted inode while a third process creates and locks a new
//! file of the same name, and both would believe they hold the lock. Only a
//! lock-then-check-the-inode-again protocol that *every* writer follows makes deletion safe,
//! and writers of older versions (and other tools using the same sidecar) do not follow it.
//! An empty file costs nothing; a lost update costs a user's bookmarks.

use std::fmt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::StoreError;
use crate::permissions::{Owner, keep_owner};

/// The process that held a lock while another one waited for it, as its sidecar named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// Its process id.
    pub pid: u32,
    /// Its command name (the executable's file name), when it wrote one.
    pub command: Option<String>,
}

impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "process {}", self.pid)?;
        if let Some(command) = &self.command {
            write!(f, " ({command})")?;
        }
        Ok(())
    }
}

impl LockHolder {
    /// This process.
    fn this_process() -> Self {
        let command = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.file_name().map(|n| n.to_string_lossy().into_owned()))
            .map(|name| name.replace(['\n', '\r'], "?"));
        LockHolder {
            pid: std::process::id(),
            command,
        }
    }

    /// The sidecar line: `<pid> <command>\n`.
    fn line(&self) -> String {
        format!("{} {}\n", self.pid, self.command.as_deref().unwrap_or(""))
    }

    /// Parses a sidecar line; `None` for an empty or foreign one.
    fn parse(text: &str) -> Option<Self> {
        let line = text.lines().next()?.trim();
        let (pid, command) = line.split_once(' ').unwrap_or((line, ""));
        let command = command.trim();
        Some(LockHolder {
            pid: pid.parse().ok()?,
            command: (!command.is_empty()).then(|| command.to_owned()),
        })
    }
}

/// What a process that is waiting for the lock is told after [`LockWait::notice_after`].
#[derive(Debug, Clone)]
pub struct LockWaiting {
    /// The sidecar lock file.
    pub lock_path: PathBuf,
    /// Who holds it, when the sidecar says.
    pub holder: Option<LockHolder>,
    /// How long this process has waited so far.
    pub waited: Duration,
}

impl fmt::Display for LockWaiting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "waiting for the lock on {} (held by {}, {:.1} s so far)",
            self.lock_path.display(),
            holder_text(self.holder.as_ref()),
            self.waited.as_secs_f64()
        )
    }
}

/// `process 123 (cm)`, or "another process" when the sidecar does not say.
pub(crate) fn holder_text(holder: Option<&LockHolder>) -> String {
    holder.map_or_else(|| "another process".to_owned(), ToString::to_string)
}

type Notice = Arc<dyn Fn(&LockWaiting) + Send + Sync>;

/// How long a write waits for the lock, and whom it tells while it waits.
///
/// The default waits up to 30 s and logs a `tracing` warning naming the holder after 1 s.
#[derive(Clone)]
pub struct LockWait {
    /// Give up after this long with [`StoreError::LockTimeout`]; `None` waits forever.
    pub timeout: Option<Duration>,
    /// When to report that this process is waiting (once per write).
    pub notice_after: Duration,
    notice: Option<Notice>,
}

impl Default for LockWait {
    fn default() -> Self {
        LockWait {
            timeout: Some(Duration::from_secs(30)),
            notice_after: Duration::from_secs(1),
            notice: None,
        }
    }
}

impl fmt::Debug for LockWait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockWait")
            .field("timeout", &self.timeout)
            .field("notice_after", &self.notice_after)
            .field("notice", &self.notice.as_ref().map(|_| "Fn"))
            .finish()
    }
}

impl LockWait {
    /// Waits at most `timeout` (`None`: forever).
    pub fn with_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Calls `notice` (as well as logging) when a write has waited
    /// [`notice_after`](Self::notice_after) for the lock.
    pub fn on_wait(mut self, notice: impl Fn(&LockWaiting) + Send + Sync + 'static) -> Self {
        self.notice = Some(Arc::new(notice));
        self
    }

    fn tell(&self, waiting: &LockWaiting) {
        tracing::warn!("{waiting}");
        if let Some(notice) = &self.notice {
            notice(waiting);
        }
    }
}

/// Holds the exclusive lock until dropped.
#[derive(Debug)]
#[must_use = "the lock is released when the guard is dropped"]
pub(crate) struct LockGuard {
    file: File,
    /// Whether the sidecar names this process (and must be emptied on release).
    names_holder: bool,
}

impl LockGuard {
    /// Waits (as `wait` says) until this process holds the exclusive lock on `lock_path`.
    /// A sidecar root creates or finds is given to `owner` (the config file's owner), so the
    /// owner can still lock their own file afterwards.
    pub(crate) fn acquire(
        lock_path: &Path,
        wait: &LockWait,
        owner: Option<Owner>,
    ) -> Result<Self, StoreError> {
        if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, "create directory", e))?;
        }
        let (file, kind) = open_lock_file(lock_path)?;
        if let Some(owner) = owner
            && crate::permissions::is_root()
            && let Err(error) = keep_owner(&file, owner)
        {
            tracing::warn!(path = %lock_path.display(), %error, "could not give the lock file the config file's owner");
        }
        let file = match file.try_lock() {
            Ok(()) => file,
            Err(TryLockError::WouldBlock) => wait_for(file, lock_path, wait)?,
            Err(TryLockError::Error(e)) => return Err(StoreError::io(lock_path, "lock", e)),
        };
        let names_holder = kind == LockFileKind::Regular
            && write_holder(&file, &LockHolder::this_process()).is_ok();
        Ok(LockGuard { file, names_holder })
    }
}

/// What an opened lock file is: only a regular file is ever written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LockFileKind {
    Regular,
    /// A FIFO locks as well as a file does; it is never written.
    Fifo,
}

/// Opens (creating it when missing) the sidecar at `lock_path` without following a link,
/// and checks through the opened descriptor that it is safe to write and hand over.
///
/// Every later write and `fchown` goes through the returned descriptor, never the path, so
/// a name swapped after the check changes nothing. The sidecar lives in a directory its
/// owner controls: when root saves a user's config, a link planted there must not make root
/// truncate or give away (or create) a file elsewhere, and a hard link to another file
/// (`st_nlink` > 1) must not either.
fn open_lock_file(lock_path: &Path) -> Result<(File, LockFileKind), StoreError> {
    let mut created_race = 0;
    let file = loop {
        match open_no_follow(lock_path, false) {
            Ok(file) => break file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && created_race < 3 => {
                match open_no_follow(lock_path, true) {
                    Ok(file) => break file,
                    // Another process created it first (or a link was planted): open that.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        created_race += 1;
                    }
                    Err(e) => return Err(open_error(lock_path, e)),
                }
            }
            Err(e) => return Err(open_error(lock_path, e)),
        }
    };
    let meta = file
        .metadata()
        .map_err(|e| StoreError::io(lock_path, "inspect lock file", e))?;
    let unsafe_lock = |reason: &str| StoreError::UnsafeLockFile {
        path: lock_path.to_path_buf(),
        reason: reason.to_owned(),
    };
    let kind = if meta.is_file() {
        LockFileKind::Regular
    } else if is_fifo(&meta) {
        LockFileKind::Fifo
    } else {
        return Err(unsafe_lock("is not a regular file"));
    };
    if link_count(&meta) > 1 {
        return Err(unsafe_lock(
            "has other hard links (it is another file's name too)",
        ));
    }
    Ok((file, kind))
}

/// An open of the lock file for reading and writing that never follows a final symbolic
/// link (`O_NOFOLLOW`) and, with `create`, only creates a new file (`O_EXCL`).
fn open_no_follow(lock_path: &Path, create: bool) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true);
    if create {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_CLOEXEC is std's default for every open; O_NONBLOCK keeps a FIFO's open from
        // waiting (O_RDWR does not wait on Linux, but it may elsewhere).
        options
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK);
    }
    #[cfg(not(unix))]
    {
        // No O_NOFOLLOW here: refuse a link by its metadata instead (a narrower race than
        // none; Windows needs privileges to create symlinks at all).
        if std::fs::symlink_metadata(lock_path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(std::io::Error::from_raw_os_error(LINK_REFUSED));
        }
    }
    options.open(lock_path)
}

#[cfg(not(unix))]
const LINK_REFUSED: i32 = -1;

/// The typed refusal for a link, the I/O error for anything else.
fn open_error(lock_path: &Path, e: std::io::Error) -> StoreError {
    #[cfg(unix)]
    let is_link = e.raw_os_error() == Some(libc::ELOOP);
    #[cfg(not(unix))]
    let is_link = e.raw_os_error() == Some(LINK_REFUSED);
    if is_link {
        StoreError::UnsafeLockFile {
            path: lock_path.to_path_buf(),
            reason: "is a symbolic link".to_owned(),
        }
    } else {
        StoreError::io(lock_path, "open lock file", e)
    }
}

#[cfg(unix)]
fn is_fifo(meta: &std::fs::Metadata) -> bool {
    std::os::unix::fs::FileTypeExt::is_fifo(&meta.file_type())
}

#[cfg(not(unix))]
fn is_fifo(_meta: &std::fs::Metadata) -> bool {
    false
}

#[cfg(unix)]
fn link_count(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn link_count(_meta: &std::fs::Metadata) -> u64 {
    1
}

/// Blocks for the lock on a helper thread, so that this thread can give notice and give up.
///
/// A blocking `flock` (rather than polling `try_lock`) keeps the kernel's fair hand-over
/// between waiters. If this thread gives up, the helper keeps waiting; when it finally gets
/// the lock it finds no one to hand it to and drops the file, which releases the lock at once.
fn wait_for(file: File, lock_path: &Path, wait: &LockWait) -> Result<File, StoreError> {
    let started = Instant::now();
    let (sender, receiver) = std::sync::mpsc::sync_channel::<std::io::Result<File>>(1);
    std::thread::Builder::new()
        .name("omniverse.toml lock".into())
        .spawn(move || {
            let locked = file.lock().map(|()| file);
            // A send fails only when the waiter gave up: the file is dropped, the lock freed.
            let _ = sender.send(locked);
        })
        .map_err(|e| StoreError::io(lock_path, "start waiting for lock", e))?;
    let give_up = wait.timeout.map(|timeout| started + timeout);
    let mut notice_at = Some(started + wait.notice_after);
    loop {
        let next = match (notice_at, give_up) {
            (Some(n), Some(g)) => Some(n.min(g)),
            (n, g) => n.or(g),
        };
        let received = match next {
            Some(deadline) => {
                receiver.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            }
            None => receiver
                .recv()
                .map_err(|_| std::sync::mpsc::RecvTimeoutError::Disconnected),
        };
        match received {
            Ok(locked) => return locked.map_err(|e| StoreError::io(lock_path, "lock", e)),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                let error = std::io::Error::other("the lock-waiting thread ended");
                return Err(StoreError::io(lock_path, "lock", error));
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                let now = Instant::now();
                if give_up.is_some_and(|g| now >= g) {
                    return Err(StoreError::LockTimeout {
                        path: lock_path.to_path_buf(),
                        waited: started.elapsed(),
                        holder: read_holder(lock_path),
                    });
                }
                if notice_at.is_some_and(|n| now >= n) {
                    notice_at = None;
                    wait.tell(&LockWaiting {
                        lock_path: lock_path.to_path_buf(),
                        holder: read_holder(lock_path),
                        waited: started.elapsed(),
                    });
                }
            }
        }
    }
}

/// Writes `holder`'s line into the (locked, regular) sidecar, replacing what was there.
fn write_holder(mut file: &File, holder: &LockHolder) -> std::io::Result<()> {
    let line = holder.line();
    file.seek(SeekFrom::Start(0))?;
    file.write_all(line.as_bytes())?;
    file.set_len(line.len() as u64)
}

/// The holder named by the sidecar at `lock_path`, if it is a regular file that names one.
pub(crate) fn read_holder(lock_path: &Path) -> Option<LockHolder> {
    if !std::fs::symlink_metadata(lock_path).ok()?.is_file() {
        return None;
    }
    let mut text = String::new();
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // A name swapped for a link or a FIFO since the check is neither followed nor waited on.
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    options
        .open(lock_path)
        .ok()?
        .take(256)
        .read_to_string(&mut text)
        .ok()?;
    LockHolder::parse(&text)
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if self.names_holder {
            // Emptied while still held, so no one ever reads a finished holder's line.
            let _ = self.file.set_len(0);
        }
        // Closing the file releases the lock too; unlocking first makes the release prompt.
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holder_lines_round_trip() {
        let holder = LockHolder {
            pid: 42,
            command: Some("cm".into()),
        };
        assert_eq!(LockHolder::parse(&holder.line()), Some(holder.clone()));
        assert_eq!(holder.to_string(), "process 42 (cm)");
        assert_eq!(
            LockHolder::parse("7 \n"),
            Some(LockHolder {
                pid: 7,
                command: None
            })
        );
        assert_eq!(LockHolder::parse(""), None);
        assert_eq!(LockHolder::parse("not a pid"), None);
    }

    #[test]
    fn a_held_lock_names_its_holder_and_a_second_locker_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let held = LockGuard::acquire(&path, &LockWait::default(), None).unwrap();
        assert_eq!(read_holder(&path), Some(LockHolder::this_process()));
        let noticed = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = Arc::clone(&noticed);
        let wait = LockWait {
            timeout: Some(Duration::from_millis(300)),
            notice_after: Duration::from_millis(50),
            notice: None,
        }
        .on_wait(move |w| sink.lock().unwrap().push(w.holder.clone()));
        let err = LockGuard::acquire(&path, &wait, None).unwrap_err();
        assert!(
            matches!(&err, StoreError::LockTimeout { holder: Some(h), .. } if h.pid == std::process::id()),
            "{err}"
        );
        assert_eq!(
            *noticed.lock().unwrap(),
            vec![Some(LockHolder::this_process())]
        );
        drop(held);
        assert_eq!(std::fs::read(&path).unwrap(), b"", "emptied on release");
        // The lock is free again: the abandoned waiter let go as soon as it got it.
        let again = LockGuard::acquire(&path, &LockWait::default(), None);
        assert!(again.is_ok());
    }
}
