//! The reload diff of the bookmarks: the rules of `diff` (renames by URL, a
//! rename in place by gap, deletions, then renames, then additions), computed
//! from what changed rather than from every bookmark when that gives the same
//! answer.
//!
//! The rules only ever act on *vanished* names (in memory, not in the file),
//! *new* names (in the file, not in memory) and names whose URL changed; every
//! other bookmark only counts, as a survivor, towards the gaps. [`events`]
//! takes exactly that: the old entries that may have changed with their
//! positions, and the new entries whose names are new. [`general`] feeds it
//! every bookmark, looked up in tables of all names. [`aligned`] feeds it only
//! the entries the one-pass alignment (`align`) could not pair with an equal
//! entry, which is the same input whenever no name is listed twice:
//!
//! * an old entry paired with an equal new one keeps its name and URL, and a
//!   unique name has no other entry in the file to change it, so it yields no
//!   event and counts as a survivor, as in `general`;
//! * an unpaired old name is in the file exactly when an unpaired new entry
//!   has it (a paired one would be the same name's only old entry);
//! * an unpaired new name is in memory exactly when an unpaired old entry has
//!   it; if a paired old entry has it instead, the file lists it twice and
//!   [`aligned`] declines.
//!
//! With repeated names (possible only in a hand-built list) `general` decides
//! alone; the property test in `bookmark_diff_tests.rs` holds the two to the
//! same events over generated edits.

use std::collections::VecDeque;
use std::collections::hash_map::Entry;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use crate::align::{Step, align};
use crate::bookmarks::Bookmarks;
use crate::events::RegistryEvent;
use crate::state::RegistryState;
use crate::values::Bookmark;

/// What a reload does to the bookmarks.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Diff {
    /// The file lists what memory holds, in the same order.
    Unchanged,
    /// The state must take the file's list; these events describe the change
    /// (none when only the order changed).
    Changed(Vec<RegistryEvent>),
}

/// Makes the state's bookmarks equal to `new` and appends the events.
pub(crate) fn reconcile_bookmarks(
    state: &mut RegistryState,
    new: Vec<Bookmark>,
    events: &mut Vec<RegistryEvent>,
) {
    if state.bookmarks.is_empty() {
        if new.is_empty() {
            return;
        }
        // The first load (or a file that was empty): everything is new, and nothing can
        // be a rename, so the name and URL tables would be pure cost.
        events.extend(new.iter().map(|b| RegistryEvent::BookmarkAdded {
            name: b.name.clone(),
            url: b.url.clone(),
        }));
        state.bookmarks = Bookmarks::from_list(new);
        state.dirty.bookmarks = true;
        return;
    }
    let diff = aligned(&state.bookmarks, &new).unwrap_or_else(|| general(&state.bookmarks, &new));
    match diff {
        Diff::Unchanged => {}
        Diff::Changed(found) => {
            events.extend(found);
            state.bookmarks.assign(new);
            state.dirty.bookmarks = true;
        }
    }
}

/// The diff from tables of every name: right for any lists.
pub(crate) fn general(old: &Bookmarks, new: &[Bookmark]) -> Diff {
    if *old == *new {
        return Diff::Unchanged;
    }
    // A name listed twice maps to its last entry, as the rules always had it.
    let new_by_name: HashMap<&str, &Bookmark> = new.iter().map(|b| (&*b.name, b)).collect();
    let old_names: HashSet<&str> = old.iter().map(|b| &*b.name).collect();
    Diff::Changed(events(
        old.len(),
        old.iter().enumerate().map(|(at, bookmark)| OldEntry {
            at,
            bookmark,
            now: new_by_name.get(&*bookmark.name).copied(),
        }),
        new.iter()
            .enumerate()
            .filter(|(_, b)| !old_names.contains(&*b.name)),
    ))
}

/// The diff from the entries the alignment left unpaired; `None` when a name
/// is listed twice, on either side, and only [`general`] applies.
pub(crate) fn aligned(old: &Bookmarks, new: &[Bookmark]) -> Option<Diff> {
    if !old.names_unique() {
        return None;
    }
    let mut old_changed: Vec<(usize, &Bookmark)> = Vec::new();
    let mut new_changed: Vec<(usize, &Bookmark)> = Vec::new();
    align(
        old,
        new,
        |a, b| a == b,
        |step| match step {
            Step::Same { .. } => {}
            Step::Replaced {
                old_at,
                old,
                new_at,
            } => {
                old_changed.push((old_at, old));
                new_changed.push((new_at, &new[new_at]));
            }
            Step::OldOnly { old_at, old } => old_changed.push((old_at, old)),
            Step::NewOnly { new_at } => new_changed.push((new_at, &new[new_at])),
        },
    );
    if old_changed.is_empty() && new_changed.is_empty() {
        return Some(Diff::Unchanged);
    }
    let mut new_by_name: HashMap<&str, &Bookmark> = HashMap::with_capacity(new_changed.len());
    for &(_, b) in &new_changed {
        if new_by_name.insert(&b.name, b).is_some() {
            return None;
        }
    }
    let old_names: HashSet<&str> = old_changed.iter().map(|(_, b)| &*b.name).collect();
    let mut appeared = Vec::with_capacity(new_changed.len());
    for &(at, b) in &new_changed {
        if !old_names.contains(&*b.name) {
            if old.contains(&b.name) {
                // Held by a paired entry, so the file lists this name twice.
                return None;
            }
            appeared.push((at, b));
        }
    }
    Some(Diff::Changed(events(
        old.len(),
        old_changed.iter().map(|&(at, bookmark)| OldEntry {
            at,
            bookmark,
            now: new_by_name.get(&*bookmark.name).copied(),
        }),
        appeared,
    )))
}

