//! `cargo xtask python`: the Python bindings (crates/cm-python) built as a wheel, installed
//! into a fresh virtual environment and tested with pytest.
//!
//! Steps (paths under the cargo target directory): `python3 -m venv --clear target/python-venv`; `pip install maturin pytest` (from
//! PyPI); `cargo build -p cm-testkit` (the tests start the binary as a subprocess);
//! `maturin build` into `target/python-wheels`; `pip install` that wheel; pytest on
//! `crates/cm-python/tests` with `CM_TESTKIT` pointing at the binary. Installing the built
//! wheel (rather than `maturin develop`) is what proves that the wheel installs in a clean
//! environment. Without a `python3` the step is skipped with a visible notice: the Rust
//! workspace does not need Python, and a missing interpreter must not read as a pass.

use std::path::Path;
use std::process::Command;

use crate::cmd::{Result, cargo, step, workspace_root};

/// The interpreter the venv is made from (`PYTHON` overrides `python3`).
fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Whether `python` runs at all (and is Python 3.9 or later, what abi3-py39 needs).
fn usable(python: &str) -> bool {
    Command::new(python)
        .args([
            "-c",
            "import sys, venv; sys.exit(sys.version_info < (3, 9))",
        ])
        .status()
        .is_ok_and(|status| status.success())
}

fn wheel_in(dir: &Path) -> Result<std::path::PathBuf> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| path.extension().is_some_and(|ext| ext == "whl"))
        .ok_or_else(|| format!("maturin wrote no wheel into {}", dir.display()))
}

/// `cargo xtask python`.
pub(crate) fn run() -> Result {
    let python = python();
    if !usable(&python) {
        eprintln!(
            "\n==> python bindings: SKIPPED — no usable {python} (3.9+ with venv) on this machine; \
             the cm-python wheel was NOT built or tested"
        );
        return Ok(());
    }
    let root = workspace_root();
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), Into::into);
    let venv = target.join("python-venv");
    let wheels = target.join("python-wheels");
    let bin = venv.join("bin");
    let mut make_venv = Command::new(&python);
    make_venv.arg("-m").arg("venv").arg("--clear").arg(&venv);
    step("python: fresh venv (target/python-venv)", make_venv)?;
    let mut tools = Command::new(bin.join("python"));
    tools.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "maturin",
        "pytest",
    ]);
    step("python: pip install maturin pytest", tools)?;
    step(
        "python: cm-testkit binary for the tests",
        cargo(&[
            "build",
            "-p",
            "cm-testkit",
            "--bin",
            "cm-testkit",
            "--locked",
        ]),
    )?;
    let _ = std::fs::remove_dir_all(&wheels);
    let mut build = Command::new(bin.join("maturin"));
    build
        .args(["build", "--locked", "--quiet", "--interpreter"])
        .arg(bin.join("python"))
        .arg("--out")
        .arg(&wheels)
        .current_dir(root.join("crates/cm-python"));
    step("python: maturin build (abi3 wheel)", build)?;
    let mut install = Command::new(bin.join("python"));
    install
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--force-reinstall",
            "--no-deps",
        ])
        .arg(wheel_in(&wheels)?);
    step("python: pip install the wheel", install)?;
    let mut pytest = Command::new(bin.join("python"));
    pytest
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"])
        .current_dir(root.join("crates/cm-python"))
        .env("CM_TESTKIT", target.join("debug").join("cm-testkit"));
    step("python: pytest crates/cm-python/tests", pytest)
}
