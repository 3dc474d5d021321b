//! `cm login` / `cm logout` end to end: the real `cm` binary against cm-testkit's sign-in page.
//!
//! Without a browser, the test is the user agent: it reads the link `cm login --no-browser`
//! prints (or the device code of `--device`) and signs in with reqwest. With a browser, it is
//! Debian's headless Chromium as `$BROWSER` (see `a_real_headless_chromium_signs_in`), skipped
//! with a message on stderr when Chromium is not installed.
#![cfg(unix)]

mod common;

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use cm_testkit::{Endpoint, SignInFault, TestServer, TestServerConfig, wait};
use common::Sandbox;

fn server() -> TestServer {
    TestServer::start(
        TestServerConfig::default()
            .with_required_token(true)
            .with_user("alice", "secret")
            .with_browser_sign_in(true),
    )
    .unwrap()
}

/// A running `cm` with its stderr read line by line on a thread.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(sandbox: &Sandbox, args: &[&str], envs: &[(&str, &OsStr)]) -> Self {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("cm"));
        command
            .arg("--config")
            .arg(sandbox.config())
            .args(args)
            .env_remove("BROWSER")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in envs {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a stderr line containing `needle` and returns it.
    fn line_with(&mut self, needle: &str) -> String {
        loop {
            match self.lines.recv_timeout(wait::DEADLINE) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!("no stderr line with {needle:?}; saw {:?}", self.seen),
            }
        }
    }

    /// Waits for the exit; `(status code, stdout, all of stderr)`.
    fn finish(mut self) -> (i32, String, String) {
        let output = self.child.wait_with_output().unwrap();
        self.seen.extend(self.lines.try_iter());
        // The reader thread may still hold the last lines: drain until it hangs up.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            self.seen.join("\n"),
        )
    }
}

