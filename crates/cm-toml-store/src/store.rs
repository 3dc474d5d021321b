//! [`TomlStore`]: the one place that reads and writes omniverse.toml.

use std::path::{Path, PathBuf};

use toml_edit::DocumentMut;

use crate::atomic_write::{Durability, remove_orphaned_temps, write_atomic};
use crate::change::{apply_change, wrong_typed_target};
use crate::commit_check::{Fingerprint, MAX_REDOS, SETTLE_QUIET, Settle, Waited, settle_time};
use crate::document::{Depth, ParsedFile, decode, parse_framed, parse_spanned, read_edited};
use crate::last_parsed::{KeptDocument, LastParsed};
use crate::lock::{LockGuard, LockWait};
use crate::migration::{is_old_style, mark_new_style};
use crate::path::{lock_path_for, resolve_link_target};
use crate::reconcile::reconcile;
use crate::refusal::check_change;
use crate::render::{Framed, merge_untouched, render};
use crate::seen::SeenContent;
use crate::splice::{EntrySpans, Splice};
use crate::{Change, Loaded, Refusal, Sections, StoreError};

/// Reads and edits one omniverse.toml.
///
/// Reads need no lock (saves replace the file atomically, so a reader sees
/// the old or the new file). Every write takes the cross-process lock,
/// re-reads the file, applies this process's edit to what is there now and
/// replaces the file atomically, so concurrent writers never lose each
/// other's changes. A file that does not parse, or whose sections have the
/// wrong type, is never overwritten: writes return the error instead.
///
/// A config that is a symlink (dotfile managers make one) is written through: the lock
/// sidecar, the temporary file and the rename are all next to the file the link leads to,
/// and the link stays a link, so writers through the link and through its target exclude
/// each other. A replaced file keeps its owner, group and mode; a file this process could
/// not write in place is refused ([`StoreError::NotWritable`]). A write waits for another
/// process's lock as [`LockWait`](crate::LockWait) says (30 s by default).
///
/// Clones share the record of what this process last read or wrote, which
/// the watcher uses to ignore the process's own saves.
///
/// ```
/// use cm_toml_store::{Change, TomlStore};
/// let dir = tempfile::tempdir().unwrap();
/// let store = TomlStore::new(dir.path().join("omniverse.toml"));
/// assert!(store.load().unwrap().sections.bookmarks.is_empty()); // missing file = empty
/// let loaded = store
///     .apply(&[Change::AddBookmark {
///         name: "Projects".into(),
///         url: "omniverse://my-server/Projects/".into(),
///     }])
///     .unwrap();
/// assert_eq!(loaded.sections.bookmark("Projects"), Some("omniverse://my-server/Projects/"));
/// ```
///
/// The watcher [`watch`](Self::watch) returns stops when dropped, so dropping it at once is a
/// mistake the compiler reports (`#[must_use]`); this does not compile:
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// # fn main() -> Result<(), cm_toml_store::StoreError> {
/// # let dir = tempfile::tempdir().unwrap();
/// # let store = cm_toml_store::TomlStore::new(dir.path().join("omniverse.toml"));
/// let (tx, _rx) = crossbeam_channel::unbounded();
/// store.watch(cm_toml_store::WatchConfig::default(), tx)?; // dropped: watches nothing
/// # Ok(())
/// # }
/// ```
///
/// while the same lines with the watcher kept do:
///
/// ```
/// #![deny(unused_must_use)]
/// # fn main() -> Result<(), cm_toml_store::StoreError> {
/// # let dir = tempfile::tempdir().unwrap();
/// # let store = cm_toml_store::TomlStore::new(dir.path().join("omniverse.toml"));
/// let (tx, _rx) = crossbeam_channel::unbounded();
/// let _watcher = store.watch(cm_toml_store::WatchConfig::default(), tx)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TomlStore {
    path: PathBuf,
    lock_wait: LockWait,
    durability: Durability,
    seen: SeenContent,
    /// Content this process knows to be a whole save, not one caught half way: what it wrote,
    /// and what it read when the file looked settled ([`settle_time`] said so, or the file
    /// stayed quiet). An edit builds on such bytes at once; bytes merely read (by a load, by
    /// the watcher) while an editor may still be writing are waited for like anyone's.
    settled: SeenContent,
    own_rendering: SeenContent,
    last_parsed: LastParsed,
    replace_wrong_typed: bool,
}

