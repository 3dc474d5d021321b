//! [`WatchSet`]: which directories the file watcher observes for one config path, kept in
//! line with the file system as links are replaced and directories come and go.
//!
//! Three things can hide an edit from a plain watch on the config file's directory:
//!
//! * **a symbolic link** (dotfile managers link `omniverse.toml` into a repository): edits
//!   of the target happen in the target's directory. The set resolves the link chain and
//!   watches the directory of every hop, and re-resolves after every event on one of them,
//!   so a link re-pointed at another file is followed to its new target;
//! * **the directory removed** (`rm -rf config`): its OS watch dies with it. The set then
//!   watches the nearest existing ancestor and, when the directory is back, watches it again
//!   (the caller then re-reads the file, which may have been written before the new watch);
//! * **the directory removed and recreated quickly**: the event for the removal may arrive
//!   when the directory already exists again, so a watch is re-added whenever its directory
//!   itself is reported, never assumed to survive.

use std::path::{Component, Path, PathBuf};

use notify::{RecursiveMode, Watcher};

/// How many links are followed before a chain counts as a loop.
const MAX_LINK_HOPS: usize = 40;
/// How often one refresh re-checks a file system that changes under it.
const MAX_SETTLE_ROUNDS: usize = 8;

/// The watched directories for one config path, with the OS watcher that observes them.
pub(crate) struct WatchSet {
    /// The config path, absolute (links not resolved).
    config: PathBuf,
    /// The config path, then each target of its link chain.
    files: Vec<PathBuf>,
    /// The directories of `files` (some may not exist).
    wanted: Vec<PathBuf>,
    /// The directories actually watched: each wanted one, or its nearest existing ancestor.
    watched: Vec<PathBuf>,
    watcher: Box<dyn Watcher + Send>,
}

impl WatchSet {
    /// Watches what `config` needs, with `watcher` (which watches nothing yet). Fails when
    /// one of the directories cannot be watched (the caller may fall back to polling).
    pub(crate) fn new(
        config: &Path,
        watcher: Box<dyn Watcher + Send>,
    ) -> Result<Self, notify::Error> {
        let config = std::path::absolute(config).unwrap_or_else(|_| config.to_path_buf());
        let (files, wanted, watched) = plan(&config);
        let mut watcher = watcher;
        for dir in &watched {
            watcher.watch(dir, RecursiveMode::NonRecursive)?;
        }
        Ok(WatchSet {
            config,
            files,
            wanted,
            watched,
            watcher,
        })
    }

    /// The directories watched now.
    pub(crate) fn watched(&self) -> &[PathBuf] {
        &self.watched
    }

    /// Whether an event on `path` can concern the config: one of the files of its link
    /// chain, a directory on the way to one of their directories (created, removed), or a
    /// watched directory itself.
    pub(crate) fn concerns(&self, path: &Path) -> bool {
        self.files.iter().any(|f| f == path)
            || self.wanted.iter().any(|d| d.starts_with(path))
            || self.watched.iter().any(|d| d == path)
    }

    /// Re-resolves the link chain and re-aims the watches; `reported` are paths an event
    /// reported removed or renamed away (a watched directory among them is watched afresh,
    /// as its OS watch died with it). True when any watch changed.
    pub(crate) fn refresh(&mut self, reported: &[PathBuf]) -> bool {
        let mut changed = false;
        let mut force: Vec<PathBuf> = reported
            .iter()
            .filter(|p| self.watched.contains(p))
            .cloned()
            .collect();
        for _ in 0..MAX_SETTLE_ROUNDS {
            if !self.settle_once(&force) {
                break;
            }
            force.clear();
            changed = true;
        }
        changed
    }

    /// One round of [`refresh`](Self::refresh); true when a watch changed.
    fn settle_once(&mut self, force: &[PathBuf]) -> bool {
        let (files, wanted, watched) = plan(&self.config);
        let mut changed = false;
        for old in &self.watched {
            if !watched.contains(old) || force.contains(old) {
                // Fails when the OS already dropped it (directory removed): nothing to undo.
                let _ = self.watcher.unwatch(old);
                changed = true;
            }
        }
        for dir in &watched {
            if !self.watched.contains(dir) || force.contains(dir) {
                if let Err(e) = self.watcher.watch(dir, RecursiveMode::NonRecursive) {
                    tracing::debug!(dir = %dir.display(), error = %e, "cannot watch; will retry on the next event");
                }
                changed = true;
            }
        }
        if changed {
            tracing::debug!(?watched, "omniverse.toml watches re-aimed");
        }
        self.files = files;
        self.wanted = wanted;
        self.watched = watched;
        changed
    }
}

/// For `config`: the files of its link chain, their directories, and the directories to
/// watch for them.
fn plan(config: &Path) -> (Vec<PathBuf>, Vec<PathBuf>, Vec<PathBuf>) {
    let files = link_chain(config);
    let wanted = dedup(
        files
            .iter()
            .filter_map(|f| f.parent().map(Path::to_path_buf)),
    );
    let watched = dedup(wanted.iter().map(|d| nearest_existing(d)));
    (files, wanted, watched)
}

/// `config`, then each target of its chain of symbolic links (relative targets resolved
/// against the link's directory), up to [`MAX_LINK_HOPS`].
fn link_chain(config: &Path) -> Vec<PathBuf> {
    let mut chain = vec![config.to_path_buf()];
    for _ in 0..MAX_LINK_HOPS {
        let last = &chain[chain.len() - 1];
        let Ok(target) = std::fs::read_link(last) else {
            break;
        };
        let joined = match last.parent() {
            Some(dir) => dir.join(target),
            None => target,
        };
        let next = lexically_normal(&joined);
        if chain.contains(&next) {
            break;
        }
        chain.push(next);
    }
    chain
}

/// `path` with `.` and `..` components folded (as the kernel would, for a path whose
/// directories are not links themselves).
fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `dir` if it is an existing directory, else its nearest existing ancestor.
fn nearest_existing(dir: &Path) -> PathBuf {
    let mut current = dir;
    loop {
        if current.is_dir() {
            return current.to_path_buf();
        }
        match current.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => current = parent,
            _ => return current.to_path_buf(),
        }
    }
}

fn dedup(items: impl Iterator<Item = PathBuf>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_link_chain_is_followed_and_normalised() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("a")).unwrap();
        std::fs::create_dir(root.join("b")).unwrap();
        std::fs::write(root.join("b/real.toml"), "").unwrap();
        std::os::unix::fs::symlink("../b/real.toml", root.join("a/link.toml")).unwrap();
        std::os::unix::fs::symlink(root.join("a/link.toml"), root.join("top.toml")).unwrap();
        let chain = link_chain(&root.join("top.toml"));
        assert_eq!(
            chain,
            vec![
                root.join("top.toml"),
                root.join("a/link.toml"),
                root.join("b/real.toml")
            ]
        );
        assert_eq!(nearest_existing(&root.join("x/y")), root.to_path_buf());
    }

    #[test]
    fn a_link_loop_ends() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        assert_eq!(link_chain(&a), vec![a.clone(), b]);
    }
}
