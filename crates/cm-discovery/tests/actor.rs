//! [`DiscoveryActor`] against the cm-testkit server: the reported status sequences.
#![cfg(feature = "actor")]

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use cm_discovery::{
    AddressSource, DiscoveryActor, DiscoveryActorConfig, DiscoveryClient, DiscoveryProgress,
    DiscoveryUpdate, GetStatus, HttpDiscoveryClient, HttpDiscoveryConfig, Refresh, RetryPolicy,
};
use cm_testkit::{Endpoint, Fault, TestServer, TestServerConfig, Times};
use tokio::sync::mpsc;

const DEADLINE: Duration = Duration::from_secs(30);

/// The owner side: forwards every update to the test.
struct Collector(mpsc::UnboundedSender<DiscoveryUpdate>);

impl Actor for Collector {
    type Context = Context<Self>;
}

impl Handler<DiscoveryUpdate> for Collector {
    type Result = ();

    fn handle(&mut self, update: DiscoveryUpdate, _: &mut Context<Self>) {
        let _ = self.0.send(update);
    }
}

struct Harness {
    server: TestServer,
    actor: Addr<DiscoveryActor>,
    updates: mpsc::UnboundedReceiver<DiscoveryUpdate>,
    seen: Vec<DiscoveryUpdate>,
}

/// Fast, deterministic retries: 10 ms * n², no jitter, a generous budget.
fn quick_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_base(Duration::from_millis(10))
        .with_jitter(Duration::ZERO)
}

fn http_client(timeout: Duration) -> Arc<dyn DiscoveryClient> {
    Arc::new(
        HttpDiscoveryClient::new(HttpDiscoveryConfig {
            timeout,
            ..HttpDiscoveryConfig::default()
        })
        .unwrap(),
    )
}

impl Harness {
    /// Starts an actor for `server`'s discovery URL, reporting to a fresh collector.
    fn start(server: TestServer, cached: &[&str], retry: RetryPolicy, timeout: Duration) -> Self {
        let (tx, updates) = mpsc::unbounded_channel();
        let owner = Collector(tx).start();
        let config = DiscoveryActorConfig::new(42, server.discovery_url())
            .with_cached_addresses(cached.iter().map(|s| s.to_string()).collect())
            .with_retry(retry);
        let actor = DiscoveryActor::new(config, http_client(timeout), owner.recipient()).start();
        Self {
            server,
            actor,
            updates,
            seen: Vec::new(),
        }
    }

    async fn next(&mut self) -> DiscoveryUpdate {
        let update = tokio::time::timeout(DEADLINE, self.updates.recv())
            .await
            .expect("no discovery update within the deadline")
            .expect("the discovery actor went away");
        self.seen.push(update.clone());
        update
    }

    /// Collects updates until one satisfies `done`.
    async fn until(&mut self, done: impl Fn(&DiscoveryProgress) -> bool) -> DiscoveryUpdate {
        loop {
            let update = self.next().await;
            if done(&update.status) {
                return update;
            }
        }
    }

    async fn until_settled(&mut self) -> DiscoveryUpdate {
        self.until(DiscoveryProgress::is_settled).await
    }

    /// The updates seen so far, one line each, with the random port replaced.
    fn transcript(&self) -> String {
        let port = format!(":{}/", self.server.port());
        self.seen
            .iter()
            .map(render)
            .collect::<Vec<_>>()
            .join("\n")
            .replace(&port, ":PORT/")
    }
}

fn render(update: &DiscoveryUpdate) -> String {
    let status = match &update.status {
        DiscoveryProgress::Pending => "pending".to_owned(),
        DiscoveryProgress::Discovering { attempt } => format!("discovering attempt={attempt}"),
        DiscoveryProgress::Ready {
            addresses,
            rejected,
        } => format!("ready {addresses:?} rejected={}", rejected.len()),
        DiscoveryProgress::Error {
            error,
            attempt,
            retry_in,
        } => format!(
            "error attempt={attempt} kind={} retry_in={retry_in:?}: {error}",
            error.kind()
        ),
    };
    let source = match update.known.source {
        AddressSource::None => "none",
        AddressSource::Cache => "cache",
        AddressSource::Discovery => "discovery",
    };
    format!(
        "#{} server={} {status} | known={source}{:?}",
        update.seq, update.server_id, update.known.addresses
    )
}

#[actix_rt::test]
async fn success_reports_pending_discovering_ready() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let mut h = Harness::start(server, &[], quick_retry(), DEADLINE);
    let ready = h.until_settled().await;
    assert_eq!(ready.known.addresses, vec![h.server.storage_url()]);
    insta::assert_snapshot!(h.transcript());
}

#[actix_rt::test]
async fn cached_addresses_are_usable_until_discovery_succeeds() {
    let server = TestServer::start(
        TestServerConfig::default().with_storage_addresses(["omniverse://fresh.example/"]),
    )
    .unwrap();
    let mut h = Harness::start(
        server,
        &["omniverse://cached.example/"],
        quick_retry(),
        DEADLINE,
    );
    let first = h.next().await;
    assert_eq!(first.status, DiscoveryProgress::Pending);
    assert_eq!(first.known.source, AddressSource::Cache);
    assert_eq!(first.known.addresses, vec!["omniverse://cached.example/"]);
    let ready = h.until_settled().await;
    assert_eq!(ready.known.source, AddressSource::Discovery);
    insta::assert_snapshot!(h.transcript());
}