/// Signs in on the page at `url` as a browser would; returns the loopback's answer status.
fn sign_in_as(url: &str, user: &str, password: &str) -> u16 {
    let url = url.to_owned();
    let (user, password) = (user.to_owned(), password.to_owned());
    runtime().block_on(async move {
        let agent = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let page = agent.get(&url).send().await.unwrap();
        assert!(page.text().await.unwrap().contains("<form"));
        let authorize = reqwest::Url::parse(&url).unwrap();
        let mut form: Vec<(String, String)> = authorize.query_pairs().into_owned().collect();
        form.extend([
            ("username".to_owned(), user),
            ("password".to_owned(), password),
            ("action".to_owned(), "allow".to_owned()),
        ]);
        let mut post_to = authorize.clone();
        post_to.set_query(None);
        let answer = agent.post(post_to).form(&form).send().await.unwrap();
        let location = answer.headers()["location"].to_str().unwrap().to_owned();
        agent.get(&location).send().await.unwrap().status().as_u16()
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn link_in(line: &str) -> String {
    line.split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no link in {line:?}"))
        .to_owned()
}

#[test]
fn login_without_a_browser_prints_the_link_and_signs_in() {
    let server = server();
    let sandbox = Sandbox::new();
    let mut cm = Running::start(
        &sandbox,
        &["login", &server.storage_url(), "--no-browser", "-vvv"],
        &[],
    );
    cm.line_with("open this link in a browser");
    let link = link_in(&cm.line_with("/auth/authorize?"));
    cm.line_with("waiting… (Ctrl-C to cancel)");
    assert_eq!(sign_in_as(&link, "alice", "secret"), 200);
    let (code, stdout, stderr) = cm.finish();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("signed in to omniverse://127.0.0.1:"),
        "{stdout}"
    );
    // The account the token answer named: the user's check against a swapped sign-in.
    assert!(stdout.trim_end().ends_with(" as alice"), "{stdout}");
    // Secrets: the token the sign-in issued is nowhere in the output, even at -vvv.
    let tokens: Vec<String> = server
        .controls()
        .requests()
        .into_iter()
        .filter_map(|r| r.bearer_token)
        .collect();
    assert!(!tokens.is_empty(), "the signed-in stat carried no token");
    for token in tokens {
        assert!(
            !stderr.contains(&token) && !stdout.contains(&token),
            "token leaked"
        );
    }
}

#[test]
fn login_json_names_the_signed_in_user() {
    let server = server();
    let sandbox = Sandbox::new();
    let mut cm = Running::start(
        &sandbox,
        &["login", &server.storage_url(), "--no-browser", "--json"],
        &[],
    );
    let link = link_in(&cm.line_with("/auth/authorize?"));
    assert_eq!(sign_in_as(&link, "alice", "secret"), 200);
    let (code, stdout, stderr) = cm.finish();
    assert_eq!(code, 0, "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["signed_in"], true, "{stdout}");
    assert_eq!(value["user"], "alice", "{stdout}");
}

#[test]
fn a_denied_sign_in_exits_1_with_the_error_code() {
    let server = server();
    server.controls().set_sign_in_fault(Some(SignInFault::Deny));
    let sandbox = Sandbox::new();
    let mut cm = Running::start(
        &sandbox,
        &["login", &server.storage_url(), "--no-browser"],
        &[],
    );
    let link = link_in(&cm.line_with("/auth/authorize?"));
    sign_in_as(&link, "alice", "secret");
    let (code, _, stderr) = cm.finish();
    assert_eq!(code, 1);
    assert!(
        stderr.contains("not signed in") && stderr.contains("access_denied"),
        "{stderr}"
    );
}

#[test]
fn a_sign_in_not_completed_in_time_exits_1() {
    let server = server();
    let sandbox = Sandbox::new();
    let cm = Running::start(
        &sandbox,
        &[
            "login",
            &server.storage_url(),
            "--no-browser",
            "--timeout",
            "2",
        ],
        &[],
    );
    let (code, _, stderr) = cm.finish();
    assert_eq!(code, 1);
    assert!(stderr.contains("timed out"), "{stderr}");
}

#[test]
fn ctrl_c_cancels_the_sign_in_and_exits_1() {
    let server = server();
    let sandbox = Sandbox::new();
    let mut cm = Running::start(
        &sandbox,
        &["login", &server.storage_url(), "--no-browser"],
        &[],
    );
    let link = link_in(&cm.line_with("/auth/authorize?"));
    cm.line_with("waiting…");
    let pid = libc::pid_t::try_from(cm.child.id()).unwrap();
    // SAFETY: signalling the child this test started.
    unsafe { libc::kill(pid, libc::SIGINT) };
    let (code, _, stderr) = cm.finish();
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("cancelled"), "{stderr}");
    // The loopback listener went with the sign-in.
    let port = reqwest::Url::parse(&link)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .and_then(|(_, v)| reqwest::Url::parse(&v).ok())
        .and_then(|u| u.port())
        .unwrap();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

fn signal(cm: &Running, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(cm.child.id()).unwrap();
    // SAFETY: signalling the child this test started.
    unsafe { libc::kill(pid, signal) };
}

/// `cm login` waiting for a `/info` that never answers (before any sign-in is pending).
fn login_stuck_at_info(server: &TestServer, sandbox: &Sandbox, timeout: &str) -> Running {
    server.controls().hold(Endpoint::Info);
    let cm = Running::start(
        sandbox,
        &[
            "login",
            &server.storage_url(),
            "--no-browser",
            "--timeout",
            timeout,
        ],
        &[],
    );
    wait::until(wait::DEADLINE, "cm asks for /info", || {
        server.controls().request_count(Endpoint::Info) >= 1
    });
    cm
}

#[test]
fn ctrl_c_ends_login_while_the_server_does_not_answer() {
    let server = server();
    let sandbox = Sandbox::new();
    let cm = login_stuck_at_info(&server, &sandbox, "600");
    signal(&cm, libc::SIGINT);
    let (code, _, stderr) = cm.finish();
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("not signed in: cancelled (Ctrl-C)"),
        "{stderr}"
    );
}

#[test]
fn sigterm_ends_login_with_a_message() {
    let server = server();
    let sandbox = Sandbox::new();
    let mut cm = Running::start(
        &sandbox,
        &["login", &server.storage_url(), "--no-browser"],
        &[],
    );
    cm.line_with("waiting…");
    signal(&cm, libc::SIGTERM);
    let (code, _, stderr) = cm.finish();
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("cancelled (terminated by SIGTERM)"),
        "{stderr}"
    );
}

#[test]
fn the_timeout_bounds_a_server_that_does_not_answer_and_says_so() {
    let server = server();
    let sandbox = Sandbox::new();
    let cm = login_stuck_at_info(&server, &sandbox, "2");
    let (code, _, stderr) = cm.finish();
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("timed out: no answer from omniverse://127.0.0.1:")
            && stderr.contains("within 2 s (before any sign-in started)"),
        "{stderr}"
    );
}

