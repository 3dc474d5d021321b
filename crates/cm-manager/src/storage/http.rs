//! [`HttpStorageClient`]: the stand-in storage protocol of `docs/PROTOCOL.md` over HTTP.
//!
//! Per request: `GET {base}/info` when the server is not connected yet (protocol check), then
//! `GET {base}/stat?path=...` with `Authorization: Bearer <token>` once a token is known. A
//! 401 asks the [`AuthCallbacks`]; a user name and password are exchanged for a token with
//! `POST {base}/auth/token`; `sign_out` sends `POST {base}/auth/sign-out`.

use std::collections::HashMap;
use std::time::Duration;

use cm_discovery::PROTOCOL_VERSION;
use futures::future::BoxFuture;
use parking_lot::Mutex;
use reqwest::StatusCode;
use serde::Deserialize;
use tokio::sync::watch;

use super::StorageClient;
use super::board::StatusBoard;
use super::code::{ResultCode, StatInfo, StorageError};
use super::mapping::http_base_for;
use crate::auth::{AuthAnswer, AuthCallbacks, AuthRequest, Secret, SignInOutcome};
use crate::browser_sign_in::{
    self, FlowOutcome, FlowSettings, SignInEndpoints, SignInEndpointsBody, SignInFlow,
};
use crate::status::ConnectionStatus::{self, *};

/// The protocol name this client speaks (`GET /info`); the version is the clients' one
/// [`PROTOCOL_VERSION`].
const PROTOCOL: &str = "cm-storage";

/// Settings of [`HttpStorageClient`].
#[derive(Clone, Debug)]
pub struct HttpStorageConfig {
    /// Time allowed to open a TCP connection (default 5 s).
    pub connect_timeout: Duration,
    /// Time allowed for a whole request (default 15 s).
    pub request_timeout: Duration,
    /// How many times the authentication callback is asked within one request before giving
    /// up with `AuthFailed` (default 5).
    pub max_auth_attempts: u32,
    /// How long an interactive (browser) sign-in may stay pending before the attempt fails
    /// with `AuthFailed` (default 5 min; the reason says it timed out). Only used when a message-box callback can show the prompt (see
    /// `ManagerConfig::interactive_sign_in`); without one a sign-in that no authentication
    /// callback answers fails at once.
    pub sign_in_timeout: Duration,
    /// Which browser sign-in runs when a server advertises one (default: authorization code
    /// with PKCE over a loopback redirect; [`SignInFlow::Device`] for the device flow).
    pub sign_in_flow: SignInFlow,
    /// Whether the browser sign-in opens the system browser (default `true`; honours
    /// `$BROWSER`). Off, the link is only shown through `SignInPrompt::Show`.
    pub open_browser: bool,
    /// The HTTP port for `omniverse://host/` URLs without a port (default `None`: port 80).
    pub default_port: Option<u16>,
}

impl Default for HttpStorageConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            max_auth_attempts: 5,
            sign_in_timeout: Duration::from_secs(300),
            sign_in_flow: SignInFlow::AuthorizationCode,
            open_browser: true,
            default_port: None,
        }
    }
}

/// A [`StorageClient`] for the stand-in protocol. Tokens are kept in memory per server root.
///
/// ```no_run
/// # async fn demo() {
/// use cm_manager::{HttpStorageClient, HttpStorageConfig, StorageClient};
///
/// let client = HttpStorageClient::new(HttpStorageConfig::default()).unwrap();
/// let info = client.stat("omniverse://127.0.0.1:4100/").await.unwrap();
/// assert!(info.is_folder);
/// # }
/// ```
pub struct HttpStorageClient {
    http: reqwest::Client,
    config: HttpStorageConfig,
    auth: AuthCallbacks,
    board: StatusBoard,
    tokens: Mutex<HashMap<String, Secret>>,
    /// The browser sign-in each server advertised in `/info`, by server root.
    sign_in_endpoints: Mutex<HashMap<String, SignInEndpoints>>,
    /// The browser sign-in running for a server root: later callers wait for its outcome.
    flows: Mutex<HashMap<String, watch::Receiver<Option<FlowOutcome>>>>,
    /// Tokens a browser sign-in just issued, by root, until a request accepts them: a `401` to
    /// one ends the attempt instead of running the browser sign-in again (and again).
    fresh_tokens: Mutex<HashMap<String, Secret>>,
}

