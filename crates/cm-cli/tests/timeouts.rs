//! `--timeout` is the deadline kept: against a raw TCP listener that accepts and never
//! answers, and one that sends headers and then dribbles an endless body, `cm ensure` and
//! `cm reconnect` end (exit 1, "no answer within") at the timeout, not a second later; so
//! does `cm discovery refresh` against a discovery URL on such a listener.
//!
//! The assertion allows 0.5 s over the timeout, for a loaded CI machine; the measured
//! overrun is printed (`cargo test -- --nocapture`) and recorded in docs/RELIABILITY.md.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Sandbox, stdout};

/// How a fake server treats each connection.
#[derive(Clone, Copy, Debug)]
enum Behaviour {
    /// Accepts and never sends a byte.
    Silent,
    /// Sends a 200 with a large Content-Length, then one body byte every 100 ms.
    Dribble,
}

/// A loopback listener serving `behaviour` on every connection until dropped.
struct RawServer {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl RawServer {
    fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let stopped = stopped.clone();
                std::thread::spawn(move || serve(stream, behaviour, &stopped));
            }
        });
        Self { port, stop }
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(mut stream: TcpStream, behaviour: Behaviour, stop: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let mut request = [0u8; 4096];
    let _ = stream.read(&mut request);
    if let Behaviour::Dribble = behaviour {
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 60000\r\n\r\n";
        if stream.write_all(head.as_bytes()).is_err() {
            return;
        }
    }
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        if let Behaviour::Dribble = behaviour
            && stream.write_all(b" ").is_err()
        {
            return;
        }
    }
}

/// Runs `cm COMMAND omniverse://127.0.0.1:PORT/ --timeout SECS --json`; its elapsed time.
fn timed(sandbox: &Sandbox, command: &str, port: u16, secs: u32) -> Duration {
    let url = format!("omniverse://127.0.0.1:{port}/");
    let started = Instant::now();
    let out = sandbox.run(&[command, &url, "--timeout", &secs.to_string(), "--json"]);
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["reachable"], false);
    let reason = value["reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!("no answer within {secs}.0 s")),
        "{reason}"
    );
    elapsed
}

#[test]
fn the_timeout_given_is_the_timeout_kept() {
    let sandbox = Sandbox::new();
    for behaviour in [Behaviour::Silent, Behaviour::Dribble] {
        let server = RawServer::start(behaviour);
        for command in ["ensure", "reconnect"] {
            for secs in [1, 2] {
                let elapsed = timed(&sandbox, command, server.port, secs);
                let limit = Duration::from_secs(u64::from(secs));
                println!(
                    "{behaviour:?} cm {command} --timeout {secs}: {:.3} s (overrun {:+.3} s)",
                    elapsed.as_secs_f64(),
                    elapsed.as_secs_f64() - limit.as_secs_f64()
                );
                assert!(
                    elapsed < limit + Duration::from_millis(500),
                    "{behaviour:?} cm {command} --timeout {secs} took {elapsed:?}"
                );
            }
        }
    }
}

#[test]
fn discovery_refresh_keeps_its_timeout() {
    let sandbox = Sandbox::new();
    for behaviour in [Behaviour::Silent, Behaviour::Dribble] {
        let server = RawServer::start(behaviour);
        let url = format!("http://127.0.0.1:{}/discovery", server.port);
        sandbox.ok(&["discovery", "add", "Slow", &url]);
        let started = Instant::now();
        let out = sandbox.run(&["discovery", "refresh", "--timeout", "1", "--json"]);
        let elapsed = started.elapsed();
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        println!(
            "{behaviour:?} cm discovery refresh --timeout 1: {:.3} s",
            elapsed.as_secs_f64()
        );
        assert!(
            elapsed < Duration::from_millis(1500),
            "{behaviour:?} took {elapsed:?}"
        );
        sandbox.ok(&["discovery", "remove", &url]);
    }
}
