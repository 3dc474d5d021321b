//! The tidy rules about Cargo manifests: publishing metadata, feature sets that must build,
//! and dependency budgets for the crates meant to be light.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;

use serde_json::Value;

use super::Finding;
use crate::cmd::{Result, cargo, step};

/// The packages that stay unpublished: test and benchmark support, the automation itself, and
/// cm-python (a Python extension, shipped as a wheel by maturin, not on crates.io).
const UNPUBLISHED: &[&str] = &[
    "cm-benchkit",
    "cm-python",
    "cm-reliability",
    "cm-testkit",
    "xtask",
];

/// How many packages a light crate may pull in (itself excluded; proc-macros excluded too,
/// since they run in the compiler and never link into the program), and which it must not.
struct Budget {
    /// `cargo tree` arguments selecting the crate and its features.
    args: &'static [&'static str],
    /// The most packages it may depend on, directly or not.
    max_packages: usize,
    /// Packages that must not appear at all.
    forbidden: &'static [&'static str],
}

const BUDGETS: &[Budget] = &[
    Budget {
        args: &["-p", "cm-url"],
        max_packages: 40,
        forbidden: &["tokio", "actix"],
    },
    // 20 runtime crates, plus `libc` on Linux for the membarrier fence.
    Budget {
        args: &["-p", "cm-events", "--no-default-features"],
        max_packages: 21,
        forbidden: &[
            "actix",
            "actix-rt",
            "mio",
            "socket2",
            "signal-hook-registry",
        ],
    },
    Budget {
        args: &["-p", "cm-toml-store", "--no-default-features"],
        max_packages: usize::MAX,
        forbidden: &["actix", "actix-rt", "tokio"],
    },
    // The default `cm` stays a small terminal tool: the window toolkit of `cm gui` comes only
    // with its `gui` feature (issue 18.17).
    Budget {
        args: &["-p", "cm-cli"],
        max_packages: usize::MAX,
        forbidden: &["eframe", "egui", "egui-winit", "winit", "glow", "cm-egui"],
    },
];

/// `cargo metadata --no-deps`: the workspace's own packages.
fn workspace_packages() -> Result<Vec<Value>> {
    let output = cargo(&["metadata", "--no-deps", "--format-version", "1", "--locked"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!("cargo metadata failed ({})", output.status));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata printed something that is not JSON: {e}"))?;
    Ok(metadata["packages"].as_array().cloned().unwrap_or_default())
}

fn text<'a>(package: &'a Value, key: &str) -> &'a str {
    package[key].as_str().unwrap_or("")
}

/// Publishable crates carry real metadata; only test support and xtask stay unpublished; no
/// normal dependency is path-only (crates.io would not know where to find it).
pub(super) fn metadata(_root: &Path) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for package in workspace_packages()? {
        let name = text(&package, "name");
        let mut fail =
            |message: String| findings.push(Finding::new("metadata", format!("{name}: {message}")));
        // `publish` is null when publishable, [] for `publish = false`.
        let unpublished = package["publish"].as_array().is_some_and(Vec::is_empty);
        let should_stay_unpublished = UNPUBLISHED.contains(&name);
        if unpublished != should_stay_unpublished {
            fail(if should_stay_unpublished {
                "is test support, automation or a Python wheel: keep `publish = false`".to_owned()
            } else {
                "`publish = false` is only for cm-benchkit, cm-python, cm-reliability, cm-testkit and xtask"
                    .to_owned()
            });
        }
        if unpublished {
            continue;
        }
        for key in ["description", "license", "readme", "repository"] {
            if text(&package, key).is_empty() {
                fail(format!("no `{key}`"));
            }
        }
        if text(&package, "repository").contains("example.invalid") {
            fail("`repository` is example.invalid; name the real one (or the documented placeholder)".to_owned());
        }
        for key in ["keywords", "categories"] {
            if package[key].as_array().is_none_or(Vec::is_empty) {
                fail(format!("no `{key}`"));
            }
        }
        let has_default_features = package["features"].get("default").is_some();
        if has_default_features && package["metadata"]["docs"]["rs"].is_null() {
            fail(
                "has optional features: add `[package.metadata.docs.rs]` so docs.rs documents them"
                    .to_owned(),
            );
        }
        for dependency in package["dependencies"].as_array().into_iter().flatten() {
            let path_only = dependency["path"].is_string() && text(dependency, "req") == "*";
            let kind = dependency["kind"].as_str().unwrap_or("normal");
            if path_only && kind != "dev" {
                fail(format!(
                    "depends on `{}` by path only; give it a version",
                    text(dependency, "name")
                ));
            }
        }
    }
    Ok(findings)
}

