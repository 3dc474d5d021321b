//! Shared test helpers: a testkit server and a manager with a private dispatcher.
#![allow(dead_code, unreachable_pub)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cm_discovery::RetryPolicy;
use cm_events::{Dispatcher, ObserverGuard};
use cm_manager::{ManagerConfig, ManagerHandle};
use cm_testkit::{TestServer, TestServerConfig};

/// Generous deadline for conditions on a loaded CI machine.
pub const DEADLINE: Duration = cm_testkit::wait::DEADLINE;

/// A fast retry schedule (base 20 ms, no jitter) with the given budget.
pub fn fast_retry(budget: Duration) -> RetryPolicy {
    RetryPolicy::OMNI_CLIENT
        .with_base(Duration::from_millis(20))
        .with_jitter(Duration::ZERO)
        .with_budget(budget)
}

pub struct Fixture {
    pub server: TestServer,
    pub manager: ManagerHandle,
    pub dispatcher: Dispatcher,
}

impl Fixture {
    pub fn new(server: TestServerConfig) -> Self {
        Self::with(server, |c| c)
    }

    pub fn with(
        server: TestServerConfig,
        tune: impl FnOnce(ManagerConfig) -> ManagerConfig,
    ) -> Self {
        let server = TestServer::start(server).unwrap();
        let dispatcher = Dispatcher::new();
        let config = ManagerConfig::in_memory()
            .dispatcher(dispatcher.clone())
            .retry_policy(fast_retry(Duration::from_secs(10)));
        let manager = ManagerHandle::start(tune(config)).unwrap();
        Self {
            server,
            manager,
            dispatcher,
        }
    }

    /// `omniverse://127.0.0.1:<port>/` + `path`.
    pub fn nucleus(&self, path: &str) -> String {
        format!(
            "{}{}",
            self.server.storage_url(),
            path.trim_start_matches('/')
        )
    }

    /// Records every CONNECTION_SUCCEEDED payload as `url|server_url`.
    pub fn record_successes(&self) -> (ObserverGuard, Arc<Mutex<Vec<String>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let guard = self.dispatcher.observe(
            "test",
            0,
            cm_manager::CONNECTION_SUCCEEDED_EVENT,
            None,
            move |e| {
                sink.lock().unwrap().push(format!(
                    "{}|{}",
                    e["url"].as_str().unwrap_or("?"),
                    e["server_url"].as_str().unwrap_or("?")
                ));
            },
        );
        (guard, seen)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.manager.shutdown();
    }
}

/// A server whose every request takes `ms` milliseconds.
pub fn slow(ms: u64) -> TestServerConfig {
    TestServerConfig {
        latency: Duration::from_millis(ms),
        ..TestServerConfig::default()
    }
}
