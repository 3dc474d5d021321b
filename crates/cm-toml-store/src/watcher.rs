//! [`TomlFileWatcher`]: debounced notifications of external edits.
//!
//! The watcher observes the config file's *directory* (non-recursively) and
//! filters on the file name, because editors save by writing a temporary file
//! and renaming it over the original (vim, VS Code) or by deleting and
//! re-creating it; a watch on the file's inode would miss those. When the file
//! is a symbolic link, the directory of every hop of the link chain is watched
//! too, and the chain is re-resolved after each event on it; when a directory
//! is removed, its nearest existing ancestor is watched until it is back (see
//! `WatchSet`). Events are debounced (trailing edge, 1 s by default): a burst
//! of writes yields one notification carrying the final content.
//!
//! Before delivering, the watcher hashes the file and compares it with what
//! this process last read or wrote through the same [`TomlStore`] (or a
//! clone). Equal content is not reported, so the process's own saves never
//! come back as notifications, however late the OS reports them.
//!
//! The watcher thread never touches any state but its own: it sends a typed
//! [`FileChanged`] to the subscriber (an actix `Recipient`, a crossbeam
//! channel or a callback), and the owner decides what to do with it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, select};
use notify::EventKind;
use notify::event::{AccessKind, AccessMode, ModifyKind};

use crate::document::{decode, parse_spanned};
use crate::seen::SeenContent;
use crate::store::read_bytes;
use crate::watch_set::WatchSet;
use crate::{Loaded, StoreError, TomlStore};

/// The file changed on disk (not by this process): its new content, or why it cannot be used.
///
/// A deleted file reads as empty. A malformed file gives the parse or shape
/// error; the file is left as it is.
#[derive(Debug, Clone)]
pub struct FileChanged {
    /// The watched config file.
    pub path: PathBuf,
    /// The file's new content.
    pub result: Result<Loaded, StoreError>,
}

#[cfg(feature = "actix")]
impl actix::Message for FileChanged {
    type Result = ();
}

/// Who receives [`FileChanged`] notifications.
pub enum Subscriber {
    /// A callback, run on the watcher's thread.
    Callback(Box<dyn Fn(FileChanged) + Send + 'static>),
    /// A crossbeam channel.
    Channel(Sender<FileChanged>),
    /// An actix actor's mailbox (the registry).
    #[cfg(feature = "actix")]
    Recipient(actix::Recipient<FileChanged>),
}

impl Subscriber {
    /// Wraps a callback.
    pub fn callback(f: impl Fn(FileChanged) + Send + 'static) -> Self {
        Subscriber::Callback(Box::new(f))
    }

    fn deliver(&self, change: FileChanged) {
        match self {
            Subscriber::Callback(f) => f(change),
            Subscriber::Channel(tx) => {
                if tx.send(change).is_err() {
                    tracing::debug!("omniverse.toml change dropped: channel closed");
                }
            }
            #[cfg(feature = "actix")]
            Subscriber::Recipient(r) => r.do_send(change),
        }
    }
}

impl fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Subscriber::Callback(_) => "Subscriber::Callback",
            Subscriber::Channel(_) => "Subscriber::Channel",
            #[cfg(feature = "actix")]
            Subscriber::Recipient(_) => "Subscriber::Recipient",
        })
    }
}

impl From<Sender<FileChanged>> for Subscriber {
    fn from(tx: Sender<FileChanged>) -> Self {
        Subscriber::Channel(tx)
    }
}

#[cfg(feature = "actix")]
impl From<actix::Recipient<FileChanged>> for Subscriber {
    fn from(r: actix::Recipient<FileChanged>) -> Self {
        Subscriber::Recipient(r)
    }
}

/// How file system changes are observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WatchBackend {
    /// The OS notification API (inotify, FSEvents, ReadDirectoryChangesW),
    /// falling back to polling every second where it is unavailable.
    #[default]
    Auto,
    /// Poll the directory at this interval (network file systems, containers
    /// without inotify).
    Poll {
        /// Time between scans.
        interval: Duration,
    },
}

/// Watcher settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchConfig {
    /// Quiet time after the last event before the file is read (default 1 s).
    pub debounce: Duration,
    /// How changes are observed (default [`WatchBackend::Auto`]).
    pub backend: WatchBackend,
}

