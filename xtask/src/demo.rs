//! `cargo xtask demo`: the main job, as a newcomer first meets it.
//!
//! Builds the `cm` tool and the `cm-testkit` loopback servers, then walks through the mission
//! with the real binaries, a temporary omniverse.toml and `cm watch --json` running in the
//! background (its event lines are echoed as they arrive):
//!
//! 1. start a discovery + storage server and a Nucleus-style server that requires sign-in;
//! 2. add a discovery server and watch discovery complete;
//! 3. add the Nucleus-style server, see `ensure` refuse without credentials, then answer the
//!    sign-in with a password passed through an environment variable (never argv);
//! 4. `ensure` on each kind of URL (discovery-provided, Nucleus, S3, unreachable);
//! 5. add, rename and remove bookmarks;
//! 6. add a server through the interactive dialog driven by a pipe, rename it, and ask
//!    `cm config path` which file all this went to;
//! 7. edit the file from outside (an editor's save: temp file + rename) and see the watcher
//!    pick it up;
//! 8. migrate an old-style (bookmarks-only) file with `cm migrate`;
//! 9. stop the watcher with SIGTERM and print a summary.
//!
//! The build shows cargo's own progress (there is nothing to see for minutes on a cold
//! build otherwise). Every command's output is shown as it is, so the demo prints nothing
//! that a user would not see: no sign-out of a session a one-shot process never had.
//!
//! Every wait has a deadline; every child process is killed when the demo ends, also on
//! failure (the [`Children`] guard); the temporary directory is removed at the end.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::cmd::{Result, cargo};

/// How long any single step may take.
const STEP_DEADLINE: Duration = Duration::from_secs(30);
/// The environment variable the demo passes the sign-in password in.
const PASSWORD_VAR: &str = "CM_DEMO_PASSWORD";
/// The common prefix of connection-manager event names (`cm_registry::events::NAMESPACE`).
const NAMESPACE: &str = "omni.kit.widget.connection_manager.";

/// Runs the demo.
pub(crate) fn run(_args: &[String]) -> Result {
    println!("connection-manager demo: the `cm` tool against loopback servers\n");
    let building = Instant::now();
    let binaries = build()?;
    println!("  built in {:.1} s", building.elapsed().as_secs_f64());
    let started = Instant::now();
    let dir = tempfile::Builder::new()
        .prefix("cm-demo-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let mut children = Children::default();
    let result = walk_through(&binaries, dir.path(), &mut children, started);
    children.kill_all();
    let path = dir.path().display().to_string();
    drop(dir);
    println!("\nremoved the temporary directory {path}");
    result
}

/// Paths of the two binaries.
struct Binaries {
    cm: PathBuf,
    testkit: PathBuf,
}

/// `cargo build -p cm-cli -p cm-testkit`, finding the executables in cargo's JSON messages
/// (so it works with any target directory).
fn build() -> Result<Binaries> {
    step(
        "building the `cm` tool and the `cm-testkit` servers (cargo build -p cm-cli -p cm-testkit)",
    );
    // Not `--quiet`: cargo's progress goes to the terminal (stderr), the JSON messages that
    // name the executables to the pipe (stdout).
    let output = cargo(&[
        "build",
        "-p",
        "cm-cli",
        "-p",
        "cm-testkit",
        "--message-format=json-render-diagnostics",
    ])
    .stderr(Stdio::inherit())
    .output()
    .map_err(|e| format!("cannot run cargo build: {e}"))?;
    if !output.status.success() {
        return Err(format!("cargo build failed ({})", output.status));
    }
    let mut cm = None;
    let mut testkit = None;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let (Some(name), Some(exe)) = (
            message["target"]["name"].as_str(),
            message["executable"].as_str(),
        ) else {
            continue;
        };
        match name {
            "cm" => cm = Some(PathBuf::from(exe)),
            "cm-testkit" => testkit = Some(PathBuf::from(exe)),
            _ => {}
        }
    }
    match (cm, testkit) {
        (Some(cm), Some(testkit)) => Ok(Binaries { cm, testkit }),
        _ => Err("cargo build did not report the cm and cm-testkit executables".to_owned()),
    }
}

