//! Lining a new list up with the bookmarks held, in one walk of each.
//!
//! A reload usually differs from memory in a few places (a rename in place,
//! one bookmark added or removed), so walking both lists side by side pairs
//! almost every entry with its old self at the cost of one comparison. What
//! the walk cannot pair is handed on as changed, and the callers treat changed
//! entries by their full rules: the alignment only decides what is cheap.
//!
//! The walk looks one entry ahead on each side, which resynchronises after a
//! single insertion or removal. After anything it cannot follow (two entries
//! removed in a row, a block moved) it pairs entries position by position as
//! `Replaced` until the lists agree again; that is never wrong, only dearer.

use crate::bookmarks::{Bookmarks, Iter};
use crate::values::Bookmark;

/// One step of the walk. Old entries come in old order and new ones in new
/// order, each exactly once.
#[derive(Debug)]
pub(crate) enum Step<'a> {
    /// The old entry and the next new one are the same.
    Same { old: &'a Bookmark },
    /// Neither matched, at the same point of both walks (what an edit in place
    /// looks like).
    Replaced {
        old_at: usize,
        old: &'a Bookmark,
        new_at: usize,
    },
    /// The old entry has no partner here (removed, or moved elsewhere).
    OldOnly { old_at: usize, old: &'a Bookmark },
    /// The new entry has no partner here (added, or moved from elsewhere).
    NewOnly { new_at: usize },
}

/// The old side of the walk, with one entry of lookahead.
struct Cursor<'a> {
    iter: Iter<'a>,
    at: usize,
    current: Option<&'a Bookmark>,
    next: Option<&'a Bookmark>,
}

impl<'a> Cursor<'a> {
    fn new(old: &'a Bookmarks) -> Self {
        let mut iter = old.iter();
        let current = iter.next();
        let next = iter.next();
        Self {
            iter,
            at: 0,
            current,
            next,
        }
    }

    fn advance(&mut self) {
        self.current = self.next.take();
        self.next = self.iter.next();
        self.at += 1;
    }
}

/// Walks `old` and `new` together and calls `step` for every entry of both;
/// `same` says whether an old entry and a new one are the same entry.
pub(crate) fn align<'a, T>(
    old: &'a Bookmarks,
    new: &[T],
    same: impl Fn(&Bookmark, &T) -> bool,
    mut step: impl FnMut(Step<'a>),
) {
    let mut cursor = Cursor::new(old);
    let mut new_at = 0;
    while let Some(entry) = new.get(new_at) {
        let old_at = cursor.at;
        let Some(old) = cursor.current else {
            step(Step::NewOnly { new_at });
            new_at += 1;
            continue;
        };
        if same(old, entry) {
            step(Step::Same { old });
            cursor.advance();
            new_at += 1;
        } else if cursor.next.is_some_and(|next| same(next, entry)) {
            step(Step::OldOnly { old_at, old });
            cursor.advance();
        } else if new.get(new_at + 1).is_some_and(|next| same(old, next)) {
            step(Step::NewOnly { new_at });
            new_at += 1;
        } else {
            step(Step::Replaced {
                old_at,
                old,
                new_at,
            });
            cursor.advance();
            new_at += 1;
        }
    }
    while let Some(old) = cursor.current {
        step(Step::OldOnly {
            old_at: cursor.at,
            old,
        });
        cursor.advance();
    }
}
