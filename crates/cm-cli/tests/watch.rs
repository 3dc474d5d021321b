//! `cm watch --json` sees edits made by other `cm` processes and by plain file writes, and
//! stops cleanly (exit 0) on SIGTERM and SIGINT.

// Sends Unix signals and uses Unix-only calls (libc); the platforms section of the root README
// says which tests run where.
#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use common::{Sandbox, redact_ports};

/// A running `cm watch --json` with its stdout lines on a channel.
struct Watch {
    child: Child,
    lines: Receiver<String>,
}

impl Watch {
    fn start(sandbox: &Sandbox, extra: &[&str]) -> Self {
        let mut args = vec!["watch", "--debounce-ms", "200"];
        args.extend_from_slice(extra);
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cm"))
            .arg("--config")
            .arg(sandbox.config())
            .args(&args)
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait for the ready line on stderr (the watcher is live after it).
        let (ready_tx, ready_rx) = channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.starts_with("watching ") {
                    let _ = ready_tx.send(line);
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
        Self { child, lines }
    }

    /// The next event line, waiting up to 30 s.
    fn next(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(30))
            .expect("no event within 30 s")
    }

    /// Sends `signal` and waits (up to 20 s) for the exit status.
    fn stop(mut self, signal: i32) -> Option<i32> {
        let pid = self.child.id() as i32;
        // SAFETY: `pid` is our own child, which has not been reaped yet.
        unsafe { libc::kill(pid, signal) };
        let mut status = None;
        assert!(common::wait_until(20, || {
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
    events.push(watch.next());
    sandbox.ok(&[
        "bookmark",
        "rename",
        "Projects",
        "Work",
        "omniverse://srv/Projects/",
    ]);
    events.push(watch.next());
    sandbox.ok(&["server", "add", "srv", "omniverse://srv/"]);
    events.push(watch.next());

    // An editor saving the file by hand (write to a temp file, rename over).
    let edited = sandbox.text().replace("Work = ", "Edited = ");
    let tmp = sandbox.dir.path().join("omniverse.toml.tmp");
    std::fs::write(&tmp, edited).unwrap();
    std::fs::rename(&tmp, sandbox.config()).unwrap();
    events.push(watch.next());

    sandbox.ok(&["bookmark", "remove", "Edited"]);
    events.push(watch.next());

    for line in &events {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(
            value["event"]
                .as_str()
                .unwrap()
                .starts_with("omni.kit.widget.connection_manager.")
        );
        assert!(value["payload"]["url"].is_string(), "{line}");
    }
    insta::assert_snapshot!(redact_ports(&events.join("\n")));
    assert_eq!(watch.stop(libc::SIGTERM), Some(0));
}

#[test]
fn watch_shows_discovery_completing_and_stops_on_sigint() {
    let server = cm_testkit::TestServer::start(cm_testkit::TestServerConfig::default()).unwrap();
    let sandbox = Sandbox::new();
    let watch = Watch::start(&sandbox, &[]);
    sandbox.ok(&["discovery", "add", "Studio", &server.discovery_url()]);
    let mut seen = Vec::new();
    while !seen.iter().any(|l: &String| l.contains("status=ready")) {
        seen.push(watch.next());
    }
    assert!(
        seen[0].contains("discovery_server_added name=Studio"),
        "{seen:?}"
    );
    assert_eq!(watch.stop(libc::SIGINT), Some(0));
}
