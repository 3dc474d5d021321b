//! The downstream-README rule: every Rust example in a README builds in a new crate that
//! depends only on what the example says it needs.
//!
//! Doctests run inside the crate, where dev-dependencies and the crate's own dependencies are
//! in scope, so an example can compile there and still fail for a user who copies it. Here each
//! example becomes the `main.rs` of its own package under `target/readme-examples/`, whose
//! `[dependencies]` are the ones the README states in a ` ```toml ` block starting with
//! `[dependencies]` before the example (the crate alone when there is none). Workspace crates
//! are taken by path (with the stated version), everything else from crates.io at the versions
//! of the workspace's Cargo.lock. The packages are checked together in one scratch workspace
//! (`cargo check --workspace`): each can `use` only what it declares, which is the point; the
//! one liberty is that features of shared dependencies are unified across the examples, which
//! keeps the rule to one build instead of one per example on a 2-core CI machine.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::Finding;
use super::files::crate_dirs;
use crate::cmd::{Result, step};

/// One Rust example taken from a README.
#[derive(Debug, PartialEq)]
pub(super) struct Example {
    /// The line of the opening fence (1-based).
    pub(super) line: usize,
    /// The code, as written.
    pub(super) code: String,
    /// The `[dependencies]` lines stated before it (empty: only the crate itself).
    pub(super) dependencies: Vec<String>,
}

/// The Rust examples of a README, with the dependencies each one states. Examples marked
/// `ignore` or `compile_fail` are left out (nothing builds them).
pub(super) fn examples(readme: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut dependencies: Vec<String> = Vec::new();
    let mut lines = readme.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        let Some(info) = line.trim_start().strip_prefix("```") else {
            continue;
        };
        let info = info.trim().to_owned();
        let mut body = Vec::new();
        for (_, inner) in lines.by_ref() {
            if inner.trim_start().starts_with("```") {
                break;
            }
            body.push(inner);
        }
        let first_setting = body
            .iter()
            .map(|l| l.trim())
            .find(|l| !l.is_empty() && !l.starts_with('#'));
        if info == "toml" && first_setting == Some("[dependencies]") {
            dependencies = body
                .iter()
                .map(|l| l.split('#').next().unwrap_or("").trim())
                .filter(|l| !l.is_empty() && *l != "[dependencies]")
                .map(str::to_owned)
                .collect();
        } else if info.split(',').next() == Some("rust")
            && !info.contains("ignore")
            && !info.contains("compile_fail")
        {
            out.push(Example {
                line: number + 1,
                code: body.join("\n"),
                dependencies: dependencies.clone(),
            });
        }
    }
    out
}

/// Lines a doctest hides (`# code`): GitHub shows them literally, so READMEs must not use them.
pub(super) fn hidden_lines(code: &str) -> Vec<&str> {
    code.lines()
        .filter(|l| {
            let t = l.trim_start();
            t == "#" || t.starts_with("# ")
        })
        .collect()
}

/// The program a user would write: the example as is when it has a `main`, otherwise wrapped
/// in one (as rustdoc does), inner attributes kept at the top. Like rustdoc, unused code is
/// allowed: an example shows a piece, not a whole program.
fn main_rs(code: &str) -> String {
    let (attributes, body): (Vec<&str>, Vec<&str>) = code
        .lines()
        .partition(|l| l.trim_start().starts_with("#!["));
    let attributes = format!("#![allow(unused)]\n{}", attributes.join("\n"));
    if code.contains("fn main(") {
        return format!("{attributes}\n{}\n", body.join("\n"));
    }
    format!("{attributes}\nfn main() {{\n{}\n}}\n", body.join("\n"))
}

/// A `[dependencies]` line with a workspace crate pointed at its folder.
fn dependency_line(root: &Path, line: &str, workspace_crates: &[(String, PathBuf)]) -> String {
    let Some((name, value)) = line.split_once('=') else {
        return line.to_owned();
    };
    let name = name.trim();
    let value = value.trim();
    let Some((_, dir)) = workspace_crates.iter().find(|(n, _)| n == name) else {
        return line.to_owned();
    };
    let path = root.join(dir).display().to_string().replace('\\', "/");
    match value.strip_prefix('{') {
        Some(table) => format!("{name} = {{ path = \"{path}\", {}", table.trim_start()),
        None => format!("{name} = {{ path = \"{path}\", version = {value} }}"),
    }
}