/// `cargo package --no-verify` for every publishable crate: the archives crates.io would get
/// can be made (metadata accepted, every file found, dependencies resolvable).
pub(super) fn packaging(_root: &Path) -> Result<Vec<Finding>> {
    let mut args = vec![
        "package",
        "--workspace",
        "--no-verify",
        "--allow-dirty",
        "--quiet",
    ];
    for name in UNPUBLISHED {
        args.extend(["--exclude", name]);
    }
    Ok(
        match step("cargo package (publishable crates)", cargo(&args)) {
            Ok(()) => Vec::new(),
            Err(err) => vec![Finding::new("packaging", err)],
        },
    )
}

/// Every crate with optional features builds without its defaults, cm-egui's image
/// snapshots build (`--features screenshots`), and so does `cm gui` (`cm-cli --features gui`).
pub(super) fn feature_sets(_root: &Path) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    let mut checks: Vec<Vec<String>> = Vec::new();
    for package in workspace_packages()? {
        if package["features"].get("default").is_some() {
            let name = text(&package, "name").to_owned();
            checks.push(vec!["-p".into(), name, "--no-default-features".into()]);
        }
    }
    checks.push(vec![
        "-p".into(),
        "cm-egui".into(),
        "--features".into(),
        "screenshots".into(),
    ]);
    checks.push(vec![
        "-p".into(),
        "cm-cli".into(),
        "--features".into(),
        "gui".into(),
    ]);
    for extra in checks {
        let mut args = vec!["check", "--locked", "--quiet"];
        args.extend(extra.iter().map(String::as_str));
        if let Err(err) = step(&format!("cargo {}", args.join(" ")), cargo(&args)) {
            findings.push(Finding::new("feature sets", err));
        }
    }
    Ok(findings)
}

/// The packages `cargo tree` lists for `args` (normal dependencies, proc-macros left out), the
/// selected crate itself excluded.
fn dependency_names(args: &[&str]) -> Result<BTreeSet<String>> {
    let mut command = vec![
        "tree",
        "--locked",
        "-e",
        "normal,no-proc-macro",
        "--prefix",
        "none",
        "-f",
        "{p}",
    ];
    command.extend(args);
    let output = cargo(&command)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo tree: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo tree {} failed ({})",
            args.join(" "),
            output.status
        ));
    }
    let listing = String::from_utf8_lossy(&output.stdout);
    let mut names: BTreeSet<String> = listing
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    if let Some(selected) = args.iter().skip_while(|a| **a != "-p").nth(1) {
        names.remove(*selected);
    }
    Ok(names)
}

/// The light crates stay light (issue 22.12): counted with `cargo tree`.
pub(super) fn dependency_budgets(_root: &Path) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for budget in BUDGETS {
        let names = dependency_names(budget.args)?;
        let shown = budget.args.join(" ");
        eprintln!("tidy: {shown}: {} dependencies", names.len());
        if names.len() > budget.max_packages {
            findings.push(Finding::new(
                "light crates",
                format!(
                    "{shown} pulls in {} packages (budget {}): {}",
                    names.len(),
                    budget.max_packages,
                    names.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        for forbidden in budget.forbidden {
            if names.contains(*forbidden) {
                findings.push(Finding::new(
                    "light crates",
                    format!("{shown} depends on `{forbidden}`, which it must not"),
                ));
            }
        }
    }
    // cm-events without defaults may use tokio's channels, never its runtime.
    let output = cargo(&[
        "tree",
        "--locked",
        "-p",
        "cm-events",
        "--no-default-features",
        "-e",
        "normal",
        "-i",
        "tokio",
        "-f",
        "{p} {f}",
        "--depth",
        "0",
    ])
    .stderr(Stdio::null())
    .output()
    .map_err(|e| format!("cannot run cargo tree: {e}"))?;
    let features = String::from_utf8_lossy(&output.stdout);
    if features
        .split([' ', ',', '\n'])
        .any(|f| f == "rt" || f == "rt-multi-thread")
    {
        findings.push(Finding::new(
            "light crates",
            format!(
                "cm-events without defaults builds tokio's runtime: {}",
                features.trim()
            ),
        ));
    }
    Ok(findings)
}
