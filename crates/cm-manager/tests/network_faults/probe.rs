//! What the fault test counts in its own process: threads, file descriptors, tokio tasks of
//! the manager's runtime, and peak memory.

#![allow(dead_code, unreachable_pub)]

use std::time::{Duration, Instant};

/// One reading of the resources a leak would accumulate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    /// Entries of `/proc/self/task`: every OS thread of the process.
    pub threads: usize,
    /// Entries of `/proc/self/fd`: every open file descriptor (sockets, files, epoll, pipes).
    pub fds: usize,
    /// `num_alive_tasks()` of the manager System's tokio runtime: tasks spawned with
    /// `tokio::spawn` there (hyper connection drivers, reqwest background work). Actors run
    /// as `spawn_local` tasks of actix's LocalSet, which this metric does not see; a leaked
    /// discovery actor shows up as requests arriving after its server was removed instead.
    pub tasks: usize,
}

impl Counts {
    /// Reads the counts now.
    pub fn now(runtime: &tokio::runtime::Handle) -> Self {
        Self {
            threads: entries("/proc/self/task"),
            fds: entries("/proc/self/fd"),
            tasks: runtime.metrics().num_alive_tasks(),
        }
    }

    /// Whether nothing is above `baseline`.
    pub fn within(&self, baseline: &Counts) -> bool {
        self.threads <= baseline.threads && self.fds <= baseline.fds && self.tasks <= baseline.tasks
    }

    /// How far each count stays above `baseline` (0 where it is not).
    pub fn excess_over(&self, baseline: &Counts) -> Counts {
        Counts {
            threads: self.threads.saturating_sub(baseline.threads),
            fds: self.fds.saturating_sub(baseline.fds),
            tasks: self.tasks.saturating_sub(baseline.tasks),
        }
    }
}

fn entries(dir: &str) -> usize {
    // The directory handle read_dir holds is one of the fds counted; it is there every time.
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

/// Polls until the counts are back at `baseline` or `deadline` passes; returns the last
/// reading. Connections close, threads exit and tasks finish asynchronously after their
/// owner is dropped, so a single reading right away would report false leaks.
pub fn settle(runtime: &tokio::runtime::Handle, baseline: &Counts, deadline: Duration) -> Counts {
    let start = Instant::now();
    loop {
        let now = Counts::now(runtime);
        if now.within(baseline) || start.elapsed() > deadline {
            return now;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Peak-memory tracking through `/proc/self/status`.
pub struct PeakMemory {
    start_rss_kib: u64,
    start_hwm_kib: u64,
    reset: bool,
}

impl PeakMemory {
    /// Starts a measurement: resets the peak (`VmHWM`) to the current RSS where the kernel
    /// allows it (`/proc/self/clear_refs` = 5), else remembers the current peak.
    pub fn start() -> Self {
        let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
        Self {
            start_rss_kib: status_kib("VmRSS"),
            start_hwm_kib: status_kib("VmHWM"),
            reset,
        }
    }

    /// How many bytes the peak grew above the start (RSS after a reset, else the old peak).
    pub fn growth_bytes(&self) -> u64 {
        let base = if self.reset {
            self.start_rss_kib
        } else {
            self.start_hwm_kib
        };
        status_kib("VmHWM").saturating_sub(base) * 1024
    }
}

fn status_kib(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}
