//! `cargo xtask stress`: the long versions of the reliability tests (see docs/RELIABILITY.md).
//!
//! Each run is an ordinary test target (or a fuzz target) run in release with `--nocapture`
//! and its size passed through `CM_STRESS_*` environment variables; the CI-sized versions
//! of the same tests run in `cargo test`. Every test prints one line on stdout,
//!
//! ```text
//! stress-result: <name> key=value key=value …
//! ```
//!
//! which is collected here (the output is still shown as it comes) into one summary table,
//! printed at the end and written to `target/stress-report.json`. The command fails when a
//! run fails, or when a row reports a non-zero count of something that must never happen
//! (lost updates, unparsable files, crashes, …: see [`report`]), and when a run's test
//! file does not exist (a renamed test must not drop out of the suite unnoticed).
//!
//! * [`options`]: the command line and `--only`;
//! * [`runs`]: the test targets and their `CM_STRESS_*` sizes, run with output teed;
//! * [`fuzz`]: the `cargo fuzz` runs and libFuzzer's output;
//! * [`report`]: the rows, run outcomes, summary table and JSON report.

mod fuzz;
mod options;
mod report;
mod runs;

use std::time::Instant;

use crate::cmd::Result;
use fuzz::run_all_fuzz;
use options::{USAGE, parse_options, selected};
use report::{RunOutcome, RunStatus, bad_fields, print_summary, report_json, report_path};
use runs::{run_test, test_runs};

/// Runs the stress suite with the parameters given on the command line.
pub(crate) fn run(args: &[String]) -> Result {
    let Some(options) = parse_options(args)? else {
        print!("{USAGE}");
        return Ok(());
    };
    let started = Instant::now();
    let mut rows = Vec::new();
    let mut outcomes = Vec::new();
    for test in test_runs(&options) {
        if !selected(&options, test.name) {
            continue;
        }
        match run_test(&test, &mut rows) {
            Ok(outcome) => outcomes.push(outcome),
            Err(err) => outcomes.push(RunOutcome::failed(test.name, err)),
        }
    }
    run_all_fuzz(&options, &mut rows, &mut outcomes);

    let failed_runs: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.status == RunStatus::Failed)
        .map(|o| o.name.as_str())
        .collect();
    let bad_rows: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            let bad = bad_fields(r);
            (!bad.is_empty()).then(|| format!("{} ({})", r.name, bad.join(", ")))
        })
        .collect();
    let ok = failed_runs.is_empty() && bad_rows.is_empty();
    print_summary(&rows, &outcomes);

    let path = report_path();
    let text = serde_json::to_string_pretty(&report_json(&options, &rows, &outcomes, ok))
        .map_err(|e| format!("stress report: {e}"))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(&path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    println!(
        "\nwrote {} ({:.0} s in all)",
        path.display(),
        started.elapsed().as_secs_f64()
    );

    if outcomes.is_empty() {
        return Err("stress: --only selected no run".to_owned());
    }
    let mut problems = Vec::new();
    if !failed_runs.is_empty() {
        problems.push(format!("failed runs: {}", failed_runs.join(", ")));
    }
    if !bad_rows.is_empty() {
        problems.push(format!("bad results: {}", bad_rows.join("; ")));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("stress: {}", problems.join("; ")))
    }
}
