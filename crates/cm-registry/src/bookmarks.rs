//! [`Bookmarks`]: the registry's bookmarks in display order, shared between
//! snapshot generations.
//!
//! Every change publishes a new snapshot, and a snapshot must not change under
//! its reader, so a change cannot edit the list the last snapshot holds. A
//! plain list would have to be copied whole for every change, which makes one
//! edit cost O(n). Instead the bookmarks live in persistent maps (`imbl`): a
//! change copies only the path from the root to the entry it touches (a few
//! nodes of 16 entries) and shares everything else with the previous
//! generation, so one edit is O(log n) and cloning the whole collection (to
//! publish it, or to keep a checkpoint) is O(1).
//!
//! Three maps, kept consistent by the methods here and nowhere else:
//!
//! * `order`: sequence number -> bookmark. A new bookmark takes the next
//!   number, a renamed one keeps its own, so iterating in key order is the
//!   display (file) order.
//! * `by_name`: (hash of the name, sequence number), for lookups by name.
//! * `by_url`: (hash of the URL, sequence number), so that the duplicate check
//!   of an add or a rename does not scan the list. A file written by hand may
//!   hold several names for one URL; they come out in display order.
//!
//! A flag, `names_may_repeat`, says whether two bookmarks may share a name
//! (only a hand-built list can do that). The reload diff takes a shortcut that
//! is exact only when names are unique (see `bookmark_diff`), and proving
//! that from scratch would cost a pass over every name.
//!
//! The two indexes hold only integers, so copying one of their nodes is a
//! plain memory copy: what a change pays for is the few shared child pointers
//! on its path (the profile in docs/BENCHMARKS.md shows a hash map of
//! `Arc<str>` keys, whose node copies touch every key's reference count, cost
//! twice as much).

use std::fmt;
use std::hash::BuildHasher;

use crate::values::Bookmark;

/// Sequence numbers of the entries whose key hashes to one value, in order.
/// Lazy, one seek per step: almost every hash has one entry, and a lookup stops
/// at its first match, so the usual cost is a single seek (a range iterator
/// would seek both of its ends first).
fn with_hash(index: &imbl::OrdSet<(u64, u64)>, hash: u64) -> impl Iterator<Item = u64> + '_ {
    let mut from = Some(0);
    std::iter::from_fn(move || {
        let &(found, seq) = index.get_next(&(hash, from?))?;
        from = seq.checked_add(1).filter(|_| found == hash);
        (found == hash).then_some(seq)
    })
}

/// Where a bookmark is in its [`Bookmarks`]: valid until the collection next changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Position(u64);

/// The bookmarks of a snapshot, in display (file) order; cloning is O(1).
///
/// Iterate with [`iter`](Self::iter) or `for bookmark in &bookmarks`; look a
/// name up with [`get`](Self::get) (O(log n)).
#[derive(Clone, Default)]
pub struct Bookmarks {
    order: imbl::OrdMap<u64, Bookmark>,
    by_name: imbl::OrdSet<(u64, u64)>,
    by_url: imbl::OrdSet<(u64, u64)>,
    /// One seed per collection, kept by every clone (the indexes depend on it).
    hasher: foldhash::fast::RandomState,
    next_seq: u64,
    /// False only when no two bookmarks share a name. True may be a false alarm
    /// (two names whose hashes collide, or a repeat since removed), which costs
    /// the reload diff its shortcut and nothing else.
    names_may_repeat: bool,
}