#[test]
fn the_device_flow_prints_a_code_and_signs_in() {
    let server = server();
    server
        .controls()
        .set_device_poll_interval(Duration::from_secs(1));
    let sandbox = Sandbox::new();
    let mut cm = Running::start(&sandbox, &["login", &server.storage_url(), "--device"], &[]);
    let line = cm.line_with("enter the code");
    let verify = link_in(&line);
    let code = line.rsplit(' ').next().unwrap().to_owned();
    let status = runtime().block_on(async {
        reqwest::Client::new()
            .post(&verify)
            .form(&[
                ("user_code", code.as_str()),
                ("username", "alice"),
                ("password", "secret"),
            ])
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status.as_u16(), 200);
    let (exit, stdout, stderr) = cm.finish();
    assert_eq!(exit, 0, "{stderr}");
    assert!(stdout.contains("signed in to"), "{stdout}");
}

#[test]
fn login_to_a_server_without_browser_sign_in_says_so() {
    let server = TestServer::start(TestServerConfig::default().with_required_token(true)).unwrap();
    let sandbox = Sandbox::new();
    let out = sandbox.run(&["login", &server.storage_url(), "--no-browser"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("offers no browser sign-in"), "{stderr}");
}

#[test]
fn login_and_logout_refuse_urls_that_are_not_nucleus() {
    let sandbox = Sandbox::new();
    for command in ["login", "logout"] {
        let out = sandbox.run(&[command, "https://example.com/"]);
        assert_eq!(out.status.code(), Some(2), "{command}");
    }
}

#[test]
fn logout_signs_out() {
    let server = server();
    let sandbox = Sandbox::new();
    let stdout = sandbox.ok(&["logout", &server.storage_url()]);
    assert!(
        stdout.contains("signed out of omniverse://127.0.0.1:"),
        "{stdout}"
    );
}

/// `CM_REMEMBER_SIGN_IN=1`: `cm login` keeps the token in the OS credential store, a later
/// `cm ensure` (no terminal, no credential flag) is signed in with it, `cm logout` forgets it.
/// Where no credential store is reachable, `cm login` must say so (and the rest is skipped
/// with a visible message).
#[test]
fn a_remembered_sign_in_serves_later_commands_until_logout() {
    // A process started without a login session (a container, CI) has no session keyring;
    // join a fresh one so the `cm` processes below share it, as a user's terminal session would.
    #[cfg(target_os = "linux")]
    // SAFETY: KEYCTL_JOIN_SESSION_KEYRING (1) with a null name creates an anonymous session
    // keyring for this (test) process; no memory is passed.
    unsafe {
        libc::syscall(libc::SYS_keyctl, 1, std::ptr::null::<libc::c_char>());
    }
    let server = server();
    let sandbox = Sandbox::new();
    let remember = [("CM_REMEMBER_SIGN_IN", OsStr::new("1"))];
    let mut cm = Running::start(
        &sandbox,
        &["login", &server.storage_url(), "--no-browser"],
        &remember,
    );
    let link = link_in(&cm.line_with("/auth/authorize?"));
    sign_in_as(&link, "alice", "secret");
    let (code, stdout, stderr) = cm.finish();
    assert_eq!(code, 0, "{stderr}");
    if stderr.contains("the sign-in is not remembered") {
        assert!(
            stderr.contains("no OS credential store is reachable")
                && stderr.contains("nothing was written to a file"),
            "{stderr}"
        );
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED the rest of a_remembered_sign_in_serves_later_commands_until_logout: {stderr}"
        );
        return;
    }
    assert!(stdout.contains("remembered the sign-in"), "{stdout}");
    let ensure = |expect_ok: bool| {
        let mut cmd = sandbox.cm(&["ensure", &server.storage_url(), "--timeout", "20"]);
        cmd.env("CM_REMEMBER_SIGN_IN", "1");
        let out = cmd.output().unwrap();
        assert_eq!(
            out.status.success(),
            expect_ok,
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    ensure(true);
    // Off by default: without the setting the remembered token is not used.
    let out = sandbox.run(&["ensure", &server.storage_url(), "--timeout", "20"]);
    assert_eq!(out.status.code(), Some(1));
    let mut logout = sandbox.cm(&["logout", &server.storage_url()]);
    logout.env("CM_REMEMBER_SIGN_IN", "1");
    let out = logout.output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("forgot the remembered sign-in"),
        "{out:?}"
    );
    ensure(false);
    // The token was signed out on the server, not only forgotten here.
    let tokens: Vec<String> = server
        .controls()
        .requests()
        .into_iter()
        .filter_map(|r| r.bearer_token)
        .collect();
    assert!(!tokens.is_empty());
    assert!(server.controls().request_count(Endpoint::SignOut) >= 1);
    for token in tokens {
        let status = runtime().block_on(async {
            reqwest::Client::new()
                .get(format!("{}/stat?path=/", server.url()))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
        assert_eq!(status, 401, "a remembered token outlived cm logout");
    }
    // Nothing of it reached the config file.
    assert!(!sandbox.text().contains("cmt-"), "{}", sandbox.text());
}

/// `cm ensure` at a terminal (a pty from util-linux `script`) without credential flags runs the
/// browser sign-in: `$BROWSER` here is a script that hands the URL to the test, which signs in
/// as the user agent.
#[test]
fn ensure_at_a_terminal_signs_in_through_the_browser() {
    let Some(script_tool) = ["/usr/bin/script", "/bin/script"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
    else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED ensure_at_a_terminal_signs_in_through_the_browser: util-linux `script` (a pty) is not installed"
        );
        return;
    };
    let server = server();
    let sandbox = Sandbox::new();
    let opened = sandbox.dir.path().join("opened-url");
    let browser = sandbox.dir.path().join("record-url");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", opened.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    let cm = assert_cmd::cargo::cargo_bin("cm");
    let command_line = format!(
        "'{}' --config '{}' ensure '{}' --timeout 60",
        cm.display(),
        sandbox.config().display(),
        server.storage_url()
    );
    let child = Command::new(script_tool)
        .args(["-qec", &command_line, "/dev/null"])
        .env("BROWSER", &browser)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait::until(wait::DEADLINE, "the browser to be opened", || {
        std::fs::read_to_string(&opened).is_ok_and(|url| url.contains("/auth/authorize?"))
    });
    let url = std::fs::read_to_string(&opened).unwrap();
    assert_eq!(sign_in_as(&url, "alice", "secret"), 200);
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("opened your browser to sign in to omniverse://127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains("reachable"), "{text}");
}

// ---- the real browser ---------------------------------------------------------------------------

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| {
            std::env::var_os("PATH")
                .map(|path| {
                    std::env::split_paths(&path)
                        .map(|dir| dir.join(name))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .find(|candidate: &PathBuf| candidate.is_file())
}

/// `$BROWSER` for the run: a script that starts headless Chromium on the URL with a new, empty
/// profile and records its pid (so the test can end the browser it started).
fn browser_script(dir: &Path, chromium: &Path) -> PathBuf {
    let script = dir.join("headless-browser");
    let profile = dir.join("profile");
    let pid = dir.join("browser.pid");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho $$ > '{pid}'\nexec '{chromium}' --headless --no-sandbox --disable-gpu \
             --disable-quic --no-first-run --disable-background-networking \
             --disable-component-update --disable-sync --user-data-dir='{profile}' \"$1\" \
             >'{log}' 2>&1\n",
            pid = pid.display(),
            chromium = chromium.display(),
            profile = profile.display(),
            log = dir.join("browser.log").display(),
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

/// The whole flow in a real browser: `cm login` opens headless Chromium (as `$BROWSER`) on the
/// testkit's sign-in page; the page is rendered and its pre-filled form submits itself
/// (`Controls::set_auto_submit`: the browser itself performs the POST and follows the 303 to
/// cm's loopback listener); `cm` exchanges the code and exits 0.
#[test]
fn a_real_headless_chromium_signs_in() {
    let Some(chromium) = chromium() else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED a_real_headless_chromium_signs_in: Chromium is not installed \
             (.ci/run installs Debian's `chromium`; apt-get install chromium)"
        );
        return;
    };
    let server = server();
    server.controls().set_auto_submit(Some(("alice", "secret")));
    let sandbox = Sandbox::new();
    let script = browser_script(sandbox.dir.path(), &chromium);
    let cm = Running::start(
        &sandbox,
        &["login", &server.storage_url(), "--timeout", "120"],
        &[("BROWSER", script.as_os_str())],
    );
    let (code, stdout, stderr) = cm.finish();
    let pid_file = sandbox.dir.path().join("browser.pid");
    if let Some(pid) = std::fs::read_to_string(&pid_file)
        .ok()
        .and_then(|text| text.trim().parse::<libc::pid_t>().ok())
    {
        // SAFETY: ending the browser this test started.
        unsafe { libc::kill(pid, libc::SIGTERM) };
    }
    let log = std::fs::read_to_string(sandbox.dir.path().join("browser.log")).unwrap_or_default();
    assert_eq!(code, 0, "cm: {stderr}\nchromium: {log}");
    assert!(
        stderr.contains("opened your browser to sign in to"),
        "{stderr}"
    );
    assert!(stdout.contains("signed in to"), "{stdout}");
    let requests = server.controls().requests();
    // Chromium rendered the page (GET) and submitted the form (POST).
    for method in ["GET", "POST"] {
        assert!(
            requests
                .iter()
                .any(|r| r.endpoint == Endpoint::Authorize && r.method == method),
            "no {method} /auth/authorize from the browser: {requests:?}"
        );
    }
}
