//! `system/peak_rss`: the peak resident memory of a process holding 10 000 bookmarks, 1 000
//! servers and 100 000 observers, measured by the facade's `peak_rss` example in a process of
//! its own (so nothing of the benchmarks' own state counts).

use serde_json::Value;

use crate::bench::results::{Measurement, Unit};
use crate::cmd::{Result, cargo};

/// The id of the memory row.
pub(crate) const ID: &str = "system/peak_rss";

const PACKAGE: &str = "connection-manager";
const EXAMPLE: &str = "peak_rss";

/// `cargo build` of the example, for the build step (release, like the benchmarks).
pub(crate) fn build_command() -> std::process::Command {
    example_command(&["build"])
}

/// `cargo <verb> ...` of the example in release, as the benchmarks are built.
fn example_command(verb: &[&str]) -> std::process::Command {
    let mut args = verb.to_vec();
    args.extend(["--release", "--locked", "-p", PACKAGE, "--example", EXAMPLE]);
    cargo(&args)
}

/// Runs the example and reads its `peak_rss_bytes`.
pub(crate) fn measure() -> Result<Measurement> {
    let output = example_command(&["run", "--quiet"])
        .output()
        .map_err(|e| format!("{ID}: could not start the {EXAMPLE} example: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "{ID}: the {EXAMPLE} example failed ({}): {}{}",
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let report: Value = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .ok_or_else(|| format!("{ID}: no JSON line in the {EXAMPLE} output: {stdout:?}"))?;
    let bytes = report["peak_rss_bytes"].as_f64().ok_or_else(|| {
        format!("{ID}: no peak_rss_bytes in {report} (VmHWM is read from /proc: Linux only)")
    })?;
    let mib = |key: &str| {
        report[key].as_f64().map_or_else(
            || "?".to_owned(),
            |b| format!("{:.1}", b / (1024.0 * 1024.0)),
        )
    };
    eprintln!(
        "{ID}: peak {} MiB ({} MiB at process start, {} MiB once the manager had loaded the file)",
        mib("peak_rss_bytes"),
        mib("baseline_rss_bytes"),
        mib("registry_peak_rss_bytes")
    );
    Ok(Measurement {
        id: ID.to_owned(),
        value: bytes,
        unit: Unit::Bytes,
        sample_iters: Vec::new(),
    })
}
