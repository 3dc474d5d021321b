//! The tidy rules that read source and documentation files (no cargo invocation).

use std::fs;
use std::path::{Component, Path, PathBuf};

use super::Finding;
use crate::cmd::Result;

/// Files that cannot start with `//!`, and why.
const NO_MODULE_DOC: &[(&str, &str)] = &[(
    "crates/cm-url/benches/support/cases.rs",
    "pulled in with include!() by a bench and an example; an inner doc is not allowed there",
)];

/// Files allowed to name a `../` path out of the repository, and why.
const OUT_OF_REPO_EXEMPT: &[(&str, &str)] = &[(
    "xtask/src/tidy/files.rs",
    "its unit tests spell out the paths this rule rejects",
)];

/// The lint line every crate root carries (see `unwrap_lints`).
const UNWRAP_LINTS: &str = "#![warn(clippy::unwrap_used, clippy::expect_used)]";

/// Every file of the repository, relative to `root`, sorted; build output, VCS data and fuzzer
/// work directories are skipped.
pub(super) fn repo_files(root: &Path) -> Result<Vec<PathBuf>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result {
        let entries =
            fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let file_type = entry
                .file_type()
                .map_err(|e| format!("cannot stat {}: {e}", path.display()))?;
            if file_type.is_dir() {
                let skipped = name == "target"
                    || name == ".git"
                    || (name.starts_with('.') && name != ".ci" && name != ".cargo")
                    || path.ends_with("fuzz/artifacts");
                if !skipped {
                    walk(root, &path, out)?;
                }
            } else if let Ok(relative) = path.strip_prefix(root) {
                out.push(relative.to_path_buf());
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(root, root, &mut out)?;
    out.sort();
    Ok(out)
}

fn read(root: &Path, relative: &Path) -> Result<String> {
    fs::read_to_string(root.join(relative))
        .map_err(|e| format!("cannot read {}: {e}", relative.display()))
}

fn is_rust(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "rs")
}

/// Every `.rs` file starts with a module doc (`//!`), after blank lines only.
pub(super) fn module_docs(root: &Path) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for path in repo_files(root)?.into_iter().filter(|p| is_rust(p)) {
        let shown = path.to_string_lossy().replace('\\', "/");
        if NO_MODULE_DOC.iter().any(|(exempt, _)| *exempt == shown) {
            continue;
        }
        let text = read(root, &path)?;
        let first = text.lines().map(str::trim).find(|line| !line.is_empty());
        if !first.is_some_and(|line| line.starts_with("//!")) {
            findings.push(Finding::new(
                "module docs",
                format!("{shown}: does not start with a `//!` module doc saying what it holds"),
            ));
        }
    }
    Ok(findings)
}

/// The paths a code-map paragraph names: backticked words that look like files or folders
/// (`state.rs`, `dispatcher/`, `tests/fuzz_replay.rs`, `cm-cli/tests/{a, b}.rs`), braces expanded.
pub(super) fn named_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, piece) in text.split('`').enumerate() {
        if i % 2 == 0 {
            continue; // outside backticks
        }
        // Spaces are allowed only inside a brace group (`{a, b}`).
        let outside_braces: String = match (piece.find('{'), piece.find('}')) {
            (Some(open), Some(close)) if open < close => {
                format!("{}{}", &piece[..open], &piece[close + 1..])
            }
            _ => piece.to_owned(),
        };
        let looks_like_path = !outside_braces.contains(' ')
            && !piece.contains("://")
            && !piece.contains("::")
            && !piece.contains('(')
            && !piece.contains('*')
            && (piece.ends_with(".rs") || piece.ends_with(".md") || piece.ends_with('/'));
        if !looks_like_path {
            continue;
        }
        match (piece.find('{'), piece.find('}')) {
            (Some(open), Some(close)) if open < close => {
                for alternative in piece[open + 1..close].split(',') {
                    out.push(format!(
                        "{}{}{}",
                        &piece[..open],
                        alternative.trim(),
                        &piece[close + 1..]
                    ));
                }
            }
            _ => out.push(piece.to_owned()),
        }
    }
    out
}

