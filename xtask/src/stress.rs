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
//! (lost updates, unparsable files, crashes, …: see [`is_failure_field`]). A test file that
//! does not exist yet is skipped with a warning.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::{Map, Value, json};

use crate::cmd::{Result, cargo, step, workspace_root};

const USAGE: &str = "\
usage: cargo xtask stress [--processes N] [--mutations N] [--kills N] [--soak-secs N]
                          [--fuzz-secs N] [--fault-rounds N] [--only NAME[,NAME...]]

Runs, in release and with --nocapture, and sums up their `stress-result:` lines:
  multi-process   cm-cli multi_process: --processes cm processes (default 8) making
                  --mutations changes each (default 250) on one file, cm watch replaying
  crash-safety    cm-cli crash_safety: SIGKILL cm writers mid-save (--kills, default 1000)
  soak            cm-events soak (--soak-secs, default 60)
  network-faults  cm-manager network_faults (--fault-rounds, default 20)
  hostile-inputs  cm-cli hostile_inputs: the table of hostile CLI, file and URL inputs
  secrets         cm-cli secrets: every output of cm runs with credentials, file modes
  secrets-lib     cm-manager secrets: Debug/Display, events, logs, panics with credentials
  corpus-variants cm-reliability toml_change_corpus: every toml-test document in 12 shapes,
                  every kind of change; no write may damage a file
  fuzz            every fuzz/fuzz_targets/*.rs with cargo fuzz (--fuzz-secs each, default 60)
--only picks runs by name (`fuzz:TARGET` for one fuzz target). The summary is also written
to target/stress-report.json; the command fails if a run fails or reports a lost update,
a damaged file, a leak or a crash.
";

/// Options of `cargo xtask stress`.
#[derive(Debug, Clone)]
struct Options {
    processes: u64,
    mutations: u64,
    kills: u64,
    soak_secs: u64,
    fuzz_secs: u64,
    fault_rounds: u64,
    only: Option<Vec<String>>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            processes: 8,
            mutations: 250,
            kills: 1000,
            soak_secs: 60,
            fuzz_secs: 60,
            fault_rounds: 20,
            only: None,
        }
    }
}

/// Parsed options, or `None` when `--help` was asked for.
fn parse_options(args: &[String]) -> Result<Option<Options>> {
    let mut options = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        if matches!(flag, "--help" | "-h") {
            return Ok(None);
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next().cloned())
                .ok_or_else(|| format!("stress: {flag} needs a value\n\n{USAGE}"))
        };
        let mut number = |name: &str| -> Result<u64> {
            let text = value()?;
            match text.parse::<u64>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!(
                    "stress: {name} {text:?}: expected a whole number greater than 0"
                )),
            }
        };
        match flag {
            "--processes" => options.processes = number(flag)?,
            "--mutations" => options.mutations = number(flag)?,
            "--kills" => options.kills = number(flag)?,
            "--soak-secs" => options.soak_secs = number(flag)?,
            "--fuzz-secs" => options.fuzz_secs = number(flag)?,
            "--fault-rounds" => options.fault_rounds = number(flag)?,
            "--only" => {
                let names = value()?
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect();
                options.only = Some(names);
            }
            other => return Err(format!("stress: unknown option {other:?}\n\n{USAGE}")),
        }
    }
    Ok(Some(options))
}

/// One test target run with `cargo test --release`.
struct TestRun {
    name: &'static str,
    package: &'static str,
    test: &'static str,
    env: Vec<(&'static str, String)>,
}

fn test_runs(options: &Options) -> Vec<TestRun> {
    vec![
        TestRun {
            name: "multi-process",
            package: "cm-cli",
            test: "multi_process",
            env: vec![
                ("CM_STRESS_PROCESSES", options.processes.to_string()),
                ("CM_STRESS_MUTATIONS", options.mutations.to_string()),
            ],
        },
        TestRun {
            name: "crash-safety",
            package: "cm-cli",
            test: "crash_safety",
            env: vec![("CM_STRESS_KILLS", options.kills.to_string())],
        },
        TestRun {
            name: "soak",
            package: "cm-events",
            test: "soak",
            env: vec![("CM_STRESS_SOAK_SECS", options.soak_secs.to_string())],
        },
        TestRun {
            name: "network-faults",
            package: "cm-manager",
            test: "network_faults",
            env: vec![("CM_STRESS_FAULT_ROUNDS", options.fault_rounds.to_string())],
        },
        TestRun {
            name: "hostile-inputs",
            package: "cm-cli",
            test: "hostile_inputs",
            env: vec![],
        },
        TestRun {
            name: "secrets",
            package: "cm-cli",
            test: "secrets",
            env: vec![],
        },
        TestRun {
            name: "secrets-lib",
            package: "cm-manager",
            test: "secrets",
            env: vec![],
        },
        TestRun {
            name: "corpus-variants",
            package: "cm-reliability",
            test: "toml_change_corpus",
            env: vec![],
        },
    ]
}

/// Whether `--only` selects the run `name` (`fuzz` selects every fuzz target).
fn selected(options: &Options, name: &str) -> bool {
    let Some(only) = &options.only else {
        return true;
    };
    only.iter().any(|o| {
        o == name || (name.starts_with("fuzz:") && o == "fuzz") || o.replace('_', "-") == name
    })
}

/// What happened to one run.
#[derive(Debug)]
struct RunOutcome {
    name: String,
    status: &'static str,
    seconds: f64,
    detail: String,
}

/// One `stress-result:` line: its name and its fields in order.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    name: String,
    fields: Vec<(String, String)>,
}

/// Parses `stress-result: NAME k=v k=v`; `None` for any other line.
fn parse_row(line: &str) -> Option<Row> {
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
fn bad_fields(row: &Row) -> Vec<String> {
    row.fields
        .iter()
        .filter(|(k, v)| is_failure_field(k) && v.trim() != "0")
        .map(|(k, v)| format!("{k}={v}"))
        .collect()
}

/// Output of a command that was shown while it ran.
struct Teed {
    success: bool,
    status: String,
    stdout: Vec<String>,
    stderr: Vec<String>,
    seconds: f64,
}

/// Runs `command`, echoing its stdout and stderr as they come and keeping both.
fn run_teed(name: &str, mut command: Command) -> Result<Teed> {
    eprintln!("\n==> {name}");
    let started = Instant::now();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("{name}: could not start: {err}"))?;
    let stderr = child.stderr.take();
    let stderr_thread = std::thread::spawn(move || {
        let mut kept = Vec::new();
        if let Some(stderr) = stderr {
            for line in BufReader::new(stderr)
                .lines()
                .map_while(std::io::Result::ok)
            {
                eprintln!("{line}");
                kept.push(line);
            }
        }
        kept
    });
    let mut stdout_lines = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        let mut out = std::io::stdout().lock();
        for line in BufReader::new(stdout)
            .lines()
            .map_while(std::io::Result::ok)
        {
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
            stdout_lines.push(line);
        }
    }
    let status = child
        .wait()
        .map_err(|err| format!("{name}: could not wait: {err}"))?;
    let stderr_lines = stderr_thread.join().unwrap_or_default();
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "==> {name}: {} ({seconds:.1} s)",
        if status.success() { "ok" } else { "FAILED" }
    );
    Ok(Teed {
        success: status.success(),
        status: status.to_string(),
        stdout: stdout_lines,
        stderr: stderr_lines,
        seconds,
    })
}

/// The test's source file, if the target exists yet.
fn test_source(package: &str, test: &str) -> Option<PathBuf> {
    let dir = workspace_root().join("crates").join(package).join("tests");
    [
        dir.join(format!("{test}.rs")),
        dir.join(test).join("main.rs"),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

fn run_test(run: &TestRun, rows: &mut Vec<Row>) -> Result<RunOutcome> {
    if test_source(run.package, run.test).is_none() {
        eprintln!(
            "\nwarning: {}: crates/{}/tests/{}.rs does not exist yet; skipped",
            run.name, run.package, run.test
        );
        return Ok(RunOutcome {
            name: run.name.to_owned(),
            status: "skipped",
            seconds: 0.0,
            detail: "test file missing".to_owned(),
        });
    }
    let mut command = cargo(&[
        "test",
        "--release",
        "-p",
        run.package,
        "--test",
        run.test,
        "--",
        "--nocapture",
    ]);
    for (key, value) in &run.env {
        command.env(key, value);
    }
    let settings: Vec<String> = run.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let teed = run_teed(
        &format!(
            "{}: cargo test --release -p {} --test {} ({})",
            run.name,
            run.package,
            run.test,
            settings.join(" ")
        ),
        command,
    )?;
    let found: Vec<Row> = teed.stdout.iter().filter_map(|l| parse_row(l)).collect();
    let (status, detail) = if !teed.success {
        ("failed", format!("exit {}", teed.status))
    } else if found.is_empty() {
        ("failed", "printed no stress-result line".to_owned())
    } else {
        ("ok", String::new())
    };
    rows.extend(found);
    Ok(RunOutcome {
        name: run.name.to_owned(),
        status,
        seconds: teed.seconds,
        detail,
    })
}

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
        (Some(_), true) if !crashed => ("ok", String::new()),
        (Some(_), _) => ("failed", "crashed".to_owned()),
        (None, _) => (
            "failed",
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

fn run_all_fuzz(options: &Options, rows: &mut Vec<Row>, outcomes: &mut Vec<RunOutcome>) {
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
        outcomes.push(RunOutcome {
            name: "fuzz".to_owned(),
            status: "failed",
            seconds: 0.0,
            detail: err,
        });
        return;
    }
    for target in targets {
        match run_fuzz(&target, options.fuzz_secs, rows) {
            Ok(outcome) => outcomes.push(outcome),
            Err(err) => outcomes.push(RunOutcome {
                name: format!("fuzz:{target}"),
                status: "failed",
                seconds: 0.0,
                detail: err,
            }),
        }
    }
}

/// Where the report goes: `target/stress-report.json` in the workspace, whatever
/// `CARGO_TARGET_DIR` says, so scripts always find it in one place.
fn report_path() -> PathBuf {
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

fn report_json(options: &Options, rows: &[Row], outcomes: &[RunOutcome], ok: bool) -> Value {
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
        .map(|o| json!({ "name": o.name, "status": o.status, "seconds": (o.seconds * 10.0).round() / 10.0, "detail": o.detail }))
        .collect();
    json!({
        "ok": ok,
        "parameters": {
            "processes": options.processes,
            "mutations": options.mutations,
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
fn print_summary(rows: &[Row], outcomes: &[RunOutcome]) {
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
            o.name, o.status, o.seconds
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
            Err(err) => outcomes.push(RunOutcome {
                name: test.name.to_owned(),
                status: "failed",
                seconds: 0.0,
                detail: err,
            }),
        }
    }
    run_all_fuzz(&options, &mut rows, &mut outcomes);

    let failed_runs: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.status == "failed")
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
    fn libfuzzer_done_line_is_read() {
        let lines = vec![
            "#1024\tpulse  cov: 10".to_owned(),
            "Done 123456 runs in 61 second(s)".to_owned(),
        ];
        assert_eq!(parse_done(&lines), Some((123_456, 61)));
        assert_eq!(last_status_runs(&lines), 1024);
        assert!(!shows_crash(&lines));
    }

    #[test]
    fn options_parse_with_defaults() {
        let args: Vec<String> = ["--kills", "5", "--only=crash-safety,fuzz:url"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let options = parse_options(&args).unwrap().unwrap();
        assert_eq!((options.kills, options.processes), (5, 8));
        assert!(selected(&options, "crash-safety"));
        assert!(selected(&options, "fuzz:url"));
        assert!(!selected(&options, "fuzz:toml_load"));
        assert!(!selected(&options, "multi-process"));
        assert!(parse_options(&["--bogus".to_owned()]).is_err());
    }
}
