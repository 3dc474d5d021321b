//! The authorization-code flow: a one-shot HTTP listener on `127.0.0.1` receives the browser's
//! redirect (RFC 8252 §7.3).
//!
//! The listener understands exactly one request, `GET /callback?...` carrying this sign-in's
//! `state`; anything else (another path, a callback with a wrong or missing `state`) is answered
//! `404`/`400` and the wait goes on, so a forged request from another local process or a web page
//! cannot end the sign-in. Each connection is served in its own task (at most
//! [`MAX_CONNECTIONS`] at once; a new one beyond that ends the oldest), so idle connections never
//! delay the real callback. A request head larger than [`MAX_HEAD`] or slower than [`READ_PATIENCE`] is dropped.
//! The listener lives inside this function: it closes (and every connection task is aborted) when
//! the callback arrives, the sign-in is cancelled or it times out.

use std::collections::{HashMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::pkce::{Pkce, random_text};
use super::{
    FlowOutcome, FlowSettings, SignInEndpoints, from_handle, open_in_browser, request_token,
};
use crate::auth::{AuthAnswer, AuthCallbacks, Secret};

/// Largest request head read from the browser.
const MAX_HEAD: usize = 16 * 1024;
/// How long one connection may take to send its request head.
const READ_PATIENCE: Duration = Duration::from_secs(10);
/// Connections served at once; a new one beyond this ends the oldest still being served (the
/// likeliest to be idle), so a flood of idle connections cannot keep the browser's redirect out.
const MAX_CONNECTIONS: usize = 64;

/// What the redirect said.
enum Callback {
    Code(Secret),
    Refused(String),
}

pub(super) async fn run(
    http: &reqwest::Client,
    auth: &AuthCallbacks,
    server_url: &str,
    endpoints: &SignInEndpoints,
    settings: &FlowSettings,
) -> FlowOutcome {
    // Loopback only: a listener on 0.0.0.0 would let the network deliver (or steal) the code.
    let listener = match TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await {
        Ok(listener) => listener,
        Err(e) => return FlowOutcome::Failed(format!("cannot listen on 127.0.0.1: {e}")),
    };
    let port = match listener.local_addr() {
        Ok(addr) => addr.port(),
        Err(e) => return FlowOutcome::Failed(format!("cannot read the loopback port: {e}")),
    };
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let pkce = Pkce::new();
    let state = random_text(16);
    let mut url = endpoints.authorization.clone();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &endpoints.client_id)
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("state", &state)
        .append_pair("code_challenge", &pkce.challenge)
        .append_pair("code_challenge_method", "S256");
    let url = url.to_string();

    let (handle, from_user) = auth.begin_sign_in(server_url, Some(url.clone()), None);
    let shown = super::ShownPrompt { auth, handle };
    if settings.open_browser {
        open_in_browser(&url);
    }
    let callback = tokio::select! {
        outcome = from_user => Err(from_handle(outcome)),
        callback = wait_for_callback(&listener, &state, server_url) => Ok(callback),
        () = tokio::time::sleep(settings.timeout) => Err(FlowOutcome::TimedOut),
    };
    // Closed now, whatever happened: nothing can reach the port any more.
    drop(listener);
    let outcome = match callback {
        Err(outcome) => outcome,
        Ok(Callback::Refused(why)) => FlowOutcome::Refused(why),
        Ok(Callback::Code(code)) => {
            let form = [
                ("grant_type", "authorization_code"),
                ("code", code.expose()),
                ("redirect_uri", redirect_uri.as_str()),
                ("client_id", endpoints.client_id.as_str()),
                ("code_verifier", pkce.verifier.expose()),
            ];
            match request_token(http, auth, server_url, endpoints, &form).await {
                Ok(token) => FlowOutcome::Signed(AuthAnswer::Token(token)),
                Err((_, outcome)) => outcome,
            }
        }
    };
    drop(shown);
    outcome
}

