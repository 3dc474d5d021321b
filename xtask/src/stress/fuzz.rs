//! The fuzz runs: every `fuzz/fuzz_targets/*.rs` under `cargo fuzz` for a fixed time, with
//! libFuzzer's output read back into one `stress-result: fuzz …` row per target.

use std::path::Path;
use std::process::Stdio;

use super::options::{Options, selected};
use super::report::{Row, RunOutcome, RunStatus, parse_row};
use super::runs::run_teed;
use crate::cmd::{Result, cargo, step, workspace_root};

/// The fuzz targets: the file stems of `fuzz/fuzz_targets/*.rs`, sorted.
fn fuzz_targets(fuzz_dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(fuzz_dir.join("fuzz_targets")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

/// Makes sure `cargo fuzz` runs, installing cargo-fuzz when it does not.
fn ensure_cargo_fuzz() -> Result {
    let works = cargo(&["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if works {
        return Ok(());
    }
    step(
        "install cargo-fuzz",
        cargo(&["install", "cargo-fuzz", "--locked"]),
    )
}

/// libFuzzer's closing `Done <N> runs in <S> second(s)` line: (runs, seconds).
fn parse_done(lines: &[String]) -> Option<(u64, u64)> {
    lines.iter().rev().find_map(|line| {
        let rest = line.trim().strip_prefix("Done ")?;
        let (runs, rest) = rest.split_once(" runs in ")?;
        let seconds = rest.split_whitespace().next()?;
        Some((runs.trim().parse().ok()?, seconds.parse().ok()?))
    })
}

/// The highest `#<N>` status line libFuzzer printed (runs so far), for a run that crashed.
fn last_status_runs(lines: &[String]) -> u64 {
    lines
        .iter()
        .filter_map(|l| {
            let digits: String = l
                .strip_prefix('#')?
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .max()
        .unwrap_or(0)
}

/// Whether libFuzzer's output shows a crash (as opposed to a build or setup failure).
fn shows_crash(lines: &[String]) -> bool {
    lines.iter().any(|l| {
        l.contains("==ERROR: libFuzzer")
            || l.contains("ERROR: AddressSanitizer")
            || l.contains("deadly signal")
            || l.contains("Test unit written to")
            || l.contains("panicked at")
    })
}

fn run_fuzz(target: &str, secs: u64, rows: &mut Vec<Row>) -> Result<RunOutcome> {
    let name = format!("fuzz:{target}");
    let max_time = format!("-max_total_time={secs}");
    let mut command = cargo(&[
        "fuzz",
        "run",
        target,
        "--fuzz-dir",
        "fuzz",
        "--",
        max_time.as_str(),
    ]);
    command.env("RUSTC_BOOTSTRAP", "1");
    let teed = run_teed(
        &format!("{name}: cargo fuzz run {target} --fuzz-dir fuzz -- {max_time}"),
        command,
    )?;
    let crashed = shows_crash(&teed.stderr);
    let row = match parse_done(&teed.stderr) {
        Some((runs, seconds)) => Some((runs, seconds)),
        None if crashed => Some((last_status_runs(&teed.stderr), teed.seconds.round() as u64)),
        None => None,
    };
    let (status, detail) = match (&row, teed.success) {
        (Some(_), true) if !crashed => (RunStatus::Passed, String::new()),
        (Some(_), _) => (RunStatus::Failed, "crashed".to_owned()),
        (None, _) => (
            RunStatus::Failed,
            format!("exit {}; no libFuzzer `Done` line", teed.status),
        ),
    };
    if let Some((runs, seconds)) = row {
        let line = format!(
            "stress-result: fuzz target={target} runs={runs} seconds={seconds} crashes={}",
            u8::from(crashed || !teed.success)
        );
        println!("{line}");
        rows.extend(parse_row(&line));
    }
    Ok(RunOutcome {
        name,
        status,
        seconds: teed.seconds,
        detail,
    })
}

pub(super) fn run_all_fuzz(options: &Options, rows: &mut Vec<Row>, outcomes: &mut Vec<RunOutcome>) {
    let fuzz_dir = workspace_root().join("fuzz");
    let targets: Vec<String> = fuzz_targets(&fuzz_dir)
        .into_iter()
        .filter(|t| selected(options, &format!("fuzz:{t}")))
        .collect();
    if targets.is_empty() {
        if selected(options, "fuzz:") {
            eprintln!("\nwarning: fuzz: no fuzz/fuzz_targets/*.rs; skipped");
        }
        return;
    }
    if let Err(err) = ensure_cargo_fuzz() {
        outcomes.push(RunOutcome::failed("fuzz", err));
        return;
    }
    for target in targets {
        match run_fuzz(&target, options.fuzz_secs, rows) {
            Ok(outcome) => outcomes.push(outcome),
            Err(err) => outcomes.push(RunOutcome::failed(format!("fuzz:{target}"), err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libfuzzer_done_line_is_read() {
        let lines = vec![
            "#1024\tpulse  cov: 10".to_owned(),
            "Done 123456 runs in 61 second(s)".to_owned(),
        ];
        assert_eq!(parse_done(&lines), Some((123_456, 61)));
        assert_eq!(last_status_runs(&lines), 1024);
        assert!(!shows_crash(&lines));
    }
}
