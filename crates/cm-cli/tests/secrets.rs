//! `cm` never prints, logs or writes a secret: a run that signs in with a password (from the
//! environment) and with a token, adds servers, bookmarks and a discovery server whose URLs
//! carry `user:password@`, fails a sign-in on purpose, and runs `cm watch --json` throughout,
//! all with `RUST_LOG=trace`. Every byte of stdout and stderr of every process, plus the
//! resulting omniverse.toml, is searched for the passwords and tokens (including the tokens
//! the server issued for the password).
//!
//! Also: the file is created private (0600), an existing file keeps its mode, and a symlink
//! planted at the store's temporary-file name is never followed.

// Sends Unix signals and uses Unix-only calls (libc); the platforms section of the root README
// says which tests run where.
#![cfg(unix)]

mod common;

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cm_testkit::{TestServer, TestServerConfig, wait};
use common::Sandbox;

const PASSWORD: &str = "pw-Cli-3a9f17";
const WRONG_PASSWORD: &str = "pw-CliWrong-b0c2";
const TOKEN: &str = "tok-Cli-e61d44";
const URL_PASSWORD: &str = "urlpw-Cli-71fe";
const QUERY_SIGNATURE: &str = "sig-Cli-5c0ffee";

/// Everything the `cm` processes wrote, by command.
#[derive(Default)]
struct Outputs(Vec<(String, Vec<u8>)>);

impl Outputs {
    fn add(&mut self, what: impl Into<String>, bytes: impl AsRef<[u8]>) {
        self.0.push((what.into(), bytes.as_ref().to_vec()));
    }
}

/// Runs `cm ARGS` with TRACE logs and the secrets in the environment; keeps its output.
fn run(
    sandbox: &Sandbox,
    outputs: &mut Outputs,
    args: &[&str],
    stdin: Option<&str>,
    want: i32,
) -> String {
    let mut cmd = sandbox.cm(args);
    cmd.env("RUST_LOG", "trace")
        .env("CM_PW", PASSWORD)
        .env("CM_WRONG", WRONG_PASSWORD)
        .env("CM_TOK", TOKEN);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(want),
        "cm {args:?}\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    outputs.add(format!("cm {} (stdout)", args.join(" ")), &out.stdout);
    outputs.add(format!("cm {} (stderr)", args.join(" ")), &out.stderr);
    stdout
}