impl std::fmt::Debug for HttpStorageClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpStorageClient")
            .field("config", &self.config)
            .field("signed_in_servers", &self.tokens.lock().len())
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct StatBody {
    path: String,
    kind: String,
    user: Option<String>,
}

#[derive(Deserialize)]
struct InfoBody {
    protocol: String,
    version: u32,
    #[serde(default)]
    sign_in: Option<SignInEndpointsBody>,
}

#[derive(Deserialize)]
struct TokenBody {
    token: String,
}

/// Largest answer body read (a stat answer is a few hundred bytes).
const MAX_BODY: usize = 64 * 1024;

/// Why an answer's body could not be used.
enum BodyError {
    /// The connection failed while the body was read (closed early, reset, timed out): a
    /// transport failure like a failed request, not a sign of an incompatible server.
    Transport(reqwest::Error),
    /// Larger than [`MAX_BODY`], or not the expected JSON.
    Unusable,
}

/// Reads a JSON body of at most [`MAX_BODY`] bytes, streaming so that a huge body is never
/// buffered.
async fn read_json<T: serde::de::DeserializeOwned>(
    mut response: reqwest::Response,
) -> Result<T, BodyError> {
    if response
        .content_length()
        .is_some_and(|len| len > MAX_BODY as u64)
    {
        return Err(BodyError::Unusable);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(BodyError::Unusable);
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|_| BodyError::Unusable)
}

/// A parsed request target: server root, HTTP base and path.
struct Target {
    root: String,
    base: String,
    path: String,
}

/// What one round of the sign-in dialogue decided.
enum AuthStep {
    Retry,
    Fail(StorageError),
}

