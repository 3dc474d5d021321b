//! Reading back what criterion measured.
//!
//! Criterion leaves one `new/benchmark.json` + `new/estimates.json` pair per benchmark under
//! `<target>/criterion`. Only the pairs written since the run started are read, so the table
//! never mixes in figures from an older run.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

use crate::cmd::{Result, workspace_root};

/// What a measurement counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    /// A criterion median, in nanoseconds.
    Nanoseconds,
    /// A memory figure (peak RSS), in bytes.
    Bytes,
}

/// One measured benchmark.
#[derive(Clone, Debug)]
pub(crate) struct Measurement {
    pub(crate) id: String,
    /// The median (nanoseconds) or the memory figure (bytes).
    pub(crate) value: f64,
    pub(crate) unit: Unit,
    /// The iteration count of each of criterion's samples, in order (`new/sample.json`); empty
    /// for a figure criterion did not measure. The pairs reader matches its records to these.
    pub(crate) sample_iters: Vec<f64>,
}

/// Where criterion writes its results for this build.
pub(crate) fn criterion_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("criterion")
}

/// Every benchmark result written under `dir` since `since`.
pub(crate) fn collect(dir: &Path, since: SystemTime) -> Result<Vec<Measurement>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.ends_with("new/estimates.json")
                && modified(&path).is_some_and(|m| m >= since)
                && let Some(measurement) = read_measurement(&path)?
            {
                found.push(measurement);
            }
        }
    }
    Ok(found)
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn read_json(path: &Path) -> Result<Value> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_measurement(estimates_path: &Path) -> Result<Option<Measurement>> {
    let Some(new_dir) = estimates_path.parent() else {
        return Ok(None);
    };
    let benchmark = read_json(&new_dir.join("benchmark.json"))?;
    let estimates = read_json(estimates_path)?;
    let id = benchmark["full_id"].as_str().unwrap_or_default().to_owned();
    let median = estimates["median"]["point_estimate"].as_f64();
    // Older criterion output without sample.json only loses the pairing, not the figure.
    let sample_iters = read_json(&new_dir.join("sample.json"))
        .ok()
        .and_then(|sample| {
            sample["iters"]
                .as_array()
                .map(|iters| iters.iter().filter_map(Value::as_f64).collect())
        })
        .unwrap_or_default();
    Ok(match (id.is_empty(), median) {
        (false, Some(value)) => Some(Measurement {
            id,
            value,
            unit: Unit::Nanoseconds,
            sample_iters,
        }),
        _ => None,
    })
}
