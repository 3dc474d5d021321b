//! The browser sign-in: OAuth 2.0 for native apps (RFC 8252) with PKCE (RFC 7636) over a
//! loopback redirect, and the device flow (RFC 8628) for machines without a browser.
//!
//! The storage client runs it when a server that advertises a sign-in (`GET /info`, see
//! `docs/PROTOCOL.md`) answers `401`, no authentication callback has credentials
//! ([`AuthAnswer::None`](crate::AuthAnswer::None)) and interactive sign-in is on:
//!
//! 1. bind a listener on `127.0.0.1` with an ephemeral port (never `0.0.0.0`);
//! 2. open the authorization URL (with a fresh `state` and S256 code challenge) in the system
//!    browser (the `webbrowser` crate, which honours `$BROWSER`), and tell the message-box
//!    callbacks [`SignInPrompt::Show`](crate::SignInPrompt::Show) with that URL so a UI can
//!    offer "open again" and a copy-able link;
//! 3. wait for the redirect to `/callback`, a cancel through the handle, or the timeout,
//!    whichever is first; the listener is closed at that moment;
//! 4. check `state`, exchange the code with its verifier, `Hide`.
//!
//! The device flow shows the verification URL and the user code instead and polls the token
//! endpoint. Secrets (the verifier, the code, the token) are held in [`Secret`] and never logged.

mod device;
mod loopback;
mod pkce;

use std::time::Duration;

use serde::Deserialize;

use crate::auth::{AuthAnswer, AuthCallbacks, Secret, SignInOutcome};

/// Which browser sign-in the storage client runs (see `HttpStorageConfig::sign_in_flow`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SignInFlow {
    /// Authorization code with PKCE over a loopback redirect (the default).
    #[default]
    AuthorizationCode,
    /// The device flow: show a URL and a user code to type there, poll for the token.
    Device,
}

/// The sign-in a server advertises in `GET /info` (`sign_in`), checked: every endpoint is an
/// absolute `http`/`https` URL (anything else would be handed to the system browser).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SignInEndpoints {
    pub(crate) authorization: reqwest::Url,
    pub(crate) token: reqwest::Url,
    pub(crate) device: reqwest::Url,
    pub(crate) client_id: String,
}

/// The wire form of `sign_in` in `/info`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct SignInEndpointsBody {
    authorization_endpoint: String,
    token_endpoint: String,
    device_authorization_endpoint: String,
    client_id: String,
}

impl SignInEndpoints {
    /// Checks the advertised endpoints; `None` (logged) when one is not an http(s) URL.
    pub(crate) fn from_body(body: &SignInEndpointsBody) -> Option<Self> {
        let parse = |text: &str| {
            reqwest::Url::parse(text)
                .ok()
                .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
        };
        let checked = Some(Self {
            authorization: parse(&body.authorization_endpoint)?,
            token: parse(&body.token_endpoint)?,
            device: parse(&body.device_authorization_endpoint)?,
            client_id: body.client_id.clone(),
        });
        checked.filter(|e| !e.client_id.is_empty())
    }

    /// Why [`SignInEndpoints::from_body`] refused `body`, in words: which endpoint, and its
    /// scheme (`javascript:`, `file:`, ...), never the whole URL.
    pub(crate) fn refusal(body: &SignInEndpointsBody) -> String {
        let endpoints = [
            ("authorization", &body.authorization_endpoint),
            ("token", &body.token_endpoint),
            ("device authorization", &body.device_authorization_endpoint),
        ];
        for (name, text) in endpoints {
            match reqwest::Url::parse(text) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {}
                Ok(url) => {
                    let scheme: String = url.scheme().chars().take(20).collect();
                    return format!(
                        "the server's {name} endpoint is not an http(s) URL ({scheme}:); it was not opened"
                    );
                }
                Err(_) => return format!("the server's {name} endpoint is not a URL"),
            }
        }
        "the server's sign-in names no client_id".to_owned()
    }
}

/// How one browser sign-in is run.
#[derive(Clone, Debug)]
pub(crate) struct FlowSettings {
    pub(crate) flow: SignInFlow,
    pub(crate) open_browser: bool,
    pub(crate) timeout: Duration,
}

/// How a browser sign-in ended. Cloneable: callers that share one sign-in all get it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FlowOutcome {
    /// Signed in (or credentials arrived through `complete_sign_in`).
    Signed(AuthAnswer),
    /// Cancelled through the handle.
    Cancelled,
    /// Not completed within the timeout.
    TimedOut,
    /// The server or the redirect refused (access_denied, invalid_grant, state mismatch, ...).
    Refused(String),
    /// The flow could not run (no loopback port, the server unreachable, an unreadable answer).
    Failed(String),
}

/// Runs one sign-in for `server_url` with `endpoints`.
pub(crate) async fn run(
    http: &reqwest::Client,
    auth: &AuthCallbacks,
    server_url: &str,
    endpoints: &SignInEndpoints,
    settings: &FlowSettings,
) -> FlowOutcome {
    // One deadline for the whole flow: the wait, the device polls and the token exchange (whose
    // request would otherwise get the client's own request timeout on top). Dropping the flow
    // closes the listener and hides the prompt.
    let flow = async {
        match settings.flow {
            SignInFlow::AuthorizationCode => {
                loopback::run(http, auth, server_url, endpoints, settings).await
            }
            SignInFlow::Device => device::run(http, auth, server_url, endpoints, settings).await,
        }
    };
    tokio::time::timeout(settings.timeout, flow)
        .await
        .unwrap_or(FlowOutcome::TimedOut)
}