/// Child processes that must not outlive the demo.
#[derive(Default)]
struct Children {
    children: Vec<(String, Child)>,
}

impl Children {
    fn add(&mut self, name: &str, child: Child) -> usize {
        self.children.push((name.to_owned(), child));
        self.children.len() - 1
    }

    fn pid(&self, index: usize) -> u32 {
        self.children[index].1.id()
    }

    /// Waits up to `deadline` for child `index` to exit; its exit code.
    fn wait(&mut self, index: usize, deadline: Duration) -> Option<i32> {
        let until = Instant::now() + deadline;
        let child = &mut self.children[index].1;
        while Instant::now() < until {
            if let Ok(Some(status)) = child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    fn kill_all(&mut self) {
        for (_, child) in &mut self.children {
            if let Ok(None) = child.try_wait() {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
        self.children.clear();
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        self.kill_all();
    }
}

/// A loopback server as cm-testkit reports it.
struct Server {
    discovery_url: String,
    storage_url: String,
}

fn start_testkit(bin: &Path, args: &[&str], children: &mut Children, name: &str) -> Result<Server> {
    let mut child = Command::new(bin)
        .arg("--json")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let stdout = child.stdout.take();
    children.add(name, child);
    let lines = line_reader(stdout);
    let line = lines
        .recv_timeout(STEP_DEADLINE)
        .map_err(|_| format!("{name}: cm-testkit printed no address within {STEP_DEADLINE:?}"))?;
    let value: Value = serde_json::from_str(&line)
        .map_err(|e| format!("{name}: unexpected cm-testkit output {line:?}: {e}"))?;
    let field = |key: &str| {
        value[key]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("{name}: cm-testkit output lacks {key}: {line}"))
    };
    Ok(Server {
        discovery_url: field("discovery_url")?,
        storage_url: field("storage_url")?,
    })
}

/// Lines of a child's pipe, on a channel (a reader thread per pipe).
fn line_reader(pipe: Option<impl std::io::Read + Send + 'static>) -> Receiver<String> {
    let (tx, rx) = channel();
    if let Some(pipe) = pipe {
        std::thread::spawn(move || {
            for line in BufReader::new(pipe)
                .lines()
                .map_while(std::result::Result::ok)
            {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    rx
}

/// Lines of a child's stdout (`true`) and stderr (`false`) on one channel, in arrival order.
fn merged_reader(
    stdout: Option<impl std::io::Read + Send + 'static>,
    stderr: Option<impl std::io::Read + Send + 'static>,
) -> Receiver<(bool, String)> {
    let (tx, rx) = channel();
    let forward = |pipe: Box<dyn std::io::Read + Send>, from_stdout: bool| {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe)
                .lines()
                .map_while(std::result::Result::ok)
            {
                if tx.send((from_stdout, line)).is_err() {
                    break;
                }
            }
        });
    };
    if let Some(pipe) = stdout {
        forward(Box::new(pipe), true);
    }
    if let Some(pipe) = stderr {
        forward(Box::new(pipe), false);
    }
    rx
}

/// The events `cm watch --json` printed so far.
#[derive(Clone, Default)]
struct EventLog(Arc<Mutex<Vec<(String, Value)>>>);

impl EventLog {
    fn len(&self) -> usize {
        self.0.lock().map(|l| l.len()).unwrap_or(0)
    }

    /// Waits until an event after index `from` satisfies `matches`.
    fn wait_for(&self, from: usize, what: &str, matches: impl Fn(&str, &Value) -> bool) -> Result {
        let until = Instant::now() + STEP_DEADLINE;
        while Instant::now() < until {
            let found = self
                .0
                .lock()
                .map(|l| {
                    l.iter()
                        .skip(from)
                        .any(|(name, payload)| matches(name, payload))
                })
                .unwrap_or(false);
            if found {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!(
            "the watcher did not report {what} within {STEP_DEADLINE:?}"
        ))
    }

    fn counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        if let Ok(log) = self.0.lock() {
            for (name, _) in log.iter() {
                *counts.entry(name.clone()).or_insert(0) += 1;
            }
        }
        counts
    }
}

/// Starts `cm watch --json` and echoes its events as they arrive.
fn start_watch(cm: &Path, config: &Path, children: &mut Children) -> Result<(usize, EventLog)> {
    let mut child = Command::new(cm)
        .arg("--config")
        .arg(config)
        .args(["watch", "--json", "--debounce-ms", "300"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start cm watch: {e}"))?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let index = children.add("cm watch", child);
    let log = EventLog::default();
    let events = line_reader(stdout);
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in events {
            let Ok(value) = serde_json::from_str::<Value>(&line) else {
                println!("    [watch] {line}");
                continue;
            };
            let name = value["event"].as_str().unwrap_or("?").to_owned();
            let short = name.strip_prefix(NAMESPACE).unwrap_or(&name);
            println!("    [watch] {short} {}", value["payload"]);
            if let Ok(mut log) = sink.0.lock() {
                log.push((short.to_owned(), value["payload"].clone()));
            }
        }
    });
    let diagnostics = line_reader(stderr);
    let until = Instant::now() + STEP_DEADLINE;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        match diagnostics.recv_timeout(left) {
            Ok(line) if line.starts_with("watching ") => {
                println!("    [watch] (stderr) {line}");
                break;
            }
            Ok(line) => println!("    [watch] (stderr) {line}"),
            Err(_) => {
                return Err(format!(
                    "cm watch did not become ready within {STEP_DEADLINE:?}"
                ));
            }
        }
    }
    std::thread::spawn(move || {
        for line in diagnostics {
            println!("    [watch] (stderr) {line}");
        }
    });
    Ok((index, log))
}

/// Runs one `cm` command with a deadline, echoing it and its output; fails unless it exits
/// with `expect`.
fn cm(
    binaries: &Binaries,
    config: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&str>,
    expect: i32,
) -> Result<String> {
    let shown: Vec<String> = args
        .iter()
        .map(|a| {
            if a.contains(' ') {
                format!("'{a}'")
            } else {
                (*a).to_owned()
            }
        })
        .collect();
    match stdin {
        Some(input) => println!(
            "  $ printf '{}' | cm {}",
            input.replace('\n', "\\n"),
            shown.join(" ")
        ),
        None => println!("  $ cm {}", shown.join(" ")),
    }
    let mut child = Command::new(&binaries.cm)
        .arg("--config")
        .arg(config)
        .args(args)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .spawn()
        .map_err(|e| format!("cannot run cm: {e}"))?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        use std::io::Write as _;
        // Dropped at the end of this block: the end of input, as after `printf`.
        pipe.write_all(input.as_bytes())
            .map_err(|e| format!("cannot write to cm's stdin: {e}"))?;
    }
    // One channel for both pipes, so the lines show in about the order cm wrote them (the
    // dialog's prompts on stderr before its result on stdout).
    let lines = merged_reader(child.stdout.take(), child.stderr.take());
    let until = Instant::now() + STEP_DEADLINE;
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        if Instant::now() >= until {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "cm {} did not finish within {STEP_DEADLINE:?}",
                args.join(" ")
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    // The pipes close when the child exits; collect what is left.
    let mut out = Vec::new();
    while let Ok((from_stdout, line)) = lines.recv_timeout(Duration::from_secs(2)) {
        println!("    {line}");
        if from_stdout {
            out.push(line);
        }
    }
    let code = status.code().unwrap_or(-1);
    println!("    (exit status {code})");
    if code != expect {
        return Err(format!(
            "cm {} exited with {code}, expected {expect}",
            args.join(" ")
        ));
    }
    Ok(out.join("\n"))
}

fn step(text: &str) {
    println!("\n==> {text}");
}

/// What every step needs: the binaries, the temporary config and the watcher's event log.
struct Demo<'a> {
    binaries: &'a Binaries,
    config: PathBuf,
    events: EventLog,
}

impl Demo<'_> {
    /// Runs `cm` with no extra environment; fails unless it exits with `expect`.
    fn cm(&self, args: &[&str], expect: i32) -> Result<String> {
        cm(self.binaries, &self.config, args, &[], None, expect)
    }

    /// Runs a `cm` command that must succeed, then waits until the watcher reports `what`.
    fn cm_then_event(
        &self,
        args: &[&str],
        what: &str,
        matches: impl Fn(&str, &Value) -> bool,
    ) -> Result {
        let mark = self.events.len();
        self.cm(args, 0)?;
        self.events.wait_for(mark, what, matches)
    }
}

/// The two loopback servers of the demo.
struct Servers {
    /// Discovery and storage, no sign-in.
    studio: Server,
    /// A Nucleus-style storage server that requires sign-in as `demo`.
    nucleus: Server,
    /// A storage server without sign-in, for the interactive add.
    scratch: Server,
}

/// The walk-through: one function per step, in the order the module docs list them.
fn walk_through(
    binaries: &Binaries,
    dir: &Path,
    children: &mut Children,
    started: Instant,
) -> Result {
    let config = dir.join("omniverse.toml");
    let password = format!("demo-{}", std::process::id());
    let servers = start_servers(binaries, &password, children)?;
    println!("  temporary config: {}", config.display());

    step("starting `cm watch --json` in the background: every event it prints appears as [watch]");
    let (watch, events) = start_watch(&binaries.cm, &config, children)?;
    let demo = Demo {
        binaries,
        config,
        events,
    };
    add_discovery_server(&demo, &servers.studio)?;
    sign_in(&demo, &servers.nucleus, &password)?;
    ensure_each_kind(&demo, &servers.studio)?;
    edit_bookmarks(&demo, &servers.nucleus)?;
    add_interactively(&demo, &servers.scratch)?;
    edit_from_outside(&demo, dir)?;
    migrate_old_style(&demo, dir)?;
    stop_watcher(children, watch)?;
    summary(&demo, started);
    Ok(())
}

/// Step 1: a discovery + storage server, and a Nucleus-style server that requires sign-in.
fn start_servers(binaries: &Binaries, password: &str, children: &mut Children) -> Result<Servers> {
    step("starting two loopback servers with cm-testkit");
    let studio = start_testkit(&binaries.testkit, &[], children, "studio server")?;
    println!(
        "  studio:  discovery {}  storage {}",
        studio.discovery_url, studio.storage_url
    );
    let user = format!("demo:{password}");
    let nucleus = start_testkit(
        &binaries.testkit,
        &["--require-token", "--user", &user],
        children,
        "nucleus server",
    )?;
    println!(
        "  nucleus: {} (requires sign-in as user `demo`)",
        nucleus.storage_url
    );
    let scratch = start_testkit(&binaries.testkit, &[], children, "scratch server")?;
    println!("  scratch: {}", scratch.storage_url);
    Ok(Servers {
        studio,
        nucleus,
        scratch,
    })
}

/// Step 2: add a discovery server and watch discovery complete.
fn add_discovery_server(demo: &Demo<'_>, studio: &Server) -> Result {
    step("adding a discovery server and watching discovery complete");
    demo.cm_then_event(
        &["discovery", "add", "Studio", &studio.discovery_url],
        "discovery of Studio completing",
        |name, p| name == "DISCOVERY_SERVER_UPDATED" && p["status"] == "ready",
    )?;
    demo.cm(&["discovery", "refresh", "--timeout", "20"], 0)?;
    demo.cm(&["server", "list"], 0)?;
    Ok(())
}

/// Step 3: add the Nucleus-style server; `ensure` refuses without credentials and succeeds
/// with a password passed through an environment variable (never argv).
fn sign_in(demo: &Demo<'_>, nucleus: &Server, password: &str) -> Result {
    step("adding a Nucleus-style server that requires sign-in");
    demo.cm_then_event(
        &["server", "add", "Nucleus", &nucleus.storage_url],
        "the new server",
        |name, _| name == "MANUAL_SERVER_ADDED",
    )?;
    let scene = format!("{}Projects/scene.usd", nucleus.storage_url);
    println!("  without credentials the server refuses:");
    demo.cm(&["ensure", &scene, "--timeout", "10"], 1)?;
    println!(
        "  answering the sign-in: the password travels in ${PASSWORD_VAR}, never on the command line:"
    );
    let args = [
        "ensure",
        &scene,
        "--timeout",
        "10",
        "--user",
        "demo",
        "--password-env",
        PASSWORD_VAR,
    ];
    cm(
        demo.binaries,
        &demo.config,
        &args,
        &[(PASSWORD_VAR, password)],
        None,
        0,
    )?;
    Ok(())
}

/// Step 4: `ensure` on each kind of URL (discovery-provided, S3, unreachable).
fn ensure_each_kind(demo: &Demo<'_>, studio: &Server) -> Result {
    step("ensure_connection on each kind of URL");
    let discovered = format!("{}Assets/car.usd", studio.storage_url);
    demo.cm(&["ensure", &discovered, "--json"], 0)?;
    demo.cm(
        &["ensure", "https://bucket.s3.amazonaws.com/Samples/a.usd"],
        0,
    )?;
    demo.cm(&["ensure", "omniverse://127.0.0.1:9/", "--timeout", "1"], 1)?;
    Ok(())
}

/// Step 5: add, rename and remove bookmarks, each change seen by the watcher.
fn edit_bookmarks(demo: &Demo<'_>, nucleus: &Server) -> Result {
    step("bookmarks: add, rename, remove");
    let projects = format!("{}Projects/", nucleus.storage_url);
    demo.cm_then_event(
        &["bookmark", "add", "Scenes", &projects],
        "bookmark Scenes",
        |name, p| name == "BOOKMARK_ADDED" && p["name"] == "Scenes",
    )?;
    demo.cm_then_event(
        &[
            "bookmark",
            "add",
            "Samples",
            "https://bucket.s3.amazonaws.com/Samples/",
        ],
        "bookmark Samples",
        |name, p| name == "BOOKMARK_ADDED" && p["name"] == "Samples",
    )?;
    demo.cm_then_event(
        &["bookmark", "rename", "Scenes", "Car scenes"],
        "the rename",
        |name, _| name == "BOOKMARK_RENAMED",
    )?;
    println!("  a typo gets a suggestion:");
    demo.cm(&["bookmark", "remove", "samples"], 1)?;
    demo.cm_then_event(
        &["bookmark", "remove", "Samples"],
        "the removal",
        |name, _| name == "BOOKMARK_DELETED",
    )?;
    demo.cm(&["bookmark", "list"], 0)?;
    Ok(())
}

/// Step 7: edit the file as an editor saves it (temp file + rename); the watcher picks it up.
fn edit_from_outside(demo: &Demo<'_>, dir: &Path) -> Result {
    step("editing omniverse.toml from outside (as an editor saves: temp file, then rename)");
    let config = &demo.config;
    let text = std::fs::read_to_string(config)
        .map_err(|e| format!("cannot read {}: {e}", config.display()))?;
    let edited = text.replacen(
        "[bookmarks]\n",
        "[bookmarks]\n\"Edited by hand\" = \"https://example.com/hand/\"\n",
        1,
    );
    if edited == text {
        return Err(format!("no [bookmarks] section to edit in:\n{text}"));
    }
    let tmp = dir.join("omniverse.toml.editor-tmp");
    let mark = demo.events.len();
    std::fs::write(&tmp, edited)
        .and_then(|()| std::fs::rename(&tmp, config))
        .map_err(|e| format!("cannot edit {}: {e}", config.display()))?;
    println!("  added `\"Edited by hand\" = \"https://example.com/hand/\"` to [bookmarks]");
    demo.events.wait_for(mark, "the outside edit", |name, p| {
        name == "BOOKMARK_ADDED" && p["name"] == "Edited by hand"
    })
}

/// Step 6: the add-server dialog answered through a pipe, a rename, and which file it was.
fn add_interactively(demo: &Demo<'_>, scratch: &Server) -> Result {
    step("adding a server through the interactive dialog, its answers piped in");
    let answers = format!("Scratch\n{}\n", scratch.storage_url);
    let mark = demo.events.len();
    cm(
        demo.binaries,
        &demo.config,
        &["server", "add", "--interactive"],
        &[],
        Some(&answers),
        0,
    )?;
    demo.events
        .wait_for(mark, "the interactive add", |name, p| {
            name == "MANUAL_SERVER_ADDED" && p["name"] == "Scratch"
        })?;
    demo.cm_then_event(
        &["server", "rename", "Scratch", "Scratch space"],
        "the server rename (removed, then added under the same id)",
        |name, p| name == "MANUAL_SERVER_ADDED" && p["name"] == "Scratch space",
    )?;
    demo.cm(&["config", "path"], 0)?;
    Ok(())
}

/// Step 8: `cm migrate` on an old-style file (bookmarks only), first as a dry run.
fn migrate_old_style(demo: &Demo<'_>, dir: &Path) -> Result {
    step("migrating an old-style omniverse.toml (bookmarks only) with `cm migrate`");
    let old = dir.join("old-style").join("omniverse.toml");
    let text = "# written by an old Kit\n[bookmarks]\nProjects = \"omniverse://old-server/Projects/\"\nSamples = \"https://bucket.s3.amazonaws.com/Samples/\"\n";
    std::fs::create_dir_all(dir.join("old-style"))
        .and_then(|()| std::fs::write(&old, text))
        .map_err(|e| format!("cannot write {}: {e}", old.display()))?;
    println!("  {}:", old.display());
    for line in text.lines() {
        println!("    | {line}");
    }
    cm(demo.binaries, &old, &["migrate", "--dry-run"], &[], None, 0)?;
    cm(demo.binaries, &old, &["migrate"], &[], None, 0)?;
    Ok(())
}

/// Step 9a: stop the watcher with SIGTERM; it must exit with status 0.
fn stop_watcher(children: &mut Children, watch: usize) -> Result {
    step("stopping the watcher with SIGTERM");
    let pid = children.pid(watch).to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status();
    if !sent.is_ok_and(|s| s.success()) {
        return Err("could not send SIGTERM to cm watch".to_owned());
    }
    match children.wait(watch, STEP_DEADLINE) {
        Some(0) => {
            println!("  cm watch exited with status 0");
            Ok(())
        }
        other => Err(format!("cm watch did not exit cleanly: {other:?}")),
    }
}

/// Step 9b: the events the watcher saw and the final file.
fn summary(demo: &Demo<'_>, started: Instant) {
    step("summary");
    println!("  events seen by `cm watch`:");
    for (name, count) in demo.events.counts() {
        println!("    {count:>2} x {name}");
    }
    println!("  the final omniverse.toml:");
    let text = std::fs::read_to_string(&demo.config).unwrap_or_default();
    for line in text.lines() {
        println!("    | {line}");
    }
    println!(
        "\ndemo walk-through finished in {:.1} s: discovery, sign-in, ensure on every kind of URL, bookmarks, an interactive add, an outside edit and a migration, the changes all seen as events.",
        started.elapsed().as_secs_f64()
    );
}
