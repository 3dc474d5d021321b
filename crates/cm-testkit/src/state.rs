//! The server's mutable state, shared by the request handlers and the [`Controls`](crate::Controls).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::config::TestServerConfig;
use crate::endpoint::{Endpoint, Fault, RequestRecord, Times};
use crate::server::Command;

/// How many request records are kept (benchmarks send millions of requests).
pub(crate) const LOG_CAPACITY: usize = 10_000;

/// Per-endpoint switches and counter.
#[derive(Debug, Default, Clone)]
pub(crate) struct EndpointState {
    pub(crate) latency: Duration,
    pub(crate) fault: Option<(Fault, Times)>,
    pub(crate) held: bool,
    pub(crate) count: u64,
}

/// Everything a request handler may read or change.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) endpoints: [EndpointState; Endpoint::ALL.len()],
    pub(crate) users: HashMap<String, String>,
    /// token -> user name
    pub(crate) tokens: HashMap<String, String>,
    pub(crate) next_token: u64,
    pub(crate) require_token: bool,
    pub(crate) storage_addresses: Vec<String>,
    /// normalised path (no trailing `/` except the root) -> is a folder
    pub(crate) paths: BTreeMap<String, bool>,
    pub(crate) protocol_version: u32,
    /// The most recent requests, at most [`LOG_CAPACITY`].
    pub(crate) log: VecDeque<RequestRecord>,
    pub(crate) up: bool,
    /// Authorization codes, device codes and the sign-in switches.
    pub(crate) oauth: crate::oauth::OAuthState,
    /// This server's HTTP base, e.g. `http://127.0.0.1:4100` (what `/info` advertises).
    pub(crate) http_base: String,
}

impl State {
    pub(crate) fn from_config(config: &TestServerConfig, own_storage_url: String) -> Self {
        let http_base = own_storage_url
            .replacen("omniverse://", "http://", 1)
            .trim_end_matches('/')
            .to_owned();
        let mut state = Self {
            oauth: crate::oauth::OAuthState::new(config.browser_sign_in),
            http_base,
            endpoints: Default::default(),
            users: config.users.iter().cloned().collect(),
            tokens: config
                .tokens
                .iter()
                .map(|t| (t.clone(), "token-user".to_owned()))
                .collect(),
            next_token: 0,
            require_token: config.require_token,
            storage_addresses: config
                .storage_addresses
                .clone()
                .unwrap_or_else(|| vec![own_storage_url]),
            paths: BTreeMap::new(),
            protocol_version: config.protocol_version,
            log: VecDeque::new(),
            up: true,
        };
        for endpoint in &mut state.endpoints {
            endpoint.latency = config.latency;
        }
        for path in &config.paths {
            state.add_path(path);
        }
        state
    }

    /// Counts a request and logs it, dropping the oldest record when the log is full.
    pub(crate) fn record(&mut self, record: RequestRecord) {
        self.endpoint(record.endpoint).count += 1;
        if self.log.len() == LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(record);
    }

    pub(crate) fn endpoint(&mut self, endpoint: Endpoint) -> &mut EndpointState {
        &mut self.endpoints[endpoint.index()]
    }

    /// Takes the fault for one request, counting down `Times::Next`.
    pub(crate) fn take_fault(&mut self, endpoint: Endpoint) -> Option<Fault> {
        let slot = &mut self.endpoint(endpoint).fault;
        let (fault, times) = slot.as_mut()?;
        let fault = fault.clone();
        match times {
            Times::Always => {}
            Times::Next(n) if *n > 1 => *n -= 1,
            Times::Next(_) => *slot = None,
        }
        Some(fault)
    }

    pub(crate) fn issue_token(&mut self, user: &str) -> String {
        self.next_token += 1;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let token = format!("cmt-{:06}-{nanos:08x}", self.next_token);
        self.tokens.insert(token.clone(), user.to_owned());
        token
    }

    pub(crate) fn add_path(&mut self, path: &str) {
        let is_folder = path.ends_with('/');
        self.paths.insert(normalise_path(path), is_folder);
    }

    /// `Some(is_folder)` when the path exists.
    pub(crate) fn lookup(&self, path: &str) -> Option<bool> {
        let path = normalise_path(path);
        if path == "/" {
            return Some(true);
        }
        if let Some(is_folder) = self.paths.get(&path) {
            return Some(*is_folder);
        }
        let folder_prefix = format!("{path}/");
        self.paths
            .range(folder_prefix.clone()..)
            .next()
            .filter(|(p, _)| p.starts_with(&folder_prefix))
            .map(|_| true)
    }
}