/// A running `cm watch --json` whose stdout and stderr are collected whole.
struct Watch {
    child: Child,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Watch {
    fn start(sandbox: &Sandbox) -> Self {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cm"))
            .arg("--config")
            .arg(sandbox.config())
            .args(["watch", "--json", "--debounce-ms", "200"])
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "trace")
            .env_remove("OMNI_CONFIG_PATH")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let collect = |mut pipe: Box<dyn Read + Send>| {
            let buffer = Arc::new(Mutex::new(Vec::new()));
            let sink = buffer.clone();
            std::thread::spawn(move || {
                let mut chunk = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    sink.lock().unwrap().extend_from_slice(&chunk[..n]);
                }
            });
            buffer
        };
        let stdout = collect(Box::new(child.stdout.take().unwrap()));
        let stderr = collect(Box::new(child.stderr.take().unwrap()));
        let watch = Self {
            child,
            stdout,
            stderr,
        };
        assert!(
            wait::holds_within(Duration::from_secs(30), || watch
                .stderr_text()
                .contains("watching ")),
            "cm watch never became ready: {}",
            watch.stderr_text()
        );
        watch
    }

    fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned()
    }

    fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// SIGINT, wait for the exit, and hand over everything it wrote.
    fn stop(mut self, outputs: &mut Outputs) {
        // SAFETY: our own child, not reaped yet.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let mut status = None;
        assert!(wait::holds_within(Duration::from_secs(20), || {
            status = self.child.try_wait().unwrap();
            status.is_some()
        }));
        assert_eq!(status.and_then(|s| s.code()), Some(0));
        // The reader threads end at EOF; give them a moment to drain.
        std::thread::sleep(Duration::from_millis(100));
        outputs.add("cm watch --json (stdout)", &*self.stdout.lock().unwrap());
        outputs.add("cm watch --json (stderr)", &*self.stderr.lock().unwrap());
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn no_secret_in_any_output_log_event_or_file() {
    let server = TestServer::start(
        TestServerConfig::default()
            .with_user("alice", PASSWORD)
            .with_token(TOKEN)
            .with_required_token(true)
            .with_path("/Projects/car.usd")
            .with_storage_addresses(["omniverse://discovered.invalid/"]),
    )
    .unwrap();
    let sandbox = Sandbox::new();
    let mut outputs = Outputs::default();
    let port = server.port();
    let url = format!("{}Projects/car.usd", server.storage_url());
    let with_userinfo =
        format!("omniverse://alice:{URL_PASSWORD}@127.0.0.1:{port}/Projects/car.usd");
    let other = format!("omniverse://bob:{URL_PASSWORD}@other.example:3009/");
    let discovery = format!("http://bob:{URL_PASSWORD}@127.0.0.1:{port}/discovery");
    let presigned = format!(
        "https://bucket.s3.amazonaws.com/car.usd?X-Amz-Credential=AKIA&X-Amz-Signature={QUERY_SIGNATURE}"
    );

    let watch = Watch::start(&sandbox);
    let signed_in = ["--user", "alice", "--password-env", "CM_PW"];
    let with_token = ["--token-env", "CM_TOK"];
    let cmd = |base: &[&str], extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let runs: Vec<(Vec<String>, Option<String>, i32)> = vec![
        (cmd(&["ensure", &url, "--json"], &signed_in), None, 0),
        (cmd(&["ensure", &url, "-vvv"], &with_token), None, 0),
        (
            cmd(&["ensure", &with_userinfo, "--json"], &with_token),
            None,
            0,
        ),
        (
            cmd(&["reconnect", &with_userinfo, "--json"], &signed_in),
            None,
            0,
        ),
        (cmd(&["disconnect", &with_userinfo, "--json"], &[]), None, 0),
        (
            cmd(
                &["ensure", &url, "--json", "--timeout", "5"],
                &["--user", "alice", "--password-env", "CM_WRONG"],
            ),
            None,
            1,
        ),
        (
            cmd(&["server", "add", "--json", "Other", &other], &[]),
            None,
            0,
        ),
        (
            cmd(
                &[
                    "bookmark",
                    "add",
                    "--json",
                    "Project",
                    &format!("{other}Projects/"),
                ],
                &[],
            ),
            None,
            0,
        ),
        (
            cmd(
                &[
                    "bookmark",
                    "add",
                    "Broken",
                    &format!("omniverse://bob:{URL_PASSWORD}@/x"),
                ],
                &[],
            ),
            None,
            2,
        ),
        (
            cmd(&["discovery", "add", "--json", "Studio", &discovery], &[]),
            None,
            0,
        ),
        (
            cmd(&["discovery", "refresh", "--json", "--timeout", "10"], &[]),
            None,
            0,
        ),
        (cmd(&["server", "list", "--json"], &[]), None, 0),
        (cmd(&["bookmark", "list", "--json"], &[]), None, 0),
        (cmd(&["discovery", "list", "--json"], &[]), None, 0),
        (cmd(&["server", "list"], &[]), None, 0),
        (
            cmd(&["url", "normalize", &with_userinfo, "--json"], &[]),
            None,
            0,
        ),
        (cmd(&["url", "root", &with_userinfo], &[]), None, 0),
        // A pre-signed URL is a credential in itself: refused, never stored or echoed.
        (
            cmd(&["bookmark", "add", "--json", "Signed", &presigned], &[]),
            None,
            2,
        ),
        (
            cmd(&["bookmark", "add", "Signed", &presigned], &[]),
            None,
            2,
        ),
    ];
    for (args, stdin, want) in &runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&sandbox, &mut outputs, &args, stdin.as_deref(), *want);
    }

    // The watcher saw the changes (events carry the stored, credential-free URLs).
    assert!(
        wait::holds_within(Duration::from_secs(30), || {
            let seen = watch.stdout_text();
            [
                cm_registry::events::BOOKMARK_ADDED_EVENT,
                cm_registry::events::MANUAL_SERVER_ADDED_EVENT,
                cm_registry::events::DISCOVERY_SERVER_ADDED_EVENT,
            ]
            .map(cm_registry::events::short_name)
            .iter()
            .all(|e| seen.contains(e))
        }),
        "cm watch missed events: {}",
        watch.stdout_text()
    );
    watch.stop(&mut outputs);
    let file = std::fs::read(sandbox.config()).unwrap();
    assert!(String::from_utf8_lossy(&file).contains("other.example:3009"));
    outputs.add("omniverse.toml", &file);

    // The secrets were really used: the token and a server-issued token reached the server.
    let bearers: Vec<String> = server
        .controls()
        .requests()
        .into_iter()
        .filter_map(|r| r.bearer_token)
        .collect();
    assert!(bearers.iter().any(|t| t == TOKEN), "{bearers:?}");
    assert!(bearers.iter().any(|t| t != TOKEN), "{bearers:?}");
    let mut secrets = vec![
        PASSWORD.to_owned(),
        WRONG_PASSWORD.to_owned(),
        TOKEN.to_owned(),
        URL_PASSWORD.to_owned(),
        QUERY_SIGNATURE.to_owned(),
    ];
    secrets.extend(bearers);
    secrets.sort();
    secrets.dedup();

    // The logs really were at TRACE level (so a credential logged at any level would show):
    // every command that starts the library logs at TRACE (`cm url` starts nothing).
    let untraced: Vec<&str> = outputs
        .0
        .iter()
        .filter(|(what, bytes)| {
            what.ends_with("(stderr)")
                && !what.starts_with("cm url ")
                && !String::from_utf8_lossy(bytes).contains(" TRACE ")
        })
        .map(|(what, _)| what.as_str())
        .collect();
    assert!(untraced.is_empty(), "no TRACE lines from {untraced:?}");
    let hits = secret_hits(&outputs, &secrets);
    println!(
        "stress-result: secrets outputs_checked={} bytes_checked={} secret_hits={}",
        outputs.0.len(),
        outputs.0.iter().map(|(_, b)| b.len()).sum::<usize>(),
        hits.len()
    );
    assert!(hits.is_empty(), "secrets leaked:\n{}", hits.join("\n"));
}

