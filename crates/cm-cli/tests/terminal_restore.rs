//! The terminal is given back when a signal ends `cm` at the hidden `Password:` prompt (issue 18
//! attack finding 1): echo and canonical mode are on again after Ctrl-C or SIGTERM, checked on
//! the real pseudo-terminal `cm` ran on (rexpect), and the sign-in prompt's lines are real lines
//! (finding 16: no literal `\u{a}`).
#![cfg(unix)]

mod common;

use std::os::fd::AsRawFd as _;
use std::process::Command;

use cm_testkit::{TestServer, TestServerConfig};
use common::Sandbox;
use rexpect::process::WaitStatus;

const DEADLINE_MS: u64 = 60_000;

/// The settings of the terminal `cm` runs on (read through the pty master, which Linux and
/// macOS answer for the terminal side).
fn termios(cm: &rexpect::session::PtySession) -> libc::termios {
    let master = cm.process().get_file_handle().unwrap();
    // SAFETY: termios is plain data; tcgetattr fills it.
    let mut termios: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: an open pty master and a valid termios to fill.
    let read = unsafe { libc::tcgetattr(master.as_raw_fd(), &mut termios) };
    assert_eq!(read, 0);
    termios
}

fn local_flags(cm: &rexpect::session::PtySession) -> libc::tcflag_t {
    termios(cm).c_lflag
}

fn turn_echo_on(cm: &rexpect::session::PtySession) {
    let master = cm.process().get_file_handle().unwrap();
    let mut settings = termios(cm);
    settings.c_lflag |= libc::ECHO | libc::ICANON;
    // SAFETY: a valid termios on an open pty master (it sets the terminal's side).
    let set = unsafe { libc::tcsetattr(master.as_raw_fd(), libc::TCSANOW, &settings) };
    assert_eq!(set, 0);
}

fn cm_on_a_terminal(sandbox: &Sandbox, args: &[&str]) -> rexpect::session::PtySession {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cm"));
    command
        .env_remove("OMNI_CONFIG_PATH")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .arg("--config")
        .arg(sandbox.config())
        .args(args);
    rexpect::session::spawn_command(command, Some(DEADLINE_MS)).unwrap()
}

/// `cm ensure` on a terminal, stopped at the hidden `Password:` question with echo off.
fn cm_at_the_password_prompt(
    server: &TestServer,
    sandbox: &Sandbox,
) -> rexpect::session::PtySession {
    let mut cm = cm_on_a_terminal(sandbox, &["ensure", &server.storage_url()]);
    let before = cm.exp_string("User (empty for a token): ").unwrap();
    // rexpect starts the terminal without echo (before exec); a person's shell has it on.
    turn_echo_on(&cm);
    assert!(before.contains("asks for a sign-in"), "{before:?}");
    assert!(
        !before.contains("\\u{"),
        "the prompt's line end is a line end, not an escape: {before:?}"
    );
    cm.send_line("alice").unwrap();
    cm.exp_string("Password: ").unwrap();
    // The prompt is up once echo is off (the question is written just before; echo was on).
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(DEADLINE_MS);
    while local_flags(&cm) & libc::ECHO != 0 {
        assert!(std::time::Instant::now() < deadline, "echo never went off");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    cm
}

fn server() -> TestServer {
    TestServer::start(
        TestServerConfig::default()
            .with_user("alice", "secret")
            .with_required_token(true),
    )
    .unwrap()
}

#[test]
fn ctrl_c_at_the_password_prompt_gives_the_terminal_back() {
    let server = server();
    let sandbox = Sandbox::new();
    let mut cm = cm_at_the_password_prompt(&server, &sandbox);
    cm.send_control('c').unwrap();
    let status = cm.process().wait().unwrap();
    assert!(
        matches!(
            status,
            WaitStatus::Signaled(_, rexpect::process::Signal::SIGINT, _)
        ),
        "cm still ends as Ctrl-C says: {status:?}"
    );
    let flags = local_flags(&cm);
    assert_ne!(flags & libc::ECHO, 0, "echo is back on");
    assert_ne!(flags & libc::ICANON, 0, "canonical mode is back on");
}

#[test]
fn sigterm_at_the_password_prompt_gives_the_terminal_back() {
    let server = server();
    let sandbox = Sandbox::new();
    let mut cm = cm_at_the_password_prompt(&server, &sandbox);
    cm.process_mut()
        .signal(rexpect::process::Signal::SIGTERM)
        .unwrap();
    let status = cm.process().wait().unwrap();
    assert!(
        matches!(
            status,
            WaitStatus::Signaled(_, rexpect::process::Signal::SIGTERM, _)
        ),
        "cm still ends as SIGTERM says: {status:?}"
    );
    let flags = local_flags(&cm);
    assert_ne!(flags & libc::ECHO, 0, "echo is back on");
    assert_ne!(flags & libc::ICANON, 0, "canonical mode is back on");
}

/// a18 finding 3: `--timeout` does not run while a person types at the prompt. A right
/// password typed after the nominal deadline is sent and its answer awaited: `reachable`, not
/// `no answer within 1.0 s` after a token was issued.
#[test]
fn time_at_the_prompt_does_not_count_against_the_timeout() {
    let server = server();
    let sandbox = Sandbox::new();
    let mut cm = cm_on_a_terminal(
        &sandbox,
        &["ensure", &server.storage_url(), "--timeout", "1"],
    );
    cm.exp_string("User (empty for a token): ").unwrap();
    // The person takes longer than the whole timeout to answer (the scenario itself, not a
    // wait for a condition).
    std::thread::sleep(std::time::Duration::from_millis(1500));
    cm.send_line("alice").unwrap();
    cm.exp_string("Password: ").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    cm.send_line("secret").unwrap();
    let rest = cm.exp_eof().unwrap();
    assert!(rest.contains("reachable"), "{rest}");
    assert!(!rest.contains("no answer within"), "{rest}");
    assert_eq!(
        server.controls().request_count(cm_testkit::Endpoint::Token),
        1
    );
}

/// a18 finding 19: at `-v` on a terminal, a log line never shares a line with a spinner frame
/// (the spinner is hidden while a line is logged).
#[test]
fn log_lines_do_not_run_into_the_spinner() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let url = server.storage_url();
    server.controls().go_down().unwrap();
    let sandbox = Sandbox::new();
    let mut cm = cm_on_a_terminal(&sandbox, &["-v", "ensure", &url, "--timeout", "3"]);
    let text = cm.exp_eof().unwrap();
    let logged = text.matches(" INFO ").count() + text.matches(" WARN ").count();
    assert!(logged > 0, "-v logs something: {text:?}");
    // rexpect hands over bytes as Latin-1 characters: a braille spinner frame (U+2800..U+28FF,
    // indicatif's default) is the bytes E2 A0..A3 ...
    let frame = |piece: &str| {
        let bytes: Vec<u32> = piece.chars().map(u32::from).collect();
        bytes
            .windows(2)
            .any(|w| w[0] == 0xe2 && (0xa0..=0xa3).contains(&w[1]))
    };
    assert!(frame(&text), "the spinner ran: {text:?}");
    for piece in text.split(['\r', '\n']) {
        let spinner = frame(piece);
        let log = piece.contains(" INFO ") || piece.contains(" WARN ");
        assert!(
            !(spinner && log),
            "a log line ran into a spinner frame: {piece:?}"
        );
    }
}
