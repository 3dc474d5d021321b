//! `cargo xtask tidy`: the codebase checks its own conventions (in the spirit of rust-analyzer's
//! `xtask/src/tidy.rs`).
//!
//! Each rule is a function that returns the places that break it; `run` collects them all and
//! fails with one line per finding, so one run shows everything to fix. The rules:
//!
//! | rule | where | what it checks |
//! |---|---|---|
//! | module docs | [`files`] | every `.rs` file starts with a `//!` module doc |
//! | code map | [`files`] | every path named in docs/ARCHITECTURE.md's code map exists; every crate folder has a section |
//! | README doctests | [`files`] | every library crate compiles its README's examples as doctests |
//! | out-of-repo paths | [`files`] | no test, build script or xtask names a `../` path that leaves the repository |
//! | no unwrap | [`files`] | every crate root enables `clippy::unwrap_used` / `expect_used`; clippy.toml exempts tests |
//! | metadata | [`manifests`] | publishable crates carry real metadata, no path-only dependency, `publish = false` only on test support |
//! | packaging | [`manifests`] | `cargo package --no-verify` succeeds for every publishable crate |
//! | feature sets | [`manifests`] | each crate builds without its default features; `cm-egui --features screenshots` builds |
//! | light crates | [`manifests`] | `cargo tree` budgets: cm-url, cm-events without defaults, cm-toml-store without defaults |
//! | downstream READMEs | [`readme_examples`] | every README example builds in a new crate with only the dependencies it states |
//!
//! `cargo xtask tidy --quick` runs only the rules that read files (no cargo builds), which is
//! what a pre-commit hook wants; `--only "RULE NAME"` runs one rule.

mod files;
mod manifests;
mod readme_examples;

use std::path::Path;

use crate::cmd::{Result, workspace_root};

/// One broken rule at one place.
pub(crate) struct Finding {
    /// The rule's short name (as in the table above).
    pub(crate) rule: &'static str,
    /// What is wrong, naming the file (relative to the workspace root) and how to fix it.
    pub(crate) message: String,
}

impl Finding {
    pub(crate) fn new(rule: &'static str, message: impl Into<String>) -> Self {
        Finding {
            rule,
            message: message.into(),
        }
    }
}

/// A rule: reads the workspace at the given root and reports what breaks it.
type Rule = fn(&Path) -> Result<Vec<Finding>>;

/// Rules that only read files: fast, and safe to run anywhere.
const FILE_RULES: &[(&str, Rule)] = &[
    ("module docs", files::module_docs),
    ("code map", files::code_map),
    ("README doctests", files::readme_doctests),
    ("out-of-repo paths", files::out_of_repo_paths),
    ("no unwrap", files::unwrap_lints),
    ("metadata", manifests::metadata),
];

/// Rules that run cargo (builds, `cargo tree`, `cargo package`).
const CARGO_RULES: &[(&str, Rule)] = &[
    ("light crates", manifests::dependency_budgets),
    ("feature sets", manifests::feature_sets),
    ("packaging", manifests::packaging),
    ("downstream READMEs", readme_examples::build_as_downstream),
];

/// Runs every rule (or only the file rules with `--quick`) and fails if any finding remains.
pub(crate) fn run(args: &[String]) -> Result {
    let all = FILE_RULES.iter().chain(CARGO_RULES);
    let rules: Vec<&(&str, Rule)> = match args {
        [] => all.collect(),
        [flag] if flag == "--quick" => FILE_RULES.iter().collect(),
        [flag, name] if flag == "--only" => all.filter(|(rule, _)| rule == name).collect(),
        _ => Vec::new(),
    };
    if rules.is_empty() {
        let names: Vec<&str> = FILE_RULES
            .iter()
            .chain(CARGO_RULES)
            .map(|(n, _)| *n)
            .collect();
        return Err(format!(
            "tidy: unknown arguments {args:?} (expected: [--quick | --only RULE]; rules: {})",
            names.join(", ")
        ));
    }
    let root = workspace_root();
    let mut findings = Vec::new();
    for (name, rule) in rules {
        eprintln!("tidy: {name}");
        findings.extend(rule(&root)?);
    }
    if findings.is_empty() {
        eprintln!("tidy: every rule holds");
        return Ok(());
    }
    for finding in &findings {
        eprintln!("tidy [{}]: {}", finding.rule, finding.message);
    }
    Err(format!("tidy: {} finding(s)", findings.len()))
}
