//! `cargo xtask bench`: run the criterion benchmarks and report their medians.
//!
//! Criterion leaves one `new/benchmark.json` + `new/estimates.json` pair per benchmark under
//! `<target>/criterion`. After the run we read back only the pairs this run wrote, so the table
//! never mixes in figures from an older run.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

use crate::cmd::{Result, cargo, step, workspace_root};

/// Options of `cargo xtask bench`.
#[derive(Debug, Default)]
struct Options {
    quick: bool,
    json: Option<PathBuf>,
    filter: Option<String>,
}

fn parse_options(args: &[String]) -> Result<Options> {
    let mut options = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--json" => {
                let path = args
                    .next()
                    .ok_or_else(|| "--json needs a file name".to_owned())?;
                options.json = Some(PathBuf::from(path));
            }
            flag if flag.starts_with('-') => return Err(format!("bench: unknown option {flag}")),
            filter => options.filter = Some(filter.to_owned()),
        }
    }
    Ok(options)
}

/// One measured benchmark.
#[derive(Debug)]
struct Measurement {
    id: String,
    median_ns: f64,
    mean_ns: f64,
}

/// Runs the benchmarks, then prints (and optionally writes) the table of medians.
pub(crate) fn run(args: &[String]) -> Result {
    let options = parse_options(args)?;
    let started = SystemTime::now();

    // Name each criterion target: `--benches` would also select every library (libraries have
    // `bench = true` by default), build crates that have no benchmarks, and hand criterion's
    // flags to their libtest harnesses, which reject them.
    let targets = bench_targets()?;
    let mut cargo_args = vec!["bench", "--workspace", "--locked"];
    for target in &targets {
        cargo_args.extend(["--bench", target.as_str()]);
    }
    cargo_args.push("--");
    if options.quick {
        cargo_args.extend([
            "--warm-up-time",
            "0.2",
            "--measurement-time",
            "0.4",
            // Criterion's minimum; keeps the 10-30 ms store benchmarks from needing seconds each.
            "--sample-size",
            "10",
            "--noplot",
        ]);
    }
    if let Some(filter) = &options.filter {
        cargo_args.push(filter);
    }
    step("criterion benchmarks", cargo(&cargo_args))?;

    let mut measurements = collect(&criterion_dir(), started)?;
    measurements.sort_by(|a, b| a.id.cmp(&b.id));
    print_table(&measurements);
    if let Some(path) = &options.json {
        write_json(path, &measurements)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// The names of the workspace's benchmark targets, from `cargo metadata`.
fn bench_targets() -> Result<Vec<String>> {
    let output = cargo(&["metadata", "--format-version", "1", "--no-deps", "--locked"])
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
    let mut names: Vec<String> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|package| package["targets"].as_array().into_iter().flatten())
        .filter(|target| {
            target["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "bench"))
        })
        .filter_map(|target| target["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        return Err("no benchmark targets found".to_owned());
    }
    Ok(names)
}

fn criterion_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("criterion")
}

/// Reads every benchmark result written since `since`.
fn collect(dir: &Path, since: SystemTime) -> Result<Vec<Measurement>> {
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
    let mean = estimates["mean"]["point_estimate"].as_f64();
    Ok(match (id.is_empty(), median, mean) {
        (false, Some(median_ns), Some(mean_ns)) => Some(Measurement {
            id,
            median_ns,
            mean_ns,
        }),
        _ => None,
    })
}

/// Formats nanoseconds with a unit that keeps three significant figures readable.
fn human(ns: f64) -> String {
    match ns {
        ns if ns < 1e3 => format!("{ns:.1} ns"),
        ns if ns < 1e6 => format!("{:.2} us", ns / 1e3),
        ns if ns < 1e9 => format!("{:.2} ms", ns / 1e6),
        ns => format!("{:.2} s", ns / 1e9),
    }
}

fn print_table(measurements: &[Measurement]) {
    let width = measurements
        .iter()
        .map(|m| m.id.len())
        .max()
        .unwrap_or(9)
        .max(9);
    println!(
        "\n{:<width$}  {:>12}  {:>12}",
        "benchmark", "median", "mean"
    );
    println!("{}", "-".repeat(width + 28));
    for m in measurements {
        println!(
            "{:<width$}  {:>12}  {:>12}",
            m.id,
            human(m.median_ns),
            human(m.mean_ns)
        );
    }
    println!("\n{} benchmarks", measurements.len());
}

fn write_json(path: &Path, measurements: &[Measurement]) -> Result {
    let rows: Vec<Value> = measurements
        .iter()
        .map(|m| serde_json::json!({ "id": m.id, "median_ns": m.median_ns, "mean_ns": m.mean_ns }))
        .collect();
    let text = serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())?;
    fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))
}