#[actix_rt::test]
async fn server_errors_are_retried_on_the_backoff_schedule() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    server
        .controls()
        .fail(Endpoint::Discovery, 503, Times::Next(2));
    let mut h = Harness::start(server, &[], quick_retry(), DEADLINE);
    h.until_settled().await;
    assert_eq!(h.server.controls().request_count(Endpoint::Discovery), 3);
    insta::assert_snapshot!(h.transcript());
}

#[actix_rt::test]
async fn garbage_json_fails_without_retry_and_keeps_the_cache() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    server
        .controls()
        .inject(Endpoint::Discovery, Fault::MalformedBody, Times::Always);
    let mut h = Harness::start(
        server,
        &["omniverse://cached.example/"],
        quick_retry(),
        DEADLINE,
    );
    let settled = h.until_settled().await;
    assert_eq!(settled.known.source, AddressSource::Cache);
    assert_eq!(h.server.controls().request_count(Endpoint::Discovery), 1);
    insta::assert_snapshot!(h.transcript());
}

#[actix_rt::test]
async fn oversized_body_fails_as_too_large() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    server.controls().inject(
        Endpoint::Discovery,
        Fault::OversizedBody {
            bytes: 100 * 1024 * 1024,
        },
        Times::Always,
    );
    let mut h = Harness::start(server, &[], quick_retry(), DEADLINE);
    h.until_settled().await;
    insta::assert_snapshot!(h.transcript());
}

#[actix_rt::test]
async fn slow_server_times_out_and_gives_up_when_the_budget_is_spent() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    server
        .controls()
        .set_latency(Endpoint::Discovery, Duration::from_secs(30));
    let retry = quick_retry().with_budget(Duration::from_secs(2));
    let mut h = Harness::start(server, &[], retry, Duration::from_millis(200));
    let settled = h.until_settled().await;
    let DiscoveryProgress::Error { error, attempt, .. } = &settled.status else {
        panic!("expected an error, got {settled:?}");
    };
    assert_eq!(error.kind(), "timeout");
    // 200 ms per attempt within a 2 s budget: several attempts, and it did stop.
    assert!(*attempt >= 2, "{}", h.transcript());
    assert!(
        h.seen.iter().all(|u| match &u.status {
            DiscoveryProgress::Error { error, .. } => error.kind() == "timeout",
            _ => true,
        }),
        "{}",
        h.transcript()
    );
}

#[actix_rt::test]
async fn server_down_then_up_is_retried_until_ready() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    server.controls().go_down().unwrap();
    let mut h = Harness::start(server, &[], quick_retry(), DEADLINE);
    let failed = h
        .until(|s| matches!(s, DiscoveryProgress::Error { attempt: 2, .. }))
        .await;
    let DiscoveryProgress::Error {
        error, retry_in, ..
    } = &failed.status
    else {
        unreachable!()
    };
    assert_eq!(error.kind(), "connect");
    assert!(retry_in.is_some());
    h.server.controls().go_up().unwrap();
    let ready = h
        .until(|s| matches!(s, DiscoveryProgress::Ready { .. }))
        .await;
    assert_eq!(ready.known.addresses, vec![h.server.storage_url()]);
    assert_eq!(ready.known.source, AddressSource::Discovery);
    // Every attempt before the server came up was reported as a connect error with a retry.
    for update in &h.seen {
        if let DiscoveryProgress::Error {
            error, retry_in, ..
        } = &update.status
        {
            assert_eq!(error.kind(), "connect");
            assert!(retry_in.is_some());
        }
    }
}

#[actix_rt::test]
async fn manual_refresh_picks_up_a_changed_address_list() {
    let server = TestServer::start(
        TestServerConfig::default().with_storage_addresses(["omniverse://one.example/"]),
    )
    .unwrap();
    let mut h = Harness::start(server, &[], quick_retry(), DEADLINE);
    h.until_settled().await;
    h.server
        .controls()
        .set_storage_addresses(["omniverse://two.example/", "omniverse://three.example/"]);
    h.actor.send(Refresh).await.unwrap();
    let ready = h.until_settled().await;
    assert_eq!(
        ready.known.addresses,
        vec!["omniverse://two.example/", "omniverse://three.example/"]
    );
    let status = h.actor.send(GetStatus).await.unwrap();
    assert_eq!(status, ready);
    insta::assert_snapshot!(h.transcript());
}

#[actix_rt::test]
async fn refresh_cancels_a_pending_retry_and_keeps_last_known_addresses() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    // A retry 10 s away: only a refresh can make progress within the test.
    let slow_retry = RetryPolicy::default()
        .with_base(Duration::from_secs(10))
        .with_jitter(Duration::ZERO);
    let mut h = Harness::start(server, &[], slow_retry, DEADLINE);
    h.until_settled().await;
    h.server
        .controls()
        .fail(Endpoint::Discovery, 500, Times::Next(1));
    h.actor.send(Refresh).await.unwrap();
    let failed = h
        .until(|s| matches!(s, DiscoveryProgress::Error { .. }))
        .await;
    // The earlier discovery stays usable while the refresh fails.
    assert_eq!(failed.known.source, AddressSource::Discovery);
    h.actor.send(Refresh).await.unwrap();
    h.until_settled().await;
    // Nothing more: the cancelled retry must not fire a late attempt.
    assert_eq!(h.server.controls().request_count(Endpoint::Discovery), 3);
    insta::assert_snapshot!(h.transcript());
}
