//! The `cm-testkit` binary prints its address and serves the protocol.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (KillOnDrop, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cm-testkit"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    (KillOnDrop(child), line)
}

#[tokio::test]
async fn json_flag_prints_machine_readable_addresses() {
    let (_child, line) = spawn(&["--json", "--storage-address", "omniverse://elsewhere/"]);
    let info: serde_json::Value = serde_json::from_str(&line).unwrap();
    let discovery_url = info["discovery_url"].as_str().unwrap();
    let port = info["port"].as_u64().unwrap();
    assert_eq!(
        info["storage_url"].as_str().unwrap(),
        format!("omniverse://127.0.0.1:{port}/")
    );
    let body: serde_json::Value = reqwest::get(discovery_url)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["storage"][0]["url"], "omniverse://elsewhere/");
}

#[tokio::test]
async fn plain_output_and_fault_flags() {
    let (_child, line) = spawn(&[
        "--fault-endpoint",
        "discovery",
        "--fail-status",
        "503",
        "--fault-count",
        "1",
    ]);
    let url = line
        .trim()
        .strip_prefix("cm-testkit listening on ")
        .unwrap()
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"));
    let first = reqwest::get(format!("{url}/discovery")).await.unwrap();
    assert_eq!(first.status(), 503);
    let second = reqwest::get(format!("{url}/discovery")).await.unwrap();
    assert_eq!(second.status(), 200);
}
