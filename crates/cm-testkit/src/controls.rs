//! The runtime switches of a [`TestServer`](crate::TestServer).

use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use crate::endpoint::{Endpoint, Fault, RequestRecord, Times};
use crate::error::TestkitError;
use crate::server::Command;
use crate::state::{Shared, State};

/// A wait for requests that timed out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("waited {waited:?} for {wanted} request(s) to {endpoint} but saw {seen}")]
pub struct WaitTimeout {
    /// The endpoint waited on.
    pub endpoint: Endpoint,
    /// How many requests were expected.
    pub wanted: u64,
    /// How many had arrived at the deadline.
    pub seen: u64,
    /// How long it waited.
    pub waited: Duration,
}

/// Cloneable handle that changes a running [`TestServer`](crate::TestServer) and reads its
/// counters. Every method is synchronous and cheap (except [`Controls::go_down`] /
/// [`Controls::go_up`], which block the calling thread for the milliseconds the server thread
/// needs to close or rebind, and the waits) and may be called from any thread or runtime,
/// including an actix or tokio test's own thread: the server never needs that thread.
///
/// Faults: each endpoint has at most one [`Fault`] (a new one replaces the old), a latency, and
/// a hold switch. A request is counted on arrival, then waits while its endpoint is held, then
/// sleeps the latency, then gets the fault (if any) instead of the normal answer.
///
/// ```
/// use cm_testkit::{Endpoint, TestServer, TestServerConfig, Times};
///
/// let server = TestServer::start(TestServerConfig::default()).unwrap();
/// let controls = server.controls();
/// controls.fail(Endpoint::Stat, 503, Times::Next(2));
/// controls.set_storage_addresses(["omniverse://a.example/", "omniverse://b.example/"]);
/// assert_eq!(controls.request_count(Endpoint::Stat), 0);
/// ```
#[derive(Debug, Clone)]
pub struct Controls {
    shared: Arc<Shared>,
}

impl Controls {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    // ---- faults -------------------------------------------------------------------------------

    /// Injects `fault` into `endpoint` for `times` requests (replacing any earlier fault there).
    pub fn inject(&self, endpoint: Endpoint, fault: Fault, times: Times) {
        self.shared
            .update(|s| s.endpoint(endpoint).fault = Some((fault, times)));
    }

    /// Shorthand for `inject(endpoint, Fault::Status(status), times)`.
    pub fn fail(&self, endpoint: Endpoint, status: u16, times: Times) {
        self.inject(endpoint, Fault::Status(status), times);
    }

    /// Removes the fault of one endpoint.
    pub fn clear_fault(&self, endpoint: Endpoint) {
        self.shared.update(|s| s.endpoint(endpoint).fault = None);
    }

    /// Removes every fault and latency and releases every hold.
    pub fn clear_faults(&self) {
        self.shared.update(|s| {
            for endpoint in &mut s.endpoints {
                endpoint.fault = None;
                endpoint.latency = Duration::ZERO;
                endpoint.held = false;
            }
        });
    }

    /// Adds `latency` before every answer of `endpoint`.
    pub fn set_latency(&self, endpoint: Endpoint, latency: Duration) {
        self.shared
            .update(|s| s.endpoint(endpoint).latency = latency);
    }

    /// Adds `latency` before every answer of every endpoint.
    pub fn set_latency_all(&self, latency: Duration) {
        self.shared.update(|s| {
            for endpoint in &mut s.endpoints {
                endpoint.latency = latency;
            }
        });
    }

    /// Makes requests to `endpoint` wait (after being counted) until [`Controls::release`].
    /// Deterministic alternative to latency for "many calls in flight at once" tests.
    pub fn hold(&self, endpoint: Endpoint) {
        self.shared.update(|s| s.endpoint(endpoint).held = true);
    }

    /// Lets held requests to `endpoint` continue.
    pub fn release(&self, endpoint: Endpoint) {
        self.shared.update(|s| s.endpoint(endpoint).held = false);
    }

    // ---- auth ---------------------------------------------------------------------------------

    /// Sets whether `GET /stat` requires a valid bearer token.
    pub fn set_require_token(&self, required: bool) {
        self.shared.update(|s| s.require_token = required);
    }

    /// Accepts this user name / password pair at `POST /auth/token` (replacing its password).
    pub fn add_user(&self, username: &str, password: &str) {
        self.shared
            .update(|s| s.users.insert(username.to_owned(), password.to_owned()));
    }

    /// Stops accepting this user's password and revokes the user's tokens.
    pub fn remove_user(&self, username: &str) {
        self.shared.update(|s| {
            s.users.remove(username);
            s.tokens.retain(|_, user| user != username);
        });
    }

    /// Makes `token` valid (for user `"token-user"`), as if issued earlier.
    pub fn add_token(&self, token: &str) {
        self.shared
            .update(|s| s.tokens.insert(token.to_owned(), "token-user".to_owned()));
    }

    /// Issues a fresh valid token for `username` (no password check), as `POST /auth/token` would.
    pub fn issue_token(&self, username: &str) -> String {
        self.shared.update(|s| s.issue_token(username))
    }

    /// Whether `token` is currently accepted.
    pub fn is_token_valid(&self, token: &str) -> bool {
        self.shared.lock().tokens.contains_key(token)
    }

    /// Revokes every token (as if the server restarted its sessions).
    pub fn revoke_all_tokens(&self) {
        self.shared.update(|s| s.tokens.clear());
    }

    // ---- browser sign-in ----------------------------------------------------------------------

