//! Shared parts of the stress tests (`multi_process`, `crash_safety`): a seeded random
//! generator, parameters from the environment, running the real `cm` binary, reading the
//! file's state, and a running `cm watch --json`.
//!
//! Every stress test prints exactly one `stress-result: …` line on stdout (collected by
//! `cargo xtask stress`); everything else goes to stderr.
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cm_registry::events as ev;

/// A small seeded generator (SplitMix64): the same seed gives the same run, and no
/// dependency is needed for it.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// A random element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The run's base seed: `CM_STRESS_SEED` when set (to replay a failure), else the clock.
pub fn base_seed() -> u64 {
    if let Some(seed) = std::env::var("CM_STRESS_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
    {
        return seed;
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}

/// A positive count from the environment, else `default`.
pub fn env_count(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(value) => match value.trim().parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => panic!("{name}={value:?}: expected a positive whole number"),
        },
        Err(_) => default,
    }
}

/// `cm --config FILE --json ARGS` with a clean environment, not yet started.
pub fn cm(config: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cm"));
    cmd.arg("--config")
        .arg(config)
        .arg("--json")
        .args(args)
        .env_remove("OMNI_CONFIG_PATH")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null());
    cmd
}

/// Runs `cm --json ARGS` to completion.
pub fn run_cm(config: &Path, args: &[&str]) -> Output {
    cm(config, args).output().expect("cannot start cm")
}

/// One line describing how a `cm` run ended, for failure messages.
pub fn describe(args: &[String], out: &Output) -> String {
    format!(
        "cm {} -> {:?}; stdout: {}; stderr: {}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout).trim(),
        String::from_utf8_lossy(&out.stderr).trim()
    )
}

/// A server URL as a key: normalised roots are compared without their trailing slash (the
/// file writes `"omniverse://host"`, events and lists say `omniverse://host/`).
pub fn server_key(url: &str) -> String {
    url.trim_end_matches('/').to_owned()
}

/// The part of the file the tests change: bookmarks (name → URL) and manual servers
/// (root URL without trailing slash → name).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State {
    pub bookmarks: BTreeMap<String, String>,
    pub servers: BTreeMap<String, String>,
}

impl State {
    /// Entries of `self` missing from `other` or different there, plus entries of `other`
    /// missing from `self`: how far apart two states are, in entries.
    pub fn distance(&self, other: &State) -> usize {
        fn side(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> usize {
            let differing = a.iter().filter(|(k, v)| b.get(*k) != Some(*v)).count();
            differing + b.keys().filter(|k| !a.contains_key(*k)).count()
        }
        side(&self.bookmarks, &other.bookmarks) + side(&self.servers, &other.servers)
    }

    /// A short description of the differences (for failure messages).
    pub fn diff(&self, other: &State) -> String {
        let mut lines = Vec::new();
        for (label, a, b) in [
            ("bookmark", &self.bookmarks, &other.bookmarks),
            ("server", &self.servers, &other.servers),
        ] {
            for (k, v) in a {
                match b.get(k) {
                    None => lines.push(format!("- {label} {k} = {v}")),
                    Some(w) if w != v => lines.push(format!("~ {label} {k} = {v} -> {w}")),
                    Some(_) => {}
                }
            }
            for (k, w) in b {
                if !a.contains_key(k) {
                    lines.push(format!("+ {label} {k} = {w}"));
                }
            }
        }
        lines.truncate(40);
        lines.join("\n")
    }
}

/// What the file holds, read through cm-toml-store (the same parser the registry uses).
#[derive(Debug)]
pub struct FileRead {
    pub state: State,
    /// Names or server URLs that occur more than once in the file.
    pub repeated: usize,
    pub text: String,
}

/// Reads and parses the file; `Err` with the parser's message when it does not parse.
pub fn read_file(path: &Path) -> Result<FileRead, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("read: {e}"))?;
    let loaded = cm_toml_store::TomlStore::new(path)
        .load()
        .map_err(|e| e.to_string())?;
    let mut state = State::default();
    let mut repeated = 0;
    for b in &loaded.sections.bookmarks {
        if state
            .bookmarks
            .insert(b.name.clone(), b.url.clone())
            .is_some()
        {
            repeated += 1;
        }
    }
    for s in &loaded.sections.servers {
        if state
            .servers
            .insert(server_key(&s.url), s.name.clone())
            .is_some()
        {
            repeated += 1;
        }
    }
    Ok(FileRead {
        state,
        repeated,
        text,
    })
}

/// Files in `dir` other than `omniverse.toml` and its lock sidecar.
pub fn stray_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list the sandbox directory")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "omniverse.toml" && n != "omniverse.toml.lock")
        .collect();
    names.sort();
    names
}

/// A running `cm watch --json` whose stdout lines arrive on a channel.
pub struct Watcher {
    child: Child,
    lines: Receiver<String>,
    stderr: Receiver<String>,
}

impl Watcher {
    /// Starts the watcher and returns once it has printed its ready line.
    pub fn start(config: &Path, debounce_ms: u64) -> Self {
        let debounce = debounce_ms.to_string();
        let mut child = cm(config, &["watch", "--debounce-ms", &debounce])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start cm watch");
        let (ready_tx, ready_rx) = channel();
        let (err_tx, stderr) = channel();
        let err = child.stderr.take().expect("piped stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if line.starts_with("watching ") {
                    let _ = ready_tx.send(());
                } else {
                    let _ = err_tx.send(line);
                }
            }
        });
        let (tx, lines) = channel();
        let out = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        if ready_rx.recv_timeout(Duration::from_secs(60)).is_err() {
            let _ = child.kill();
            panic!("cm watch never printed its ready line");
        }
        Self {
            child,
            lines,
            stderr,
        }
    }

    /// The next event line, if one arrives before `deadline`.
    pub fn next_line(&self, deadline: Instant) -> Option<String> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.lines.recv_timeout(left).ok()
    }

    /// Whatever the watcher printed on stderr besides its ready line.
    pub fn stderr_lines(&self) -> Vec<String> {
        self.stderr.try_iter().collect()
    }

    /// Whether the watcher process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Folds one `cm watch --json` line into `state`: the events describe differences between
/// successive file contents (coalesced by the debounce), so applying them in order to the
/// starting state must give the file's state. Returns false for a line that is not a
/// bookmark or manual-server event (ignored).
pub fn fold_event(state: &mut State, line: &str) -> Result<bool, String> {
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("not JSON ({e}): {line}"))?;
    let event = value["event"]
        .as_str()
        .ok_or_else(|| format!("no event name: {line}"))?;
    let payload = &value["payload"];
    let field = |key: &str| {
        payload[key]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("no {key:?} in {line}"))
    };
    match event {
        ev::BOOKMARK_ADDED_EVENT => {
            state.bookmarks.insert(field("name")?, field("url")?);
        }
        ev::BOOKMARK_DELETED_EVENT => {
            state.bookmarks.remove(&field("name")?);
        }
        ev::BOOKMARK_RENAMED_EVENT => {
            state.bookmarks.remove(&field("old_name")?);
            state.bookmarks.insert(field("new_name")?, field("url")?);
        }
        ev::MANUAL_SERVER_ADDED_EVENT => {
            state
                .servers
                .insert(server_key(&field("url")?), field("name")?);
        }
        ev::MANUAL_SERVER_REMOVED_EVENT => {
            state.servers.remove(&server_key(&field("url")?));
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// A fresh temporary directory for one test's `omniverse.toml`.
pub fn sandbox(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("omniverse.toml");
    std::fs::write(&path, text).expect("write the starting file");
    (dir, path)
}
