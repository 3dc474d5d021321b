//! Exit statuses and the one stderr line for bad input and failed operations; a failing
//! command never changes the config file.

mod common;

use common::{Sandbox, stderr};

const GOOD: &str = r#"# keep me
[bookmarks]
Projects = "omniverse://srv/Projects/"

[servers]
"omniverse://srv" = "srv"

[[discovery_servers]]
name = "Lab"
url = "http://lab.example/discovery"
cached_addresses = []
"#;

/// Bookmarks only: a writing start would migrate it.
const OLD_STYLE: &str =
    "[bookmarks]\nRoot = \"omniverse://srv/\"\nProj = \"omniverse://srv/Projects/\"\n";

struct Case {
    name: &'static str,
    file: Option<&'static str>,
    args: &'static [&'static str],
    status: i32,
}

const CASES: &[Case] = &[
    Case {
        name: "bookmark add with a bad URL",
        file: Some(GOOD),
        args: &["bookmark", "add", "X", "omniverse://"],
        status: 2,
    },
    Case {
        name: "bookmark add with an unknown scheme",
        file: Some(GOOD),
        args: &["bookmark", "add", "X", "ftp://host/x"],
        status: 2,
    },
    Case {
        name: "bookmark add with whitespace in the URL",
        file: Some(GOOD),
        args: &["bookmark", "add", "X", "https://exa mple.com/"],
        status: 2,
    },
    Case {
        name: "bookmark add with no scheme",
        file: Some(GOOD),
        args: &["bookmark", "add", "X", "localhost:8080"],
        status: 2,
    },
    Case {
        name: "bookmark add with an empty name",
        file: Some(GOOD),
        args: &["bookmark", "add", " ", "https://x.example/"],
        status: 2,
    },
    Case {
        name: "bookmark add with a duplicate name",
        file: Some(GOOD),
        args: &["bookmark", "add", "Projects", "https://x.example/"],
        status: 1,
    },
    Case {
        name: "bookmark add to an old-style file with a duplicate name",
        file: Some(OLD_STYLE),
        args: &["bookmark", "add", "Proj", "https://x.example/"],
        status: 1,
    },
    Case {
        name: "bookmark remove of an unknown bookmark",
        file: Some(GOOD),
        args: &["bookmark", "remove", "Nope"],
        status: 1,
    },
    Case {
        name: "bookmark remove with no file",
        file: None,
        args: &["bookmark", "remove", "Nope"],
        status: 1,
    },
    Case {
        name: "bookmark rename of an unknown bookmark",
        file: Some(GOOD),
        args: &["bookmark", "rename", "Nope", "New", "https://x.example/"],
        status: 1,
    },
    Case {
        name: "server add with a duplicate name",
        file: Some(GOOD),
        args: &["server", "add", "srv", "https://other.example/"],
        status: 1,
    },
    Case {
        name: "server add with a duplicate URL",
        file: Some(GOOD),
        args: &["server", "add", "again", "omniverse://SRV/x"],
        status: 1,
    },
    Case {
        name: "server add with a bad port",
        file: Some(GOOD),
        args: &["server", "add", "p", "http://host:99999/"],
        status: 2,
    },
    Case {
        name: "server remove of an unknown server",
        file: Some(GOOD),
        args: &["server", "remove", "omniverse://elsewhere/"],
        status: 1,
    },
    Case {
        name: "discovery add with a non-http URL",
        file: Some(GOOD),
        args: &["discovery", "add", "D", "omniverse://srv/"],
        status: 2,
    },
    Case {
        name: "discovery remove of an unknown server",
        file: Some(GOOD),
        args: &["discovery", "remove", "http://nope.example/"],
        status: 1,
    },
    Case {
        name: "malformed TOML",
        file: Some("[servers]\nx = \n"),
        args: &["bookmark", "add", "X", "https://x.example/"],
        status: 2,
    },
    Case {
        name: "malformed TOML, list",
        file: Some("[bookmarks\n"),
        args: &["bookmark", "list"],
        status: 2,
    },
    Case {
        name: "wrong-typed section",
        file: Some("servers = 3\n"),
        args: &["server", "add", "s", "https://x.example/"],
        status: 2,
    },
    Case {
        name: "wrong-typed bookmarks section",
        file: Some("bookmarks = [1, 2]\n"),
        args: &["bookmark", "list"],
        status: 2,
    },
    Case {
        name: "ensure with an invalid URL",
        file: Some(GOOD),
        args: &["ensure", "omniverse://"],
        status: 2,
    },
    Case {
        name: "ensure with a zero timeout",
        file: Some(GOOD),
        args: &["ensure", "https://x.example/", "--timeout", "0"],
        status: 2,
    },
    Case {
        name: "ensure with a missing password variable",
        file: Some(GOOD),
        args: &[
            "ensure",
            "omniverse://srv/",
            "--user",
            "a",
            "--password-env",
            "CM_TEST_UNSET_VARIABLE",
        ],
        status: 2,
    },
    Case {
        name: "url root with an unknown scheme",
        file: None,
        args: &["url", "root", "gopher://x/"],
        status: 2,
    },
    Case {
        name: "unknown subcommand",
        file: Some(GOOD),
        args: &["bookmark", "frobnicate"],
        status: 2,
    },
    Case {
        name: "missing argument",
        file: Some(GOOD),
        args: &["bookmark", "add", "OnlyName"],
        status: 2,
    },
    Case {
        name: "migrate a malformed file",
        file: Some("[bookmarks]\nA = \n"),
        args: &["migrate"],
        status: 2,
    },
    Case {
        name: "watch a malformed file",
        file: Some("[[discovery_servers]]\nname = 1\nurl =\n"),
        args: &["watch"],
        status: 2,
    },
];

