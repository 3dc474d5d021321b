//! The omni.client retry schedule, shared by discovery and the connection manager.
//!
//! The delay before retry `n` (1-based) is `base * n² + random(0 ..= jitter * n)`, and retrying
//! stops once the time spent since the first attempt reaches the `budget`; the last delay is
//! shortened so the final attempt starts at the budget at the latest. The defaults are
//! omni.client's: budget 120 000 ms, base 100 ms, jitter 100 ms, which gives 15 retries.
//!
//! ```
//! use std::time::Duration;
//! use cm_discovery::retry::RetryPolicy;
//!
//! let policy = RetryPolicy::default().with_jitter(Duration::ZERO);
//! let mut backoff = policy.backoff();
//! assert_eq!(backoff.next_delay(Duration::ZERO), Some(Duration::from_millis(100)));
//! assert_eq!(backoff.next_delay(Duration::from_millis(100)), Some(Duration::from_millis(400)));
//! assert_eq!(backoff.next_delay(Duration::from_secs(120)), None);
//! ```

use std::future::Future;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Retry timing: `base * n² + random(0 ..= jitter * n)` before retry `n`, within `budget`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total time after the first attempt during which retries may start.
    pub budget: Duration,
    /// Quadratic part of each delay.
    pub base: Duration,
    /// Upper bound of the random part of each delay, per retry number.
    pub jitter: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::OMNI_CLIENT
    }
}

impl RetryPolicy {
    /// omni.client's defaults: budget 120 s, base 100 ms, jitter 100 ms.
    pub const OMNI_CLIENT: Self = Self {
        budget: Duration::from_millis(120_000),
        base: Duration::from_millis(100),
        jitter: Duration::from_millis(100),
    };

    /// A policy that never retries.
    pub const NEVER: Self = Self {
        budget: Duration::ZERO,
        base: Duration::ZERO,
        jitter: Duration::ZERO,
    };

    /// This policy with another budget.
    #[must_use]
    pub fn with_budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    /// This policy with another base.
    #[must_use]
    pub fn with_base(mut self, base: Duration) -> Self {
        self.base = base;
        self
    }

    /// This policy with another jitter (zero makes the schedule deterministic).
    #[must_use]
    pub fn with_jitter(mut self, jitter: Duration) -> Self {
        self.jitter = jitter;
        self
    }

    /// The uncapped delay before retry `n` (1-based): `base * n² + random(0 ..= jitter * n)`.
    pub fn delay_for_retry<R: Rng + ?Sized>(&self, n: u32, rng: &mut R) -> Duration {
        let n = u64::from(n);
        let fixed = saturating_nanos(self.base).saturating_mul(n.saturating_mul(n));
        let jitter_max = saturating_nanos(self.jitter).saturating_mul(n);
        let random = if jitter_max == 0 {
            0
        } else {
            rng.random_range(0..=jitter_max)
        };
        Duration::from_nanos(fixed.saturating_add(random))
    }

    /// A fresh schedule with an OS-seeded random source.
    pub fn backoff(&self) -> Backoff {
        Backoff::new(*self, StdRng::from_os_rng())
    }

    /// A fresh schedule whose jitter is reproducible from `seed`.
    pub fn backoff_seeded(&self, seed: u64) -> Backoff {
        Backoff::new(*self, StdRng::seed_from_u64(seed))
    }
}

fn saturating_nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// One run of a [`RetryPolicy`]: hands out the delays before retry 1, 2, ...
#[derive(Debug, Clone)]
pub struct Backoff<R = StdRng> {
    policy: RetryPolicy,
    retries: u32,
    rng: R,
}

impl<R: Rng> Backoff<R> {
    /// A schedule drawing its jitter from `rng`.
    pub fn new(policy: RetryPolicy, rng: R) -> Self {
        Self {
            policy,
            retries: 0,
            rng,
        }
    }

    /// The delay before the next retry, given the time `elapsed` since the first attempt
    /// started, or `None` when the budget is spent. The delay never ends past the budget.
    pub fn next_delay(&mut self, elapsed: Duration) -> Option<Duration> {
        let remaining = self.policy.budget.checked_sub(elapsed)?;
        if remaining.is_zero() {
            return None;
        }
        self.retries += 1;
        Some(
            self.policy
                .delay_for_retry(self.retries, &mut self.rng)
                .min(remaining),
        )
    }