/// Every path named in docs/ARCHITECTURE.md's code map exists, and every crate folder has a
/// section there. A name without a leading folder is looked up under its section's folder.
pub(super) fn code_map(root: &Path) -> Result<Vec<Finding>> {
    let doc = read(root, Path::new("docs/ARCHITECTURE.md"))?;
    let Some(start) = doc.find("## Code map") else {
        return Ok(vec![Finding::new(
            "code map",
            "docs/ARCHITECTURE.md has no `## Code map` section",
        )]);
    };
    let map = &doc[start..];
    let map = map[3..].find("\n## ").map_or(map, |end| &map[..end + 3]);
    let files: Vec<String> = repo_files(root)?
        .iter()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    let exists = |path: &str| {
        let path = path.trim_end_matches('/');
        files
            .iter()
            .any(|f| f == path || f.starts_with(&format!("{path}/")))
    };
    let crate_dirs: Vec<String> = files
        .iter()
        .filter_map(|f| {
            f.strip_prefix("crates/")?
                .split_once('/')
                .map(|(c, _)| c.to_owned())
        })
        .fold(Vec::new(), |mut dirs, c| {
            if !dirs.contains(&c) {
                dirs.push(c);
            }
            dirs
        });
    let mut findings = Vec::new();
    let mut section = String::new();
    for line in map.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            // The section's folder: the first backticked word of the heading.
            section = heading
                .split('`')
                .nth(1)
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_owned();
            continue;
        }
        for named in named_paths(line) {
            let top_level = [
                "crates/",
                "docs/",
                "xtask/",
                "fuzz/",
                "benches/",
                "examples/",
                "tests/",
                "src/",
                ".ci/",
            ];
            let candidates: Vec<String> = if top_level.iter().any(|t| named.starts_with(t)) {
                vec![named.clone()]
            } else if named.starts_with("cm-") {
                vec![format!("crates/{named}")]
            } else {
                // Relative to the section folder: its src/ for modules, itself for the rest.
                vec![
                    format!("{section}/src/{named}"),
                    format!("{section}/{named}"),
                ]
            };
            let found = candidates.iter().any(|c| exists(c))
                || (!section.is_empty()
                    && files.iter().any(|f| {
                        f.starts_with(&format!("{section}/"))
                            && f.ends_with(&format!("/{}", named.trim_end_matches('/')))
                    }));
            if !found {
                findings.push(Finding::new(
                    "code map",
                    format!(
                        "docs/ARCHITECTURE.md names `{named}` (section `{section}`), which does not exist"
                    ),
                ));
            }
        }
    }
    for dir in crate_dirs {
        let heading = format!("### `crates/{dir}`");
        if !map.lines().any(|l| l.starts_with(&heading)) {
            findings.push(Finding::new(
                "code map",
                format!(
                    "crates/{dir} has no `{heading}` section in docs/ARCHITECTURE.md's code map"
                ),
            ));
        }
    }
    Ok(findings)
}

/// The crate folders (relative paths) with a manifest: the root facade and every `crates/*`.
pub(super) fn crate_dirs(root: &Path) -> Result<Vec<PathBuf>> {
    let mut dirs = vec![PathBuf::new()];
    let entries =
        fs::read_dir(root.join("crates")).map_err(|e| format!("cannot list crates/: {e}"))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list crates/: {e}"))?
            .path();
        if path.join("Cargo.toml").is_file()
            && let Ok(relative) = path.strip_prefix(root)
        {
            dirs.push(relative.to_path_buf());
        }
    }
    dirs.push(PathBuf::from("xtask"));
    dirs.sort();
    Ok(dirs)
}

/// Every library crate whose README has Rust examples includes the README as doctests; a
/// binary-only crate's README has no Rust example (nothing would compile it).
pub(super) fn readme_doctests(root: &Path) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for dir in crate_dirs(root)? {
        let readme = dir.join("README.md");
        if !root.join(&readme).is_file() {
            if dir != Path::new("xtask") {
                findings.push(Finding::new(
                    "README doctests",
                    format!("{}: missing", readme.display()),
                ));
            }
            continue;
        }
        let has_rust = read(root, &readme)?
            .lines()
            .any(|l| l.trim_start().starts_with("```rust"));
        let lib = dir.join("src/lib.rs");
        if root.join(&lib).is_file() {
            let text = read(root, &lib)?;
            let wired = text.contains("#[cfg(doctest)]")
                && text.contains("#[doc = include_str!(\"../README.md\")]");
            if !wired {
                findings.push(Finding::new(
                    "README doctests",
                    format!(
                        "{}: add `#[cfg(doctest)] #[doc = include_str!(\"../README.md\")] struct ReadmeDoctests;` so {} compiles",
                        lib.display(),
                        readme.display()
                    ),
                ));
            }
        } else if has_rust {
            findings.push(Finding::new(
                "README doctests",
                format!(
                    "{}: a binary-only crate's README shows a ```rust example that nothing compiles",
                    readme.display()
                ),
            ));
        }
    }
    Ok(findings)
}

/// Where a `../` path written in `file` starts from: the file's folder for `include*!` (the
/// compiler resolves those from the file), the crate folder for everything else (tests and
/// build scripts join `CARGO_MANIFEST_DIR`), the script's folder for shell scripts.
fn base_dir(root: &Path, file: &Path, line: &str) -> PathBuf {
    let file_dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    if line.contains("include") || !is_rust(file) {
        return file_dir;
    }
    let mut dir = file_dir.clone();
    loop {
        if root.join(&dir).join("Cargo.toml").is_file() {
            return dir;
        }
        if !dir.pop() {
            return file_dir;
        }
    }
}

