//! `cargo xtask`: the workspace's automation, written in Rust (matklad's xtask pattern).
//!
//! Every job a contributor or CI runs goes through here, so that the README's commands are the
//! whole story:
//!
//! ```text
//! cargo xtask test              all tests (unit, integration, doctests, benches in test mode)
//! cargo xtask ci                fmt --check, clippy -D warnings, tidy, rustdoc -D warnings,
//!                               all tests, the Python bindings' tests, loom, the demo
//! cargo xtask tidy [--quick | --only RULE]
//!                               the codebase's own conventions (see tidy.rs)
//! cargo xtask loom              cm-events' loom test on the real dispatcher (--cfg loom)
//! cargo xtask python            cm-python's wheel in a fresh venv under target/, then pytest
//! cargo xtask screenshots [--update]
//!                               cm-egui's image snapshots on a software Vulkan driver
//! cargo xtask bench [--quick] [--json FILE] [--markdown FILE]
//!                               criterion benchmarks against peers and targets; --quick: short
//! cargo xtask demo              the main job, on loopback servers and a temporary config
//! cargo xtask man               cm's man pages (cm.1, cm-bookmark.1, ...) into target/man
//! cargo xtask stress            the long reliability runs (parameters on the command line)
//! ```

// Shipped code never unwraps: outside input gets an error, an internal invariant a narrow,
// documented `#[allow]`. Set here, not in `[lints]`, because Cargo applies `[lints]` to every
// target and this rule is for the library and binaries only; `#[cfg(test)]` code is exempt
// through clippy.toml. `cargo xtask tidy` checks every crate root carries it.
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod bench;
mod cmd;
mod demo;
mod python;
mod screenshots;
mod stress;
mod tidy;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  test                 run every test with snapshot updates off
  ci                   fmt --check, clippy --all-targets -D warnings, tidy, rustdoc -D warnings,
                       every test, the Python bindings, loom, the demo
  tidy [--quick | --only RULE]
                       the codebase checks its own conventions (module docs, code map, README
                       doctests, paths, metadata, feature sets, dependency budgets, README
                       examples as downstream crates); --quick: only the file checks
  loom                 cm-events' loom test (the real dispatcher under --cfg loom, release, in
                       target/loom); LOOM_MAX_PREEMPTIONS=N widens the search (default 2)
  python               build cm-python's wheel, install it in a fresh venv (target/python-venv,
                       with maturin and pytest from PyPI) and run crates/cm-python/tests;
                       skipped with a notice when there is no python3
  screenshots [--update]
                       render cm-egui's widgets to docs/images/*.png on lavapipe and compare
                       (--update rewrites them; installs mesa-vulkan-drivers if missing)
  bench [--quick] [--json FILE] [--markdown FILE] [FILTER]
                       run the criterion benchmarks and the peak-memory example; print each
                       median against its peer and target, and how sized benchmarks grow;
                       --quick is a short pass (< 1 min once built); --json / --markdown
                       also write the report; exits 1 when a target or growth target misses
  demo                 the main job: loopback servers, a temporary omniverse.toml, a walk-through
  man                  write cm's man pages (cm.1 and one per command) into target/man
  stress [--processes N] [--mutations N] [--kills N] [--soak-secs N] [--fuzz-secs N]
         [--fault-rounds N] [--only NAME[,NAME...]] [--help]
                       the long reliability runs in release (many cm processes, SIGKILLs,
                       soak, network faults, fuzzing); summary in target/stress-report.json
";

/// `cargo xtask man`: `cm man --out-dir target/man`, through the real binary, so the pages are
/// the ones `cm` itself prints.
fn man() -> cmd::Result {
    let dir = cmd::workspace_root().join("target").join("man");
    let dir = dir.display().to_string();
    let args = [
        "run",
        "--quiet",
        "--locked",
        "-p",
        "cm-cli",
        "--",
        "man",
        "--out-dir",
        &dir,
    ];
    cmd::step("cm man --out-dir target/man", cmd::cargo(&args))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match command.as_str() {
        "test" => cmd::test(),
        "ci" => cmd::ci(),
        "loom" => cmd::loom(),
        "python" => python::run(),
        "bench" => bench::run(rest),
        "demo" => demo::run(rest),
        "stress" => stress::run(rest),
        "tidy" => tidy::run(rest),
        "screenshots" => screenshots::run(rest),
        "man" => man(),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => {
            eprintln!("xtask: unknown command {other:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err}");
            ExitCode::FAILURE
        }
    }
}