impl HttpStorageClient {
    /// A client with its own connection pool. Fails only if the TLS backend cannot start.
    pub fn new(config: HttpStorageConfig) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            http,
            config,
            auth: AuthCallbacks::new(),
            board: StatusBoard::new(),
            tokens: Mutex::default(),
            sign_in_endpoints: Mutex::default(),
            flows: Mutex::default(),
            fresh_tokens: Mutex::default(),
        })
    }

    /// The status board (for [`StatusBoard::changes`], every change of every server).
    pub fn board(&self) -> &StatusBoard {
        &self.board
    }

    fn target(&self, url: &str) -> Result<Target, StorageError> {
        let parsed = cm_url::parse(url)
            .map_err(|e| StorageError::new(ResultCode::InvalidHost, Disconnected, e.to_string()))?;
        let base = http_base_for(&parsed, self.config.default_port).ok_or_else(|| {
            StorageError::new(
                ResultCode::Error,
                Disconnected,
                format!("{} is not an omniverse:// URL", parsed.redacted()),
            )
        })?;
        Ok(Target {
            root: parsed.server_root(),
            base,
            path: parsed.path().to_owned(),
        })
    }

    /// Moves the status, logging (not failing) a refused step: concurrent requests on one
    /// server may race, and the table then keeps the status consistent.
    fn set(&self, root: &str, to: ConnectionStatus) {
        let _ = self.board.transition(root, to);
    }

    fn fail(
        &self,
        root: &str,
        to: ConnectionStatus,
        code: ResultCode,
        msg: String,
    ) -> StorageError {
        self.set(root, to);
        StorageError::new(code, self.board.get(root), msg)
    }

    /// A transport failure: the connection dropped if we were connected, else it never came up.
    fn network_failure(&self, root: &str, error: &reqwest::Error) -> StorageError {
        let was_connected = self.board.get(root) == Connected;
        let (code, to) = classify_transport(error, was_connected);
        let message = format!("{}: {}", cm_url::redact(root), describe(error));
        self.fail(root, to, code, message)
    }

    async fn check_protocol(&self, target: &Target) -> Result<(), StorageError> {
        let response = self
            .http
            .get(format!("{}/info", target.base))
            .send()
            .await
            .map_err(|e| self.network_failure(&target.root, &e))?;
        let status = response.status();
        if status.is_server_error() {
            return Err(self.fail(
                &target.root,
                ConnectError,
                ResultCode::Connection,
                format!("{} answered {status}", cm_url::redact(&target.root)),
            ));
        }
        let info: InfoBody = read_json(response).await.map_err(|e| match e {
            BodyError::Transport(e) => self.network_failure(&target.root, &e),
            BodyError::Unusable => self.fail(
                &target.root,
                ServerIncompatible,
                ResultCode::ServerIncompatible,
                format!("{} does not speak {PROTOCOL}", cm_url::redact(&target.root)),
            ),
        })?;
        if info.protocol != PROTOCOL || info.version != PROTOCOL_VERSION {
            return Err(self.fail(
                &target.root,
                ServerIncompatible,
                ResultCode::ServerIncompatible,
                format!(
                    "{} speaks {} version {}, this client {PROTOCOL} version {PROTOCOL_VERSION}",
                    cm_url::redact(&target.root),
                    info.protocol,
                    info.version
                ),
            ));
        }
        let endpoints = info.sign_in.as_ref().and_then(|body| {
            let checked = SignInEndpoints::from_body(body);
            if checked.is_none() {
                let why = SignInEndpoints::refusal(body);
                tracing::warn!(server = %cm_url::redact(&target.root), "ignoring an advertised sign-in: {why}");
                self.auth.note_refused_sign_in(&target.root, Some(why));
            } else {
                self.auth.note_refused_sign_in(&target.root, None);
            }
            checked
        });
        let mut known = self.sign_in_endpoints.lock();
        match endpoints {
            Some(endpoints) => known.insert(target.root.clone(), endpoints),
            None => known.remove(&target.root),
        };
        Ok(())
    }

    async fn stat_inner(&self, url: &str) -> Result<StatInfo, StorageError> {
        let target = self.target(url)?;
        let root = target.root.as_str();
        if self.board.get(root) != Connected {
            self.set(root, Connecting);
            self.check_protocol(&target).await?;
        }
        let mut auth_round = 0;
        loop {
            let token = self.tokens.lock().get(root).cloned();
            let mut request = self
                .http
                .get(format!("{}/stat", target.base))
                .query(&[("path", target.path.as_str())]);
            if let Some(token) = &token {
                request = request.bearer_auth(token.expose());
            }
            let response = match request.send().await {
                Ok(response) => response,
                Err(e) => return Err(self.network_failure(root, &e)),
            };
            let status = response.status();
            match status {
                StatusCode::OK => {
                    let body: StatBody = read_json(response).await.map_err(|e| match e {
                        BodyError::Transport(e) => self.network_failure(root, &e),
                        BodyError::Unusable => self.fail(
                            root,
                            ServerIncompatible,
                            ResultCode::ServerIncompatible,
                            format!("unreadable stat answer from {}", cm_url::redact(root)),
                        ),
                    })?;
                    self.fresh_tokens.lock().remove(root);
                    self.set(root, Connected);
                    return Ok(StatInfo {
                        path: body.path,
                        is_folder: body.kind == "folder",
                        user: body.user,
                    });
                }
                StatusCode::NOT_FOUND => {
                    self.set(root, Connected);
                    return Err(StorageError::new(
                        ResultCode::NotFound,
                        Connected,
                        format!("{} does not exist", cm_url::redact(url)),
                    ));
                }
                StatusCode::FORBIDDEN => {
                    // Signed in but not allowed: other credentials are not asked for.
                    return Err(self.fail(
                        root,
                        AuthFailed,
                        ResultCode::AccessDenied,
                        format!(
                            "{} refused access to {}",
                            cm_url::redact(root),
                            cm_url::redact(url)
                        ),
                    ));
                }
                StatusCode::UNAUTHORIZED => {
                    if token.is_some() {
                        self.tokens.lock().remove(root);
                    }
                    let fresh = self.fresh_tokens.lock().remove(root);
                    if fresh.is_some() && fresh == token {
                        return Err(self.fail(
                            root,
                            AuthFailed,
                            ResultCode::AccessDenied,
                            "the server rejected the token it just issued".to_owned(),
                        ));
                    }
                    // A revoked token on a connected server means signing in again.
                    self.set(root, Connecting);
                    auth_round += 1;
                    match self.sign_in(&target, url, auth_round).await {
                        AuthStep::Retry => continue,
                        AuthStep::Fail(error) => return Err(error),
                    }
                }
                StatusCode::BAD_REQUEST => {
                    self.set(root, Connected);
                    return Err(StorageError::new(
                        ResultCode::InvalidPath,
                        Connected,
                        format!("{} was refused as a bad path", cm_url::redact(url)),
                    ));
                }
                StatusCode::HTTP_VERSION_NOT_SUPPORTED => {
                    return Err(self.fail(
                        root,
                        ServerIncompatible,
                        ResultCode::ServerIncompatible,
                        format!("{} answered {status}", cm_url::redact(root)),
                    ));
                }
                _ => {
                    let to = if self.board.get(root) == Connected {
                        Disconnected
                    } else {
                        ConnectError
                    };
                    return Err(self.fail(
                        root,
                        to,
                        ResultCode::Connection,
                        format!("{} answered {status}", cm_url::redact(root)),
                    ));
                }
            }
        }
    }

    /// Asks for credentials after a 401 and stores a token; `Retry` means stat again.
    async fn sign_in(&self, target: &Target, url: &str, round: u32) -> AuthStep {
        let root = target.root.as_str();
        if round > self.config.max_auth_attempts {
            return AuthStep::Fail(self.fail(
                root,
                AuthFailed,
                ResultCode::AccessDenied,
                format!(
                    "credentials for {} rejected {} times",
                    cm_url::redact(root),
                    round - 1
                ),
            ));
        }
        let endpoints = self.sign_in_endpoints.lock().get(root).cloned();
        let mut answer = self.auth.ask_request(&AuthRequest {
            server_url: root.to_owned(),
            url: url.to_owned(),
            attempt: round,
            browser_sign_in: endpoints.is_some(),
        });
        if let (AuthAnswer::None, Some(endpoints)) = (&answer, &endpoints)
            && self.auth.has_message_box()
        {
            answer = match self.shared_browser_sign_in(root, endpoints).await {
                FlowOutcome::Signed(answer) => answer,
                FlowOutcome::Cancelled => {
                    return AuthStep::Fail(self.fail(
                        root,
                        AuthCancelled,
                        ResultCode::AccessDenied,
                        format!("sign-in to {} was cancelled", cm_url::redact(root)),
                    ));
                }
                FlowOutcome::TimedOut => {
                    return AuthStep::Fail(self.fail(
                        root,
                        AuthFailed,
                        // Not ErrorTimeout: that one is retried, and a sign-in nobody
                        // completed must not open another browser tab.
                        ResultCode::AccessDenied,
                        format!(
                            "timed out: the sign-in was not completed within {} s",
                            self.config.sign_in_timeout.as_secs()
                        ),
                    ));
                }
                // The reason only: EnsureError names the server ("sign-in to X failed: ...").
                FlowOutcome::Refused(why) => {
                    return AuthStep::Fail(self.fail(
                        root,
                        AuthFailed,
                        ResultCode::AccessDenied,
                        why,
                    ));
                }
                // Not retried (not ResultCode::Connection): a retry would run the browser
                // sign-in again, another tab the user already answered.
                FlowOutcome::Failed(why) => {
                    return AuthStep::Fail(self.fail(
                        root,
                        AuthError,
                        ResultCode::AccessDenied,
                        why,
                    ));
                }
            };
        }
        if answer == AuthAnswer::None {
            answer = match self
                .auth
                .interactive_sign_in(root, self.config.sign_in_timeout)
                .await
            {
                SignInOutcome::Completed(answer) => answer,
                SignInOutcome::Cancelled => {
                    return AuthStep::Fail(self.fail(
                        root,
                        AuthCancelled,
                        ResultCode::AccessDenied,
                        format!("sign-in to {} was cancelled", cm_url::redact(root)),
                    ));
                }
                SignInOutcome::TimedOut => {
                    let why = if self.auth.has_message_box() {
                        "no sign-in completed within the sign-in timeout"
                    } else {
                        "no authentication callback answered and interactive sign-in is off \
                         (ManagerConfig::interactive_sign_in)"
                    };
                    return AuthStep::Fail(self.fail(
                        root,
                        AuthFailed,
                        ResultCode::AccessDenied,
                        format!("no credentials for {}: {why}", cm_url::redact(root)),
                    ));
                }
            };
        }
        match answer {
            AuthAnswer::None | AuthAnswer::Abort => AuthStep::Fail(self.fail(
                root,
                AuthAbort,
                ResultCode::AccessDenied,
                format!("sign-in to {} was aborted", cm_url::redact(root)),
            )),
            AuthAnswer::Token(token) => {
                self.tokens.lock().insert(root.to_owned(), token);
                AuthStep::Retry
            }
            AuthAnswer::UserPassword { username, password } => {
                self.exchange_password(target, &username, &password).await
            }
        }
    }

    /// Runs the browser sign-in for `root`, or waits for the one already running: concurrent
    /// requests to one server share one sign-in (one browser tab, one prompt).
    async fn shared_browser_sign_in(&self, root: &str, endpoints: &SignInEndpoints) -> FlowOutcome {
        loop {
            // Follow the running sign-in, or become its leader (decided under the lock, which
            // is let go before any await).
            let (follow, lead) = {
                let mut flows = self.flows.lock();
                match flows.get(root) {
                    // has_changed errs once the leader is gone (its future was dropped).
                    Some(rx) if rx.has_changed().is_ok() || rx.borrow().is_some() => {
                        (Some(rx.clone()), None)
                    }
                    _ => {
                        let (tx, rx) = watch::channel(None);
                        flows.insert(root.to_owned(), rx);
                        (None, Some(tx))
                    }
                }
            };
            if let Some(tx) = lead {
                let settings = FlowSettings {
                    flow: self.config.sign_in_flow,
                    open_browser: self.config.open_browser,
                    timeout: self.config.sign_in_timeout,
                };
                let outcome =
                    browser_sign_in::run(&self.http, &self.auth, root, endpoints, &settings).await;
                self.flows.lock().remove(root);
                if let FlowOutcome::Signed(AuthAnswer::Token(token)) = &outcome {
                    self.fresh_tokens
                        .lock()
                        .insert(root.to_owned(), token.clone());
                    self.auth.tell_signed_in(root, token);
                }
                tx.send_replace(Some(outcome.clone()));
                return outcome;
            }
            let running = follow;
            let Some(mut rx) = running else { continue };
            loop {
                if let Some(outcome) = rx.borrow_and_update().clone() {
                    return outcome;
                }
                if rx.changed().await.is_err() {
                    break;
                }
            }
            if let Some(outcome) = rx.borrow().clone() {
                return outcome;
            }
            // The leader was dropped before it finished: start again (maybe as the leader).
            self.flows.lock().retain(|_, r| r.has_changed().is_ok());
        }
    }

    async fn exchange_password(
        &self,
        target: &Target,
        username: &str,
        password: &Secret,
    ) -> AuthStep {
        let root = target.root.as_str();
        let body = serde_json::json!({ "username": username, "password": password.expose() });
        let response = match self
            .http
            .post(format!("{}/auth/token", target.base))
            .json(&body)
            .send()
            .await
        {
            Ok(response) => response,
            Err(e) => {
                let message = format!("signing in to {}: {}", cm_url::redact(root), describe(&e));
                return AuthStep::Fail(self.fail(root, AuthError, ResultCode::Connection, message));
            }
        };
        match response.status() {
            // Wrong password: ask again (the round counter bounds this).
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => AuthStep::Retry,
            status if status.is_success() => match read_json::<TokenBody>(response).await {
                Ok(body) => {
                    self.tokens
                        .lock()
                        .insert(root.to_owned(), Secret::new(body.token));
                    AuthStep::Retry
                }
                Err(BodyError::Transport(e)) => {
                    let message =
                        format!("signing in to {}: {}", cm_url::redact(root), describe(&e));
                    AuthStep::Fail(self.fail(root, AuthError, ResultCode::Connection, message))
                }
                Err(BodyError::Unusable) => AuthStep::Fail(self.fail(
                    root,
                    AuthError,
                    ResultCode::BadRequest,
                    format!("unreadable sign-in answer from {}", cm_url::redact(root)),
                )),
            },
            status => AuthStep::Fail(self.fail(
                root,
                AuthError,
                ResultCode::Connection,
                format!("signing in to {} answered {status}", cm_url::redact(root)),
            )),
        }
    }

    async fn sign_out_inner(&self, url: &str) {
        let Ok(target) = self.target(url) else {
            return;
        };
        let token = self.tokens.lock().remove(&target.root);
        let had_session = token.is_some();
        if let Some(token) = token {
            // Best effort: the token is forgotten here whatever the server says.
            let sent = self
                .http
                .post(format!("{}/auth/sign-out", target.base))
                .bearer_auth(token.expose())
                .send()
                .await;
            if let Err(e) = sent {
                tracing::debug!(server = %cm_url::redact(&target.root), error = %describe(&e), "sign-out request failed");
            }
        }
        self.set(&target.root, SignedOut);
        if had_session {
            tracing::info!(server = %cm_url::redact(&target.root), "signed out");
        } else {
            tracing::info!(server = %cm_url::redact(&target.root), "no session to sign out of");
        }
    }

    async fn reconnect_inner(&self, url: &str) -> Result<(), StorageError> {
        let target = self.target(url)?;
        if self.board.get(&target.root) == Connected {
            self.set(&target.root, Connecting);
        }
        self.stat_inner(&target.root)
            .await
            .map(|_| ())
            .or_else(|e| {
                if e.code == ResultCode::NotFound {
                    Ok(())
                } else {
                    Err(e)
                }
            })
    }
}

