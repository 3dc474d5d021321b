//! The test-target runs: which tests, with which `CM_STRESS_*` sizes, and running one with
//! its output shown as it comes and kept for the report.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use super::options::Options;
use super::report::{Row, RunOutcome, RunStatus, parse_row};
use crate::cmd::{Result, cargo, workspace_root};

/// One test target run with `cargo test --release`.
pub(super) struct TestRun {
    pub(super) name: &'static str,
    pub(super) package: &'static str,
    pub(super) test: &'static str,
    pub(super) env: Vec<(&'static str, String)>,
}

pub(super) fn test_runs(options: &Options) -> Vec<TestRun> {
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
            name: "symlinked-writers",
            package: "cm-cli",
            test: "file_safety",
            env: vec![
                ("CM_STRESS_LINK_PROCESSES", options.processes.to_string()),
                ("CM_STRESS_LINK_ADDS", options.link_adds.to_string()),
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

/// Output of a command that was shown while it ran.
pub(super) struct Teed {
    pub(super) success: bool,
    pub(super) status: String,
    pub(super) stdout: Vec<String>,
    pub(super) stderr: Vec<String>,
    pub(super) seconds: f64,
}

/// Runs `command`, echoing its stdout and stderr as they come and keeping both.
pub(super) fn run_teed(name: &str, mut command: Command) -> Result<Teed> {
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

/// The test's source file, if it exists: `tests/<test>.rs` or `tests/<test>/main.rs`.
fn test_source(package: &str, test: &str) -> Option<PathBuf> {
    let dir = workspace_root().join("crates").join(package).join("tests");
    [
        dir.join(format!("{test}.rs")),
        dir.join(test).join("main.rs"),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

pub(super) fn run_test(run: &TestRun, rows: &mut Vec<Row>) -> Result<RunOutcome> {
    if test_source(run.package, run.test).is_none() {
        // An error, not a skip: a renamed or deleted test would otherwise vanish from the
        // suite without anyone noticing.
        return Ok(RunOutcome::failed(
            run.name,
            format!(
                "crates/{}/tests/{}.rs does not exist (renamed? update stress/runs.rs)",
                run.package, run.test
            ),
        ));
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
        (RunStatus::Failed, format!("exit {}", teed.status))
    } else if found.is_empty() {
        (
            RunStatus::Failed,
            "printed no stress-result line".to_owned(),
        )
    } else {
        (RunStatus::Passed, String::new())
    };
    rows.extend(found);
    Ok(RunOutcome {
        name: run.name.to_owned(),
        status,
        seconds: teed.seconds,
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_run_names_a_test_file_that_exists() {
        for run in test_runs(&Options::default()) {
            assert!(
                test_source(run.package, run.test).is_some(),
                "{}: crates/{}/tests/{}.rs is missing",
                run.name,
                run.package,
                run.test
            );
        }
    }

    #[test]
    fn a_missing_test_file_is_a_failed_run() {
        let run = TestRun {
            name: "renamed",
            package: "cm-cli",
            test: "no_such_test_file",
            env: vec![],
        };
        let outcome = run_test(&run, &mut Vec::new()).unwrap();
        assert_eq!(outcome.status, RunStatus::Failed);
        assert!(
            outcome.detail.contains("does not exist"),
            "{}",
            outcome.detail
        );
    }
}