#[test]
fn bad_input_exits_with_one_line_and_leaves_the_file_alone() {
    let mut transcript = String::new();
    for case in CASES {
        let sandbox = match case.file {
            Some(text) => Sandbox::with_file(text),
            None => Sandbox::new(),
        };
        let before = std::fs::read(sandbox.config()).ok();
        let out = sandbox.run(case.args);
        let err = sandbox.redact(&stderr(&out));
        assert_eq!(
            out.status.code(),
            Some(case.status),
            "{}: cm {:?}\nstderr: {err}",
            case.name,
            case.args
        );
        let after = std::fs::read(sandbox.config()).ok();
        assert_eq!(before, after, "{}: the config file changed", case.name);
        if case.status == 0 {
            continue;
        }
        // clap's usage errors carry a usage block; ours are exactly one line.
        let first = err.lines().next().unwrap_or("");
        assert!(first.starts_with("error:"), "{}: {err}", case.name);
        if !matches!(
            case.name,
            "unknown subcommand" | "missing argument" | "ensure with a zero timeout"
        ) {
            assert_eq!(
                err.lines().count(),
                1,
                "{}: more than one line:\n{err}",
                case.name
            );
        }
        transcript.push_str(&format!(
            "{} (exit {}):\n  {first}\n",
            case.name, case.status
        ));
    }
    insta::assert_snapshot!(transcript);
}

#[test]
fn no_config_location_is_bad_input() {
    let out = common::cm_command()
        .env_remove("HOME")
        .args(["bookmark", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot locate omniverse.toml"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_config_path_that_is_a_directory_fails() {
    let sandbox = Sandbox::new();
    let out = common::cm_command()
        .arg("--config")
        .arg(sandbox.dir.path())
        .args(["bookmark", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("could not read"), "{}", stderr(&out));
}

/// Root bypasses permission bits, so the unwritable directory is /proc, where nobody can
/// create files.
#[cfg(target_os = "linux")]
#[test]
fn an_unwritable_directory_fails_without_a_trace() {
    let out = common::cm_command()
        .args([
            "--config",
            "/proc/omniverse.toml",
            "bookmark",
            "add",
            "X",
            "https://x.example/",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: nothing changed:"), "{err}");
    assert!(!std::path::Path::new("/proc/omniverse.toml").exists());
}

#[test]
fn a_malformed_file_names_path_line_and_column() {
    let sandbox = Sandbox::with_file("[bookmarks]\nA = \"omniverse://a/\"\nB = nope\n");
    let out = sandbox.run(&["bookmark", "list"]);
    assert_eq!(out.status.code(), Some(2));
    let err = sandbox.redact(&stderr(&out));
    assert!(
        err.starts_with("error: [DIR]/omniverse.toml:3:5: not valid TOML"),
        "{err}"
    );
}

#[test]
fn a_failing_change_does_not_migrate_an_old_style_file() {
    let sandbox = Sandbox::with_file(OLD_STYLE);
    let out = sandbox.run(&["bookmark", "remove", "Nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(sandbox.text(), OLD_STYLE);
    // A successful change does (the library migrates on a writing start).
    sandbox.ok(&["bookmark", "add", "New", "https://x.example/"]);
    assert!(sandbox.text().contains("[servers]"), "{}", sandbox.text());
}

#[test]
fn a_file_that_is_not_utf8_is_bad_input() {
    let sandbox = Sandbox::new();
    std::fs::write(sandbox.config(), b"[bookmarks]\nA = \"\xff\"\n").unwrap();
    let out = sandbox.run(&["bookmark", "add", "B", "https://x.example/"]);
    assert_eq!(out.status.code(), Some(2));
    let err = sandbox.redact(&stderr(&out));
    assert!(
        err.starts_with("error: [DIR]/omniverse.toml:2:6: not valid UTF-8"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(sandbox.config()).unwrap(),
        b"[bookmarks]\nA = \"\xff\"\n"
    );
}
