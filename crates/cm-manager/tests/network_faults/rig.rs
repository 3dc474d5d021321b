//! The manager under test, its settings, and the checks every fault shares: the retry
//! schedule, responsiveness reads, and waits.

#![allow(dead_code, unreachable_pub)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cm_discovery::{HttpDiscoveryClient, HttpDiscoveryConfig, RetryPolicy};
use cm_events::{Dispatcher, ObserverGuard};
use cm_manager::{AuthAnswer, HttpStorageConfig, ManagerConfig, ManagerHandle, Reachable, Secret};
use cm_registry::events::DISCOVERY_SERVER_UPDATED_EVENT;
use cm_registry::{DiscoveryStatus, RegistryConfig, ServerId};

/// Generous: CI is a loaded 2-core machine.
pub const DEADLINE: Duration = Duration::from_secs(30);
/// Client timeout of both the discovery and the storage HTTP clients.
pub const CLIENT_TIMEOUT: Duration = Duration::from_millis(800);
/// Latency of the "slow" fault: well past the client timeout.
pub const SLOW_LATENCY: Duration = Duration::from_millis(2_500);
/// A snapshot read (no actor involved) slower than this counts as slow.
pub const SNAPSHOT_READ_LIMIT: Duration = Duration::from_secs(1);
/// An actor round trip (registry or manager mailbox) slower than this counts as slow.
pub const ROUND_TRIP_LIMIT: Duration = Duration::from_secs(5);
pub const USER: &str = "alice";
pub const PASSWORD: &str = "flap-Pa55word";

/// The retry schedule of both discovery and storage: base 30 ms, no jitter, budget 1.5 s.
/// Delays 30, 120, 270, 480 ms (retries start at 30, 150, 420, 900 ms) then a 5th cut to the
/// 600 ms left: 6 attempts when attempts are instant. Every decision before the cut happens at
/// least 600 ms before the budget ends, so a loaded machine (or a held first request) does not
/// change the count. With 800 ms timeouts: the first decision at 800 ms retries, the second
/// comes at 1.63 s or later, past the budget: 2 attempts.
pub fn policy() -> RetryPolicy {
    RetryPolicy::OMNI_CLIENT
        .with_base(Duration::from_millis(30))
        .with_jitter(Duration::ZERO)
        .with_budget(Duration::from_millis(1_500))
}

/// Attempts the schedule allows when every attempt takes `attempt`: the same computation as
/// the discovery actor and `ensure_connection` (elapsed time, attempts included, counts
/// against the budget).
pub fn expected_attempts(policy: RetryPolicy, attempt: Duration) -> u32 {
    let mut backoff = policy.backoff_seeded(0);
    let mut elapsed = Duration::ZERO;
    let mut attempts = 1;
    loop {
        elapsed += attempt;
        match backoff.next_delay(elapsed) {
            Some(delay) => {
                elapsed += delay;
                attempts += 1;
            }
            None => return attempts,
        }
    }
}

/// A manager (own actix System thread) over a real omniverse.toml, with short client
/// timeouts, the fast schedule, a password answer for every sign-in, and a recorder of
/// discovery status events.
pub struct Rig {
    pub manager: ManagerHandle,
    /// The manager System's tokio runtime (for task counts).
    pub runtime: tokio::runtime::Handle,
    /// A runtime of the test's own for awaiting handle futures with a timeout.
    pub local: tokio::runtime::Runtime,
    /// `status|error` of every DISCOVERY_SERVER_UPDATED event.
    pub discovery_events: Arc<Mutex<Vec<String>>>,
    /// How often the auth callback was asked.
    pub auth_asks: Arc<AtomicU32>,
    _guard: ObserverGuard,
    _dir: tempfile::TempDir,
}