/// Maps a transport error to a result code and the status it leaves.
fn classify_transport(
    error: &reqwest::Error,
    was_connected: bool,
) -> (ResultCode, ConnectionStatus) {
    let text = describe(error).to_ascii_lowercase();
    if text.contains("dns error") || text.contains("failed to lookup address") {
        return (
            ResultCode::InvalidHost,
            if was_connected {
                Disconnected
            } else {
                InvalidHost
            },
        );
    }
    let code = if error.is_timeout() {
        ResultCode::ErrorTimeout
    } else {
        ResultCode::Connection
    };
    (
        code,
        if was_connected {
            Disconnected
        } else {
            ConnectError
        },
    )
}

/// The error and its sources on one line. reqwest errors carry the URL; it is stripped because
/// it may hold a query with a token, and the caller names the server itself.
fn describe(error: &reqwest::Error) -> String {
    let mut text = match error.url() {
        Some(url) => error.to_string().replace(url.as_str(), "<url>"),
        None => error.to_string(),
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl StorageClient for HttpStorageClient {
    fn stat<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<StatInfo, StorageError>> {
        Box::pin(self.stat_inner(url))
    }

    fn sign_out<'a>(&'a self, url: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(self.sign_out_inner(url))
    }

    fn reconnect<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<(), StorageError>> {
        Box::pin(self.reconnect_inner(url))
    }

    fn status(&self, server_url: &str) -> ConnectionStatus {
        self.board.get(server_url)
    }

    fn subscribe(&self, server_url: &str) -> watch::Receiver<ConnectionStatus> {
        self.board.subscribe(server_url)
    }

    fn auth(&self) -> &AuthCallbacks {
        &self.auth
    }

    fn status_changes(&self) -> Option<tokio::sync::broadcast::Receiver<super::StatusChange>> {
        Some(self.board.changes())
    }
}
