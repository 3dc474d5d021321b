//! The shortcut against the rules: `aligned` and `general` against the bookmark
//! diff as it was written before the split (kept below as `reference`), over
//! generated edits of generated lists.

use std::collections::HashMap;
use std::collections::VecDeque;
use std::collections::hash_map::Entry;

use proptest::prelude::*;

use super::*;
use crate::file_load::from_sections;
use cm_toml_store::{BookmarkEntry, Sections};

const NAMES: [&str; 8] = ["a", "b", "c", "d", "e", "f", "g", "h"];
const URLS: usize = 4;

fn url(i: usize) -> String {
    format!("omniverse://h/p{i}/")
}

fn listed(list: &[(usize, usize)]) -> Vec<Bookmark> {
    list.iter()
        .map(|&(n, u)| Bookmark::new(NAMES[n], url(u)))
        .collect()
}

/// The bookmark diff before it was split into `events` and its two feeders,
/// unchanged but for taking slices; `None` for lists that are equal.
fn reference(old: &[Bookmark], new: &[Bookmark]) -> Option<Vec<RegistryEvent>> {
    if old == new {
        return None;
    }
    let new_by_name: HashMap<&str, &Bookmark> = new.iter().map(|b| (&*b.name, b)).collect();
    let old_names: HashMap<&str, ()> = old.iter().map(|b| (&*b.name, ())).collect();
    let mut gone: Vec<(usize, &Bookmark)> = Vec::new();
    let mut renamed: Vec<RegistryEvent> = Vec::new();
    let mut gap = 0;
    for old in old {
        match new_by_name.get(&*old.name) {
            Some(now) => {
                gap += 1;
                if now.url != old.url {
                    renamed.push(RegistryEvent::BookmarkRenamed {
                        old_name: old.name.clone(),
                        new_name: now.name.clone(),
                        url: now.url.clone(),
                    });
                }
            }
            None => gone.push((gap, old)),
        }
    }
    let mut appeared_by_url: HashMap<&str, VecDeque<&Bookmark>> = HashMap::new();
    let mut appeared: Vec<(usize, &Bookmark)> = Vec::new();
    let mut gap = 0;
    for b in new {
        if old_names.contains_key(&*b.name) {
            gap += 1;
        } else {
            appeared_by_url.entry(&b.url).or_default().push_back(b);
            appeared.push((gap, b));
        }
    }
    let rename = |old: &Bookmark, now: &Bookmark| RegistryEvent::BookmarkRenamed {
        old_name: old.name.clone(),
        new_name: now.name.clone(),
        url: now.url.clone(),
    };
    let gone_count = gone.len();
    let mut paired: HashMap<&str, ()> = HashMap::new();
    let mut unpaired: Vec<(usize, &Bookmark)> = Vec::new();
    for (gap, old) in gone {
        let partner = match appeared_by_url.entry(&old.url) {
            Entry::Occupied(mut queue) => queue.get_mut().pop_front(),
            Entry::Vacant(_) => None,
        };
        match partner {
            Some(now) => {
                paired.insert(&now.name, ());
                renamed.push(rename(old, now));
            }
            None => unpaired.push((gap, old)),
        }
    }
    let survivors = old.len() - gone_count;
    let mut appeared_by_gap: HashMap<usize, Vec<&Bookmark>> = HashMap::new();
    for &(gap, b) in &appeared {
        if !paired.contains_key(&*b.name) {
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
                paired.insert(&now.name, ());
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
        .filter(|b| !paired.contains_key(&*b.name))
        .map(|b| RegistryEvent::BookmarkAdded {
            name: b.name.clone(),
            url: b.url.clone(),
        });
    let mut events = deleted;
    events.extend(renamed);
    events.extend(added);
    Some(events)
}

/// One hand edit of a list; positions wrap around its length.
#[derive(Clone, Debug)]
enum Edit {
    Rename(usize, usize),
    Repoint(usize, usize),
    Delete(usize),
    Insert(usize, usize, usize),
    Move(usize, usize),
    /// Lists an entry a second time (a name and a URL twice).
    Copy(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let (n, u, at) = (0..NAMES.len(), 0..URLS, 0..16usize);
    prop_oneof![
        (at.clone(), n.clone()).prop_map(|(a, n)| Edit::Rename(a, n)),
        (at.clone(), u.clone()).prop_map(|(a, u)| Edit::Repoint(a, u)),
        at.clone().prop_map(Edit::Delete),
        (at.clone(), n, u).prop_map(|(a, n, u)| Edit::Insert(a, n, u)),
        (at.clone(), at.clone()).prop_map(|(a, b)| Edit::Move(a, b)),
        (at.clone(), at).prop_map(|(a, b)| Edit::Copy(a, b)),
    ]
}

fn apply(list: &mut Vec<(usize, usize)>, edit: &Edit) {
    let len = list.len();
    let at = |i: usize| i % len.max(1);
    match *edit {
        Edit::Insert(a, n, u) => list.insert(a % (len + 1), (n, u)),
        _ if len == 0 => {}
        Edit::Rename(a, n) => list[at(a)].0 = n,
        Edit::Repoint(a, u) => list[at(a)].1 = u,
        Edit::Delete(a) => {
            list.remove(at(a));
        }
        Edit::Move(a, b) => {
            let entry = list.remove(at(a));
            list.insert(b % len, entry);
        }
        Edit::Copy(a, b) => {
            let entry = list[at(a)];
            list.insert(b % (len + 1), entry);
        }
    }
}

/// Old lists: unique names in any order (every file), or any list (a
/// hand-built one, names possibly repeated).
fn old_list() -> impl Strategy<Value = Vec<(usize, usize)>> {
    prop_oneof![
        3 => proptest::sample::subsequence((0..NAMES.len()).collect::<Vec<_>>(), 0..=NAMES.len())
            .prop_shuffle()
            .prop_flat_map(|names| {
                let urls = proptest::collection::vec(0..URLS, names.len());
                (Just(names), urls)
            })
            .prop_map(|(names, urls)| names.into_iter().zip(urls).collect()),
        1 => proptest::collection::vec((0..NAMES.len(), 0..URLS), 0..8),
    ]
}

fn repeats(list: &[Bookmark]) -> bool {
    list.iter()
        .enumerate()
        .any(|(i, a)| list[..i].iter().any(|b| a.name == b.name))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// `general` gives the events the diff always gave; `aligned` declines
    /// exactly when a name is listed twice and otherwise agrees; and the
    /// state takes the new list.
    #[test]
    fn the_shortcut_gives_the_events_of_the_rules(
        old in old_list(),
        edits in proptest::collection::vec(edit(), 0..4),
        unrelated in proptest::option::weighted(0.1, proptest::collection::vec((0..NAMES.len(), 0..URLS), 0..8)),
    ) {
        let new = unrelated.unwrap_or_else(|| {
            let mut new = old.clone();
            edits.iter().for_each(|e| apply(&mut new, e));
            new
        });
        let (old, new) = (listed(&old), listed(&new));
        let held = Bookmarks::from_list(old.clone());
        let expected = match reference(&old, &new) {
            None => Diff::Unchanged,
            Some(events) => Diff::Changed(events),
        };
        prop_assert_eq!(&general(&held, &new), &expected);
        let fast = aligned(&held, &new);
        prop_assert_eq!(fast.is_some(), !repeats(&old) && !repeats(&new));
        if let Some(fast) = fast {
            prop_assert_eq!(&fast, &expected);
        }

        let mut state = RegistryState { bookmarks: held, ..RegistryState::default() };
        let mut events = Vec::new();
        reconcile_bookmarks(&mut state, new.clone(), &mut events);
        prop_assert!(state.bookmarks == *new);
        prop_assert_eq!(state.dirty.bookmarks, expected != Diff::Unchanged);
        prop_assert_eq!(Diff::Changed(events), match expected {
            Diff::Unchanged => Diff::Changed(Vec::new()),
            changed => changed,
        });
    }

    /// Loading shares the strings of entries memory holds and otherwise reads
    /// each entry as it always did: normalised, or left out with a warning.
    #[test]
    fn loading_reads_every_entry_as_before(
        old in old_list(),
        new in proptest::collection::vec((0..NAMES.len(), 0..URLS, 0..3usize), 0..10),
    ) {
        let state = RegistryState {
            bookmarks: Bookmarks::from_list(listed(&old)),
            ..RegistryState::default()
        };
        let spell = |u: usize, how: usize| match how {
            0 => url(u),
            1 => format!("OMNIVERSE://H/p{u}/"),
            _ => format!("not a url {u}"),
        };
        let sections = Sections {
            bookmarks: new
                .iter()
                .map(|&(n, u, how)| BookmarkEntry { name: NAMES[n].into(), url: spell(u, how) })
                .collect(),
            ..Sections::default()
        };
        let mut expected_warnings = Vec::new();
        let expected: Vec<Bookmark> = sections
            .bookmarks
            .iter()
            .filter_map(|b| match crate::url_policy::normalize(&b.url) {
                Ok(url) => Some(Bookmark::new(b.name.as_str(), url)),
                Err(e) => {
                    expected_warnings.push(format!("[bookmarks] {:?}: {e}; ignored", b.name));
                    None
                }
            })
            .collect();
        let mut warnings = Vec::new();
        let model = from_sections(&sections, &state, &mut warnings);
        prop_assert_eq!(model.bookmarks, expected);
        prop_assert_eq!(warnings, expected_warnings);
    }
}

#[test]
fn usual_edits_take_the_shortcut() {
    let old = listed(&[(0, 0), (1, 1), (2, 2), (3, 3), (4, 0)]);
    let held = Bookmarks::from_list(old);
    for new in [
        listed(&[(0, 0), (5, 1), (2, 2), (3, 3), (4, 0)]),
        listed(&[(0, 0), (2, 2), (3, 3), (4, 0)]),
        listed(&[(0, 0), (1, 1), (5, 3), (2, 2), (3, 3), (4, 0)]),
        listed(&[(0, 0), (1, 1), (2, 2), (3, 3), (4, 0), (5, 1)]),
    ] {
        let fast = aligned(&held, &new).expect("unique names take the shortcut");
        assert_ne!(fast, Diff::Unchanged);
    }
    assert_eq!(aligned(&held, &held.to_vec()), Some(Diff::Unchanged));
}
