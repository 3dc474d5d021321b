//! The record of each pair's calls: one JSON line per call, appended to the file named by
//! [`PAIRS_ENV`].
//!
//! Appending a line per call (instead of buffering in the process) keeps every call a benchmark
//! made even when a later one panics, and lets several benchmark binaries, run one after the
//! other by cargo, share one file. Each line is one `write` of under 300 bytes to a file opened
//! with `O_APPEND`, so lines of concurrent writers never interleave.

use std::fs::OpenOptions;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The environment variable naming the file the pairs are appended to. Unset: nothing is
/// recorded.
pub const PAIRS_ENV: &str = "CM_BENCH_PAIRS";

/// Appends one call's figures. A failure to write is reported once on stderr and otherwise
/// ignored: a benchmark run is worth finishing without its pair records.
pub(crate) fn append(
    subject_id: &str,
    peer_id: &str,
    iters: u64,
    subject: Duration,
    peer: Duration,
) {
    let Some(path) = std::env::var_os(PAIRS_ENV) else {
        return;
    };
    let mut line = serde_json::json!({
        "id": subject_id,
        "peer": peer_id,
        "iters": iters,
        "subject_ns": subject.as_nanos() as f64,
        "peer_ns": peer.as_nanos() as f64,
    })
    .to_string();
    line.push('\n');
    let written = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(line.as_bytes()));
    static WARNED: AtomicBool = AtomicBool::new(false);
    if let Err(error) = written
        && !WARNED.swap(true, Ordering::Relaxed)
    {
        eprintln!(
            "cm-benchkit: cannot append to {} ({PAIRS_ENV}): {error}; the pairs of this run are incomplete",
            std::path::Path::new(&path).display()
        );
    }
}
