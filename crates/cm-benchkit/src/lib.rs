//! Interleaved measurement for criterion benchmarks: [`Pair`] times a benchmark's peer inside
//! the subject's own samples, so that a ratio target compares two figures taken on the same
//! machine at the same moment.
//!
//! Why: on a shared VM the speed of one binary changes by 30-50 % in phases of seconds, and
//! criterion measures a subject and its peer seconds apart, so a ratio of two separate
//! benchmarks carries that swing in full (`cm_url/normalize/nucleus` read 3.17x its peer in one
//! run while its instruction-count ratio is 1.61x). Timed in alternation within one sample,
//! both sides see the same phase and the swing cancels out of their ratio.
//!
//! How the figures travel: criterion receives the subject's time only (its estimates and
//! plots are those of the subject, as before); the peer's time of each call is appended, with
//! the subject's, to the file named by [`PAIRS_ENV`] when it is set. `cargo xtask bench` sets
//! it and computes each pair's ratio as the median of the per-sample ratios.
// No `unwrap()` or `expect()` outside tests (`cargo xtask tidy` checks every crate root has it).
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod record;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Bencher;

pub use record::PAIRS_ENV;

/// A subject benchmark and the peer timed in alternation with it.
///
/// Ids are the full criterion ids (`group/function`), as `cargo xtask bench` prints them: the
/// subject's must be the benchmark the pair is used in, the peer's the row's peer in
/// `xtask/src/bench/targets.rs`.
#[derive(Debug)]
pub struct Pair {
    subject_id: String,
    peer_id: String,
    rounds: u64,
    calls: u64,
}

/// Rounds per sample by default: enough alternation to follow speed phases of a few
/// milliseconds, few enough that the `Instant::now` pairs (2 x 8 x ~25 ns) vanish in a sample
/// of at least a millisecond.
const DEFAULT_ROUNDS: u64 = 8;

impl Pair {
    /// A pair with the default 8 rounds per sample.
    pub fn new(subject_id: impl Into<String>, peer_id: impl Into<String>) -> Pair {
        Pair {
            subject_id: subject_id.into(),
            peer_id: peer_id.into(),
            rounds: DEFAULT_ROUNDS,
            calls: 0,
        }
    }

    /// Splits each sample into `rounds` rounds (at least 1). With one round the order of the
    /// two sides alternates from one sample to the next instead.
    pub fn rounds(mut self, rounds: u64) -> Pair {
        self.rounds = rounds.max(1);
        self
    }

    /// Measures `subject` for criterion (like [`Bencher::iter`]) and times `peer` the same
    /// number of times in alternation with it.
    pub fn iter<S, SO, P, PO>(&mut self, b: &mut Bencher<'_>, mut subject: S, mut peer: P)
    where
        S: FnMut() -> SO,
        P: FnMut() -> PO,
    {
        self.iter_custom(
            b,
            |iters| time(iters, &mut subject),
            |iters| time(iters, &mut peer),
        );
    }

    /// Like [`Bencher::iter_custom`]: `subject(n)` and `peer(n)` each run their work `n` times
    /// and return the time it took; criterion receives the subject's.
    pub fn iter_custom<S, P>(&mut self, b: &mut Bencher<'_>, mut subject: S, mut peer: P)
    where
        S: FnMut(u64) -> Duration,
        P: FnMut(u64) -> Duration,
    {
        b.iter_custom(|iters| {
            let (subject_time, peer_time) = self.alternate(iters, &mut subject, &mut peer);
            record::append(
                &self.subject_id,
                &self.peer_id,
                iters,
                subject_time,
                peer_time,
            );
            subject_time
        });
    }

    /// Runs both sides `iters` times in `self.rounds` rounds of alternating order.
    fn alternate(
        &mut self,
        iters: u64,
        subject: &mut impl FnMut(u64) -> Duration,
        peer: &mut impl FnMut(u64) -> Duration,
    ) -> (Duration, Duration) {
        let rounds = self.rounds.min(iters).max(1);
        let (mut subject_time, mut peer_time) = (Duration::ZERO, Duration::ZERO);
        for round in 0..rounds {
            let n = iters / rounds + u64::from(round < iters % rounds);
            let subject_first = if rounds == 1 {
                self.calls.is_multiple_of(2)
            } else {
                round.is_multiple_of(2)
            };
            if subject_first {
                subject_time += subject(n);
                peer_time += peer(n);
            } else {
                peer_time += peer(n);
                subject_time += subject(n);
            }
        }
        self.calls += 1;
        (subject_time, peer_time)
    }
}

/// Runs `f` `iters` times; returns how long that took.
fn time<O>(iters: u64, f: &mut impl FnMut() -> O) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(f());
    }
    start.elapsed()
}

/// Compiles and runs the README example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `alternate` with sides that log the order and sizes of their calls.
    fn calls_of(pair: &mut Pair, iters: u64) -> Vec<(char, u64)> {
        let log = std::cell::RefCell::new(Vec::new());
        let mut subject = |n| {
            log.borrow_mut().push(('s', n));
            Duration::from_nanos(n)
        };
        let mut peer = |n| {
            log.borrow_mut().push(('p', n));
            Duration::from_nanos(2 * n)
        };
        let (s, p) = pair.alternate(iters, &mut subject, &mut peer);
        assert_eq!(
            (s, p),
            (Duration::from_nanos(iters), Duration::from_nanos(2 * iters))
        );
        log.into_inner()
    }

    #[test]
    fn rounds_split_the_iterations_exactly_and_alternate_the_order() {
        let mut pair = Pair::new("a/s", "a/p").rounds(3);
        assert_eq!(
            calls_of(&mut pair, 10),
            [('s', 4), ('p', 4), ('p', 3), ('s', 3), ('s', 3), ('p', 3)]
        );
    }

    #[test]
    fn fewer_iterations_than_rounds_give_one_round_per_iteration() {
        let mut pair = Pair::new("a/s", "a/p");
        assert_eq!(
            calls_of(&mut pair, 2),
            [('s', 1), ('p', 1), ('p', 1), ('s', 1)]
        );
    }

    #[test]
    fn one_round_alternates_the_order_between_calls() {
        let mut pair = Pair::new("a/s", "a/p").rounds(0);
        assert_eq!(calls_of(&mut pair, 5), [('s', 5), ('p', 5)]);
        assert_eq!(calls_of(&mut pair, 5), [('p', 5), ('s', 5)]);
        assert_eq!(calls_of(&mut pair, 5), [('s', 5), ('p', 5)]);
    }
}
