//! What `cm` does when its output streams fail, with real pipes and `/dev/full`:
//!
//! * stdout a pipe whose reader has gone (`cm ... | head -n 1`): `cm` ends quietly, exit 0,
//!   also a `cm watch` that has nothing more to print;
//! * stderr a closed pipe (`cm ... 2>&1 | true`): never a panic (exit 101), the command's own
//!   status instead;
//! * stdout failing otherwise (`> /dev/full`): exit 1 and the reason on stderr.
//!
//! Also: bidi marks and line separators in a stored name reach neither stream raw.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc::channel;
use std::time::Duration;

use cm_testkit::wait;
use common::{Sandbox, stderr};

const FILE: &str = "[bookmarks]\nA = \"omniverse://h/a/\"\nB = \"omniverse://h/b/\"\n\n[servers]\n\"omniverse://h/\" = \"h\"\n";

/// `cm --config <sandbox> ARGS` as a std Command, whose streams a test can set.
fn cm(sandbox: &Sandbox, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cm"));
    cmd.env_remove("OMNI_CONFIG_PATH")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .arg("--config")
        .arg(sandbox.config())
        .args(args);
    cmd
}

/// The write end of a pipe whose read end is already closed: every write gets EPIPE.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer.into()
}

/// Waits up to 30 s for `child` to exit; its status code.
fn exit_code(child: &mut Child) -> Option<i32> {
    let mut status = None;
    assert!(
        wait::holds_within(Duration::from_secs(30), || {
            status = child.try_wait().unwrap();
            status.is_some()
        }),
        "cm did not exit within 30 s"
    );
    status.and_then(|s| s.code())
}

#[test]
fn a_closed_stdout_ends_list_commands_quietly_with_exit_0() {
    let sandbox = Sandbox::with_file(FILE);
    for args in [
        &["server", "list", "--json"][..],
        &["bookmark", "list"],
        &["bookmark", "list", "--json"],
    ] {
        let out = cm(&sandbox, args)
            .stdout(closed_pipe())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "cm {args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "cm {args:?} printed on stderr");
    }
}

#[test]
fn a_closed_stderr_never_panics() {
    let sandbox = Sandbox::with_file(FILE);
    // An error to report (exit 2) and a warning (a wrong-typed entry), with stderr closed,
    // and with both streams one closed pipe as in `2>&1 | true`.
    let bad = cm(&sandbox, &["bookmark", "add", "C", "ftp://nope/"])
        .stderr(closed_pipe())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let both = cm(&sandbox, &["bookmark", "add", "C", "ftp://nope/"])
        .stdout(writer.try_clone().unwrap())
        .stderr(writer)
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
    let listed = cm(&sandbox, &["server", "list"])
        .stderr(closed_pipe())
        .output()
        .unwrap();
    assert_eq!(listed.status.code(), Some(0));
    let full = cm(&sandbox, &["bookmark", "remove", "Nope"])
        .stderr(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .output()
        .unwrap();
    assert_eq!(full.status.code(), Some(1));
    assert!(sandbox.text().contains("A = "), "the file lost an entry");
}

/// clap's own output (`--help`, `--version`, `help`) goes through the same fallible write.
#[test]
fn help_and_version_on_a_full_stdout_exit_1() {
    let sandbox = Sandbox::with_file(FILE);
    for args in [&["--help"][..], &["--version"], &["help", "bookmark"]] {
        let out = cm(&sandbox, args)
            .stdout(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            )
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("cannot write the result to stdout"),
            "{args:?}: {}",
            stderr(&out)
        );
        // Still printed, and exit 0, on a working stdout.
        let out = cm(&sandbox, args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(!out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_full_stdout_exits_1_with_the_reason() {
    let sandbox = Sandbox::with_file(FILE);
    for args in [&["server", "list", "--json"][..], &["bookmark", "list"]] {
        let out = cm(&sandbox, args)
            .stdout(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            )
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "cm {args:?}");
        let err = stderr(&out);
        assert!(
            err.starts_with("error: cannot write the result to stdout: No space left on device"),
            "cm {args:?}: {err}"
        );
    }
}

#[test]
fn watch_ends_with_exit_0_when_its_reader_goes_away() {
    let sandbox = Sandbox::with_file(FILE);
    let mut child = cm(&sandbox, &["watch", "--json", "--debounce-ms", "100"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (ready_tx, ready_rx) = channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = ready_tx.send(line);
        }
    });
    let ready = ready_rx.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(ready.starts_with("watching "), "{ready}");
    // `| head -n 1`: read one event line, then close the pipe.
    sandbox.ok(&["bookmark", "add", "C", "omniverse://h/c/"]);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.contains("BOOKMARK_ADDED"), "{first}");
    drop(stdout);
    // No further event is needed for cm to notice.
    assert_eq!(exit_code(&mut child), Some(0));
    let rest: Vec<String> = ready_rx.try_iter().collect();
    assert!(!rest.iter().any(|l| l.contains("panicked")), "{rest:?}");
}

#[test]
fn bidi_marks_and_line_separators_are_escaped_for_the_terminal() {
    let sandbox = Sandbox::with_file(
        "[bookmarks]\n\"a\u{200f}b\u{2028}c\u{2029}d\u{61c}e\u{feff}f\u{200b}g\u{ad}h\u{e0041}i\" = \"omniverse://h/a/\"\n",
    );
    let listed = sandbox.ok(&["bookmark", "list"]);
    assert!(
        listed.contains(
            "a\\u{200f}b\\u{2028}c\\u{2029}d\\u{61c}e\\u{feff}f\\u{200b}g\\u{ad}h\\u{e0041}i"
        ),
        "{listed}"
    );
    // Every format character (category Cf), not only the bidi ones.
    for mark in [
        '\u{200f}',
        '\u{2028}',
        '\u{2029}',
        '\u{61c}',
        '\u{feff}',
        '\u{200b}',
        '\u{ad}',
        '\u{e0041}',
    ] {
        assert!(!listed.contains(mark), "{mark:?} printed raw: {listed}");
    }
    // In an error message on stderr too.
    let out = sandbox.run(&["bookmark", "remove", "x\u{200f}y\u{2028}z"]);
    let err = stderr(&out);
    assert!(err.contains("x\\u{200f}y\\u{2028}z"), "{err}");
    assert!(
        !err.contains('\u{200f}') && !err.contains('\u{2028}'),
        "{err}"
    );
}

/// A write command whose result cannot reach stdout (`> /dev/full`) exits 1 and says the
/// change WAS written (it is in the file); a read command's failure says nothing of the kind.
#[test]
fn a_full_stdout_after_a_write_says_the_change_was_written() {
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let sandbox = Sandbox::with_file(FILE);
    for args in [
        &["bookmark", "add", "C", "omniverse://h/c/"][..],
        &["server", "add", "New", "omniverse://new/"],
        &["bookmark", "remove", "A"],
    ] {
        let out = cm(&sandbox, args).stdout(full()).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("the change WAS written to the config file"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let text = sandbox.text();
    assert!(
        text.contains("C = ") && text.contains("\"New\"") && !text.contains("A = "),
        "{text}"
    );
    let listed = cm(&sandbox, &["bookmark", "list"])
        .stdout(full())
        .output()
        .unwrap();
    assert_eq!(listed.status.code(), Some(1));
    assert!(
        !stderr(&listed).contains("WAS written"),
        "{}",
        stderr(&listed)
    );
}
