//! What the runs found: the `stress-result:` rows, the outcome of each run, the summary
//! table and `target/stress-report.json`.

use std::path::PathBuf;

use serde_json::{Map, Value, json};

use super::options::Options;
use crate::cmd::workspace_root;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RunStatus {
    /// It ran, passed and printed its rows.
    Passed,
    /// It failed, could not start, printed no row, or its test file is missing.
    Failed,
}

impl RunStatus {
    /// The word in the summary and the JSON report (`"ok"` / `"failed"`).
    pub(super) fn as_str(self) -> &'static str {
        match self {
            RunStatus::Passed => "ok",
            RunStatus::Failed => "failed",
        }
    }
}

/// What happened to one run.
#[derive(Debug)]
pub(super) struct RunOutcome {
    pub(super) name: String,
    pub(super) status: RunStatus,
    pub(super) seconds: f64,
    pub(super) detail: String,
}

impl RunOutcome {
    /// A run that failed before or without running, for `reason`.
    pub(super) fn failed(name: impl Into<String>, reason: String) -> Self {
        RunOutcome {
            name: name.into(),
            status: RunStatus::Failed,
            seconds: 0.0,
            detail: reason,
        }
    }
}

/// One `stress-result:` line: its name and its fields in order.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Row {
    pub(super) name: String,
    pub(super) fields: Vec<(String, String)>,
}

/// Parses `stress-result: NAME k=v k=v`; `None` for any other line.
pub(super) fn parse_row(line: &str) -> Option<Row> {
    let rest = line.trim().strip_prefix("stress-result:")?;
    let mut words = rest.split_whitespace();
    let name = words.next()?.to_owned();
    let fields = words
        .filter_map(|w| w.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Some(Row { name, fields })
}

/// Fields whose only acceptable value is zero.
fn is_failure_field(key: &str) -> bool {
    matches!(
        key,
        "lost"
            | "failed"
            | "duplicates"
            | "replay_mismatches"
            | "unparsable"
            | "unknown_states"
            | "leftover_temp_files"
            | "late_calls"
            | "lost_calls"
            | "crashes"
            | "panics"
            | "files_changed"
            | "unclear_errors"
            | "secret_hits"
            | "slow_snapshot_reads"
            | "wrong_statuses"
            | "corrupted"
    ) || key.starts_with("leaked_")
}

/// The fields of `row` that report something that must never happen.
pub(super) fn bad_fields(row: &Row) -> Vec<String> {
    row.fields
        .iter()
        .filter(|(k, v)| is_failure_field(k) && v.trim() != "0")
        .map(|(k, v)| format!("{k}={v}"))
        .collect()
}

/// Where the report goes: `target/stress-report.json` in the workspace, whatever
/// `CARGO_TARGET_DIR` says, so scripts always find it in one place.
pub(super) fn report_path() -> PathBuf {
    workspace_root().join("target").join("stress-report.json")
}

/// A field's value as JSON: a number when it reads as one.
fn json_value(text: &str) -> Value {
    if let Ok(n) = text.parse::<u64>() {
        return Value::from(n);
    }
    if let Ok(f) = text.parse::<f64>()
        && f.is_finite()
    {
        return Value::from(f);
    }
    Value::from(text)
}

pub(super) fn report_json(
    options: &Options,
    rows: &[Row],
    outcomes: &[RunOutcome],
    ok: bool,
) -> Value {
    let rows: Vec<Value> = rows
        .iter()
        .map(|row| {
            let fields: Map<String, Value> = row
                .fields
                .iter()
                .map(|(k, v)| (k.clone(), json_value(v)))
                .collect();
            json!({ "name": row.name, "fields": fields, "failed_fields": bad_fields(row) })
        })
        .collect();
    let runs: Vec<Value> = outcomes
        .iter()
        .map(|o| json!({ "name": o.name, "status": o.status.as_str(), "seconds": (o.seconds * 10.0).round() / 10.0, "detail": o.detail }))
        .collect();
    json!({
        "ok": ok,
        "parameters": {
            "processes": options.processes,
            "mutations": options.mutations,
            "link_adds": options.link_adds,
            "kills": options.kills,
            "soak_secs": options.soak_secs,
            "fuzz_secs": options.fuzz_secs,
            "fault_rounds": options.fault_rounds,
        },
        "runs": runs,
        "rows": rows,
    })
}

/// The summary: one line per run, then one per result row with its fields aligned.
pub(super) fn print_summary(rows: &[Row], outcomes: &[RunOutcome]) {
    println!("\nstress summary");
    let width = outcomes.iter().map(|o| o.name.len()).max().unwrap_or(0);
    for o in outcomes {
        let detail = if o.detail.is_empty() {
            String::new()
        } else {
            format!("  {}", o.detail)
        };
        println!(
            "  {:width$}  {:7}  {:>7.1} s{detail}",
            o.name,
            o.status.as_str(),
            o.seconds
        );
    }
    if rows.is_empty() {
        println!("\n  (no stress-result rows)");
        return;
    }
    let name_width = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
    println!();
    for row in rows {
        let fields: Vec<String> = row.fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let bad = bad_fields(row);
        let mark = if bad.is_empty() { "  " } else { "✗ " };
        println!("  {mark}{:name_width$}  {}", row.name, fields.join("  "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_parse_and_bad_fields_are_found() {
        let row = parse_row(
            "stress-result: multi-process processes=8 mutations=25 events=9 lost=0 \
             duplicates=2 replay_mismatches=0",
        )
        .unwrap();
        assert_eq!(row.name, "multi-process");
        assert_eq!(row.fields.len(), 6);
        assert_eq!(bad_fields(&row), vec!["duplicates=2".to_owned()]);
        let leak = parse_row("stress-result: soak secs=60 leaked_observers=1").unwrap();
        assert_eq!(bad_fields(&leak), vec!["leaked_observers=1".to_owned()]);
        assert!(parse_row("running 1 test").is_none());
    }

    #[test]
    fn statuses_keep_their_report_words() {
        assert_eq!(RunStatus::Passed.as_str(), "ok");
        assert_eq!(RunStatus::Failed.as_str(), "failed");
    }
}