impl Default for WatchConfig {
    fn default() -> Self {
        WatchConfig {
            debounce: Duration::from_secs(1),
            backend: WatchBackend::Auto,
        }
    }
}

impl WatchConfig {
    /// The default settings with another debounce time.
    pub fn with_debounce(debounce: Duration) -> Self {
        WatchConfig {
            debounce,
            ..Self::default()
        }
    }
}

/// Watches one omniverse.toml until dropped.
#[must_use = "the watcher stops when dropped: keep it for as long as edits should be reported"]
pub struct TomlFileWatcher {
    polling: bool,
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for TomlFileWatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TomlFileWatcher")
            .field("polling", &self.polling)
            .finish_non_exhaustive()
    }
}

impl TomlStore {
    /// Starts watching this store's file; see [`TomlFileWatcher`]. Creates the
    /// config directory if it does not exist yet.
    pub fn watch(
        &self,
        config: WatchConfig,
        subscriber: impl Into<Subscriber>,
    ) -> Result<TomlFileWatcher, StoreError> {
        TomlFileWatcher::start(self, config, subscriber.into())
    }
}

/// What the OS told us, reduced to what the debounce loop needs.
enum Signal {
    /// Something happened to these paths (or everything must be rescanned); `gone` when
    /// they were removed or renamed away (a watched directory among them lost its watch).
    Paths {
        paths: Vec<PathBuf>,
        rescan: bool,
        gone: bool,
    },
    Error(String),
}

const AUTO_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// A continuous stream of events still produces a notification after this many debounce periods.
const MAX_DELAY_FACTOR: u32 = 10;