/// Builds every README example as a downstream crate (see the module docs).
pub(super) fn build_as_downstream(root: &Path) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    let workspace_crates: Vec<(String, PathBuf)> = crate_dirs(root)?
        .into_iter()
        .filter(|dir| root.join(dir).join("src/lib.rs").is_file())
        .map(|dir| {
            let name = match dir.file_name() {
                Some(name) => name.to_string_lossy().into_owned(),
                None => "connection-manager".to_owned(),
            };
            (name, dir)
        })
        .collect();
    let scratch = root.join("target/readme-examples");
    let _ = fs::remove_dir_all(&scratch);
    fs::create_dir_all(&scratch)
        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let mut members = Vec::new();
    for (name, dir) in &workspace_crates {
        let readme = dir.join("README.md");
        let Ok(text) = fs::read_to_string(root.join(&readme)) else {
            continue;
        };
        for (index, example) in examples(&text).into_iter().enumerate() {
            let place = format!("{}:{}", readme.display(), example.line);
            for hidden in hidden_lines(&example.code) {
                findings.push(Finding::new(
                    "downstream READMEs",
                    format!("{place}: `{hidden}` is a hidden doctest line, shown literally on GitHub; write the code out"),
                ));
            }
            let package = format!("readme-{name}-{}", index + 1);
            let mut manifest = format!(
                "[package]\nname = \"{package}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n"
            );
            let stated = if example.dependencies.is_empty() {
                vec![format!("{name} = \"0.1\"")]
            } else {
                example.dependencies.clone()
            };
            for line in &stated {
                let _ = writeln!(
                    manifest,
                    "{}",
                    dependency_line(root, line, &workspace_crates)
                );
            }
            let _ = writeln!(manifest, "\n# {place}");
            let folder = scratch.join(&package);
            fs::create_dir_all(folder.join("src"))
                .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
            fs::write(folder.join("Cargo.toml"), manifest)
                .map_err(|e| format!("cannot write {package}: {e}"))?;
            fs::write(folder.join("src/main.rs"), main_rs(&example.code))
                .map_err(|e| format!("cannot write {package}: {e}"))?;
            members.push((package, place));
        }
    }
    let member_list: Vec<String> = members.iter().map(|(p, _)| format!("\"{p}\"")).collect();
    fs::write(
        scratch.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            member_list.join(", ")
        ),
    )
    .map_err(|e| format!("cannot write the scratch workspace: {e}"))?;
    // The workspace's versions, so the examples build against what CI tested.
    fs::copy(root.join("Cargo.lock"), scratch.join("Cargo.lock"))
        .map_err(|e| format!("cannot copy Cargo.lock: {e}"))?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(&cargo);
    command
        .args(["check", "--workspace", "--quiet"])
        .current_dir(&scratch)
        // Shares compiled dependencies with the workspace build.
        .env("CARGO_TARGET_DIR", root.join("target"));
    let shown: Vec<&str> = members.iter().map(|(_, place)| place.as_str()).collect();
    if let Err(err) = step(
        &format!("{} README examples as downstream crates", members.len()),
        command,
    ) {
        findings.push(Finding::new(
            "downstream READMEs",
            format!(
                "an example does not build with only the dependencies it states ({err}); the errors above name its package under target/readme-examples/ (examples: {})",
                shown.join(", ")
            ),
        ));
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_example_takes_the_dependencies_stated_before_it() {
        let readme = "intro\n```toml\n# Cargo.toml\n[dependencies]\ncm-url = \"0.1\" # parse\ntempfile = \"3\"\n```\n```rust,no_run\nlet x = 1;\n```\n```rust,ignore\nnope\n```\n```toml\n[bookmarks]\nA = \"x\"\n```\n";
        let found = examples(readme);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line, 8);
        assert_eq!(found[0].code, "let x = 1;");
        assert_eq!(
            found[0].dependencies,
            vec!["cm-url = \"0.1\"", "tempfile = \"3\""]
        );
    }

    #[test]
    fn hidden_doctest_lines_are_found_but_attributes_are_not() {
        let code = "#![allow(deprecated)]\n# fn main() {\n#[derive(Debug)]\nstruct A;\n#\n# }";
        assert_eq!(hidden_lines(code), vec!["# fn main() {", "#", "# }"]);
    }

    #[test]
    fn a_workspace_crate_is_taken_by_path_with_its_version() {
        let crates = vec![("cm-url".to_owned(), PathBuf::from("crates/cm-url"))];
        let root = Path::new("/repo");
        assert_eq!(
            dependency_line(root, "cm-url = \"0.1\"", &crates),
            "cm-url = { path = \"/repo/crates/cm-url\", version = \"0.1\" }"
        );
        assert_eq!(
            dependency_line(
                root,
                "cm-url = { version = \"0.1\", default-features = false }",
                &crates
            ),
            "cm-url = { path = \"/repo/crates/cm-url\", version = \"0.1\", default-features = false }"
        );
        assert_eq!(
            dependency_line(root, "tempfile = \"3\"", &crates),
            "tempfile = \"3\""
        );
    }
}