/// Accepts connections until one brings the callback; every connection is served in its own
/// task so that none can hold up another. Dropping the future aborts them all.
async fn wait_for_callback(listener: &TcpListener, state: &str, server_url: &str) -> Callback {
    let state: Arc<str> = Arc::from(state);
    let server_url: Arc<str> = Arc::from(server_url);
    let mut connections = tokio::task::JoinSet::new();
    // Oldest first, for ending the oldest at the limit.
    let mut order: VecDeque<tokio::task::AbortHandle> = VecDeque::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                order.retain(|task| !task.is_finished());
                if order.len() >= MAX_CONNECTIONS
                    && let Some(oldest) = order.pop_front()
                {
                    oldest.abort();
                }
                let (state, server_url) = (state.clone(), server_url.clone());
                order.push_back(
                    connections.spawn(async move { serve(stream, &state, &server_url).await }),
                );
            }
            Some(served) = connections.join_next(), if !connections.is_empty() => {
                if let Ok(Some(callback)) = served {
                    return callback;
                }
            }
        }
    }
}

/// Answers one connection; `Some` when it was this sign-in's callback.
async fn serve(mut stream: TcpStream, state: &str, server_url: &str) -> Option<Callback> {
    let head = tokio::time::timeout(READ_PATIENCE, read_head(&mut stream))
        .await
        .ok()??;
    let request_line = head.lines().next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next()?, parts.next()?);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if method != "GET" || path != "/callback" {
        respond(
            &mut stream,
            "404 Not Found",
            "Not found",
            "This address only takes the sign-in redirect.",
        )
        .await;
        return None;
    }
    let params: HashMap<String, String> = reqwest::Url::parse(&format!("http://x/?{query}"))
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default();
    let server = escape(server_url);
    // RFC 6749 §10.12: a redirect whose state is not ours is not our sign-in's answer. It is
    // refused and ignored: the wait goes on, so a forged request cannot end the sign-in.
    if params.get("state").map(String::as_str) != Some(state) {
        tracing::warn!("ignored a sign-in callback with a wrong or missing state");
        respond(
            &mut stream,
            "400 Bad Request",
            "Sign-in refused",
            "The answer did not match this sign-in (state mismatch); it was ignored.",
        )
        .await;
        return None;
    }
    if let Some(error) = params.get("error") {
        let error: String = error.chars().take(64).collect();
        respond(
            &mut stream,
            "200 OK",
            "Sign-in refused",
            &format!(
                "Signing in to {server} was refused ({}). You can close this page.",
                escape(&error)
            ),
        )
        .await;
        return Some(Callback::Refused(format!(
            "the server refused the sign-in: {error}"
        )));
    }
    match params.get("code").filter(|c| !c.is_empty()) {
        Some(code) => {
            respond(
                &mut stream,
                "200 OK",
                "Signed in",
                &format!("Signed in to {server}. You can close this page."),
            )
            .await;
            Some(Callback::Code(Secret::new(code.as_str())))
        }
        None => {
            respond(
                &mut stream,
                "400 Bad Request",
                "Sign-in failed",
                "The redirect carried no code.",
            )
            .await;
            Some(Callback::Refused(
                "the sign-in redirect carried no code".to_owned(),
            ))
        }
    }
}

/// Reads up to the end of the request head (`\r\n\r\n`); `None` if too large or cut short.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::with_capacity(1024);
    let mut buffer = [0u8; 2048];
    loop {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 {
            return None;
        }
        head.extend_from_slice(&buffer[..read]);
        if head.windows(4).any(|w| w == b"\r\n\r\n") {
            return String::from_utf8(head).ok();
        }
        if head.len() > MAX_HEAD {
            return None;
        }
    }
}

async fn respond(stream: &mut TcpStream, status: &str, title: &str, message: &str) {
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{message}</p></body></html>"
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    // Best effort: the browser may already have gone.
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