/// A document ready for an edit: see [`TomlStore::prepare`].
struct Prepared {
    doc: DocumentMut,
    loaded: Loaded,
    /// The document's rendering where it differs from the framed file text.
    before: Option<String>,
    /// The document is known to read back without any warning.
    clean: bool,
    /// Where its bookmarks end in the framed text, when an edit can splice them.
    spans: Option<EntrySpans>,
    /// What it reads back as, when known and `clean`.
    sections: Option<Sections>,
}

impl TomlStore {
    /// A store for the file at `path` (which need not exist yet).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        TomlStore {
            lock_wait: LockWait::default(),
            path,
            durability: Durability::Full,
            seen: SeenContent::default(),
            settled: SeenContent::default(),
            own_rendering: SeenContent::default(),
            last_parsed: LastParsed::default(),
            replace_wrong_typed: false,
        }
    }

    /// A store for the file found by [`crate::resolve_config_path`]`(None)`.
    pub fn at_default_location() -> Result<Self, StoreError> {
        crate::resolve_config_path(None).map(Self::new)
    }

    /// Sets whether saves are fsynced (default [`Durability::Full`]).
    pub fn with_durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// Sets whether [`apply`](Self::apply) may replace an entry the loader skipped because of
    /// its type (`A = 1` in `[bookmarks]` when adding bookmark `A`). Off by default: such a
    /// change is refused with [`Refusal::WrongTypedEntry`], because replacing the entry loses
    /// what was written there. `cm bookmark add --force` turns it on.
    pub fn replacing_wrong_typed_entries(mut self, replace: bool) -> Self {
        self.replace_wrong_typed = replace;
        self
    }

    /// The config file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sets how long a write waits for another process's lock, and whom it tells while it
    /// waits (default: 30 s, a `tracing` warning after 1 s).
    pub fn with_lock_wait(mut self, lock_wait: LockWait) -> Self {
        self.lock_wait = lock_wait;
        self
    }

    /// The sidecar lock file's path (`<file>.lock` next to the file, or next to the file a
    /// symlink points to: see [`TomlStore`]), as it resolves now.
    pub fn lock_path(&self) -> PathBuf {
        lock_path_for(&resolve_link_target(&self.path))
    }

    pub(crate) fn seen(&self) -> &SeenContent {
        &self.seen
    }

    /// Reads the file. A missing file reads as empty.
    ///
    /// A file that may be caught half way through someone's in-place save (empty, or written
    /// in place less than a second ago: guarantee 50 of docs/RELIABILITY.md) is waited for, up
    /// to 5 s, until it changes or settles; if it is still changing then, what was read last is
    /// returned (a read loses nothing), and a later edit waits again before building on it.
    pub fn load(&self) -> Result<Loaded, StoreError> {
        let read = self.read_settled()?;
        let (_, loaded) = parse_spanned(&self.path, decode(&self.path, &read.bytes)?)?;
        self.record_read(&read);
        Ok(loaded)
    }

    /// Reads the file, waiting while it may be a save caught half way (as [`Self::load`]).
    pub(crate) fn read_settled(&self) -> Result<SettledRead, StoreError> {
        let mut settle = Settle::new();
        loop {
            let read = read_fingerprinted(&self.path)?;
            let settled = match self.settle_wait(&read) {
                Some(quiet) => match settle.wait_for_change(&self.path, read.fingerprint, quiet) {
                    Waited::Changed => continue,
                    Waited::Quiet => true,
                    Waited::OutOfTime => false,
                },
                None => true,
            };
            return Ok(SettledRead {
                bytes: read.bytes,
                settled,
            });
        }
    }

    /// How long `read` must stay unchanged before a read or an edit takes it (`None`: at
    /// once): [`settle_time`], except for bytes known to be a whole save. Only those skip the
    /// wait: bytes this process merely read (a fresh `cm` reads the file at start) may be an
    /// editor's first piece.
    fn settle_wait(&self, read: &FingerprintedRead) -> Option<std::time::Duration> {
        if !read.bytes.is_empty() && self.settled.matches(&read.bytes) {
            return None;
        }
        settle_time(
            read.fingerprint,
            read.bytes.is_empty(),
            read.changed_in_place_since_marked(),
            self.seen.is_recorded_nonempty(),
        )
    }

    /// Records a read's bytes as seen, and as a whole save when it was settled.
    pub(crate) fn record_read(&self, read: &SettledRead) {
        self.seen.record(&read.bytes);
        if read.settled {
            self.settled.record(&read.bytes);
        }
    }

    /// Reads the file again only if its content differs from what this store (or a clone)
    /// last read or wrote: `Ok(None)` means "unchanged", without parsing.
    ///
    /// For closing the gap between a first [`load`](Self::load) and the start of a
    /// [`watch`](Self::watch): an edit in between is seen, an unchanged file costs one read.
    pub fn load_if_changed(&self) -> Result<Option<Loaded>, StoreError> {
        let read = self.read_settled()?;
        if self.seen.matches(&read.bytes) {
            if read.settled {
                self.settled.record(&read.bytes);
            }
            return Ok(None);
        }
        let (_, loaded) = parse_spanned(&self.path, decode(&self.path, &read.bytes)?)?;
        self.record_read(&read);
        Ok(Some(loaded))
    }

    /// Makes the three sections equal to `sections` in one atomic replace,
    /// with the fewest edits (unchanged entries keep their formatting and
    /// comments; wrong-typed entries skipped on load are kept). Returns the
    /// file's content as written.
    ///
    /// Bookmarks and servers end up in the given order; existing discovery
    /// servers keep their file order and new ones are appended.
    ///
    /// This writes the whole state: an entry another process added since this
    /// process last loaded is removed. Prefer [`TomlStore::apply`] for edits.
    ///
    /// An entry that is not already in the file as given is checked as [`apply`](Self::apply)
    /// checks a change ([`StoreError::Refused`] when it is invalid or too long); entries the
    /// file already holds are written back as they are, even one with an invalid URL
    /// (dropping it would lose the user's data).
    pub fn save_sections(&self, sections: &Sections) -> Result<Loaded, StoreError> {
        self.edit_checked(Depth::Entries, |doc, current| {
            for change in new_entries(&current.sections, sections) {
                check_change(&change).map_err(|reason| self.refused(reason))?;
            }
            Ok(((), reconcile(doc, &current.sections, sections)))
        })
        .map(|(loaded, ())| loaded)
    }

    /// Applies `changes` in order to the file as it is now, under the lock, in
    /// one atomic replace (no write when nothing changes). Returns the
    /// resulting content, which includes other processes' changes.
    ///
    /// All or nothing: when one change is refused ([`StoreError::Refused`]: a URL the loader
    /// would warn about, a name or URL over [`MAX_NAME_BYTES`](crate::MAX_NAME_BYTES) /
    /// [`MAX_URL_BYTES`](crate::MAX_URL_BYTES), a result over [`MAX_FILE_BYTES`], or a
    /// wrong-typed entry it would replace, see
    /// [`replacing_wrong_typed_entries`](Self::replacing_wrong_typed_entries)), none is
    /// written and the file is untouched.
    pub fn apply(&self, changes: &[Change]) -> Result<Loaded, StoreError> {
        for change in changes {
            // Before the lock: these depend on the change alone.
            check_change(change).map_err(|reason| self.refused(reason))?;
        }
        self.edit_with(Depth::Shape, true, true, |doc, _, splice| {
            let was_old_style = is_old_style(doc.as_table());
            let mut changed = false;
            for change in changes {
                if !self.replace_wrong_typed
                    && let Some(reason) = wrong_typed_target(doc, change)
                {
                    return Err(self.refused(reason));
                }
                // A change the splice cannot write makes the edit render the whole document.
                if splice.as_mut().is_some_and(|s| !s.before(doc, change)) {
                    *splice = None;
                }
                changed |= apply_change(doc, change);
                if splice.as_mut().is_some_and(|s| !s.after(doc, change)) {
                    *splice = None;
                }
            }
            // A fine-grained edit creates only the section it touches, so a first bookmark
            // added to an empty file would leave a bookmarks-only file, which the next start
            // would take for an old-style file and "migrate". The original writes all three
            // sections on every save; an empty `[servers]` keeps the same meaning. A file that
            // was old-style before the edit is left old-style, so its migration still runs.
            if changed && !was_old_style && is_old_style(doc.as_table()) {
                mark_new_style(doc);
                *splice = None;
            }
            Ok(((), changed))
        })
        .map(|(loaded, ())| loaded)
    }

    fn refused(&self, reason: Refusal) -> StoreError {
        StoreError::Refused {
            path: self.path.clone(),
            reason,
        }
    }

    /// Locks, re-reads, edits and (if the edit reports a change) atomically
    /// replaces the file. A no-op edit never rewrites the file, so a file is
    /// not re-rendered just because a process looked at it. `depth` says how
    /// much of the current content the edit needs to see. An edit that fails, or whose
    /// result would be larger than the loader reads, writes nothing.
    ///
    /// A symlinked file is resolved once, under the lock ([`Self::lock_target`]): the read,
    /// the temporary file and the rename all happen at the link's target.
    pub(crate) fn edit<R>(
        &self,
        depth: Depth,
        mut edit: impl FnMut(&mut DocumentMut, &Loaded) -> Result<(R, bool), StoreError>,
    ) -> Result<(Loaded, R), StoreError> {
        self.edit_with(depth, false, false, |doc, loaded, _| edit(doc, loaded))
    }

    /// [`Self::edit`] for an edit that writes only entries checked with the loader's URL rule
    /// ([`check_change`]) or already in the file as they were: a document with no URL warning
    /// before such an edit has none after it, so reading the result back skips the URL checks.
    fn edit_checked<R>(
        &self,
        depth: Depth,
        mut edit: impl FnMut(&mut DocumentMut, &Loaded) -> Result<(R, bool), StoreError>,
    ) -> Result<(Loaded, R), StoreError> {
        self.edit_with(depth, true, false, |doc, loaded, _| edit(doc, loaded))
    }

    /// [`Self::edit`] whose `edit`, when `splicing`, writes every change it makes into the
    /// [`Splice`] of the file text it is given as well (or sets it to `None`: then the whole
    /// document is rendered). An edit that is not `splicing` is given `None`.
    ///
    /// The lock is held throughout; inside it the edit is tried until it commits
    /// ([`crate::commit_check`]): a file an unlocked editor saved between the read and the
    /// rename is read again and the edit redone (at most [`MAX_REDOS`] times), and a file
    /// read empty or unparsable although this process last saw other content is given a
    /// moment to settle ([`Settle`]) before the edit takes it as it is.
    fn edit_with<R>(
        &self,
        depth: Depth,
        writes_checked: bool,
        splicing: bool,
        mut edit: impl FnMut(
            &mut DocumentMut,
            &Loaded,
            &mut Option<Splice>,
        ) -> Result<(R, bool), StoreError>,
    ) -> Result<(Loaded, R), StoreError> {
        let (target, _lock) = self.lock_target()?;
        let mut settle = Settle::new();
        let mut redos = 0;
        loop {
            let read = read_fingerprinted(&target)?;
            if let Some(quiet) = self.settle_wait(&read) {
                match settle.wait_for_change(&target, read.fingerprint, quiet) {
                    Waited::Changed => continue,
                    Waited::Quiet => {}
                    Waited::OutOfTime => {
                        return Err(StoreError::KeepsChanging {
                            path: target,
                            attempts: redos + 1,
                        });
                    }
                }
            }
            match self.edit_once(&target, &read, depth, writes_checked, splicing, &mut edit) {
                Ok(Some(done)) => return Ok(done),
                Ok(None) if redos < MAX_REDOS => {
                    redos += 1;
                    tracing::debug!(path = %target.display(), redos, "omniverse.toml changed during the edit; redoing it");
                }
                Ok(None) => {
                    return Err(StoreError::KeepsChanging {
                        path: target,
                        attempts: redos + 1,
                    });
                }
                Err(error)
                    if matches!(
                        error,
                        StoreError::Parse { .. } | StoreError::Encoding { .. }
                    ) && !self.seen.matches(&read.bytes)
                        && self.seen.is_recorded_nonempty()
                        && settle.wait_for_change(&target, read.fingerprint, SETTLE_QUIET)
                            == Waited::Changed => {}
                Err(error) => return Err(error),
            }
        }
    }

    /// One try of [`Self::edit_with`] on the file as `read` (under the lock). `Ok(None)`: the
    /// file changed after it was read, nothing was written and nothing kept; the caller
    /// reads it again.
    fn edit_once<R>(
        &self,
        target: &Path,
        read: &FingerprintedRead,
        depth: Depth,
        writes_checked: bool,
        splicing: bool,
        edit: &mut impl FnMut(
            &mut DocumentMut,
            &Loaded,
            &mut Option<Splice>,
        ) -> Result<(R, bool), StoreError>,
    ) -> Result<Option<(Loaded, R)>, StoreError> {
        let bytes = &read.bytes;
        let text = decode(&self.path, bytes)?;
        let framed = Framed::new(text);
        let body = framed.body();
        let Prepared {
            mut doc,
            loaded,
            before,
            clean,
            spans,
            sections,
        } = self.prepare(text, bytes, &framed, depth)?;
        let urls_known_valid = clean && writes_checked;
        // A splice stands for the document only where the document renders to the text.
        let mut splice = spans
            .filter(|_| splicing && before.is_none())
            .map(|spans| Splice::new(body, spans, sections.filter(|_| urls_known_valid)));
        let (result, changed) = edit(&mut doc, &loaded, &mut splice)?;
        let spliced = splice.map(Splice::finish);
        // Nothing to write: the document (edited or not) still stands for `text`.
        let unchanged = |doc: DocumentMut, rendering, spans, result| {
            let loaded = self.reread(&doc, text, urls_known_valid)?;
            // Past the settle check of `edit_with`: a whole save.
            self.seen.record(bytes);
            self.settled.record(bytes);
            self.last_parsed.keep(KeptDocument {
                text: text.to_owned(),
                doc,
                rendering,
                clean: loaded.warnings.is_empty(),
                spans,
                sections: loaded.warnings.is_empty().then(|| loaded.sections.clone()),
            });
            Ok(Some((loaded, result)))
        };
        if !changed {
            return unchanged(doc, before, spliced.map(|(_, spans, _)| spans), result);
        }
        let is_plain_rendering = before.as_deref().is_none_or(|b| b == body);
        // The rendering the kept document stands for, where it is not the new text itself.
        let (new_body, rendering, spans, sections) = match (spliced, before) {
            (Some((new_body, spans, sections)), _) => {
                debug_assert_eq!(
                    new_body,
                    render(&doc, body),
                    "the spliced text is the document's rendering"
                );
                (new_body, None, Some(spans), sections)
            }
            (None, Some(before)) if before != body => {
                let after = render(&doc, body);
                let new_body = merge_untouched(body, &before, after.clone());
                (new_body, Some(after), None, None)
            }
            (None, _) => (render(&doc, body), None, None, None),
        };
        let new_text = framed.finish(new_body);
        if new_text == text {
            return unchanged(doc, rendering, spans, result);
        }
        if new_text.len() as u64 > MAX_FILE_BYTES {
            return Err(self.refused(Refusal::FileTooLarge {
                size: new_text.len() as u64,
                limit: MAX_FILE_BYTES,
            }));
        }
        let written = match sections {
            // Updated entry by entry from a clean read, with checked URLs: no warning.
            Some(sections) => {
                debug_assert_eq!(
                    read_edited(&doc, Depth::Full),
                    Loaded {
                        sections: sections.clone(),
                        warnings: Vec::new()
                    },
                    "the updated read result is the document's"
                );
                Loaded {
                    sections,
                    warnings: Vec::new(),
                }
            }
            None => self.reread(&doc, &new_text, urls_known_valid)?,
        };
        remove_orphaned_temps(target);
        // The fingerprint first (a stat), then the bytes (a same-size in-place save within
        // one clock tick keeps the fingerprint, and a freed inode number is soon reused).
        let is_the_one_read = |path: &Path| {
            Ok(Fingerprint::now(path) == read.fingerprint
                && read_fingerprinted(path)?.bytes == *bytes)
        };
        if !write_atomic(
            target,
            new_text.as_bytes(),
            self.durability,
            read.fingerprint,
            is_the_one_read,
        )? {
            return Ok(None);
        }
        self.seen.record(new_text.as_bytes());
        self.settled.record(new_text.as_bytes());
        if is_plain_rendering {
            self.own_rendering.record(new_text.as_bytes());
        }
        tracing::debug!(path = %self.path.display(), bytes = new_text.len(), "saved omniverse.toml");
        let clean = written.warnings.is_empty();
        self.last_parsed.keep(KeptDocument {
            text: new_text,
            doc,
            rendering,
            clean,
            spans,
            sections: clean.then(|| written.sections.clone()),
        });
        Ok(Some((written, result)))
    }

    /// The document to edit for the file text `text` (read under the lock), what it holds to
    /// `depth`, and its rendering where that is not `framed.body()` itself.
    ///
    /// The document kept by this process's last edit is used when `text` is exactly the text
    /// it stands for ([`LastParsed`]); otherwise the text is parsed.
    fn prepare(
        &self,
        text: &str,
        bytes: &[u8],
        framed: &Framed<'_>,
        depth: Depth,
    ) -> Result<Prepared, StoreError> {
        let body = framed.body();
        if let Some(kept) = self.last_parsed.take_if_same(text) {
            debug_assert_eq!(
                render(&kept.doc, body),
                kept.rendering.as_deref().unwrap_or(body),
                "a kept document renders as recorded"
            );
            let loaded = match depth {
                // An edit at this depth looks at the document only.
                Depth::Shape => Loaded::default(),
                Depth::Entries | Depth::Full => read_edited(&kept.doc, depth),
            };
            return Ok(Prepared {
                doc: kept.doc,
                loaded,
                before: kept.rendering,
                clean: kept.clean,
                spans: kept.spans,
                sections: kept.sections,
            });
        }
        let ParsedFile { doc, loaded, spans } = parse_framed(&self.path, text, framed, depth)?;
        // A file this store wrote as a plain rendering re-renders to itself,
        // so the comparison rendering can be skipped (checked in debug builds).
        let before = if self.own_rendering.matches(bytes) {
            debug_assert_eq!(
                render(&doc, body),
                body,
                "toml_edit rendering is not a fixed point"
            );
            None
        } else {
            Some(render(&doc, body)).filter(|rendering| rendering != body)
        };
        Ok(Prepared {
            doc,
            loaded,
            before,
            clean: false,
            spans,
            sections: None,
        })
    }

    /// Resolves the file's symlinks and takes the lock next to the file they lead to, so
    /// writers through a link and through its target exclude each other. A link re-pointed
    /// while this process waited is resolved again under the lock. A lock file this process
    /// may not open is explained by the file's own permissions when they are the reason.
    fn lock_target(&self) -> Result<(PathBuf, LockGuard), StoreError> {
        /// Re-resolutions before giving up on a link that keeps changing: then the last
        /// target locked is used, which is still one the link pointed to.
        const MAX_RETARGETS: usize = 8;
        let mut target = resolve_link_target(&self.path);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let dir = target
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let owner =
                crate::permissions::owner_to_keep(std::fs::metadata(&target).ok().as_ref(), dir);
            let lock = match LockGuard::acquire(&lock_path_for(&target), &self.lock_wait, owner) {
                Ok(lock) => lock,
                Err(error) => {
                    if let Ok(meta) = std::fs::metadata(&target) {
                        crate::permissions::check_can_replace(&target, &meta)?;
                    }
                    return Err(error);
                }
            };
            let now = resolve_link_target(&self.path);
            if now == target || attempt == MAX_RETARGETS {
                return Ok((target, lock));
            }
            target = now;
        }
    }

    /// The content of an edited document whose rendering is `text`. `urls_known_valid`: no
    /// URL in the document can fail the loader's check (see [`Self::edit_checked`]), so the
    /// check, the largest part of the read, is skipped.
    fn reread(
        &self,
        doc: &DocumentMut,
        text: &str,
        urls_known_valid: bool,
    ) -> Result<Loaded, StoreError> {
        let depth = if urls_known_valid {
            Depth::Entries
        } else {
            Depth::Full
        };
        let loaded = read_edited(doc, depth);
        debug_assert!(
            !urls_known_valid
                || read_edited(doc, Depth::Full).warnings.len() == loaded.warnings.len(),
            "an edit of a clean document wrote a URL the loader warns about"
        );
        if loaded.warnings.is_empty() {
            return Ok(loaded);
        }
        // Only a parse of the text can place the warnings.
        parse_spanned(&self.path, text).map(|(_, loaded)| loaded)
    }
}

