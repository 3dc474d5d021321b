//! Running cargo and the steps of `test` and `ci`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The error of a failed step: which step, and how it ended.
pub(crate) type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root (the parent of this crate's directory).
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A `cargo` command run from the workspace root, with snapshot updates off: a test that
/// disagrees with its snapshot must fail here, never rewrite the snapshot.
pub(crate) fn cargo(args: &[&str]) -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command
        .args(args)
        .current_dir(workspace_root())
        .env("INSTA_UPDATE", "no")
        .env_remove("INSTA_FORCE_PASS");
    command
}

/// Runs one named step and fails with its name when it does not succeed.
pub(crate) fn step(name: &str, mut command: Command) -> Result {
    eprintln!("\n==> {name}");
    let started = Instant::now();
    let status = command
        .status()
        .map_err(|err| format!("{name}: could not start: {err}"))?;
    let secs = started.elapsed().as_secs_f64();
    if status.success() {
        eprintln!("==> {name}: ok ({secs:.1} s)");
        Ok(())
    } else {
        Err(format!("{name}: failed ({status}) after {secs:.1} s"))
    }
}

/// `cargo xtask test`: every test target, benches in test mode (each benchmark runs once, so a
/// broken benchmark fails here), then doctests (which `--all-targets` leaves out).
pub(crate) fn test() -> Result {
    step(
        "tests (lib, bins, integration, examples, benches in test mode)",
        // cm-python has no Rust tests (its suite is pytest, `cargo xtask python`); building
        // its empty test harness would only compile PyO3 once more.
        cargo(&[
            "test",
            "--workspace",
            "--all-targets",
            "--locked",
            "--exclude",
            "cm-python",
        ]),
    )?;
    step(
        "doctests",
        cargo(&["test", "--workspace", "--doc", "--locked"]),
    )
}

/// `cargo xtask ci`: what CI runs on a clean clone.
pub(crate) fn ci() -> Result {
    let started = Instant::now();
    step("rustfmt", cargo(&["fmt", "--all", "--check"]))?;
    step(
        "clippy",
        cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    step("tidy", cargo(&["xtask", "tidy"]))?;
    let mut rustdoc = cargo(&["doc", "--workspace", "--no-deps", "--locked"]);
    rustdoc.env("RUSTDOCFLAGS", "-D warnings");
    step("rustdoc (warnings are errors)", rustdoc)?;
    test()?;
    step(
        "serde feature (builds it through every crate that has it and round-trips the types)",
        cargo(&[
            "test",
            "-p",
            "connection-manager",
            "--features",
            "serde",
            "--test",
            "serde_values",
            "--locked",
        ]),
    )?;
    crate::python::run()?;
    loom()?;
    step("demo", cargo(&["xtask", "demo"]))?;
    eprintln!(
        "\nci: all steps passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `cargo xtask loom`: `tests/loom_reset.rs` with the dispatcher built on loom's primitives
/// (`--cfg loom`, see `crates/cm-events/src/dispatcher/sync.rs`). Release (loom's executions are
/// many and each is slow in debug), in its own target directory so the `--cfg` does not
/// invalidate the normal build; `LOOM_MAX_PREEMPTIONS` is passed through (the test defaults to 2).
pub(crate) fn loom() -> Result {
    let mut command = cargo(&[
        "test",
        "-p",
        "cm-events",
        "--no-default-features",
        "--test",
        "loom_reset",
        "--release",
        "--locked",
    ]);
    let rustflags = match std::env::var("RUSTFLAGS") {
        Ok(flags) if !flags.trim().is_empty() => format!("{flags} --cfg loom"),
        _ => "--cfg loom".to_owned(),
    };
    command.env("RUSTFLAGS", rustflags).env(
        "CARGO_TARGET_DIR",
        workspace_root().join("target").join("loom"),
    );
    step("loom (cm-events, real dispatcher)", command)
}
