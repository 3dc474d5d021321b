//! The persistent bookmarks against the behaviour they replace: a plain
//! `Vec<Bookmark>` copied whole into every snapshot, with the registry's
//! rules written over it as before (linear scans, positions).

use proptest::prelude::*;

use super::*;
use crate::state::RegistryState;

const NAMES: [&str; 6] = ["a", "b", "c", "d", "e", "f"];

fn url(i: usize) -> String {
    format!("omniverse://h/p{i}/")
}

#[derive(Clone, Debug)]
enum Op {
    Add(usize, usize),
    Remove(usize),
    Rename(usize, usize, usize),
    /// A reload: the file's whole list (names may repeat in a hand-built list).
    Reload(Vec<(usize, usize)>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..NAMES.len(), 0..5usize).prop_map(|(n, u)| Op::Add(n, u)),
        (0..NAMES.len()).prop_map(Op::Remove),
        (0..NAMES.len(), 0..NAMES.len(), 0..5usize).prop_map(|(o, n, u)| Op::Rename(o, n, u)),
        proptest::collection::vec((0..NAMES.len(), 0..5usize), 0..8).prop_map(Op::Reload),
    ]
}

/// The old full-copy state: what each mutation did to a `Vec`.
#[derive(Clone, Debug, Default)]
struct Model(Vec<Bookmark>);

impl Model {
    fn position(&self, name: &str) -> Option<usize> {
        self.0.iter().position(|b| &*b.name == name)
    }

    fn url_taken(&self, url: &str, except: Option<&str>) -> Result<(), String> {
        match self
            .0
            .iter()
            .find(|b| &*b.url == url && Some(&*b.name) != except)
        {
            Some(b) => Err(format!("url taken by {}", b.name)),
            None => Ok(()),
        }
    }

    fn apply(&mut self, op: &Op) -> Result<(), String> {
        match *op {
            Op::Add(n, u) => {
                let (name, url) = (NAMES[n], url(u));
                if self.position(name).is_some() {
                    return Err(format!("name {name} taken"));
                }
                self.url_taken(&url, None)?;
                self.0.push(Bookmark::new(name, url));
            }
            Op::Remove(n) => {
                let at = self.position(NAMES[n]).ok_or("unknown")?;
                self.0.remove(at);
            }
            Op::Rename(o, n, u) => {
                let (old, new, url) = (NAMES[o], NAMES[n], url(u));
                let at = self.position(old).ok_or("unknown")?;
                if old != new && self.position(new).is_some() {
                    return Err(format!("name {new} taken"));
                }
                self.url_taken(&url, Some(old))?;
                self.0[at] = Bookmark::new(new, url);
            }
            Op::Reload(ref list) => self.0 = listed(list),
        }
        Ok(())
    }
}

/// The same operation on the registry's state, its error in the model's terms.
fn apply(state: &mut RegistryState, op: &Op) -> Result<(), String> {
    let result = match *op {
        Op::Add(n, u) => state.add_bookmark(NAMES[n], &url(u)).map(drop),
        Op::Remove(n) => state.remove_bookmark(NAMES[n]).map(drop),
        Op::Rename(o, n, u) => state.rename_bookmark(NAMES[o], NAMES[n], &url(u)).map(drop),
        Op::Reload(ref list) => {
            state.bookmarks.assign(listed(list));
            Ok(())
        }
    };
    result.map_err(|e| match e {
        crate::RegistryError::DuplicateBookmarkName { name } => format!("name {name} taken"),
        crate::RegistryError::DuplicateBookmarkUrl { existing, .. } => {
            format!("url taken by {existing}")
        }
        crate::RegistryError::UnknownBookmark { .. } => "unknown".to_owned(),
        other => panic!("unexpected error {other:?}"),
    })
}

fn listed(list: &[(usize, usize)]) -> Vec<Bookmark> {
    list.iter()
        .map(|&(n, u)| Bookmark::new(NAMES[n], url(u)))
        .collect()
}

fn assert_same(bookmarks: &Bookmarks, model: &Model) {
    assert_eq!(bookmarks.to_vec(), model.0);
    assert_eq!(bookmarks.len(), model.0.len());
    assert!(*bookmarks == *model.0);
    let repeated =
        (0..model.0.len()).any(|i| model.0[..i].iter().any(|b| b.name == model.0[i].name));
    assert!(
        !(bookmarks.names_unique() && repeated),
        "a repeated name went unnoticed"
    );
    for name in NAMES {
        assert_eq!(
            bookmarks.get(name),
            model.0.iter().find(|b| &*b.name == name),
            "{name}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random mutations and reloads, from a start that may hold one URL under
    /// several names (a hand-edited file), give the same results and the same snapshots as
    /// the full copy; and every snapshot taken on the way still reads as it did
    /// when it was taken, after all the later mutations.
    #[test]
    fn mutations_match_the_full_copy(
        start in proptest::collection::vec(0..5usize, 0..NAMES.len()),
        ops in proptest::collection::vec(op(), 0..60),
    ) {
        let initial: Vec<Bookmark> =
            start.iter().enumerate().map(|(i, u)| Bookmark::new(NAMES[i], url(*u))).collect();
        let mut model = Model(initial.clone());
        let mut state = RegistryState {
            bookmarks: Bookmarks::from_list(initial),
            ..RegistryState::default()
        };
        let mut taken = vec![(state.bookmarks.clone(), model.clone())];
        for op in &ops {
            let expected = model.apply(op);
            prop_assert_eq!(apply(&mut state, op), expected, "{:?}", op);
            assert_same(&state.bookmarks, &model);
            taken.push((state.bookmarks.clone(), model.clone()));
        }
        for (snapshot, model) in &taken {
            assert_same(snapshot, model);
        }
    }
}

#[test]
fn a_name_listed_twice_is_kept_twice_and_found_first() {
    let list = Bookmarks::from_list(vec![
        Bookmark::new("a", url(1)),
        Bookmark::new("b", url(1)),
        Bookmark::new("a", url(2)),
    ]);
    assert_eq!(list.len(), 3);
    assert_eq!(list.get("a"), Some(&Bookmark::new("a", url(1))));
    assert_eq!(
        list.first_with_url(&url(1), Some("a")).map(|b| &*b.name),
        Some("b")
    );
    assert_eq!(
        list.first_with_url(&url(1), None).map(|b| &*b.name),
        Some("a")
    );
    assert_eq!(
        list.first_with_url(&url(2), Some("b")).map(|b| &*b.name),
        Some("a")
    );
    assert!(list.first_with_url(&url(3), None).is_none());
}