/// Ends a pending sign-in (`Hide`) when dropped: also when the caller's future is dropped
/// mid-flow (a caller's own timeout), so no prompt is left showing.
struct ShownPrompt<'a> {
    auth: &'a AuthCallbacks,
    handle: crate::auth::SignInHandle,
}

impl Drop for ShownPrompt<'_> {
    fn drop(&mut self) {
        self.auth.end_sign_in(self.handle);
    }
}

/// What a cancel / complete through the handle means for the flow.
fn from_handle(
    outcome: Result<SignInOutcome, tokio::sync::oneshot::error::RecvError>,
) -> FlowOutcome {
    match outcome {
        Ok(SignInOutcome::Completed(answer)) => FlowOutcome::Signed(answer),
        Ok(SignInOutcome::Cancelled) | Err(_) => FlowOutcome::Cancelled,
        Ok(SignInOutcome::TimedOut) => FlowOutcome::TimedOut,
    }
}

/// Opens `url` in the system browser on a helper thread (`webbrowser` may wait for the browser
/// process to start). A failure is logged without the URL and otherwise ignored: the prompt
/// shows the link, and the user can open it by hand.
fn open_in_browser(url: &str) {
    let url = url.to_owned();
    let spawned = std::thread::Builder::new()
        .name("cm-open-browser".to_owned())
        .spawn(move || {
            if let Err(error) = webbrowser::open(&url) {
                tracing::warn!(%error, "could not open a browser for the sign-in; open the link the prompt shows");
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "could not start the thread that opens the browser");
    }
}

/// The token endpoint's answers.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    username: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Posts a grant to the token endpoint: `Ok(token)` (the user name it names is noted in `auth`
/// for `server_url`), or `Err((error code, outcome))`.
async fn request_token(
    http: &reqwest::Client,
    auth: &AuthCallbacks,
    server_url: &str,
    endpoints: &SignInEndpoints,
    form: &[(&str, &str)],
) -> Result<Secret, (String, FlowOutcome)> {
    let response = http
        .post(endpoints.token.clone())
        .form(form)
        .send()
        .await
        .map_err(|e| {
            let why = format!("the token endpoint is unreachable: {}", without_url(&e));
            (String::new(), FlowOutcome::Failed(why))
        })?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| {
        let why = format!("reading the token answer: {}", without_url(&e));
        (String::new(), FlowOutcome::Failed(why))
    })?;
    let unreadable = || {
        (
            String::new(),
            FlowOutcome::Failed(format!("unreadable token answer ({status})")),
        )
    };
    if body.len() > 64 * 1024 {
        return Err(unreadable());
    }
    let answer: TokenAnswer = serde_json::from_slice(&body).map_err(|_| unreadable())?;
    match (answer.access_token, answer.error) {
        // A token that cannot go into an `Authorization` header (CR/LF, control or non-ASCII
        // bytes) would fail every request: refused here, at once, as what it is.
        (Some(token), None) if status.is_success() && !usable_in_header(&token) => Err((
            String::new(),
            FlowOutcome::Failed("the server sent an unusable token".to_owned()),
        )),
        (Some(token), None) if status.is_success() => {
            if let Some(username) = &answer.username {
                auth.note_signed_in_user(server_url, username);
            }
            Ok(Secret::new(token))
        }
        (_, Some(error)) => {
            let description = answer.error_description.unwrap_or_default();
            let mut why = format!("the server refused the sign-in: {error}");
            if !description.is_empty() {
                why.push_str(&format!(
                    " ({})",
                    description.chars().take(200).collect::<String>()
                ));
            }
            Err((error, FlowOutcome::Refused(why)))
        }
        _ => Err(unreadable()),
    }
}

/// Whether `token` is non-empty visible ASCII (what a bearer header value can carry).
fn usable_in_header(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic())
}

/// A reqwest error without the URL it carries (a URL may hold a code).
fn without_url(error: &reqwest::Error) -> String {
    match error.url() {
        Some(url) => error.to_string().replace(url.as_str(), "<url>"),
        None => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(authorization: &str, token: &str) -> SignInEndpointsBody {
        SignInEndpointsBody {
            authorization_endpoint: authorization.to_owned(),
            token_endpoint: token.to_owned(),
            device_authorization_endpoint: "http://h/auth/device".to_owned(),
            client_id: "cm".to_owned(),
        }
    }

    #[test]
    fn a_refused_endpoint_is_named_with_its_scheme() {
        let js = body("javascript:alert(1)", "http://h/auth/token");
        assert!(SignInEndpoints::from_body(&js).is_none());
        assert_eq!(
            SignInEndpoints::refusal(&js),
            "the server's authorization endpoint is not an http(s) URL (javascript:); it was not opened"
        );
        let file = body("http://h/auth/authorize", "file:///etc/passwd");
        assert!(SignInEndpoints::from_body(&file).is_none());
        assert!(
            SignInEndpoints::refusal(&file)
                .contains("token endpoint is not an http(s) URL (file:)")
        );
    }

    #[test]
    fn only_visible_ascii_tokens_go_into_a_header() {
        assert!(usable_in_header("cmt-abc.DEF_123~"));
        for bad in ["", "a\r\nX-Injected: 1", "a b", "caf\u{e9}", "a\0"] {
            assert!(!usable_in_header(bad), "{bad:?}");
        }
    }
}