/// Every line of every output that contains one of `secrets`, with where it came from.
fn secret_hits(outputs: &Outputs, secrets: &[String]) -> Vec<String> {
    let mut hits = Vec::new();
    for (what, output) in &outputs.0 {
        let text = String::from_utf8_lossy(output);
        for secret in secrets {
            for line in text.lines().filter(|l| l.contains(secret.as_str())) {
                hits.push(format!("{what}: {line}"));
            }
        }
    }
    hits
}

/// `cm server add -i` echoes each answer on stderr when stdin is not a terminal; a URL typed
/// with `user:password@` must be echoed redacted, or the password lands in captured stderr.
#[test]
fn the_interactive_add_does_not_echo_a_password() {
    let server = TestServer::start(
        TestServerConfig::default()
            .with_user("alice", PASSWORD)
            .with_required_token(true),
    )
    .unwrap();
    let sandbox = Sandbox::new();
    let mut outputs = Outputs::default();
    let with_userinfo = format!(
        "omniverse://alice:{URL_PASSWORD}@127.0.0.1:{}/",
        server.port()
    );
    run(
        &sandbox,
        &mut outputs,
        &[
            "server",
            "add",
            "--interactive",
            "--json",
            "--user",
            "alice",
            "--password-env",
            "CM_PW",
        ],
        Some(&format!("Interactive\n{with_userinfo}\n")),
        0,
    );
    outputs.add("omniverse.toml", std::fs::read(sandbox.config()).unwrap());
    let secrets = [PASSWORD.to_owned(), URL_PASSWORD.to_owned()];
    let hits = secret_hits(&outputs, &secrets);
    assert!(hits.is_empty(), "secrets leaked:\n{}", hits.join("\n"));
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_new_file_is_private_and_an_existing_file_keeps_its_mode() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["bookmark", "add", "New", "https://bucket.example.com/new/"]);
    assert_eq!(mode(&sandbox.config()), 0o600);

    for existing in [0o644, 0o640] {
        let sandbox = Sandbox::with_file("[servers]\n\n[bookmarks]\n");
        std::fs::set_permissions(sandbox.config(), std::fs::Permissions::from_mode(existing))
            .unwrap();
        sandbox.ok(&[
            "bookmark",
            "add",
            "Kept",
            "https://bucket.example.com/kept/",
        ]);
        assert!(sandbox.text().contains("Kept"));
        assert_eq!(mode(&sandbox.config()), existing, "{existing:o}");
    }
}

/// The store writes a temporary file `.omniverse.toml.tmp-<pid>-<n>` next to the target and
/// renames it over. A symlink planted at that name (pointing at a file the attacker wants
/// overwritten) must never be followed: the write goes elsewhere or fails, the victim stays.
#[test]
fn a_symlink_at_the_temporary_file_name_is_not_followed() {
    use cm_toml_store::{Change, TomlStore};

    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious\n").unwrap();
    let target = dir.path().join("omniverse.toml");
    std::fs::write(&target, "[servers]\n\n[bookmarks]\n").unwrap();
    // This test process's writes so far are few; cover every counter value they could use.
    let pid = std::process::id();
    for n in 0..256 {
        std::os::unix::fs::symlink(
            &victim,
            dir.path().join(format!(".omniverse.toml.tmp-{pid}-{n}")),
        )
        .unwrap();
    }
    let store = TomlStore::new(&target);
    let result = store.apply(&[Change::AddBookmark {
        name: "Planted".into(),
        url: "https://bucket.example.com/p/".into(),
    }]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(
        !std::fs::symlink_metadata(&target)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the config file was replaced by a symlink"
    );
    match result {
        // Refusing to write through the planted name is fine; the old file stays as it was.
        Err(error) => {
            assert!(error.to_string().contains("tmp-"), "{error}");
            assert_eq!(
                std::fs::read_to_string(&target).unwrap(),
                "[servers]\n\n[bookmarks]\n"
            );
        }
        Ok(_) => assert!(
            std::fs::read_to_string(&target)
                .unwrap()
                .contains("Planted")
        ),
    }
}