impl Bookmarks {
    /// How many bookmarks there are.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True when there is no bookmark.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The bookmarks in display order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.order.values())
    }

    /// The bookmark called `name`.
    pub fn get(&self, name: &str) -> Option<&Bookmark> {
        self.find(name).map(|(_, b)| b)
    }

    /// True when a bookmark is called `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// The first bookmark in display order.
    pub fn first(&self) -> Option<&Bookmark> {
        self.iter().next()
    }

    /// The bookmarks, copied into a `Vec` (O(n)).
    pub fn to_vec(&self) -> Vec<Bookmark> {
        self.iter().cloned().collect()
    }

    /// The bookmarks of a file, in its order. A name listed twice (a TOML
    /// table cannot hold a key twice, so only a hand-built list can) is kept
    /// twice, as a plain list would; lookups find the first.
    pub(crate) fn from_list(list: Vec<Bookmark>) -> Self {
        let hasher = foldhash::fast::RandomState::default();
        let mut names = Vec::with_capacity(list.len());
        let mut urls = Vec::with_capacity(list.len());
        let mut order = imbl::OrdMap::new();
        for (seq, bookmark) in (0..).zip(list) {
            names.push((hasher.hash_one(&*bookmark.name), seq));
            urls.push((hasher.hash_one(&*bookmark.url), seq));
            order.insert(seq, bookmark);
        }
        // A B-tree fills fastest in key order (each insert lands in the last leaf).
        names.sort_unstable();
        urls.sort_unstable();
        Self {
            next_seq: order.len() as u64,
            names_may_repeat: names.windows(2).any(|w| w[0].0 == w[1].0),
            order,
            by_name: names.into_iter().collect(),
            by_url: urls.into_iter().collect(),
            hasher,
        }
    }

    /// Makes this equal to `list`, in its order, reusing what is unchanged: a
    /// reload in which a few entries changed pays one walk of O(n) comparisons
    /// plus O(log n) per changed position, not a rebuild. Entries are compared
    /// position by position, so an entry removed from the middle changes every
    /// position after it (still correct, and no dearer than a rebuild).
    pub(crate) fn assign(&mut self, list: Vec<Bookmark>) {
        if self.is_empty() {
            *self = Self::from_list(list);
            return;
        }
        // One walk of the tree: `list` drives the zip, so the first old entry
        // past its end is not consumed and the rest of `old` is the surplus.
        let mut old = self.order.iter();
        let changed: Vec<(u64, usize)> = list
            .iter()
            .zip(old.by_ref())
            .enumerate()
            .filter(|(_, (new, (_, old)))| old != new)
            .map(|(at, (_, (seq, _)))| (*seq, at))
            .collect();
        let surplus: Vec<u64> = old.map(|(seq, _)| *seq).collect();
        let kept = self.len() - surplus.len();
        let may_repeat_before = self.names_may_repeat;
        let mut new_names = Vec::new();
        let mut changed = changed.into_iter().peekable();
        let mut list = list.into_iter().enumerate();
        // Each index entry belongs to one sequence number, so replacing entry by
        // entry leaves the indexes exact even when names move between positions.
        for (at, bookmark) in list.by_ref().take(kept) {
            if let Some((seq, _)) = changed.next_if(|&(_, c)| c == at) {
                new_names.push(self.hasher.hash_one(&*bookmark.name));
                self.replace_seq(seq, bookmark);
            }
        }
        for seq in surplus {
            self.remove_at(seq);
        }
        for (_, bookmark) in list {
            new_names.push(self.hasher.hash_one(&*bookmark.name));
            self.push(bookmark);
        }
        // Names that were unique stay unique unless a name just written is now
        // held twice; otherwise only a pass over the whole index can tell.
        self.names_may_repeat = if may_repeat_before {
            self.by_name
                .iter()
                .zip(self.by_name.iter().skip(1))
                .any(|(a, b)| a.0 == b.0)
        } else {
            new_names
                .into_iter()
                .any(|hash| with_hash(&self.by_name, hash).nth(1).is_some())
        };
    }

    /// True when no two bookmarks share a name (false may be a false alarm).
    pub(crate) fn names_unique(&self) -> bool {
        !self.names_may_repeat
    }

    /// The first bookmark in display order that points at `url` and is not
    /// called `except`.
    pub(crate) fn first_with_url(&self, url: &str, except: Option<&str>) -> Option<&Bookmark> {
        with_hash(&self.by_url, self.hasher.hash_one(url))
            .filter_map(|seq| self.order.get(&seq))
            .find(|b| &*b.url == url && Some(&*b.name) != except)
    }

    /// Appends `bookmark` (the registry checks first that its name is new,
    /// which keeps `names_may_repeat` true to its word; `assign` checks after).
    pub(crate) fn push(&mut self, bookmark: Bookmark) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.by_name
            .insert((self.hasher.hash_one(&*bookmark.name), seq));
        self.by_url
            .insert((self.hasher.hash_one(&*bookmark.url), seq));
        self.order.insert(seq, bookmark);
    }

    /// Removes the bookmark called `name` and returns it.
    pub(crate) fn remove(&mut self, name: &str) -> Option<Bookmark> {
        let (seq, _) = self.find(name)?;
        self.remove_at(seq)
    }

    /// The bookmark called `name` and where it is, for a [`replace_at`](Self::replace_at)
    /// after checks that need the old entry: one lookup by name, not two.
    pub(crate) fn position(&self, name: &str) -> Option<(Position, &Bookmark)> {
        self.find(name)
            .map(|(seq, bookmark)| (Position(seq), bookmark))
    }

    /// Replaces the bookmark at `at` (from [`position`](Self::position), with no change
    /// since) in the same place; returns the old one.
    pub(crate) fn replace_at(&mut self, at: Position, bookmark: Bookmark) -> Option<Bookmark> {
        self.replace_seq(at.0, bookmark)
    }

    fn remove_at(&mut self, seq: u64) -> Option<Bookmark> {
        let removed = self.order.remove(&seq)?;
        self.by_name
            .remove(&(self.hasher.hash_one(&*removed.name), seq));
        self.by_url
            .remove(&(self.hasher.hash_one(&*removed.url), seq));
        Some(removed)
    }

    fn replace_seq(&mut self, seq: u64, bookmark: Bookmark) -> Option<Bookmark> {
        let name_key = (self.hasher.hash_one(&*bookmark.name), seq);
        let url_key = (self.hasher.hash_one(&*bookmark.url), seq);
        let old = self.order.insert(seq, bookmark)?;
        let old_name_key = (self.hasher.hash_one(&*old.name), seq);
        if old_name_key != name_key {
            self.by_name.remove(&old_name_key);
            self.by_name.insert(name_key);
        }
        let old_url_key = (self.hasher.hash_one(&*old.url), seq);
        if old_url_key != url_key {
            self.by_url.remove(&old_url_key);
            self.by_url.insert(url_key);
        }
        Some(old)
    }

    /// The sequence number and bookmark called `name`.
    fn find(&self, name: &str) -> Option<(u64, &Bookmark)> {
        with_hash(&self.by_name, self.hasher.hash_one(name))
            .filter_map(|seq| Some((seq, self.order.get(&seq)?)))
            .find(|(_, b)| &*b.name == name)
    }
}

impl fmt::Debug for Bookmarks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Equal when the same bookmarks are in the same order.
impl PartialEq for Bookmarks {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Bookmarks {}

impl PartialEq<[Bookmark]> for Bookmarks {
    fn eq(&self, other: &[Bookmark]) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<'a> IntoIterator for &'a Bookmarks {
    type Item = &'a Bookmark;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The bookmarks of a [`Bookmarks`], in display order.
pub struct Iter<'a>(imbl::ordmap::Values<'a, u64, Bookmark, imbl::shared_ptr::DefaultSharedPtr>);

impl fmt::Debug for Iter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Iter { .. }")
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Bookmark;

    fn next(&mut self) -> Option<&'a Bookmark> {
        self.0.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back()
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl std::iter::FusedIterator for Iter<'_> {}

#[cfg(test)]
#[path = "bookmarks_tests.rs"]
mod tests;