/// Trims trailing slashes (except for the root) and makes sure the path starts with `/`.
pub(crate) fn normalise_path(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_owned()
    } else if trimmed.starts_with('/') {
        trimmed.to_owned()
    } else {
        format!("/{trimmed}")
    }
}

/// The state plus the means to wake waiters and reach the accept loop.
#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Signalled (with the state lock released) after every change, for blocking waiters.
    condvar: Condvar,
    /// Bumped after every change, for async waiters.
    generation: watch::Sender<u64>,
    pub(crate) commands: mpsc::UnboundedSender<Command>,
    pub(crate) discovery_prefix: String,
}

impl Shared {
    pub(crate) fn new(
        state: State,
        commands: mpsc::UnboundedSender<Command>,
        discovery_prefix: String,
    ) -> Self {
        Self {
            state: Mutex::new(state),
            condvar: Condvar::new(),
            generation: watch::Sender::new(0),
            commands,
            discovery_prefix,
        }
    }

    /// Locks the state. A panicking test thread must not wedge the server, so poison is ignored:
    /// every mutation leaves the state consistent.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `change` under the lock, then wakes every waiter.
    pub(crate) fn update<R>(&self, change: impl FnOnce(&mut State) -> R) -> R {
        let result = change(&mut self.lock());
        self.notify();
        result
    }

    fn notify(&self) {
        self.condvar.notify_all();
        self.generation.send_modify(|g| *g = g.wrapping_add(1));
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.generation.subscribe()
    }

    /// Blocks until `done` holds or `timeout` passes; returns whether it held.
    pub(crate) fn wait_blocking(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&State) -> bool,
    ) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        let mut guard = self.lock();
        loop {
            if done(&guard) {
                return true;
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return false;
            }
            guard = self
                .condvar
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Waits (asynchronously) until `done` holds or `timeout` passes; returns whether it held.
    pub(crate) async fn wait_async(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&State) -> bool,
    ) -> bool {
        let mut changes = self.subscribe();
        let wait = async {
            loop {
                if done(&self.lock()) {
                    return;
                }
                if changes.changed().await.is_err() {
                    // The sender lives in `self`, so this cannot happen while we hold `&self`.
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_knows_files_folders_and_parents() {
        let mut state = State::from_config(&TestServerConfig::default(), String::new());
        state.add_path("/Projects/scene.usd");
        state.add_path("/Library/");
        assert_eq!(state.lookup("/"), Some(true));
        assert_eq!(state.lookup("/Projects"), Some(true));
        assert_eq!(state.lookup("/Projects/"), Some(true));
        assert_eq!(state.lookup("/Projects/scene.usd"), Some(false));
        assert_eq!(state.lookup("/Library"), Some(true));
        assert_eq!(state.lookup("/Proj"), None);
        assert_eq!(state.lookup("/Projects/other.usd"), None);
    }

    #[test]
    fn next_n_faults_expire() {
        let mut state = State::from_config(&TestServerConfig::default(), String::new());
        state.endpoint(Endpoint::Stat).fault = Some((Fault::Drop, Times::Next(2)));
        assert_eq!(state.take_fault(Endpoint::Stat), Some(Fault::Drop));
        assert_eq!(state.take_fault(Endpoint::Stat), Some(Fault::Drop));
        assert_eq!(state.take_fault(Endpoint::Stat), None);
        assert_eq!(state.take_fault(Endpoint::Discovery), None);
    }

    #[test]
    fn request_log_keeps_the_most_recent_records_but_counts_all() {
        let mut state = State::from_config(&TestServerConfig::default(), String::new());
        for i in 0..LOG_CAPACITY + 5 {
            state.record(RequestRecord {
                endpoint: Endpoint::Stat,
                method: "GET".to_owned(),
                path: format!("/{i}"),
                query: None,
                bearer_token: None,
            });
        }
        assert_eq!(state.log.len(), LOG_CAPACITY);
        assert_eq!(state.log.front().map(|r| r.path.as_str()), Some("/5"));
        assert_eq!(
            state.endpoints[Endpoint::Stat.index()].count,
            (LOG_CAPACITY + 5) as u64
        );
    }
}