/// The file's bytes from [`TomlStore::read_settled`].
pub(crate) struct SettledRead {
    pub(crate) bytes: Vec<u8>,
    /// False: the file was still changing when the waiting budget ran out.
    pub(crate) settled: bool,
}

/// The entries of `desired` that `current` does not already hold exactly, as the changes
/// that would write them (for checking, not applying). One hash lookup per entry: a save of
/// 10 000 bookmarks must stay linear.
fn new_entries(current: &Sections, desired: &Sections) -> Vec<Change> {
    use foldhash::HashSet;
    let bookmarks: HashSet<&crate::BookmarkEntry> = current.bookmarks.iter().collect();
    let servers: HashSet<&crate::ServerEntry> = current.servers.iter().collect();
    let discovery: HashSet<(&str, &str)> = current
        .discovery_servers
        .iter()
        .map(|d| (d.name.as_str(), d.url.as_str()))
        .collect();
    let mut changes = Vec::new();
    changes.extend(
        desired
            .bookmarks
            .iter()
            .filter(|b| !bookmarks.contains(b))
            .map(|b| Change::AddBookmark {
                name: b.name.clone(),
                url: b.url.clone(),
            }),
    );
    changes.extend(
        desired
            .servers
            .iter()
            .filter(|s| !servers.contains(s))
            .map(|s| Change::SetServer {
                url: s.url.clone(),
                name: s.name.clone(),
            }),
    );
    changes.extend(
        desired
            .discovery_servers
            .iter()
            .filter(|d| !discovery.contains(&(d.name.as_str(), d.url.as_str())))
            .map(|d| Change::SetDiscoveryServer(d.clone())),
    );
    changes
}

