//! Network faults against the whole stack: the manager (own actix System) with its registry,
//! discovery actors and HTTP storage client, talking to a cm-testkit server that is slow,
//! drops connections, answers 500, sends garbage or a 100 MiB body, asks for a sign-in and
//! then rejects it, or flaps down and up; plus a small raw server whose answers are cut off
//! mid-body (`network_faults/truncating.rs`).
//!
//! For each fault, both halves of the protocol fail at once (a discovery server added to the
//! registry, and `ensure_connection` of the server's storage URL), and the test checks:
//!
//! * responsiveness: while a request is held at the server, snapshot reads and round trips
//!   through the registry's and manager's mailboxes return (within 1 s / 5 s);
//! * statuses: the discovery server's final status carries the specific `DiscoveryError`
//!   (every attempt's error event too), `ensure_connection` the specific `EnsureError` and the
//!   server the specific `ConnectionStatus`;
//! * retries: the requests counted at the server equal what the retry schedule allows
//!   (`rig::expected_attempts`), or the documented sign-in bound for the auth fault;
//! * leaks: threads (`/proc/self/task`), file descriptors (`/proc/self/fd`) and tasks of the
//!   manager's tokio runtime return to their level from before each round (polled, with a
//!   generous deadline) once the round's server is dropped;
//! * memory: the 100 MiB body raises peak RSS (`VmHWM`) by far less than 100 MiB.
//!
//! `CM_STRESS_FAULT_ROUNDS` (default 2) repeats the whole cycle with a fresh server each round,
//! so leaks accumulate. The run ends with one `stress-result: network-faults ...` line, in
//! which `wrong_statuses` counts every failed status, error-kind and retry-count check (each is
//! listed when the test fails); `fault-table:` lines describe what each fault produced.

#[path = "network_faults/probe.rs"]
mod probe;
#[path = "network_faults/rig.rs"]
mod rig;
#[path = "network_faults/truncating.rs"]
mod truncating;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cm_discovery::DiscoveryError;
use cm_manager::{ConnectionStatus, EnsureError, Reachable};
use cm_registry::DiscoveryStatus;
use cm_testkit::{Endpoint, Fault, TestServer, TestServerConfig, Times, wait};
use probe::{Counts, PeakMemory};
use rig::{DEADLINE, Rig};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NetFault {
    Slow,
    Drop,
    Status500,
    Garbage,
    Oversized,
    AuthRejected,
    Flap,
    /// A 200 with a `Content-Length` whose body is cut off by closing the connection.
    Truncated,
}

const FAULTS: [NetFault; 8] = [
    NetFault::Slow,
    NetFault::Drop,
    NetFault::Status500,
    NetFault::Garbage,
    NetFault::Oversized,
    NetFault::AuthRejected,
    NetFault::Flap,
    NetFault::Truncated,
];

const OVERSIZED_BYTES: u64 = 100 << 20;
/// Peak RSS growth allowed while the 100 MiB bodies stream (the clients keep at most 1 MiB).
const MEMORY_LIMIT: u64 = 32 << 20;
/// Sign-in rounds of the HTTP storage client before `AuthFailed` (HttpStorageConfig default).
const MAX_AUTH_ATTEMPTS: u32 = 5;
/// Flapping: this many down/up cycles.
const FLAP_CYCLES: u32 = 6;
const FLAP_DOWN: Duration = Duration::from_millis(120);
const FLAP_UP: Duration = Duration::from_millis(120);

impl NetFault {
    fn name(self) -> &'static str {
        match self {
            NetFault::Slow => "slow",
            NetFault::Drop => "drop",
            NetFault::Status500 => "http-500",
            NetFault::Garbage => "garbage",
            NetFault::Oversized => "100MiB-body",
            NetFault::AuthRejected => "auth-rejected",
            NetFault::Flap => "flap",
            NetFault::Truncated => "truncated-body",
        }
    }
}