    /// Sets whether `GET /info` advertises the browser sign-in.
    pub fn set_browser_sign_in(&self, advertised: bool) {
        self.shared.update(|s| s.oauth.advertised = advertised);
    }

    /// Makes the sign-in misbehave (`None`: normal). A slow sign-in is the latency of
    /// [`Endpoint::Authorize`] / [`Endpoint::Token`] ([`Controls::set_latency`]).
    pub fn set_sign_in_fault(&self, fault: Option<crate::SignInFault>) {
        self.shared.update(|s| s.oauth.fault = fault);
    }

    /// Pre-fills the sign-in form with these credentials and has it submit itself on load (the
    /// page's only script): a real browser then performs the POST and follows the redirect
    /// without a WebDriver. `None` (the default) serves the plain form.
    pub fn set_auto_submit(&self, credentials: Option<(&str, &str)>) {
        let credentials = credentials.map(|(u, p)| (u.to_owned(), p.to_owned()));
        self.shared.update(|s| s.oauth.auto_submit = credentials);
    }

    /// The device flow's polling interval (whole seconds, at least 1; default 5 s).
    pub fn set_device_poll_interval(&self, interval: Duration) {
        self.shared.update(|s| s.oauth.device_interval = interval);
    }

    // ---- discovery and storage content --------------------------------------------------------

    /// Replaces the storage addresses listed by discovery.
    pub fn set_storage_addresses<I, S>(&self, addresses: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let addresses: Vec<String> = addresses.into_iter().map(Into::into).collect();
        self.shared.update(|s| s.storage_addresses = addresses);
    }

    /// The storage addresses discovery currently lists.
    pub fn storage_addresses(&self) -> Vec<String> {
        self.shared.lock().storage_addresses.clone()
    }

    /// Makes `path` exist for `GET /stat` (trailing `/` = folder; parents become folders).
    pub fn add_path(&self, path: &str) {
        self.shared.update(|s| s.add_path(path));
    }

    /// Sets the protocol version `GET /info` reports (to provoke `ServerIncompatible`).
    pub fn set_protocol_version(&self, version: u32) {
        self.shared.update(|s| s.protocol_version = version);
    }

    // ---- down / up ----------------------------------------------------------------------------

    /// Stops listening and closes every open connection; connects are refused until
    /// [`Controls::go_up`]. Returns once the port is closed.
    pub fn go_down(&self) -> Result<(), TestkitError> {
        self.command(Command::Down)
    }

    /// Listens again on the same port (retrying for a few seconds if the OS still holds it).
    /// Returns once connects succeed again.
    pub fn go_up(&self) -> Result<(), TestkitError> {
        self.command(Command::Up)
    }

    /// Whether the server is listening.
    pub fn is_up(&self) -> bool {
        self.shared.lock().up
    }

    fn command(
        &self,
        make: impl FnOnce(std_mpsc::Sender<Result<(), TestkitError>>) -> Command,
    ) -> Result<(), TestkitError> {
        let (ack_tx, ack_rx) = std_mpsc::channel();
        self.shared
            .commands
            .send(make(ack_tx))
            .map_err(|_| TestkitError::ServerGone)?;
        ack_rx.recv().map_err(|_| TestkitError::ServerGone)?
    }

    // ---- counters -----------------------------------------------------------------------------

    /// Requests received by `endpoint` since start or the last [`Controls::reset_counters`]
    /// (faulted ones included; counted on arrival).
    pub fn request_count(&self, endpoint: Endpoint) -> u64 {
        self.shared.lock().endpoints[endpoint.index()].count
    }

    /// Requests received by all endpoints.
    pub fn total_requests(&self) -> u64 {
        self.shared.lock().endpoints.iter().map(|e| e.count).sum()
    }

    /// The requests received (the most recent 10 000), in arrival order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.lock().log.iter().cloned().collect()
    }

    /// Zeroes the counters and clears the request log.
    pub fn reset_counters(&self) {
        self.shared.update(|s| {
            for endpoint in &mut s.endpoints {
                endpoint.count = 0;
            }
            s.log.clear();
        });
    }

    /// Waits until `endpoint` has received at least `n` requests. Async, so it does not block a
    /// single-threaded runtime (actix) whose tasks are the ones making the requests. Needs a
    /// tokio runtime with timers (actix-rt has one).
    pub async fn wait_for_requests(
        &self,
        endpoint: Endpoint,
        n: u64,
        timeout: Duration,
    ) -> Result<(), WaitTimeout> {
        let done = |s: &State| s.endpoints[endpoint.index()].count >= n;
        if self.shared.wait_async(timeout, done).await {
            Ok(())
        } else {
            Err(self.timeout(endpoint, n, timeout))
        }
    }

    /// Blocking form of [`Controls::wait_for_requests`], for plain threads. Do not call it on the
    /// runtime thread that makes the requests.
    pub fn wait_for_requests_blocking(
        &self,
        endpoint: Endpoint,
        n: u64,
        timeout: Duration,
    ) -> Result<(), WaitTimeout> {
        let done = |s: &State| s.endpoints[endpoint.index()].count >= n;
        if self.shared.wait_blocking(timeout, done) {
            Ok(())
        } else {
            Err(self.timeout(endpoint, n, timeout))
        }
    }

    fn timeout(&self, endpoint: Endpoint, wanted: u64, waited: Duration) -> WaitTimeout {
        WaitTimeout {
            endpoint,
            wanted,
            seen: self.request_count(endpoint),
            waited,
        }
    }
}