/// The largest omniverse.toml the store reads (16 MiB). A real file with 10 000 bookmarks is
/// about 0.6 MB; anything near this size is a mistake or an attack, and reading it whole
/// would cost seconds and gigabytes of parse tree.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The file's bytes; a missing file is empty.
///
/// Only a regular file (or a symlink to one) is read, and at most [`MAX_FILE_BYTES`]: a FIFO
/// would block the open until some writer appears, and a device such as `/dev/zero` never
/// ends. The type is checked before opening (opening a FIFO for reading blocks) and again on
/// the open handle, so a file swapped in between is caught too; the read itself is bounded
/// in case the file grows while it is read.
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, StoreError> {
    read_fingerprinted(path).map(|read| read.bytes)
}

/// The file's bytes and how the file looked when they were read.
pub(crate) struct FingerprintedRead {
    pub(crate) bytes: Vec<u8>,
    /// From the open handle; `None` for a missing file.
    pub(crate) fingerprint: Option<Fingerprint>,
    /// The content hash this store marked the inode with when it wrote it
    /// ([`crate::written_mark`]), if it carries one.
    pub(crate) marked: Option<u64>,
}

impl FingerprintedRead {
    /// True when the inode carries our mark but other bytes: another program wrote into the
    /// file in place after this store wrote it.
    pub(crate) fn changed_in_place_since_marked(&self) -> bool {
        self.marked
            .is_some_and(|hash| hash != crate::seen::content_hash(&self.bytes))
    }
}

