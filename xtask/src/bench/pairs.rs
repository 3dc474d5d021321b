//! Reading back the interleaved pairs: a subject and its peer timed in alternation inside the
//! subject's own samples (`cm_benchkit::Pair`), so their ratio is not the VM's speed change
//! between two benchmarks measured seconds apart.
//!
//! The benchmarks append one JSON line per criterion call to [`file()`] (named to them by
//! `cm_benchkit::PAIRS_ENV`): warm-up calls first, then one per sample. The last calls of a
//! pair, as many as criterion kept samples, are its samples; their iteration counts must equal
//! `sample.json`'s, or the pair is not used (a record from a different run, or a benchmark
//! that called the pair outside its samples) and the row falls back to the separate peer.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::bench::results::Measurement;
use crate::cmd::Result;

/// The environment variable that names the pairs file to the benchmarks: cm-benchkit's
/// `PAIRS_ENV` (xtask does not link criterion's support crate; a test checks the two agree).
pub(crate) const ENV: &str = "CM_BENCH_PAIRS";

/// What a pair's samples say: the peer's median per iteration, and the median of the
/// per-sample ratios subject / peer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Paired {
    pub(crate) peer_median_ns: f64,
    pub(crate) ratio: f64,
}

/// The pairs by (subject id, peer id).
pub(crate) type Pairs = BTreeMap<(String, String), Paired>;

/// Where the benchmarks of a run append their pairs.
pub(crate) fn file(criterion_dir: &Path) -> PathBuf {
    criterion_dir.join("cm-bench-pairs.jsonl")
}

/// One call of a pair, as recorded.
#[derive(Debug)]
struct Call {
    iters: f64,
    subject_ns: f64,
    peer_ns: f64,
}

/// The pairs recorded in `path` (none when the file does not exist), matched to criterion's
/// samples of each subject in `measured`.
pub(crate) fn read(path: &Path, measured: &[Measurement]) -> Result<Pairs> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Pairs::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut calls: BTreeMap<(String, String), Vec<Call>> = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let record: Value = serde_json::from_str(line)
            .map_err(|e| format!("{}:{}: {e}", path.display(), number + 1))?;
        let (Some(id), Some(peer), Some(iters), Some(subject_ns), Some(peer_ns)) = (
            record["id"].as_str(),
            record["peer"].as_str(),
            record["iters"].as_f64(),
            record["subject_ns"].as_f64(),
            record["peer_ns"].as_f64(),
        ) else {
            return Err(format!(
                "{}:{}: not a pair record: {line}",
                path.display(),
                number + 1
            ));
        };
        calls
            .entry((id.to_owned(), peer.to_owned()))
            .or_default()
            .push(Call {
                iters,
                subject_ns,
                peer_ns,
            });
    }
    let mut pairs = Pairs::new();
    for ((id, peer), calls) in calls {
        let Some(subject) = measured.iter().find(|m| m.id == id) else {
            continue;
        };
        match paired(&calls, &subject.sample_iters) {
            Some(p) => {
                pairs.insert((id, peer), p);
            }
            None => eprintln!(
                "bench: the interleaved records of {id} do not match its {} samples; its ratio to {peer} uses the separate peer",
                subject.sample_iters.len()
            ),
        }
    }
    Ok(pairs)
}

/// The pair's figures from its last `sample_iters.len()` calls, when they are the samples.
fn paired(calls: &[Call], sample_iters: &[f64]) -> Option<Paired> {
    let samples = calls.get(calls.len().checked_sub(sample_iters.len())?..)?;
    let usable = !samples.is_empty()
        && samples.iter().zip(sample_iters).all(|(call, iters)| {
            call.iters == *iters && call.subject_ns > 0.0 && call.peer_ns > 0.0
        });
    if !usable {
        return None;
    }
    let peer_per_iter = median(samples.iter().map(|c| c.peer_ns / c.iters).collect())?;
    let ratio = median(samples.iter().map(|c| c.subject_ns / c.peer_ns).collect())?;
    Some(Paired {
        peer_median_ns: peer_per_iter,
        ratio,
    })
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(iters: f64, subject_ns: f64, peer_ns: f64) -> Call {
        Call {
            iters,
            subject_ns,
            peer_ns,
        }
    }

    #[test]
    fn the_last_calls_are_the_samples_and_the_ratio_is_their_median() {
        // Two warm-up calls, then three samples of 10, 20, 30 iterations; the machine ran the
        // second sample at half speed, which the per-sample ratio cancels.
        let calls = [
            call(1.0, 500.0, 100.0),
            call(2.0, 40.0, 20.0),
            call(10.0, 200.0, 100.0),
            call(20.0, 800.0, 400.0),
            call(30.0, 600.0, 300.0),
        ];
        let p = paired(&calls, &[10.0, 20.0, 30.0]).unwrap();
        assert_eq!(p.ratio, 2.0);
        assert_eq!(p.peer_median_ns, 10.0);
    }

    #[test]
    fn records_that_do_not_match_the_samples_are_not_used() {
        let calls = [call(10.0, 200.0, 100.0), call(20.0, 400.0, 200.0)];
        assert_eq!(paired(&calls, &[10.0, 20.0, 30.0]), None, "too few calls");
        assert_eq!(
            paired(&calls, &[10.0, 30.0]),
            None,
            "other iteration counts"
        );
        assert_eq!(paired(&calls, &[]), None, "no samples");
        let zero = [call(10.0, 200.0, 0.0)];
        assert_eq!(paired(&zero, &[10.0]), None, "a peer that took no time");
        // A ratio of 0 would meet every ratio target: a subject that took no time is no pair.
        let zero = [call(10.0, 0.0, 100.0)];
        assert_eq!(paired(&zero, &[10.0]), None, "a subject that took no time");
    }

    #[test]
    fn the_variable_is_the_one_cm_benchkit_reads() {
        let record = crate::cmd::workspace_root().join("crates/cm-benchkit/src/record.rs");
        let text = fs::read_to_string(&record).unwrap();
        assert!(
            text.contains(&format!("pub const PAIRS_ENV: &str = \"{ENV}\";")),
            "{} no longer names {ENV}",
            record.display()
        );
    }

    #[test]
    fn a_missing_file_is_no_pairs_and_a_bad_line_is_an_error() {
        let dir = std::env::temp_dir().join(format!("xtask-pairs-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = file(&dir);
        let _ = fs::remove_file(&path);
        assert!(read(&path, &[]).unwrap().is_empty());
        fs::write(&path, "{\"id\": \"a/b\"}\n").unwrap();
        let error = read(&path, &[]).unwrap_err();
        assert!(error.contains("not a pair record"), "{error}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
