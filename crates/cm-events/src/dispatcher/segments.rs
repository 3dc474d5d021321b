//! Rebuilding an observer list without copying all of it: segmented lists.
//!
//! A flat list (every entry inline, see [`ObserverList`]) is rebuilt whole when an observer
//! sorts before its last entry, on `set_order` and on compaction: O(n) per change. Up to
//! [`FLAT_MAX`] live observers that is what happens (a copy of a few cache lines). Past it, any
//! rebuild (an out-of-order observe, a `set_order`, an append to a full list, a compaction)
//! turns the list into a *segmented* one, once:
//!
//! * the sorted observers are cut into runs: immutable *segments* of about [`SEGMENT`] entries,
//!   then the *head* (the list the slot publishes), which holds the last run with room for
//!   appends (up to `2 * SEGMENT` entries) and an array of pointers to the segments before it;
//! * a change rebuilds only the runs it touches (the one a new key falls in, found by binary
//!   search on the runs' first keys; the one an observer leaves) plus a new head that copies the
//!   segment pointer array and shares every untouched segment. Cost: O([`SEGMENT`] + n /
//!   [`SEGMENT`]) pointer-sized copies, no per-observer reference counting beyond the runs
//!   touched, instead of O(n) reference-counted copies and a sort;
//! * a run that outgrows `2 * SEGMENT` splits; a segment left empty disappears; the head, once
//!   full, hands all but its last [`SEGMENT`] entries over as new segments; when the live
//!   observers fall to `FLAT_MAX / 2` the list becomes flat again.
//!
//! The published structure changes by one pointer swap, as before: a dispatch that loaded the
//! old head calls the old version, segments included (replaced segments are retired through the
//! reclaimer like old heads, and marked stale the same way); one that loads the new head calls
//! the new version. Appends that sort last still go in place into the head (the common case:
//! O(1) amortised, unchanged). A dispatch reads the head's length before calling the segments,
//! so an observer appended during it is not called by it.
//!
//! Ownership: segments are owned by the slot's *current* structure (not by the heads that point
//! to them, since successive heads share them). A rebuild returns the segments the new head no
//! longer uses, to retire; unpublishing a list retires all of them
//! ([`ObserverList::take_segments`]).

use std::sync::Arc;

use super::observer::{ListBox, Observer, ObserverList, SortKey};

/// Lists with at most this many live observers stay flat on every change.
#[cfg(not(loom))]
pub(crate) const FLAT_MAX: usize = 64;
/// Under loom: small, so that a model with a few observers can take the segmented path.
#[cfg(loom)]
pub(crate) const FLAT_MAX: usize = 2;

/// The size of the runs a segmented list is cut into.
#[cfg(not(loom))]
pub(crate) const SEGMENT: usize = 32;
#[cfg(loom)]
pub(crate) const SEGMENT: usize = 1;

/// One change to a list: an observer to take out (with the key it was placed under: a
/// `set_order` has already changed its order), one to put in, and a run to compact.
#[derive(Default)]
pub(crate) struct Edit<'a> {
    pub(crate) exclude: Option<(&'a Observer, SortKey)>,
    pub(crate) insert: Option<Arc<Observer>>,
    /// A run of the list (the list itself or one of its segments) to rebuild without its
    /// tombstones.
    pub(crate) compact: Option<*const ObserverList>,
}

/// A rebuilt list: the new head to publish, and the old segments it no longer uses (to retire
/// once it is published).
pub(crate) struct Rebuilt {
    pub(crate) head: ListBox,
    pub(crate) retired: Vec<ListBox>,
}

impl Rebuilt {
    fn flat(observers: Vec<Arc<Observer>>, retired: Vec<ListBox>) -> Rebuilt {
        Rebuilt {
            head: ObserverList::sorted(observers),
            retired,
        }
    }
}

/// A new list of exactly `observers` (a slot's first).
pub(crate) fn first(observers: Vec<Arc<Observer>>) -> Rebuilt {
    Rebuilt::flat(observers, Vec::new())
}

