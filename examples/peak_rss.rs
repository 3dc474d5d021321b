//! Peak memory of a large but plausible state: a manager whose `omniverse.toml` holds 10 000
//! bookmarks and 1 000 servers, and 100 000 observers spread over 10 000 event names.
//!
//! Prints one line of JSON with the peak resident set size (`VmHWM` from
//! `/proc/self/status`), the resident size before anything was built, and the peak once the
//! manager had loaded the file (before the observers), in bytes. `cargo xtask
//! bench` runs it (release profile) and reports `system/peak_rss`:
//!
//! ```text
//! cargo run --release --example peak_rss
//! {"peak_rss_bytes":…,"baseline_rss_bytes":…,"registry_peak_rss_bytes":…,"bookmarks":10000,…}
//! ```
//!
//! Linux only (other systems print `null` figures).

use std::fmt::Write as _;

use connection_manager::events::{Dispatcher, EventName, ObserverGuard, Payload};
use connection_manager::manager::{ManagerConfig, ManagerHandle};
use connection_manager::registry::RegistryConfig;

const BOOKMARKS: usize = 10_000;
const SERVERS: usize = 1_000;
const OBSERVERS: usize = 100_000;
const EVENT_NAMES: usize = 10_000;

/// A field of `/proc/self/status` in bytes (`VmHWM: 1234 kB`).
fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn config_text() -> String {
    let mut text = String::from("[bookmarks]\n");
    for i in 0..BOOKMARKS {
        let _ = writeln!(
            text,
            "\"Bookmark {i}\" = \"omniverse://server-{}.example.com/Projects/p{i}/\"",
            i % SERVERS
        );
    }
    text.push_str("\n[servers]\n");
    for i in 0..SERVERS {
        let _ = writeln!(
            text,
            "\"omniverse://server-{i}.example.com\" = \"Server {i}\""
        );
    }
    text
}

fn json(value: Option<u64>) -> String {
    value.map_or_else(|| "null".to_owned(), |v| v.to_string())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let baseline = status_bytes("VmRSS:");

    let dir = tempfile::tempdir()?;
    let path = dir.path().join("omniverse.toml");
    std::fs::write(&path, config_text())?;

    let dispatcher = Dispatcher::new();
    let manager = ManagerHandle::start(
        ManagerConfig::new(RegistryConfig::new(&path).discovery(false))
            .dispatcher(dispatcher.clone()),
    )?;
    let snapshot = manager.registry().snapshot();
    if snapshot.bookmarks().len() != BOOKMARKS || snapshot.manual_servers().len() != SERVERS {
        return Err(format!(
            "expected {BOOKMARKS} bookmarks and {SERVERS} servers, loaded {} and {}",
            snapshot.bookmarks().len(),
            snapshot.manual_servers().len()
        )
        .into());
    }

    let after_registry = status_bytes("VmHWM:");

    let names: Vec<EventName> = (0..EVENT_NAMES)
        .map(|i| EventName::new(&format!("bench.peak_rss:{i}")))
        .collect();
    let guards: Vec<ObserverGuard> = (0..OBSERVERS)
        .map(|i| {
            dispatcher.observe("peak_rss", 0, names[i % EVENT_NAMES], None, |e| {
                std::hint::black_box(e);
            })
        })
        .collect();
    // Touch every list once, as a running application would.
    let empty = Payload::new();
    let called: usize = names
        .iter()
        .map(|n| dispatcher.dispatch_event(*n, &empty))
        .sum();
    if called != OBSERVERS {
        return Err(format!("expected {OBSERVERS} observer calls, made {called}").into());
    }

    println!(
        "{{\"peak_rss_bytes\":{},\"baseline_rss_bytes\":{},\"registry_peak_rss_bytes\":{},\"bookmarks\":{BOOKMARKS},\"servers\":{SERVERS},\"observers\":{OBSERVERS}}}",
        json(status_bytes("VmHWM:")),
        json(baseline),
        json(after_registry),
    );
    drop(guards);
    manager.shutdown();
    Ok(())
}
