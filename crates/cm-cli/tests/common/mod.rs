//! Helpers shared by the end-to-end tests: run the real `cm` binary against a temp config.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// A temporary directory holding `omniverse.toml`.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A sandbox whose omniverse.toml holds `text`.
    pub fn with_file(text: &str) -> Self {
        let sandbox = Self::new();
        std::fs::write(sandbox.config(), text).unwrap();
        sandbox
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("omniverse.toml")
    }

    pub fn text(&self) -> String {
        std::fs::read_to_string(self.config()).unwrap_or_default()
    }

    /// `cm --config <sandbox>/omniverse.toml ARGS`.
    pub fn cm(&self, args: &[&str]) -> Command {
        let mut cmd = cm_command();
        cmd.arg("--config").arg(self.config()).args(args);
        cmd
    }

    /// Runs `cm ARGS` and returns its output.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cm(args).output().unwrap()
    }

    /// Runs `cm ARGS`, asserts success, returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "cm {args:?} failed with {:?}\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Replaces the sandbox path with `[DIR]`.
    pub fn redact(&self, text: &str) -> String {
        text.replace(&self.dir.path().display().to_string(), "[DIR]")
    }
}

/// The `cm` binary with a clean environment: no colours, no inherited config location.
pub fn cm_command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cm"));
    cmd.env_remove("OMNI_CONFIG_PATH")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        // Tables fit `COLUMNS` when it is set; the tests that want a width set it.
        .env_remove("COLUMNS");
    cmd
}

/// Replaces loopback ports with `[PORT]`.
pub fn redact_ports(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("127.0.0.1:") {
        let (head, tail) = rest.split_at(i + "127.0.0.1:".len());
        out.push_str(head);
        let digits = tail.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 {
            out.push_str("[PORT]");
        }
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn exists(path: &Path) -> bool {
    path.exists()
}