/// An old bookmark the rules must look at.
struct OldEntry<'a> {
    /// Its position in the old list.
    at: usize,
    bookmark: &'a Bookmark,
    /// The new entry with its name, if the name is still in the file.
    now: Option<&'a Bookmark>,
}

/// The events, from the old entries that may have changed (in old order; every
/// old entry left out survives unchanged) and the new entries whose names are
/// new (in file order, with their positions). A vanished or new name's gap is
/// the number of surviving names before it in its own list: its position less
/// the vanished (or new) names before it.
fn events<'a>(
    old_len: usize,
    old: impl IntoIterator<Item = OldEntry<'a>>,
    new: impl IntoIterator<Item = (usize, &'a Bookmark)>,
) -> Vec<RegistryEvent> {
    let rename = |old: &Bookmark, now: &Bookmark| RegistryEvent::BookmarkRenamed {
        old_name: old.name.clone(),
        new_name: now.name.clone(),
        url: now.url.clone(),
    };
    let mut gone: Vec<(usize, &Bookmark)> = Vec::new();
    let mut renamed: Vec<RegistryEvent> = Vec::new();
    for OldEntry { at, bookmark, now } in old {
        match now {
            Some(now) if now.url != bookmark.url => renamed.push(rename(bookmark, now)),
            Some(_) => {}
            None => gone.push((at - gone.len(), bookmark)),
        }
    }
    // New names, grouped by URL in file order, so a vanished name can be paired
    // with the first new name that points where it pointed.
    let mut appeared_by_url: HashMap<&str, VecDeque<&Bookmark>> = HashMap::new();
    let mut appeared: Vec<(usize, &Bookmark)> = Vec::new();
    for (at, b) in new {
        appeared_by_url.entry(&b.url).or_default().push_back(b);
        appeared.push((at - appeared.len(), b));
    }
    let gone_count = gone.len();
    let mut paired: HashSet<&str> = HashSet::new();
    let mut unpaired: Vec<(usize, &Bookmark)> = Vec::new();
    for (gap, old) in gone {
        let partner = match appeared_by_url.entry(&old.url) {
            Entry::Occupied(mut queue) => queue.get_mut().pop_front(),
            Entry::Vacant(_) => None,
        };
        match partner {
            Some(now) => {
                paired.insert(&now.name);
                renamed.push(rename(old, now));
            }
            None => unpaired.push((gap, old)),
        }
    }
    // What no URL paired: the only vanished and the only new name of a gap are a rename in
    // place (the file `rename_bookmark(old, new, url)` writes), when some bookmark survived.
    let survivors = old_len - gone_count;
    let mut appeared_by_gap: HashMap<usize, Vec<&Bookmark>> = HashMap::new();
    for &(gap, b) in &appeared {
        if !paired.contains(&*b.name) {
            appeared_by_gap.entry(gap).or_default().push(b);
        }
    }
    let mut gone_per_gap: HashMap<usize, usize> = HashMap::new();
    for &(gap, _) in &unpaired {
        *gone_per_gap.entry(gap).or_default() += 1;
    }
    let mut deleted = Vec::new();
    for (gap, old) in unpaired {
        let in_place = match appeared_by_gap.get(&gap) {
            Some(new) if survivors > 0 && new.len() == 1 && gone_per_gap[&gap] == 1 => Some(new[0]),
            _ => None,
        };
        match in_place {
            Some(now) => {
                paired.insert(&now.name);
                renamed.push(rename(old, now));
            }
            None => deleted.push(RegistryEvent::BookmarkDeleted {
                name: old.name.clone(),
                url: old.url.clone(),
            }),
        }
    }
    let added = appeared
        .into_iter()
        .map(|(_, b)| b)
        .filter(|b| !paired.contains(&*b.name))
        .map(|b| RegistryEvent::BookmarkAdded {
            name: b.name.clone(),
            url: b.url.clone(),
        });
    let mut out = deleted;
    out.extend(renamed);
    out.extend(added);
    out
}

#[cfg(test)]
#[path = "bookmark_diff_tests.rs"]
mod tests;