    /// How many retries this schedule has handed out.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// The policy this schedule follows.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }
}

/// Runs `attempt` until it succeeds, `should_retry` says no, or the policy's budget is spent,
/// sleeping the policy's delays in between (tokio timers). Returns the last result.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::time::Duration;
/// use cm_discovery::retry::{RetryPolicy, retry};
///
/// let policy = RetryPolicy::default().with_base(Duration::from_millis(1)).with_jitter(Duration::ZERO);
/// let mut calls = 0;
/// let result: Result<u32, &str> = retry(&policy, || { calls += 1; let n = calls; async move {
///     if n < 3 { Err("not yet") } else { Ok(n) }
/// }}, |_| true).await;
/// assert_eq!(result, Ok(3));
/// # }
/// ```
pub async fn retry<T, E, F, Fut>(
    policy: &RetryPolicy,
    mut attempt: F,
    mut should_retry: impl FnMut(&E) -> bool,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let started = Instant::now();
    let mut backoff = policy.backoff();
    loop {
        let error = match attempt().await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        if !should_retry(&error) {
            return Err(error);
        }
        match backoff.next_delay(started.elapsed()) {
            Some(delay) => tokio::time::sleep(delay).await,
            None => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The delays handed out when every attempt takes no time: the schedule itself.
    fn schedule(policy: RetryPolicy, seed: u64) -> Vec<Duration> {
        let mut backoff = policy.backoff_seeded(seed);
        let mut elapsed = Duration::ZERO;
        let mut delays = Vec::new();
        while let Some(delay) = backoff.next_delay(elapsed) {
            delays.push(delay);
            elapsed += delay;
        }
        delays
    }

    #[test]
    fn default_schedule_without_jitter_is_quadratic_and_capped_by_budget() {
        let delays = schedule(RetryPolicy::default().with_jitter(Duration::ZERO), 0);
        let millis: Vec<u128> = delays.iter().map(Duration::as_millis).collect();
        // 100 * n², and the 15th is cut to what is left of the 120 s budget.
        assert_eq!(
            millis,
            vec![
                100, 400, 900, 1600, 2500, 3600, 4900, 6400, 8100, 10000, 12100, 14400, 16900,
                19600, 18500
            ]
        );
        assert_eq!(delays.iter().sum::<Duration>(), Duration::from_secs(120));
    }

    #[test]
    fn jitter_stays_within_jitter_times_n_and_is_reproducible() {
        let policy = RetryPolicy::default();
        let first = schedule(policy, 7);
        assert_eq!(first, schedule(policy, 7));
        for (i, delay) in first.iter().enumerate().take(first.len() - 1) {
            let n = i as u32 + 1;
            let low = policy.base * n * n;
            let high = low + policy.jitter * n;
            assert!(
                *delay >= low && *delay <= high,
                "retry {n}: {delay:?} not in {low:?}..={high:?}"
            );
        }
        assert!(first.iter().sum::<Duration>() <= policy.budget);
    }

    #[test]
    fn never_policy_gives_no_retry() {
        assert!(schedule(RetryPolicy::NEVER, 0).is_empty());
    }

    #[test]
    fn elapsed_time_counts_against_the_budget() {
        let policy = RetryPolicy::default()
            .with_budget(Duration::from_secs(1))
            .with_jitter(Duration::ZERO);
        let mut backoff = policy.backoff();
        assert_eq!(
            backoff.next_delay(Duration::from_millis(950)),
            Some(Duration::from_millis(50))
        );
        assert_eq!(backoff.next_delay(Duration::from_millis(1000)), None);
        assert_eq!(backoff.retries(), 1);
    }

    #[test]
    fn huge_values_saturate_instead_of_overflowing() {
        let policy = RetryPolicy {
            budget: Duration::MAX,
            base: Duration::from_secs(u64::MAX / 2),
            jitter: Duration::ZERO,
        };
        let delay = policy.delay_for_retry(u32::MAX, &mut StdRng::seed_from_u64(0));
        assert_eq!(delay, Duration::from_nanos(u64::MAX));
    }
}