/// Whether `relative`, read from `base` (a folder relative to the repository root), climbs
/// above the repository root at any point.
pub(super) fn escapes(base: &Path, relative: &str) -> bool {
    let mut depth = base
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .count() as isize;
    for part in relative.split('/') {
        match part {
            ".." => depth -= 1,
            "" | "." => {}
            _ => depth += 1,
        }
        if depth < 0 {
            return true;
        }
    }
    false
}

/// The `../` runs in a line that start a path: right after a quote (optionally after `/`, as in
/// `concat!(env!("CARGO_MANIFEST_DIR"), "/../x")`) or after `)` in shell (`$(dirname "$0")/../..`).
/// URL text such as `"omniverse://h/a/../b"` does not start with `../` and is not reported.
pub(super) fn relative_paths(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in line.match_indices("../") {
        let before = &line[..i];
        let starts_path = before.ends_with('"')
            || before.ends_with("\"/")
            || before.ends_with(")/")
            || before.ends_with('\'');
        if !starts_path {
            continue;
        }
        let rest: String = line[i..]
            .chars()
            .take_while(|c| !matches!(c, '"' | '\'' | ' ' | ')' | ';'))
            .collect();
        out.push(rest);
    }
    out
}

/// Nothing reads outside the repository: no test, bench, example, build script, xtask or CI
/// script names a `../` path that climbs above the repository root (a clone in an empty
/// directory must pass on its own).
pub(super) fn out_of_repo_paths(root: &Path) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for path in repo_files(root)? {
        let shown = path.to_string_lossy().replace('\\', "/");
        let scanned = is_rust(&path)
            || shown.ends_with(".sh")
            || shown.ends_with("Cargo.toml")
            || shown.starts_with(".ci/");
        if !scanned
            || OUT_OF_REPO_EXEMPT
                .iter()
                .any(|(exempt, _)| *exempt == shown)
        {
            continue;
        }
        let text = read(root, &path)?;
        for (number, line) in text.lines().enumerate() {
            for relative in relative_paths(line) {
                if escapes(&base_dir(root, &path, line), &relative) {
                    findings.push(Finding::new(
                        "out-of-repo paths",
                        format!(
                            "{shown}:{}: `{relative}` leads outside the repository; a clone on its own must pass",
                            number + 1
                        ),
                    ));
                }
            }
        }
    }
    Ok(findings)
}

/// Every crate root (library and binary) enables `clippy::unwrap_used` and
/// `clippy::expect_used`, and clippy.toml exempts test code, so the rule means "no unwrap
/// outside tests". (Cargo's `[lints]` applies to every target, benches and integration tests
/// included, hence the attribute in each root.)
pub(super) fn unwrap_lints(root: &Path) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    let clippy = read(root, Path::new("clippy.toml"))?;
    for key in [
        "allow-unwrap-in-tests = true",
        "allow-expect-in-tests = true",
    ] {
        if !clippy.contains(key) {
            findings.push(Finding::new(
                "no unwrap",
                format!("clippy.toml: missing `{key}`"),
            ));
        }
    }
    for dir in crate_dirs(root)? {
        for root_file in ["src/lib.rs", "src/main.rs"] {
            let file = dir.join(root_file);
            if root.join(&file).is_file() && !read(root, &file)?.contains(UNWRAP_LINTS) {
                findings.push(Finding::new(
                    "no unwrap",
                    format!("{}: missing `{UNWRAP_LINTS}`", file.display()),
                ));
            }
        }
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_that_climbs_above_the_root_escapes() {
        let krate = Path::new("crates/cm-toml-store");
        assert!(escapes(
            krate,
            "../../../outside-the-clone/corpora/toml-test"
        ));
        assert!(!escapes(krate, "../../fuzz"));
        assert!(!escapes(
            Path::new("crates/x/tests/common"),
            "../fixtures/a.toml"
        ));
        assert!(escapes(Path::new(""), "../x"));
    }

    #[test]
    fn only_paths_that_start_with_dotdot_are_considered() {
        assert_eq!(
            relative_paths(
                r#"concat!(env!("CARGO_MANIFEST_DIR"), "/../../../outside-the-clone/corpora")"#
            ),
            vec!["../../../outside-the-clone/corpora"]
        );
        assert_eq!(relative_paths(r#".join("../../fuzz")"#), vec!["../../fuzz"]);
        assert_eq!(
            relative_paths(r#"cd "$(dirname "$0")/../..""#),
            vec!["../.."]
        );
        assert!(relative_paths(r#""omniverse://h/a/../x""#).is_empty());
    }

    #[test]
    fn named_paths_expand_braces_and_skip_code() {
        assert_eq!(
            named_paths(
                "see `cm-cli/tests/{a, b}.rs` and `state.rs`, not `cm_url::parse` or `dispatcher/`"
            ),
            vec![
                "cm-cli/tests/a.rs",
                "cm-cli/tests/b.rs",
                "state.rs",
                "dispatcher/"
            ]
        );
        assert!(named_paths("`omniverse://h/` `CM_STRESS_*` `is_under(u, r)`").is_empty());
    }
}
