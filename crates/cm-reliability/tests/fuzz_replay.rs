//! Replays every committed fuzz input through the same entry points the fuzz targets call,
//! on the stable toolchain and without libFuzzer: `fuzz/corpus/<target>/` (the seeds) and
//! `fuzz/regressions/<target>/` (every input a fuzzer ever crashed on, kept after the fix).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of `fuzz/<kind>/<target>/`, sorted; empty when the directory is missing.
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join(kind).join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Runs every input of `target`, then fails naming each input that panicked.
fn replay(target: &str) {
    let (_, check) = cm_reliability::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .expect("a known target");
    let corpus = inputs("corpus", target);
    assert!(
        corpus.len() >= 10,
        "fuzz/corpus/{target}/ should hold the committed seeds, found {}",
        corpus.len()
    );
    let regressions = inputs("regressions", target);
    let mut failures = Vec::new();
    for path in corpus.iter().chain(&regressions) {
        let data = std::fs::read(path).unwrap();
        if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
            failures.push(path.display().to_string());
        }
    }
    assert!(
        failures.is_empty(),
        "{target}: {} of {} inputs violate an invariant:\n{}",
        failures.len(),
        corpus.len() + regressions.len(),
        failures.join("\n")
    );
    println!(
        "{target}: replayed {} seeds and {} regressions",
        corpus.len(),
        regressions.len()
    );
}

#[test]
fn url_inputs_replay() {
    replay("url");
}

#[test]
fn toml_load_inputs_replay() {
    replay("toml_load");
}

#[test]
fn toml_change_inputs_replay() {
    replay("toml_change");
}

#[test]
fn migration_inputs_replay() {
    replay("migration");
}

#[test]
fn payload_json_inputs_replay() {
    replay("payload_json");
}

#[test]
fn every_target_has_a_fuzz_target_file() {
    for (name, _) in cm_reliability::TARGETS {
        let file = fuzz_dir().join("fuzz_targets").join(format!("{name}.rs"));
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.contains(&format!("cm_reliability::{name}::check")),
            "{} does not call cm_reliability::{name}::check",
            file.display()
        );
    }
}