impl Rig {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let dispatcher = Dispatcher::new();
        let discovery = HttpDiscoveryClient::new(HttpDiscoveryConfig {
            connect_timeout: CLIENT_TIMEOUT,
            timeout: CLIENT_TIMEOUT,
            ..HttpDiscoveryConfig::default()
        })
        .unwrap();
        let registry = RegistryConfig::new(dir.path().join("omniverse.toml"))
            .debounce(Duration::from_millis(200))
            .discovery_client(Arc::new(discovery))
            .retry_policy(policy());
        let manager = ManagerHandle::start(
            ManagerConfig::new(registry)
                .retry_policy(policy())
                .http_storage(HttpStorageConfig {
                    connect_timeout: CLIENT_TIMEOUT,
                    request_timeout: CLIENT_TIMEOUT,
                    ..HttpStorageConfig::default()
                })
                .dispatcher(dispatcher.clone()),
        )
        .unwrap();
        let auth_asks = Arc::new(AtomicU32::new(0));
        let asks = auth_asks.clone();
        manager
            .storage()
            .auth()
            .register_auth_callback("", move |_| {
                asks.fetch_add(1, Ordering::SeqCst);
                AuthAnswer::UserPassword {
                    username: USER.to_owned(),
                    password: Secret::new(PASSWORD),
                }
            });
        let discovery_events = Arc::new(Mutex::new(Vec::new()));
        let sink = discovery_events.clone();
        let guard = dispatcher.observe(
            "fault-test",
            0,
            DISCOVERY_SERVER_UPDATED_EVENT,
            None,
            move |e| {
                sink.lock().unwrap().push(format!(
                    "{}|{}",
                    e["status"].as_str().unwrap_or("?"),
                    e["error"].as_str().unwrap_or("")
                ));
            },
        );
        let (tx, rx) = std::sync::mpsc::channel();
        assert!(manager.spawn(async move {
            let _ = tx.send(tokio::runtime::Handle::current());
        }));
        let runtime = rx.recv_timeout(DEADLINE).unwrap();
        let local = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Self {
            manager,
            runtime,
            local,
            discovery_events,
            auth_asks,
            _guard: guard,
            _dir: dir,
        }
    }

    /// Awaits `future` on the test's runtime, failing the test after [`DEADLINE`].
    pub fn wait<F: std::future::Future>(&self, what: &str, future: F) -> F::Output {
        self.local
            .block_on(async { tokio::time::timeout(DEADLINE, future).await })
            .unwrap_or_else(|_| panic!("{what} did not finish within {DEADLINE:?}"))
    }

    pub fn add_discovery(&self, name: &str, url: &str) -> ServerId {
        self.wait(
            "add_discovery_server",
            self.manager.registry().add_discovery_server(name, url),
        )
        .unwrap()
    }

    pub fn remove_discovery(&self, id: ServerId) {
        self.wait(
            "remove_discovery_server",
            self.manager.registry().remove_discovery_server(id),
        )
        .unwrap();
    }

    pub fn discovery_status(&self, id: ServerId) -> Option<DiscoveryStatus> {
        self.manager
            .registry()
            .snapshot()
            .discovery_server(id)
            .map(|s| s.status.clone())
    }

    /// The discovery URL of server `id` as the registry stores it, redacted as errors show it.
    pub fn discovery_error_url(&self, id: ServerId) -> String {
        let snapshot = self.manager.registry().snapshot();
        cm_url::redact(&snapshot.discovery_server(id).unwrap().url)
    }

    /// Polls the snapshot until discovery of `id` settles (ready, or an error with no retry).
    pub fn wait_settled(&self, id: ServerId) -> DiscoveryStatus {
        let start = Instant::now();
        loop {
            let status = self.discovery_status(id).expect("server exists");
            if status.is_settled() {
                // Events follow the snapshot; a round trip through the registry's mailbox
                // makes sure the one for this status has been dispatched.
                self.wait("synced_snapshot", self.manager.registry().synced_snapshot())
                    .unwrap();
                return status;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "discovery never settled: {status:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn discovery_event_count(&self) -> usize {
        self.discovery_events.lock().unwrap().len()
    }

    /// The error events recorded since `from`.
    pub fn discovery_errors_since(&self, from: usize) -> Vec<String> {
        self.discovery_events.lock().unwrap()[from..]
            .iter()
            .filter_map(|e| e.strip_prefix("error|").map(str::to_owned))
            .collect()
    }

    /// Reads state while a fault is in progress: snapshot reads (no actor) and round trips
    /// through the registry's and the manager's mailboxes, each with a time limit. Returns how
    /// many reads were slow; panics if one does not return within [`DEADLINE`].
    pub fn responsive_reads(&self, storage_url: &str, round: usize) -> usize {
        let mut slow = 0;
        let registry = self.manager.registry();

        let t = Instant::now();
        let snapshot = registry.snapshot();
        let _ = snapshot.discovery_servers().len();
        let _ = registry.find_server_for_url(storage_url);
        let _ = self.manager.connection_status(storage_url);
        let _ = self.manager.bookmarks();
        if t.elapsed() > SNAPSHOT_READ_LIMIT {
            slow += 1;
        }

        let t = Instant::now();
        assert_eq!(
            self.manager
                .ensure_connection_blocking("https://bucket.example.com/a.usd"),
            Ok(Reachable::AlwaysReachable)
        );
        self.wait("synced_snapshot", registry.synced_snapshot())
            .unwrap();
        let name = format!("during-fault-{round}");
        self.wait(
            "add_bookmark",
            registry.add_bookmark(&name, "https://bucket.example.com/p/"),
        )
        .unwrap();
        self.wait("remove_bookmark", registry.remove_bookmark(&name))
            .unwrap();
        if t.elapsed() > ROUND_TRIP_LIMIT {
            slow += 1;
        }
        slow
    }
}