/// What the whole run found.
#[derive(Default)]
struct Tally {
    slow_reads: usize,
    wrong: Vec<String>,
    leaked: Vec<(usize, Counts)>,
    /// First-round description of each fault, for the table printed at the end.
    rows: Vec<String>,
}

impl Tally {
    fn expect(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.wrong.push(what());
        }
    }
}

/// What the discovery server's final error must say.
enum Reason {
    Exact(String),
    Prefix(String),
}

impl Reason {
    fn matches(&self, reason: &str) -> bool {
        match self {
            Reason::Exact(want) => reason == want,
            Reason::Prefix(want) => reason.starts_with(want.as_str()),
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::Exact(want) => write!(f, "{want:?}"),
            Reason::Prefix(want) => write!(f, "{want:?}…"),
        }
    }
}

fn rounds() -> usize {
    std::env::var("CM_STRESS_FAULT_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(2)
}

fn start_server() -> TestServer {
    TestServer::start(
        TestServerConfig::default()
            .with_user(rig::USER, rig::PASSWORD)
            // Discovery must not list this server's storage URL: the storage half would then
            // wait for discovery instead of connecting.
            .with_storage_addresses(["omniverse://discovered.invalid/"]),
    )
    .unwrap()
}

#[test]
fn network_faults_keep_the_manager_responsive_with_exact_statuses_retries_and_no_leaks() {
    let started = Instant::now();
    let rounds = rounds();
    // The schedule the counts below are checked against (see `rig::policy`).
    assert_eq!(rig::expected_attempts(rig::policy(), Duration::ZERO), 6);
    assert_eq!(
        rig::expected_attempts(rig::policy(), rig::CLIENT_TIMEOUT),
        2
    );
    let rig = Rig::start();
    warm_up(&rig);
    let mut tally = Tally::default();
    for round in 0..rounds {
        let baseline = Counts::now(&rig.runtime);
        let server = start_server();
        for fault in FAULTS {
            let row = if fault == NetFault::Flap {
                run_flap(&rig, &server, round, &mut tally)
            } else if fault == NetFault::Truncated {
                run_truncated(&rig, round, &mut tally)
            } else {
                run_fault(&rig, &server, fault, round, &mut tally)
            };
            if round == 0 {
                tally.rows.push(row);
            }
        }
        drop(server);
        let after = probe::settle(&rig.runtime, &baseline, DEADLINE);
        let excess = after.excess_over(&baseline);
        println!(
            "leak-check: round {round}: before threads={} fds={} tasks={}, after threads={} fds={} tasks={}",
            baseline.threads, baseline.fds, baseline.tasks, after.threads, after.fds, after.tasks
        );
        tally.leaked.push((round, excess));
    }
    rig.manager.shutdown();

    for row in &tally.rows {
        println!("fault-table: {row}");
    }
    let leaked = |f: fn(&Counts) -> usize| tally.leaked.iter().map(|(_, c)| f(c)).sum::<usize>();
    let (threads, fds, tasks) = (
        leaked(|c| c.threads),
        leaked(|c| c.fds),
        leaked(|c| c.tasks),
    );
    println!(
        "network-faults: {rounds} round(s) in {:?}",
        started.elapsed()
    );
    println!(
        "stress-result: network-faults rounds={rounds} faults={} slow_snapshot_reads={} wrong_statuses={} leaked_threads={threads} leaked_fds={fds} leaked_tasks={tasks}",
        FAULTS.len(),
        tally.slow_reads,
        tally.wrong.len(),
    );
    assert!(
        tally.wrong.is_empty(),
        "wrong outcomes:\n{}",
        tally.wrong.join("\n")
    );
    assert_eq!(
        tally.slow_reads, 0,
        "reads were slow while a fault was in progress"
    );
    assert_eq!(
        (threads, fds, tasks),
        (0, 0, 0),
        "leaks per round: {:?}",
        tally.leaked
    );
}

/// One success of each half, so that whatever is created once per process (pools, lazily
/// started threads) exists before the first baseline.
fn warm_up(rig: &Rig) {
    let server = start_server();
    let id = rig.add_discovery("warm-up", &server.discovery_url());
    assert_eq!(rig.wait_settled(id), DiscoveryStatus::Ready);
    let url = format!("{}warm-up.usd", server.storage_url());
    assert!(matches!(
        rig.manager.ensure_connection_blocking(&url),
        Ok(Reachable::Connected { .. })
    ));
    rig.remove_discovery(id);
    let _ = rig.responsive_reads(&url, usize::MAX);
    drop(server);
}

/// Sets `fault` on the discovery and stat endpoints.
fn inject(server: &TestServer, fault: NetFault) {
    let c = server.controls();
    let both = |fault: Fault| {
        c.inject(Endpoint::Discovery, fault.clone(), Times::Always);
        c.inject(Endpoint::Stat, fault, Times::Always);
    };
    match fault {
        NetFault::Slow => {
            c.set_latency(Endpoint::Discovery, rig::SLOW_LATENCY);
            c.set_latency(Endpoint::Stat, rig::SLOW_LATENCY);
        }
        NetFault::Drop => both(Fault::Drop),
        NetFault::Status500 => both(Fault::Status(500)),
        NetFault::Garbage => both(Fault::MalformedBody),
        NetFault::Oversized => both(Fault::OversizedBody {
            bytes: OVERSIZED_BYTES,
        }),
        NetFault::AuthRejected => {
            // Sign-in works (the token endpoint issues tokens), but every stat is refused.
            c.set_require_token(true);
            both(Fault::Status(401));
        }
        NetFault::Flap | NetFault::Truncated => {}
    }
}

/// The final discovery error the fault must produce, and the attempts the schedule allows.
fn discovery_expectation(fault: NetFault, url: &str) -> (Reason, u32) {
    let url = url.to_owned();
    let fast = rig::expected_attempts(rig::policy(), Duration::ZERO);
    match fault {
        NetFault::Slow => (
            Reason::Exact(
                DiscoveryError::Timeout {
                    url,
                    after: rig::CLIENT_TIMEOUT,
                }
                .to_string(),
            ),
            rig::expected_attempts(rig::policy(), rig::CLIENT_TIMEOUT),
        ),
        NetFault::Drop => (
            Reason::Prefix(format!("discovery request to {url} failed: ")),
            fast,
        ),
        NetFault::Status500 => (
            Reason::Exact(DiscoveryError::Status { url, status: 500 }.to_string()),
            fast,
        ),
        NetFault::Garbage => (
            Reason::Prefix(format!(
                "discovery response from {url} is not a valid discovery document: "
            )),
            1,
        ),
        NetFault::Oversized => (
            Reason::Exact(
                DiscoveryError::TooLarge {
                    url,
                    limit: 1 << 20,
                }
                .to_string(),
            ),
            1,
        ),
        NetFault::AuthRejected => (
            Reason::Exact(DiscoveryError::Status { url, status: 401 }.to_string()),
            1,
        ),
        NetFault::Flap | NetFault::Truncated => unreachable!("has its own checks"),
    }
}

/// Whether an `ensure_connection` outcome is the one wanted, given the attempts wanted.
type OutcomeCheck = fn(&Result<Reachable, EnsureError>, u32) -> bool;
/// The outcome check, the status it must leave, and the stat requests allowed.
type StorageExpectation = (OutcomeCheck, ConnectionStatus, u32);

/// Whether the storage outcome is the specific one the fault must produce, the status it
/// must leave, and the stat requests the schedule (or the sign-in bound) allows.
fn storage_expectation(fault: NetFault) -> StorageExpectation {
    let fast = rig::expected_attempts(rig::policy(), Duration::ZERO);
    fn unreachable_with(
        result: &Result<Reachable, EnsureError>,
        attempts: u32,
        prefix: &str,
    ) -> bool {
        matches!(result, Err(EnsureError::Unreachable { attempts: a, reason, .. })
            if *a == attempts && reason.starts_with(prefix))
    }
    match fault {
        NetFault::Slow => (
            |r, n| unreachable_with(r, n, "ErrorTimeout: "),
            ConnectionStatus::ConnectError,
            rig::expected_attempts(rig::policy(), rig::CLIENT_TIMEOUT),
        ),
        NetFault::Drop => (
            |r, n| unreachable_with(r, n, "Connection: "),
            ConnectionStatus::ConnectError,
            fast,
        ),
        NetFault::Status500 => (
            |r, n| {
                unreachable_with(r, n, "Connection: ")
                    && matches!(r, Err(EnsureError::Unreachable { reason, .. }) if reason.contains("500"))
            },
            ConnectionStatus::ConnectError,
            fast,
        ),
        NetFault::Garbage | NetFault::Oversized => (
            |r, _| matches!(r, Err(EnsureError::ServerIncompatible { .. })),
            ConnectionStatus::ServerIncompatible,
            1,
        ),
        NetFault::AuthRejected => (
            |r, _| {
                matches!(r, Err(EnsureError::AuthFailed { reason, .. })
                    if reason.contains(&format!("rejected {MAX_AUTH_ATTEMPTS} times")))
            },
            ConnectionStatus::AuthFailed,
            MAX_AUTH_ATTEMPTS + 1,
        ),
        NetFault::Flap | NetFault::Truncated => unreachable!("has its own checks"),
    }
}

/// One fault other than flapping; returns its table row.
fn run_fault(
    rig: &Rig,
    server: &TestServer,
    fault: NetFault,
    round: usize,
    tally: &mut Tally,
) -> String {
    let c = server.controls();
    c.clear_faults();
    c.set_require_token(false);
    c.reset_counters();
    inject(server, fault);
    // Park the first request of each half so that reads happen with it in flight.
    c.hold(Endpoint::Discovery);
    c.hold(Endpoint::Stat);
    let memory = PeakMemory::start();
    let events_from = rig.discovery_event_count();
    let asks_before = rig.auth_asks.load(Ordering::SeqCst);
    let name = fault.name();

    let id = rig.add_discovery(&format!("{name}-{round}"), &server.discovery_url());
    // Every fault uses the same server root; each starts from the status the last one left
    // (a failure or SignedOut), from which a new attempt may always start.
    let storage_url = format!("{}Projects/{name}-{round}.usd", server.storage_url());
    let manager = rig.manager.clone();
    let url = storage_url.clone();
    let storage = std::thread::spawn(move || {
        let t = Instant::now();
        let result = manager.ensure_connection_blocking(&url);
        (result, t.elapsed())
    });

    c.wait_for_requests_blocking(Endpoint::Discovery, 1, DEADLINE)
        .unwrap();
    c.wait_for_requests_blocking(Endpoint::Stat, 1, DEADLINE)
        .unwrap();
    let in_flight = rig.discovery_status(id);
    tally.expect(in_flight == Some(DiscoveryStatus::Discovering), || {
        format!("{name}: discovery status while a request is held: {in_flight:?}")
    });
    let connecting = rig.manager.connection_status(&storage_url);
    tally.expect(connecting == Some(ConnectionStatus::Connecting), || {
        format!("{name}: storage status while a request is held: {connecting:?}")
    });
    tally.slow_reads += rig.responsive_reads(&storage_url, round);
    c.release(Endpoint::Discovery);
    c.release(Endpoint::Stat);

    let (result, storage_took) = storage.join().unwrap();
    let discovery = rig.wait_settled(id);
    let growth = memory.growth_bytes();

    // Discovery: final status, every attempt's error, attempts at the server.
    let (reason, discovery_attempts) = discovery_expectation(fault, &rig.discovery_error_url(id));
    let final_reason = expect_discovery_failed(
        tally,
        rig,
        name,
        &discovery,
        &reason,
        discovery_attempts,
        events_from,
    );
    let discovery_requests = c.request_count(Endpoint::Discovery);
    tally.expect(u64::from(discovery_attempts) == discovery_requests, || {
        format!(
            "{name}: {discovery_requests} discovery requests, schedule allows {discovery_attempts}"
        )
    });

    // Storage: the specific error, the status left behind, stat requests at the server.
    let (storage_ok, storage_status, stat_attempts) = storage_expectation(fault);
    tally.expect(storage_ok(&result, stat_attempts), || {
        format!("{name}: ensure_connection answered {result:?}")
    });
    let status = rig.manager.connection_status(&storage_url);
    tally.expect(status == Some(storage_status), || {
        format!("{name}: storage status {status:?}, want {storage_status:?}")
    });
    let stats = c.request_count(Endpoint::Stat);
    tally.expect(stats == u64::from(stat_attempts), || {
        format!("{name}: {stats} stat requests, want {stat_attempts}")
    });
    let mut extra = String::new();
    if fault == NetFault::AuthRejected {
        let tokens = c.request_count(Endpoint::Token);
        let asks = rig.auth_asks.load(Ordering::SeqCst) - asks_before;
        tally.expect(
            tokens == u64::from(MAX_AUTH_ATTEMPTS) && asks == MAX_AUTH_ATTEMPTS,
            || format!("{name}: {tokens} sign-ins, {asks} callback questions, want {MAX_AUTH_ATTEMPTS} each"),
        );
        extra = format!(", {tokens} sign-ins");
    }
    if fault == NetFault::Oversized {
        tally.expect(growth < MEMORY_LIMIT, || {
            format!("{name}: peak RSS grew {growth} bytes while streaming 100 MiB bodies")
        });
        extra = format!(", peak RSS +{} KiB", growth / 1024);
    }

    rig.remove_discovery(id);
    // A removed server's actor is stopped: no request arrives after its removal.
    let settled_requests = c.request_count(Endpoint::Discovery);
    c.clear_faults();
    rig.wait(
        "registry round trip",
        rig.manager.registry().synced_snapshot(),
    )
    .unwrap();
    tally.expect(
        c.request_count(Endpoint::Discovery) == settled_requests,
        || format!("{name}: discovery requests after the server was removed"),
    );

    format!(
        "{name}: discovery {} after {discovery_requests}/{discovery_attempts} requests; storage {} ({:?}) after {stats}/{stat_attempts} stats in {storage_took:.1?}{extra}",
        final_reason.as_deref().map(kind_of).unwrap_or("?"),
        short(&result),
        status.unwrap_or(ConnectionStatus::Disconnected),
    )
}

/// The server goes down and up repeatedly (a background thread) while discovery retries and
/// `reconnect` runs again and again; then it stays up and both halves must recover.
fn run_flap(rig: &Rig, server: &TestServer, round: usize, tally: &mut Tally) -> String {
    let c = server.controls();
    c.clear_faults();
    c.set_require_token(false);
    c.reset_counters();
    let name = NetFault::Flap.name();
    let max_attempts = rig::expected_attempts(rig::policy(), Duration::ZERO);
    let events_from = rig.discovery_event_count();
    let storage_url = format!("{}Projects/{name}-{round}.usd", server.storage_url());

    let flapping = Arc::new(AtomicBool::new(true));
    let flapper = {
        let c = c.clone();
        let flapping = flapping.clone();
        std::thread::spawn(move || {
            for _ in 0..FLAP_CYCLES {
                c.go_down().unwrap();
                std::thread::sleep(FLAP_DOWN);
                c.go_up().unwrap();
                std::thread::sleep(FLAP_UP);
            }
            flapping.store(false, Ordering::SeqCst);
        })
    };
    let id = rig.add_discovery(&format!("{name}-{round}"), &server.discovery_url());
    let mut outcomes = Vec::new();
    while flapping.load(Ordering::SeqCst) {
        tally.slow_reads += rig.responsive_reads(&storage_url, round);
        let outcome = rig.wait("reconnect", rig.manager.reconnect_detailed(&storage_url));
        let fine = match &outcome {
            Ok(Reachable::Connected { attempts }) => *attempts <= max_attempts,
            Err(EnsureError::Unreachable {
                attempts, reason, ..
            }) => {
                *attempts <= max_attempts
                    && (reason.starts_with("Connection: ") || reason.starts_with("ErrorTimeout: "))
            }
            _ => false,
        };
        tally.expect(fine, || {
            format!("{name}: reconnect while flapping answered {outcome:?}")
        });
        outcomes.push(outcome);
    }
    flapper.join().unwrap();

    // Up for good: discovery (refreshed in case it gave up) and storage recover.
    rig.wait(
        "refresh_discovery",
        rig.manager.registry().refresh_discovery(Some(id)),
    )
    .unwrap();
    let discovery = rig.wait_settled(id);
    tally.expect(discovery == DiscoveryStatus::Ready, || {
        format!("{name}: discovery after the server stayed up: {discovery:?}")
    });
    let url = rig.discovery_error_url(id);
    let allowed = [
        format!("could not connect to discovery server {url}: "),
        format!("discovery request to {url} failed: "),
        DiscoveryError::Timeout {
            url: url.clone(),
            after: rig::CLIENT_TIMEOUT,
        }
        .to_string(),
    ];
    let errors = rig.discovery_errors_since(events_from);
    for error in &errors {
        tally.expect(
            allowed.iter().any(|a| error.starts_with(a.as_str())),
            || format!("{name}: discovery error while flapping: {error}"),
        );
    }
    let last = rig.wait("reconnect", rig.manager.reconnect_detailed(&storage_url));
    tally.expect(last == Ok(Reachable::Connected { attempts: 1 }), || {
        format!("{name}: reconnect after the server stayed up: {last:?}")
    });
    let status = rig.manager.connection_status(&storage_url);
    tally.expect(status == Some(ConnectionStatus::Connected), || {
        format!("{name}: storage status after recovery {status:?}")
    });
    // Every attempt that reached the server was counted by some outcome.
    let attempts: u32 = outcomes
        .iter()
        .map(|o| match o {
            Ok(Reachable::Connected { attempts }) => *attempts,
            Err(EnsureError::Unreachable { attempts, .. }) => *attempts,
            _ => 0,
        })
        .sum::<u32>()
        + 1;
    let stats = c.request_count(Endpoint::Stat);
    tally.expect(stats <= u64::from(attempts), || {
        format!("{name}: {stats} stat requests for {attempts} attempts")
    });
    rig.remove_discovery(id);
    let _ = rig.wait("sign out", rig.manager.disconnect(&storage_url));

    let connected = outcomes.iter().filter(|o| o.is_ok()).count();
    let retried = outcomes
        .iter()
        .filter(|o| !matches!(o, Ok(Reachable::Connected { attempts: 1 })))
        .count();
    format!(
        "{name}: {} reconnects while flapping ({connected} connected, {retried} needed retries or failed, each <= {max_attempts} attempts), {} discovery errors (connect/transport/timeout only), {stats} stats <= {attempts} attempts; then discovery ready, storage Connected",
        outcomes.len(),
        errors.len(),
    )
}

/// The body of a 200 is cut off mid-way (connection closed): a transport failure, retried on
/// the schedule by both halves, never mistaken for an incompatible server.
fn run_truncated(rig: &Rig, round: usize, tally: &mut Tally) -> String {
    let name = NetFault::Truncated.name();
    let server = truncating::TruncatingServer::start();
    let fast = rig::expected_attempts(rig::policy(), Duration::ZERO);
    let events_from = rig.discovery_event_count();
    server.hold();
    let id = rig.add_discovery(&format!("{name}-{round}"), &server.discovery_url());
    let storage_url = format!("{}Projects/{name}-{round}.usd", server.storage_url());
    let manager = rig.manager.clone();
    let url = storage_url.clone();
    let storage = std::thread::spawn(move || manager.ensure_connection_blocking(&url));
    wait::until(DEADLINE, &format!("{name}: both requests"), || {
        server.discovery_requests() != 0 && server.stat_requests() != 0
    });
    tally.slow_reads += rig.responsive_reads(&storage_url, round);
    server.release();
    let result = storage.join().unwrap();
    let discovery = rig.wait_settled(id);

    let url = rig.discovery_error_url(id);
    let reason = Reason::Prefix(format!("discovery request to {url} failed: "));
    let final_reason =
        expect_discovery_failed(tally, rig, name, &discovery, &reason, fast, events_from);
    let discovery_requests = server.discovery_requests();
    tally.expect(discovery_requests == u64::from(fast), || {
        format!("{name}: {discovery_requests} discovery requests, schedule allows {fast}")
    });
    tally.expect(
        matches!(&result, Err(EnsureError::Unreachable { attempts, reason, .. })
            if *attempts == fast && reason.starts_with("Connection: ")),
        || format!("{name}: ensure_connection answered {result:?}"),
    );
    let status = rig.manager.connection_status(&storage_url);
    tally.expect(status == Some(ConnectionStatus::ConnectError), || {
        format!("{name}: storage status {status:?}, want ConnectError")
    });
    let stats = server.stat_requests();
    tally.expect(stats == u64::from(fast), || {
        format!("{name}: {stats} stat requests, want {fast}")
    });
    rig.remove_discovery(id);
    drop(server);
    format!(
        "{name}: discovery {} after {discovery_requests}/{fast} requests; storage {} ({:?}) after {stats}/{fast} stats",
        final_reason.as_deref().map(kind_of).unwrap_or("?"),
        short(&result),
        status.unwrap_or(ConnectionStatus::Disconnected),
    )
}

/// Checks that discovery settled on `reason` with no retry left, after exactly `attempts`
/// error events (each matching `reason`) since event number `events_from`; returns the final
/// reason, if discovery ended in an error.
fn expect_discovery_failed(
    tally: &mut Tally,
    rig: &Rig,
    name: &str,
    discovery: &DiscoveryStatus,
    reason: &Reason,
    attempts: u32,
    events_from: usize,
) -> Option<String> {
    let final_reason = match discovery {
        DiscoveryStatus::Error {
            reason: got,
            will_retry: false,
        } => Some(got.to_string()),
        _ => None,
    };
    tally.expect(
        final_reason.as_deref().is_some_and(|r| reason.matches(r)),
        || format!("{name}: discovery ended {discovery:?}, want error {reason}"),
    );
    let errors = rig.discovery_errors_since(events_from);
    tally.expect(
        errors.len() == attempts as usize && errors.iter().all(|e| reason.matches(e)),
        || format!("{name}: discovery error events {errors:?}, want {attempts} x {reason}"),
    );
    final_reason
}

fn kind_of(reason: &str) -> &'static str {
    if reason.contains("did not answer within") {
        "Timeout"
    } else if reason.starts_with("discovery request to") {
        "Transport"
    } else if reason.contains("answered HTTP") {
        "Status"
    } else if reason.contains("not a valid discovery document") {
        "Malformed"
    } else if reason.contains("larger than") {
        "TooLarge"
    } else {
        "other"
    }
}

fn short(result: &Result<Reachable, EnsureError>) -> String {
    match result {
        Ok(r) => format!("{r:?}"),
        Err(EnsureError::Unreachable {
            attempts, reason, ..
        }) => format!(
            "Unreachable{{attempts: {attempts}, {}}}",
            reason.split(':').next().unwrap_or("")
        ),
        Err(EnsureError::ServerIncompatible { .. }) => "ServerIncompatible".to_owned(),
        Err(EnsureError::AuthFailed { .. }) => "AuthFailed".to_owned(),
        Err(other) => format!("{other:?}"),
    }
}
