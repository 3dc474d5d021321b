//! The document this process last parsed or wrote, kept so that the next edit of a file
//! nobody else has touched need not parse it again.
//!
//! Every write re-reads the file under the lock, because another process may have changed
//! it since. Parsing 10 000 bookmarks costs ten times reading and writing them, yet in use
//! the file is almost always exactly what this process last wrote. So each edit keeps its
//! edited [`DocumentMut`] together with the text it was written as, and the next edit uses
//! that document instead of a parse **only when the text read under the lock is byte for
//! byte the kept text**.
//!
//! The check compares the bytes themselves (the kept copy is the text the edit wrote, so it
//! costs no extra copy), not a hash of them: equal bytes parse to the same document, so the
//! kept document is exactly what a parse would have given, whatever another process did in
//! between (an outside edit of the same length fails the comparison; an outside rewrite of
//! the same bytes passes it and is then indistinguishable from no rewrite at all). There is
//! no collision to argue about, and a `memcmp` of 0.7 MB is faster than hashing it.
//!
//! A kept document is taken out while an edit uses it, so an edit that fails half way
//! through (a refused change after an earlier one was applied) leaves nothing behind and the
//! next edit parses. Clones of a store share the record, like [`crate::seen::SeenContent`].

use std::sync::{Arc, Mutex};

use toml_edit::DocumentMut;

use crate::Sections;
use crate::splice::EntrySpans;

/// A document and the file text it stands for.
pub(crate) struct KeptDocument {
    /// The file text exactly as read or written (before [`crate::render::Framed`]).
    pub(crate) text: String,
    /// A document whose content is the content of `text`.
    pub(crate) doc: DocumentMut,
    /// `render(&doc, body)` where it differs from the framed `text` (a file `toml_edit` does
    /// not re-render byte for byte); `None` when the document renders to the framed text
    /// itself, the usual case for a file this process wrote.
    pub(crate) rendering: Option<String>,
    /// `doc` reads back without any [`crate::LoadWarning`].
    pub(crate) clean: bool,
    /// Where `doc`'s bookmarks end in the framed `text`, when the next edit may splice
    /// ([`crate::splice`]).
    pub(crate) spans: Option<EntrySpans>,
    /// What `doc` reads back as, when `clean` (the next edit updates it rather than reading
    /// every entry again).
    pub(crate) sections: Option<Sections>,
}

/// The last kept document, shared by a store and its clones.
#[derive(Clone, Default)]
pub(crate) struct LastParsed(Arc<Mutex<Option<KeptDocument>>>);

impl LastParsed {
    /// Takes the kept document out if it stands for exactly `text`; otherwise drops it (it
    /// is stale: the file changed) and returns `None`.
    pub(crate) fn take_if_same(&self, text: &str) -> Option<KeptDocument> {
        let kept = self.lock().take()?;
        (kept.text.as_bytes() == text.as_bytes()).then_some(kept)
    }

    /// Keeps `kept` for the next edit, replacing whatever was kept.
    pub(crate) fn keep(&self, kept: KeptDocument) {
        *self.lock() = Some(kept);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<KeptDocument>> {
        // A panic while the lock was held leaves at worst a stale record, which the byte
        // comparison rejects anyway.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl std::fmt::Debug for LastParsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bytes = self.lock().as_ref().map(|kept| kept.text.len());
        f.debug_struct("LastParsed").field("bytes", &bytes).finish()
    }
}
