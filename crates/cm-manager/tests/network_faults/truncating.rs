//! A loopback HTTP/1.1 server that cuts its answers off mid-body: it promises a
//! `Content-Length`, sends part of the body, and closes the connection. cm-testkit's faults
//! either answer completely or not at all, so this fault needs its own (tiny) server.
//!
//! `GET /info` is answered in full (keep-alive), so the storage client gets past its protocol
//! check; `GET /discovery` and `GET /stat` are cut off.

#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

#[derive(Default)]
struct Shared {
    stop: AtomicBool,
    held: AtomicBool,
    discovery: AtomicU64,
    stat: AtomicU64,
}

/// The running server; dropping it stops it and joins every thread.
pub struct TruncatingServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<Vec<JoinHandle<()>>>>,
}

impl TruncatingServer {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared::default());
        let state = shared.clone();
        let accept = std::thread::spawn(move || {
            let mut connections = Vec::new();
            while !state.stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let state = state.clone();
                        connections.push(std::thread::spawn(move || serve(stream, &state)));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            connections
        });
        Self {
            addr,
            shared,
            accept: Some(accept),
        }
    }

    pub fn discovery_url(&self) -> String {
        format!("http://{}/discovery", self.addr)
    }

    pub fn storage_url(&self) -> String {
        format!("omniverse://{}/", self.addr)
    }

    /// Parks cut-off requests (after counting them) until [`release`](Self::release).
    pub fn hold(&self) {
        self.shared.held.store(true, Ordering::SeqCst);
    }

    pub fn release(&self) {
        self.shared.held.store(false, Ordering::SeqCst);
    }

    pub fn discovery_requests(&self) -> u64 {
        self.shared.discovery.load(Ordering::SeqCst)
    }

    pub fn stat_requests(&self) -> u64 {
        self.shared.stat.load(Ordering::SeqCst)
    }
}

impl Drop for TruncatingServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.release();
        if let Some(accept) = self.accept.take() {
            for connection in accept.join().unwrap() {
                let _ = connection.join();
            }
        }
    }
}

fn serve(stream: TcpStream, state: &Shared) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let Some(path) = read_request(&mut reader, state) else {
            return;
        };
        if path == "/info" {
            let body = r#"{"protocol":"cm-storage","version":1,"auth_required":false}"#;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            if writer.write_all(head.as_bytes()).is_err()
                || writer.write_all(body.as_bytes()).is_err()
            {
                return;
            }
            continue;
        }
        let counter = if path.starts_with("/discovery") {
            &state.discovery
        } else {
            &state.stat
        };
        counter.fetch_add(1, Ordering::SeqCst);
        while state.held.load(Ordering::SeqCst) && !state.stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(5));
        }
        // 200 bytes promised, 16 sent, then the connection closes.
        let _ = writer.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"result\":\"Ok\",",
        );
        let _ = writer.flush();
        let _ = writer.shutdown(std::net::Shutdown::Both);
        return;
    }
}

/// Reads one request head; `None` at EOF, on an error, or when the server stops.
fn read_request(reader: &mut BufReader<TcpStream>, state: &Shared) -> Option<String> {
    let mut path = None;
    let mut line = String::new();
    loop {
        match reader.read_line(&mut line) {
            Ok(0) => return None,
            Ok(_) if !line.ends_with('\n') => continue,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                if state.stop.load(Ordering::SeqCst) {
                    return None;
                }
                continue;
            }
            Err(_) => return None,
        }
        if path.is_none() {
            path = line
                .split_whitespace()
                .nth(1)
                .map(|p| p.split('?').next().unwrap_or(p).to_owned());
        } else if line == "\r\n" {
            return path;
        }
        line.clear();
    }
}