/// `list` (a slot's current head) with `edit` applied. Caller holds the write lock; `list`
/// keeps at least one live observer.
pub(crate) fn rebuild(list: &ObserverList, edit: Edit<'_>) -> Rebuilt {
    let excluded = usize::from(edit.exclude.is_some());
    let inserted = usize::from(edit.insert.is_some());
    let live_total = list.live_len() + inserted - excluded;
    if list.is_flat() {
        let sorts_last = edit
            .insert
            .as_ref()
            .is_none_or(|o| o.key() >= list.last_key());
        let mut all = without(list.live_arcs(), edit.exclude);
        all.extend(edit.insert);
        // A flat list past FLAT_MAX stays flat when it grows (an append to a full list of
        // mostly live observers: it doubles, O(1) amortised like a `Vec`) and when it is
        // compacted (tombstones outnumber live entries: the copy halves it, so a mass drop stays
        // O(1) amortised too). What makes it segmented is an append to a full list that is
        // mostly tombstones — observe + drop churn: staying flat there meant one O(n) copy every
        // ~n pairs, each copied observer taking a reference count somewhere in the heap, so at
        // 100 000 observers `observe_drop_with_100k` read 0.3-1.5 µs with the host's memory
        // traffic; segmented, a later change rebuilds one run and the head. (Compactions went
        // segmented too for a while: dropping 3 million observers then took 46 s, not 3 s,
        // because every run compaction copies the head's n / SEGMENT segment pointers.)
        let compaction = inserted == 0;
        let growth = sorts_last && list.tombstone_count() <= list.live_len() / 2;
        let stays_flat = edit.exclude.is_none() && (compaction || growth);
        if all.len() <= FLAT_MAX || stays_flat {
            return Rebuilt::flat(all, Vec::new());
        }
        if !(edit.exclude.is_none() && sorts_last) {
            all.sort_by_key(|o| o.key());
        }
        return Rebuilt {
            head: assemble(Vec::new(), all, live_total),
            retired: Vec::new(),
        };
    }
    if live_total <= FLAT_MAX / 2 {
        let mut all = without(list.live_arcs(), edit.exclude);
        all.extend(edit.insert);
        // SAFETY: `list` is the current head, owned by the slot under the write lock; the new
        // flat list uses none of its segments.
        let retired = unsafe { list.take_segments() };
        return Rebuilt::flat(all, retired);
    }
    rebuild_segmented(list, edit, live_total)
}

fn rebuild_segmented(list: &ObserverList, edit: Edit<'_>, live_total: usize) -> Rebuilt {
    let prefix = list.prefix();
    // Runs by index: `0..prefix.len()` the segments, `prefix.len()` the head's own entries.
    let head_index = prefix.len();
    let index_of = |key: SortKey| list.run_index_for(key).unwrap_or(head_index);
    let exclude_run = edit.exclude.and_then(|(obs, key)| {
        list.entry_of(obs, key)
            .map(|_| index_of(key))
            .map(|i| (obs, i))
    });
    let insert_run = edit.insert.as_ref().map(|o| index_of(o.key()));
    let compact_run = edit.compact.map(|run| {
        prefix
            .iter()
            .position(|&p| std::ptr::eq(p, run))
            .unwrap_or(head_index)
    });
    // The new observers of run `i`: its live ones, minus the excluded, plus the inserted.
    let mut insert = edit.insert;
    let mut run_observers = |i: usize, run: &ObserverList| {
        let exclude = exclude_run.filter(|(_, r)| *r == i).map(|(o, _)| o);
        let mut observers: Vec<Arc<Observer>> = run
            .own_live_arcs()
            .into_iter()
            .filter(|o| exclude.is_none_or(|x| !std::ptr::eq(Arc::as_ptr(o), x)))
            .collect();
        if insert_run == Some(i)
            && let Some(o) = insert.take()
        {
            let at = observers.partition_point(|p| p.key() < o.key());
            observers.insert(at, o);
        }
        observers
    };

    // At most three runs change: copy the untouched stretches between them whole (a memcpy of
    // pointers: this copy is the O(n / SEGMENT) part of a change).
    let mut changed: Vec<usize> = [exclude_run.map(|(_, r)| r), insert_run, compact_run]
        .into_iter()
        .flatten()
        .filter(|&i| i < head_index)
        .collect();
    changed.sort_unstable();
    changed.dedup();
    let mut new_prefix = Vec::with_capacity(prefix.len() + 2);
    let mut retired = Vec::new();
    let mut copied = 0;
    for i in changed {
        new_prefix.extend_from_slice(&prefix[copied..i]);
        copied = i + 1;
        // SAFETY: the current head's segments are alive under the write lock.
        let observers = run_observers(i, unsafe { &*prefix[i] });
        push_segments(&mut new_prefix, observers);
        // SAFETY: segment pointers of the current head are owned by the slot's structure
        // (under the write lock); the new head no longer points to this one, so it is ours to
        // retire once the new head is published.
        retired.push(unsafe { ListBox::from_raw(prefix[i].cast_mut()) });
    }
    new_prefix.extend_from_slice(&prefix[copied..]);
    let head_touched = exclude_run.is_some_and(|(_, r)| r == head_index)
        || insert_run == Some(head_index)
        || compact_run == Some(head_index);
    let head_observers = if head_touched {
        run_observers(head_index, list)
    } else {
        list.own_live_arcs()
    };
    Rebuilt {
        head: assemble(new_prefix, head_observers, live_total),
        retired,
    }
}