/// [`read_bytes`] with the fingerprint of the file read, taken from the open handle, so
/// it describes the inode the bytes came from (the commit check compares it with the path).
pub(crate) fn read_fingerprinted(path: &Path) -> Result<FingerprintedRead, StoreError> {
    use std::io::Read as _;
    let not_found = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
    let missing = || FingerprintedRead {
        bytes: Vec::new(),
        fingerprint: None,
        marked: None,
    };
    match std::fs::metadata(path) {
        Ok(meta) => check_readable(path, &meta)?,
        Err(e) if not_found(&e) => return Ok(missing()),
        Err(e) => return Err(StoreError::io(path, "read", e)),
    }
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if not_found(&e) => return Ok(missing()),
        Err(e) => return Err(StoreError::io(path, "read", e)),
    };
    let meta = file
        .metadata()
        .map_err(|e| StoreError::io(path, "read", e))?;
    check_readable(path, &meta)?;
    // The length is only a capacity hint; the limit is enforced on what is actually read.
    let hint = usize::try_from(meta.len().min(MAX_FILE_BYTES)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(hint);
    (&file)
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| StoreError::io(path, "read", e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(path, bytes.len() as u64));
    }
    Ok(FingerprintedRead {
        bytes,
        // From before the read: a write into this inode while it was read changes what the
        // path shows, so a torn read cannot pass the commit check as current.
        fingerprint: Some(Fingerprint::of(&meta)),
        marked: crate::written_mark::read(&file),
    })
}

/// Refuses anything but a regular file of at most [`MAX_FILE_BYTES`].
fn check_readable(path: &Path, meta: &std::fs::Metadata) -> Result<(), StoreError> {
    if !meta.is_file() {
        let what = file_type_name(&meta.file_type());
        let error = std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("it is {what}, not a regular file"),
        );
        return Err(StoreError::io(path, "read", error));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(path, meta.len()));
    }
    Ok(())
}

fn too_large(path: &Path, size: u64) -> StoreError {
    let error = std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!(
            "it holds {size} bytes or more, over the {} MiB limit for omniverse.toml",
            MAX_FILE_BYTES / (1024 * 1024)
        ),
    );
    StoreError::io(path, "read", error)
}

fn file_type_name(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}
