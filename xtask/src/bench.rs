//! `cargo xtask bench`: run every criterion benchmark (and the peak-memory example), then report
//! each median against the peer measured in the same run and its target, and how the sized
//! benchmarks grow against their growth targets. The run fails (exit 1) when a row with a target
//! or a sized series with a growth target misses it.
//!
//! * [`targets`]: the mapping benchmark -> peer, target, and the sized series (the one place
//!   that says what "fast enough" means);
//! * [`results`]: reading criterion's output back;
//! * [`pairs`]: the peers timed interleaved with their subjects (`cm_benchkit::Pair`);
//! * [`rss`]: the `system/peak_rss` row, from a process of its own;
//! * [`report`]: the table, the growth section and the JSON.

mod pairs;
mod report;
mod results;
mod rss;
mod targets;

use std::fs;
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use crate::cmd::{Result, cargo, step};

/// Options of `cargo xtask bench`.
#[derive(Debug, Default)]
struct Options {
    quick: bool,
    json: Option<PathBuf>,
    markdown: Option<PathBuf>,
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
            "--markdown" => {
                let path = args
                    .next()
                    .ok_or_else(|| "--markdown needs a file name".to_owned())?;
                options.markdown = Some(PathBuf::from(path));
            }
            flag if flag.starts_with('-') => return Err(format!("bench: unknown option {flag}")),
            filter => options.filter = Some(filter.to_owned()),
        }
    }
    Ok(options)
}

/// Criterion settings of the quick pass: every benchmark gets about 0.35 s plus its set-up, so
/// the whole pass stays under a minute once built. The warm-up doubles its iteration count
/// until it has run 0.05 s, so it really lasts 0.05-0.1 s: enough to estimate an iteration of a
/// few nanoseconds or of 30 ms (two iterations). Ten samples is criterion's minimum; it keeps
/// the 10-30 ms file benchmarks from needing seconds each. Fewer bootstrap resamples only
/// coarsen the confidence intervals (the median is the sample's), and save ~80 ms of analysis
/// per benchmark.
const QUICK: [&str; 9] = [
    "--warm-up-time",
    "0.05",
    "--measurement-time",
    "0.25",
    "--sample-size",
    "10",
    "--nresamples",
    "1000",
    "--noplot",
];

/// The budget of the quick pass (benchmarks only, build excluded).
const QUICK_BUDGET_SECS: f64 = 60.0;

/// Runs the benchmarks, then prints (and optionally writes) the report.
pub(crate) fn run(args: &[String]) -> Result {
    let options = parse_options(args)?;

    // Name each criterion target: `--benches` would also select every library (libraries have
    // `bench = true` by default), build crates that have no benchmarks, and hand criterion's
    // flags to their libtest harnesses, which reject them.
    let names = bench_targets()?;
    let mut cargo_args = vec!["bench", "--workspace", "--locked"];
    for name in &names {
        cargo_args.extend(["--bench", name.as_str()]);
    }
    let with_rss = options
        .filter
        .as_deref()
        .is_none_or(|f| rss::ID.contains(f));

    // Build first, so the time of the measuring step below is benchmark time only.
    let built = Instant::now();
    let mut build = cargo_args.clone();
    build.push("--no-run");
    step("build the benchmarks", cargo(&build))?;
    if with_rss {
        step("build the peak_rss example", rss::build_command())?;
    }
    let build_secs = built.elapsed().as_secs_f64();

    // A fresh pairs file per run: the reader matches its last records to this run's samples.
    let criterion_dir = results::criterion_dir();
    let pairs_file = pairs::file(&criterion_dir);
    fs::create_dir_all(&criterion_dir).map_err(|e| format!("{}: {e}", criterion_dir.display()))?;
    match fs::remove_file(&pairs_file) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("{}: {e}", pairs_file.display()));
        }
        _ => {}
    }

    let started_at = SystemTime::now();
    let started = Instant::now();
    cargo_args.push("--");
    if options.quick {
        cargo_args.extend(QUICK);
    }
    if let Some(filter) = &options.filter {
        cargo_args.push(filter);
    }
    let mut benchmarks = cargo(&cargo_args);
    benchmarks.env(pairs::ENV, &pairs_file);
    step("criterion benchmarks", benchmarks)?;
    let mut measured = results::collect(&criterion_dir, started_at)?;
    if with_rss {
        eprintln!("\n==> {}", rss::ID);
        measured.push(rss::measure()?);
    }
    let run_secs = started.elapsed().as_secs_f64();

    measured.sort_by(|a, b| a.id.cmp(&b.id));
    let pairs = pairs::read(&pairs_file, &measured)?;
    let lines = report::lines(&measured, &pairs);
    report::print_table(&lines);
    let growth = report::growth(&measured);
    report::print_growth(&growth);
    if options.filter.is_none() {
        let missing = report::missing(&measured);
        if !missing.is_empty() {
            println!(
                "\nnamed in xtask/src/bench/targets.rs but not measured: {}",
                missing.join(", ")
            );
        }
    }
    println!(
        "\nmeasured in {run_secs:.1} s (build {build_secs:.1} s){}",
        if options.quick && run_secs > QUICK_BUDGET_SECS {
            format!(": over the quick-mode budget of {QUICK_BUDGET_SECS:.0} s")
        } else {
            String::new()
        }
    );
    if let Some(path) = &options.json {
        report::write_json(path, &lines)?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &options.markdown {
        report::write_markdown(path, &lines, &growth)?;
        eprintln!("wrote {}", path.display());
    }
    // Last, after the report files: a regression fails the run (exit 1) so it is seen at once.
    let failures = report::failures(&lines, &growth);
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} target(s) missed:\n  {}",
            failures.len(),
            failures.join("\n  ")
        ))
    }
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
    let metadata: serde_json::Value =
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
