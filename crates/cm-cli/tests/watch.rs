//! `cm watch --json` sees edits made by other `cm` processes and by plain file writes, and
//! stops cleanly (exit 0) on SIGTERM and SIGINT. It follows a config that is a symbolic link
//! into another directory (and a link re-pointed), survives the config directory being removed
//! and recreated, creates a config directory that does not exist yet, and reports an edit
//! that leaves the file unusable (stderr, and one `{"error": …}` line in `--json` mode).

// Sends Unix signals and uses Unix-only calls (libc); the platforms section of the root README
// says which tests run where.
#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use cm_testkit::wait;
use common::{Sandbox, redact_ports};

/// A running `cm watch --json` with its stdout lines on a channel.
struct Watch {
    child: Child,
    lines: Receiver<String>,
    /// stderr lines after the ready line.
    errors: Receiver<String>,
}

impl Watch {
    fn start(sandbox: &Sandbox, extra: &[&str]) -> Self {
        Self::start_at(&sandbox.config(), extra)
    }

    fn start_at(config: &Path, extra: &[&str]) -> Self {
        let mut args = vec!["watch", "--debounce-ms", "200"];
        args.extend_from_slice(extra);
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cm"))
            .arg("--config")
            .arg(config)
            .args(&args)
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait for the ready line on stderr (the watcher is live after it).
        let (ready_tx, ready_rx) = channel();
        let (errors_tx, errors) = channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.starts_with("watching ") {
                    let _ = ready_tx.send(line);
                } else {
                    let _ = errors_tx.send(line);
                }
            }
        });
        let (tx, lines) = channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let ready = ready_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("cm watch never became ready");
        assert!(ready.ends_with("omniverse.toml"), "{ready}");
        Self {
            child,
            lines,
            errors,
        }
    }

    /// The next event line, waiting up to 30 s.
    fn next(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(30))
            .expect("no event within 30 s")
    }

    /// The next `--json` event line with its `time` checked (RFC 3339) and taken out, so
    /// the rest can be compared.
    fn next_untimed(&self) -> String {
        untimed(&self.next())
    }

    /// Waits (up to 30 s) for a stdout line containing `needle`; the lines skipped on the way
    /// are events of the same edit (or of a step before).
    fn next_with(&self, needle: &str) -> String {
        let end = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let left = end.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!("no stdout line with {needle:?} within 30 s"),
            }
        }
    }

    /// The next stderr line after the ready line, waiting up to 30 s.
    fn next_error(&self) -> String {
        self.errors
            .recv_timeout(Duration::from_secs(30))
            .expect("no stderr line within 30 s")
    }

    /// Sends `signal` and waits (up to 20 s) for the exit status.
    fn stop(mut self, signal: i32) -> Option<i32> {
        let pid = self.child.id() as i32;
        // SAFETY: `pid` is our own child, which has not been reaped yet.
        unsafe { libc::kill(pid, signal) };
        let mut status = None;
        assert!(wait::holds_within(Duration::from_secs(20), || {
            status = self.child.try_wait().unwrap();
            status.is_some()
        }));
        status.and_then(|s| s.code())
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn watch_prints_edits_made_by_other_processes() {
    let sandbox = Sandbox::with_file("# shared\n[bookmarks]\n\n[servers]\n");
    let watch = Watch::start(&sandbox, &["--json"]);
    let mut events = Vec::new();

    sandbox.ok(&["bookmark", "add", "Projects", "omniverse://srv/Projects/"]);
    events.push(watch.next_untimed());
    sandbox.ok(&[
        "bookmark",
        "rename",
        "Projects",
        "Work",
        "omniverse://srv/Projects/",
    ]);
    events.push(watch.next_untimed());
    sandbox.ok(&["server", "add", "srv", "omniverse://srv/"]);
    events.push(watch.next_untimed());

    // An editor saving the file by hand (write to a temp file, rename over).
    let edited = sandbox.text().replace("Work = ", "Edited = ");
    let tmp = sandbox.dir.path().join("omniverse.toml.tmp");
    std::fs::write(&tmp, edited).unwrap();
    std::fs::rename(&tmp, sandbox.config()).unwrap();
    events.push(watch.next_untimed());

    sandbox.ok(&["bookmark", "remove", "Edited"]);
    events.push(watch.next_untimed());

    for line in &events {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(
            value["event"]
                .as_str()
                .unwrap()
                .starts_with(cm_registry::events::NAMESPACE)
        );
        assert!(value["payload"]["url"].is_string(), "{line}");
    }
    insta::assert_snapshot!(redact_ports(&events.join("\n")));
    assert_eq!(watch.stop(libc::SIGTERM), Some(0));
}

/// `line` (one `--json` event) without its `time`, after checking that `time` is an RFC 3339
/// UTC timestamp.
fn untimed(line: &str) -> String {
    let mut value: serde_json::Value = serde_json::from_str(line).unwrap();
    let time = value["time"]
        .as_str()
        .expect("every event has a time")
        .to_owned();
    assert!(time.ends_with('Z'), "{time}");
    humantime::parse_rfc3339(&time).unwrap_or_else(|e| panic!("{time}: {e}"));
    value.as_object_mut().unwrap().remove("time");
    value.to_string()
}

/// Renaming a bookmark and re-pointing it with `cm bookmark rename A B URL`, and making the
/// same change by hand in an editor, are one change: a watcher sees the same event sequence.
#[test]
fn a_hand_edit_and_cm_bookmark_rename_give_the_same_events() {
    const FILE: &str = "[bookmarks]\nFirst = \"omniverse://srv/1/\"\nA = \"omniverse://srv/a/\"\nLast = \"omniverse://srv/9/\"\n\n[servers]\n";
    let by_cm = Sandbox::with_file(FILE);
    let watch = Watch::start(&by_cm, &["--json"]);
    by_cm.ok(&["bookmark", "rename", "A", "B", "omniverse://srv/b/"]);
    let from_cm = watch.next_untimed();
    assert_eq!(watch.stop(libc::SIGTERM), Some(0));

    let by_hand = Sandbox::with_file(FILE);
    let watch = Watch::start(&by_hand, &["--json"]);
    let edited = FILE.replace("A = \"omniverse://srv/a/\"", "B = \"omniverse://srv/b/\"");
    let tmp = by_hand.dir.path().join("omniverse.toml.tmp");
    std::fs::write(&tmp, edited).unwrap();
    std::fs::rename(&tmp, by_hand.config()).unwrap();
    let from_hand = watch.next_untimed();
    assert_eq!(from_cm, from_hand);
    assert!(from_cm.contains("BOOKMARK_RENAMED"), "{from_cm}");
    // Nothing else follows either change (a deleted + added pair would).
    by_hand.ok(&["bookmark", "add", "Marker", "omniverse://srv/m/"]);
    assert!(watch.next().contains("\"Marker\""));
    assert_eq!(watch.stop(libc::SIGTERM), Some(0));
}

/// `watching FILE` comes before the first event, even one of the discovery a watch starts
/// for the configured discovery servers; human lines quote string values.
#[test]
fn the_ready_line_comes_first_and_human_values_are_quoted() {
    let server = cm_testkit::TestServer::start(cm_testkit::TestServerConfig::default()).unwrap();
    let sandbox = Sandbox::with_file(&format!(
        "[bookmarks]\n\n[servers]\n\n[[discovery_servers]]\nname = \"My Studio\"\nurl = \"{}\"\ncached_addresses = []\n",
        server.discovery_url()
    ));
    // stdout and stderr into one pipe, in the order cm wrote them.
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg("exec \"$0\" --config \"$1\" watch --debounce-ms 200 2>&1")
        .arg(env!("CARGO_BIN_EXE_cm"))
        .arg(sandbox.config())
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = || {
        lines
            .recv_timeout(Duration::from_secs(30))
            .expect("no line within 30 s")
    };
    let first = next();
    assert!(first.starts_with("watching "), "{first}");
    let mut seen = Vec::new();
    while !seen
        .iter()
        .any(|l: &String| l.contains(r#"status="ready""#))
    {
        seen.push(next());
    }
    assert!(
        seen.iter().all(|l| l.contains(r#"name="My Studio""#)),
        "{seen:?}"
    );
    sandbox.ok(&[
        "bookmark",
        "add",
        "My Projects",
        "omniverse://srv/Projects/",
    ]);
    let added = next();
    assert!(
        added.ends_with(r#"BOOKMARK_ADDED name="My Projects" url="omniverse://srv/Projects/""#),
        "{added}"
    );
    let pid = child.id() as i32;
    // SAFETY: `pid` is our own child (sh exec'd into cm), which has not been reaped yet.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let mut status = None;
    assert!(wait::holds_within(Duration::from_secs(20), || {
        status = child.try_wait().unwrap();
        status.is_some()
    }));
    assert_eq!(status.and_then(|s| s.code()), Some(0));
}

#[test]
fn watch_shows_discovery_completing_and_stops_on_sigint() {
    let server = cm_testkit::TestServer::start(cm_testkit::TestServerConfig::default()).unwrap();
    let sandbox = Sandbox::new();
    let watch = Watch::start(&sandbox, &[]);
    sandbox.ok(&["discovery", "add", "Studio", &server.discovery_url()]);
    let mut seen = Vec::new();
    while !seen
        .iter()
        .any(|l: &String| l.contains(r#"status="ready""#))
    {
        seen.push(watch.next());
    }
    assert!(
        seen[0].contains(&format!(
            "{} name=\"Studio\"",
            cm_registry::events::short_name(cm_registry::events::DISCOVERY_SERVER_ADDED_EVENT)
        )),
        "{seen:?}"
    );
    assert_eq!(watch.stop(libc::SIGINT), Some(0));
}

/// `cm --config CONFIG ARGS`, asserting success.
fn cm_ok(config: &Path, args: &[&str]) {
    let out = common::cm_command()
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cm {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn watch_follows_a_config_linked_into_another_directory() {
    let root = tempfile::tempdir().unwrap();
    let (config_dir, dotfiles, other) = (
        root.path().join("config"),
        root.path().join("dotfiles"),
        root.path().join("other"),
    );
    for dir in [&config_dir, &dotfiles, &other] {
        std::fs::create_dir(dir).unwrap();
    }
    let target = dotfiles.join("omniverse.toml");
    std::fs::write(&target, "[bookmarks]\n").unwrap();
    let link = config_dir.join("omniverse.toml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let watch = Watch::start_at(&link, &["--json"]);

    cm_ok(&link, &["bookmark", "add", "ViaLink", "omniverse://h/a/"]);
    watch.next_with("ViaLink");
    cm_ok(
        &target,
        &["bookmark", "add", "ViaTarget", "omniverse://h/b/"],
    );
    watch.next_with("ViaTarget");

    // The link re-pointed at another file: seen, and so are later edits of that file.
    let second = other.join("omniverse.toml");
    std::fs::write(&second, "[bookmarks]\nSecond = \"omniverse://h/s/\"\n").unwrap();
    let new_link = config_dir.join("omniverse.toml.new");
    std::os::unix::fs::symlink(&second, &new_link).unwrap();
    std::fs::rename(&new_link, &link).unwrap();
    watch.next_with("Second");
    cm_ok(&second, &["bookmark", "add", "Later", "omniverse://h/l/"]);
    watch.next_with("Later");
    assert!(link.is_symlink());
    assert_eq!(watch.stop(libc::SIGTERM), Some(0));
}

#[test]
fn watch_survives_the_config_directory_removed_and_recreated() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("config");
    std::fs::create_dir(&dir).unwrap();
    let config = dir.join("omniverse.toml");
    std::fs::write(&config, "[bookmarks]\nOld = \"omniverse://h/o/\"\n").unwrap();
    let watch = Watch::start_at(&config, &["--json"]);
    for name in ["N1", "N2"] {
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::create_dir(&dir).unwrap();
        let url = format!("omniverse://h/{name}/");
        cm_ok(&config, &["bookmark", "add", name, &url]);
        watch.next_with(&format!("\"name\":\"{name}\""));
    }
    assert_eq!(watch.stop(libc::SIGTERM), Some(0));
}

#[test]
fn watch_creates_a_config_directory_that_does_not_exist_yet() {
    let root = tempfile::tempdir().unwrap();
    let config = root.path().join("not").join("yet").join("omniverse.toml");
    let watch = Watch::start_at(&config, &["--json"]);
    assert!(config.parent().unwrap().is_dir());
    cm_ok(&config, &["bookmark", "add", "First", "omniverse://h/f/"]);
    watch.next_with("First");
    assert_eq!(watch.stop(libc::SIGTERM), Some(0));
}

#[test]
fn watch_reports_an_edit_that_breaks_the_file_and_carries_on() {
    let sandbox = Sandbox::with_file("[bookmarks]\nA = \"omniverse://h/a/\"\n");
    let watch = Watch::start(&sandbox, &["--json"]);
    std::fs::write(sandbox.config(), "[bookmarks\nA = \"omniverse://h/a/\"\n").unwrap();
    let line = watch.next();
    let value: serde_json::Value = serde_json::from_str(&line).unwrap();
    let message = value["error"].as_str().expect("an error line");
    assert!(message.contains("omniverse.toml"), "{line}");
    assert_eq!(
        value["path"].as_str(),
        Some(sandbox.config().to_str().unwrap())
    );
    let error = watch.next_error();
    assert!(error.starts_with("error: "), "{error}");
    assert!(error.contains("still watching"), "{error}");

    // Fixed again: the next good edit comes out as events.
    std::fs::write(
        sandbox.config(),
        "[bookmarks]\nA = \"omniverse://h/a/\"\nB = \"omniverse://h/b/\"\n",
    )
    .unwrap();
    watch.next_with("\"name\":\"B\"");
    assert_eq!(watch.stop(libc::SIGTERM), Some(0));
}

#[test]
fn human_watch_reports_a_broken_file_on_stderr() {
    let sandbox = Sandbox::with_file("[bookmarks]\n");
    let watch = Watch::start(&sandbox, &[]);
    std::fs::write(sandbox.config(), "bookmarks = = 1\n").unwrap();
    let error = watch.next_error();
    assert!(error.starts_with("error: "), "{error}");
    assert!(error.contains("omniverse.toml"), "{error}");
    assert!(
        watch
            .lines
            .recv_timeout(Duration::from_millis(500))
            .is_err(),
        "human mode prints the error on stderr only"
    );
    assert_eq!(watch.stop(libc::SIGTERM), Some(0));
}