/// `observers` without `exclude`.
fn without(
    observers: Vec<Arc<Observer>>,
    exclude: Option<(&Observer, SortKey)>,
) -> Vec<Arc<Observer>> {
    match exclude {
        Some((x, _)) => observers
            .into_iter()
            .filter(|o| !std::ptr::eq(Arc::as_ptr(o), x))
            .collect(),
        None => observers,
    }
}

/// Appends `observers` (sorted) to `prefix` as segments of `SEGMENT` to `2 * SEGMENT` entries
/// (one smaller segment when there are fewer; none when empty).
fn push_segments(prefix: &mut Vec<*const ObserverList>, observers: Vec<Arc<Observer>>) {
    let parts = (observers.len() / SEGMENT).max(1);
    let chunk = observers.len().div_ceil(parts).max(1);
    let mut observers = observers.into_iter().peekable();
    while observers.peek().is_some() {
        let run: Vec<Arc<Observer>> = observers.by_ref().take(chunk).collect();
        let live = run.len();
        let segment = ObserverList::build(run, live, Vec::new(), live, (i64::MIN, 0));
        prefix.push(segment.into_raw().cast_const());
    }
}

/// A head after the segments `prefix`, holding `observers` (sorted; all but the last
/// [`SEGMENT`] become segments when they are more than `2 * SEGMENT`). Flat when no segment is
/// left.
fn assemble(
    mut prefix: Vec<*const ObserverList>,
    mut observers: Vec<Arc<Observer>>,
    live_total: usize,
) -> ListBox {
    if observers.len() > 2 * SEGMENT {
        let keep = observers.split_off(observers.len() - SEGMENT);
        push_segments(&mut prefix, observers);
        observers = keep;
    }
    let Some(&last) = prefix.last() else {
        return ObserverList::sorted(observers);
    };
    // SAFETY: every pointer in `prefix` is a live segment of the structure being built.
    let last_key = unsafe { &*last }.last_key();
    ObserverList::build(observers, 2 * SEGMENT, prefix, live_total, last_key)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::super::sync::Ordering;
    use crate::{Dispatcher, EventName, Payload};

    fn is_flat(d: &Dispatcher, name: EventName) -> bool {
        let slot = d.inner.slots.get(name.id());
        // SAFETY: no other thread changes this dispatcher during the test.
        let list = slot.and_then(|s| unsafe { s.list.load(Ordering::Acquire).as_ref() });
        list.is_some_and(|l| l.is_flat())
    }

    #[test]
    fn growth_stays_flat_and_churn_past_flat_max_makes_the_list_segmented() {
        let d = Dispatcher::new();
        let name = EventName::new("test.segments:churn");
        let resident: Vec<_> = (0..1_000)
            .map(|_| d.observe("resident", 0, name, None, |_| {}))
            .collect();
        assert!(
            is_flat(&d, name),
            "appends in order only grow the list: flat"
        );
        // Observe + drop pairs fill the list with tombstones until it is rebuilt.
        for _ in 0..5_000 {
            drop(d.observe("churn", 0, name, None, |_| {}));
        }
        assert!(
            !is_flat(&d, name),
            "a rebuild of a churned list past FLAT_MAX segments it"
        );
        assert_eq!(d.dispatch_event(name, &Payload::new()), resident.len());
    }
}