impl TomlFileWatcher {
    /// Starts watching `store`'s file.
    pub fn start(
        store: &TomlStore,
        config: WatchConfig,
        subscriber: Subscriber,
    ) -> Result<Self, StoreError> {
        let path = store.path().to_path_buf();
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, "create directory", e))?;

        // Which paths matter changes with links and directories, so the filter is the
        // debounce thread's (it owns the watch set); the handler only forwards.
        let (events_tx, events_rx) = crossbeam_channel::unbounded();
        let handler = move |event: notify::Result<notify::Event>| {
            let signal = match event {
                // Reads change nothing, and the watcher's own read of the file would
                // otherwise come back as an event after every notification.
                Ok(event) if is_read(&event.kind) && !event.need_rescan() => return,
                Ok(event) => Signal::Paths {
                    rescan: event.need_rescan(),
                    gone: matches!(
                        event.kind,
                        EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_))
                    ),
                    paths: event.paths,
                },
                Err(e) => Signal::Error(e.to_string()),
            };
            let _ = events_tx.send(signal);
        };
        let (watches, polling) = open_backend(&path, &dir, config.backend, handler)?;

        let (stop_tx, stop_rx) = crossbeam_channel::bounded(0);
        let seen = store.seen().clone();
        let thread = std::thread::Builder::new()
            .name("cm-toml-watcher".into())
            .spawn(move || {
                debounce_loop(
                    path,
                    config.debounce,
                    seen,
                    watches,
                    events_rx,
                    stop_rx,
                    subscriber,
                )
            })
            .map_err(|e| StoreError::io(&dir, "start watcher thread for", e))?;
        tracing::debug!(dir = %dir.display(), polling, "watching omniverse.toml");
        Ok(TomlFileWatcher {
            polling,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// True when the watcher polls instead of using OS notifications.
    pub fn is_polling(&self) -> bool {
        self.polling
    }
}

impl Drop for TomlFileWatcher {
    fn drop(&mut self) {
        // The thread owns the OS watcher and drops it on its way out.
        self.stop.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn open_backend<H>(
    path: &Path,
    dir: &Path,
    backend: WatchBackend,
    handler: H,
) -> Result<(WatchSet, bool), StoreError>
where
    H: notify::EventHandler + Clone,
{
    let watch_error = |e: notify::Error| StoreError::Watch {
        path: dir.to_path_buf(),
        message: e.to_string(),
    };
    let poll = |interval: Duration, handler: H| -> Result<WatchSet, StoreError> {
        let config = notify::Config::default()
            .with_poll_interval(interval)
            .with_compare_contents(true);
        let watcher = notify::PollWatcher::new(handler, config).map_err(watch_error)?;
        WatchSet::new(path, Box::new(watcher)).map_err(watch_error)
    };
    match backend {
        WatchBackend::Poll { interval } => Ok((poll(interval, handler)?, true)),
        WatchBackend::Auto => {
            let native = notify::recommended_watcher(handler.clone())
                .and_then(|w| WatchSet::new(path, Box::new(w)));
            match native {
                Ok(watches) => Ok((watches, false)),
                Err(e) => {
                    tracing::warn!(dir = %dir.display(), error = %e, "OS file notifications unavailable; polling instead");
                    Ok((poll(AUTO_POLL_INTERVAL, handler)?, true))
                }
            }
        }
    }
}

/// Whether an event only reports a read (open, access, close without writing).
fn is_read(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Access(
            AccessKind::Open(_) | AccessKind::Read | AccessKind::Close(AccessMode::Read)
        )
    )
}

/// Whether `signal` concerns the config; re-aims the watches first (a link re-pointed, a
/// directory gone or back). A re-aimed watch counts as relevant: the file may have changed
/// while nothing watched it.
fn relevant(watches: &mut WatchSet, path: &Path, signal: Signal) -> bool {
    match signal {
        Signal::Paths {
            paths,
            rescan,
            gone,
        } => {
            if !rescan && !paths.iter().any(|p| watches.concerns(p)) {
                return false;
            }
            watches.refresh(if gone { &paths } else { &[] });
            true
        }
        Signal::Error(message) => {
            tracing::warn!(path = %path.display(), %message, "file watcher error");
            // A lost watch (the directory removed) can surface as an error: re-aim.
            watches.refresh(&[])
        }
    }
}

fn debounce_loop(
    path: PathBuf,
    debounce: Duration,
    seen: SeenContent,
    mut watches: WatchSet,
    events: Receiver<Signal>,
    stop: Receiver<()>,
    subscriber: Subscriber,
) {
    tracing::trace!(watched = ?watches.watched(), "watch set ready");
    loop {
        // Idle: wait for the first relevant event.
        select! {
            recv(events) -> signal => match signal {
                Ok(signal) => {
                    if !relevant(&mut watches, &path, signal) {
                        continue;
                    }
                }
                Err(_) => return,
            },
            recv(stop) -> _ => return,
        }
        // An empty file right after content may be an editor's truncate-then-write caught
        // half way: it is read again one more debounce later before it counts.
        let mut deferred_empty = false;
        loop {
            // Pending: wait until the file has been quiet for `debounce`.
            let first = Instant::now();
            let latest_fire = first + debounce * MAX_DELAY_FACTOR;
            let mut fire_at = first + debounce;
            loop {
                let deadline = fire_at.min(latest_fire);
                select! {
                    recv(events) -> signal => match signal {
                        Ok(signal) => {
                            if relevant(&mut watches, &path, signal) {
                                fire_at = Instant::now() + debounce;
                            }
                        }
                        Err(_) => return,
                    },
                    recv(stop) -> _ => return,
                    default(deadline.saturating_duration_since(Instant::now())) => break,
                }
            }
            if deferred_empty || !emptied_after_content(&path, &seen) {
                break;
            }
            deferred_empty = true;
            tracing::debug!(path = %path.display(), "omniverse.toml is empty after content; reading it again after the debounce");
        }
        if let Some(change) = read_change(&path, &seen) {
            subscriber.deliver(change);
        }
    }
}

/// The file reads as empty (or is missing) although this process last saw content in it.
fn emptied_after_content(path: &Path, seen: &SeenContent) -> bool {
    seen.is_recorded_nonempty() && read_bytes(path).is_ok_and(|bytes| bytes.is_empty())
}

/// Reads the file; `None` when its content is what this process last saw.
fn read_change(path: &Path, seen: &SeenContent) -> Option<FileChanged> {
    let result = read_bytes(path).and_then(|bytes| {
        if !seen.record_if_new(&bytes) {
            return Ok(None);
        }
        let text = decode(path, &bytes)?;
        parse_spanned(path, text).map(|(_, loaded)| Some(loaded))
    });
    let result = match result {
        Ok(None) => {
            tracing::trace!(path = %path.display(), "change ignored: content already seen");
            return None;
        }
        Ok(Some(loaded)) => Ok(loaded),
        Err(e) => {
            tracing::warn!(error = %e, "omniverse.toml changed but cannot be used");
            Err(e)
        }
    };
    Some(FileChanged {
        path: path.to_path_buf(),
        result,
    })
}
