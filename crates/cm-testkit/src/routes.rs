//! Request handling: classify, count, hold, delay, inject a fault or answer per the protocol.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, Request, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::endpoint::{Endpoint, Fault, RequestRecord};
use crate::protocol::{
    DiscoveryDocument, ErrorBody, InfoResponse, SignOutResponse, StatResponse, StorageEntry,
    TokenRequest, TokenResponse, WireResultCode,
};
use crate::server::ConnectionKill;
use crate::sign_in_routes;
use crate::state::{Shared, normalise_path};

/// Largest request body accepted (sign-in JSON is tiny).
const MAX_REQUEST_BODY: usize = 64 * 1024;
/// Chunk size of streamed oversized bodies.
const CHUNK: usize = 64 * 1024;
static PADDING: [u8; CHUNK] = [b'x'; CHUNK];
const REALM: &str = "cm-testkit";

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

fn classify(shared: &Shared, path: &str) -> Endpoint {
    let prefix = shared.discovery_prefix.trim_end_matches('/');
    let under_prefix = path
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    if under_prefix {
        return Endpoint::Discovery;
    }
    match path {
        "/stat" => Endpoint::Stat,
        "/info" => Endpoint::Info,
        "/auth/token" => Endpoint::Token,
        "/auth/sign-out" => Endpoint::SignOut,
        "/auth/authorize" | "/auth/device/verify" => Endpoint::Authorize,
        "/auth/device" => Endpoint::Device,
        _ => Endpoint::Other,
    }
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

async fn handle(AxumState(shared): AxumState<Arc<Shared>>, request: Request) -> Response {
    let endpoint = classify(&shared, request.uri().path());
    let token = bearer_token(request.headers());
    let record = RequestRecord {
        endpoint,
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().map(str::to_owned),
        bearer_token: token.clone(),
    };
    shared.update(|s| s.record(record));

    wait_while_held(&shared, endpoint).await;
    let latency = shared.lock().endpoints[endpoint.index()].latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let fault = shared.update(|s| s.take_fault(endpoint));
    if let Some(fault) = fault {
        let kill = request.extensions().get::<ConnectionKill>().cloned();
        return faulty_response(fault, kill).await;
    }

    let expected_method = match endpoint {
        Endpoint::Token | Endpoint::SignOut | Endpoint::Device => Method::POST,
        _ => Method::GET,
    };
    let method_ok = request.method() == expected_method
        || (endpoint == Endpoint::Authorize && request.method() == Method::POST);
    if endpoint != Endpoint::Other && !method_ok {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            WireResultCode::BadRequest,
            format!("{} expects {expected_method}", request.uri().path()),
        );
    }
    match endpoint {
        Endpoint::Discovery => discovery(&shared),
        Endpoint::Stat => stat(&shared, &request, token.as_deref()),
        Endpoint::Info => info(&shared),
        Endpoint::Token => sign_in(&shared, request).await,
        Endpoint::SignOut => sign_out(&shared, token.as_deref()),
        Endpoint::Authorize if request.uri().path() == "/auth/device/verify" => {
            sign_in_routes::device_verify(&shared, request).await
        }
        Endpoint::Authorize => sign_in_routes::authorize(&shared, request).await,
        Endpoint::Device => {
            let base = shared.lock().http_base.clone();
            sign_in_routes::device_start(&shared, request, &base).await
        }
        Endpoint::Other => error(
            StatusCode::NOT_FOUND,
            WireResultCode::NotFound,
            format!("no endpoint at {}", request.uri().path()),
        ),
    }
}

async fn wait_while_held(shared: &Shared, endpoint: Endpoint) {
    let mut changes = shared.subscribe();
    while shared.lock().endpoints[endpoint.index()].held {
        if changes.changed().await.is_err() {
            return;
        }
    }
}

fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    (status, axum::Json(body)).into_response()
}

fn error(status: StatusCode, result: WireResultCode, message: String) -> Response {
    json(
        status,
        &ErrorBody {
            result,
            error: message,
        },
    )
}

fn unauthorized(message: &str, invalid_token: bool) -> Response {
    let mut response = error(
        StatusCode::UNAUTHORIZED,
        WireResultCode::AccessDenied,
        message.to_owned(),
    );
    let challenge = if invalid_token {
        format!("Bearer realm=\"{REALM}\", error=\"invalid_token\"")
    } else {
        format!("Bearer realm=\"{REALM}\"")
    };
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// Maps an HTTP status to the result code the protocol pairs with it.
pub(crate) fn result_code_for(status: StatusCode) -> WireResultCode {
    match status.as_u16() {
        200..=299 => WireResultCode::Ok,
        400 | 405 | 413 => WireResultCode::BadRequest,
        401 | 403 => WireResultCode::AccessDenied,
        404 | 410 => WireResultCode::NotFound,
        505 => WireResultCode::ServerIncompatible,
        _ => WireResultCode::Connection,
    }
}

async fn faulty_response(fault: Fault, kill: Option<ConnectionKill>) -> Response {
    match fault {
        Fault::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if status == StatusCode::UNAUTHORIZED {
                return unauthorized("injected 401", false);
            }
            error(
                status,
                result_code_for(status),
                format!("injected failure {code}"),
            )
        }
        Fault::Drop => {
            if let Some(kill) = kill {
                kill.0.notify_one();
            }
            // The connection task drops this future together with the connection.
            std::future::pending().await
        }
        Fault::MalformedBody => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"version\": 1, \"storage\": [{\"url\": <<this is not json>>",
        )
            .into_response(),
        Fault::OversizedBody { bytes } => {
            let full_chunks = bytes / CHUNK as u64;
            let rest = (bytes % CHUNK as u64) as usize;
            let chunks = (0..full_chunks)
                .map(|_| Bytes::from_static(&PADDING))
                .chain((rest > 0).then(|| Bytes::from_static(&PADDING[..rest])))
                .map(Ok::<_, std::convert::Infallible>);
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(futures::stream::iter(chunks)),
            )
                .into_response()
        }
        Fault::Redirect(location) => {
            (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
        }
    }
}

fn discovery(shared: &Shared) -> Response {
    let storage = shared
        .lock()
        .storage_addresses
        .iter()
        .map(|url| StorageEntry { url: url.clone() })
        .collect();
    json(
        StatusCode::OK,
        &DiscoveryDocument {
            version: crate::PROTOCOL_VERSION,
            storage,
        },
    )
}

fn stat(shared: &Shared, request: &Request, token: Option<&str>) -> Response {
    let state = shared.lock();
    let user = match token {
        Some(token) => match state.tokens.get(token) {
            Some(user) => Some(user.clone()),
            None => return unauthorized("the bearer token is not valid", true),
        },
        None if state.require_token => return unauthorized("a bearer token is required", false),
        None => None,
    };
    let query: HashMap<String, String> = match Query::try_from_uri(request.uri()) {
        Ok(Query(query)) => query,
        Err(err) => {
            return error(
                StatusCode::BAD_REQUEST,
                WireResultCode::InvalidPath,
                format!("bad query: {err}"),
            );
        }
    };
    let Some(path) = query.get("path").filter(|p| p.starts_with('/')) else {
        return error(
            StatusCode::BAD_REQUEST,
            WireResultCode::InvalidPath,
            "the `path` query parameter must be an absolute path like /a/b".to_owned(),
        );
    };
    match state.lookup(path) {
        Some(is_folder) => json(
            StatusCode::OK,
            &StatResponse {
                result: WireResultCode::Ok,
                path: normalise_path(path),
                kind: if is_folder { "folder" } else { "file" }.to_owned(),
                user,
            },
        ),
        None => error(
            StatusCode::NOT_FOUND,
            WireResultCode::NotFound,
            format!("{path} does not exist"),
        ),
    }
}

fn info(shared: &Shared) -> Response {
    let state = shared.lock();
    json(
        StatusCode::OK,
        &InfoResponse {
            protocol: "cm-storage".to_owned(),
            version: state.protocol_version,
            auth_required: state.require_token,
            sign_in: state
                .oauth
                .advertised
                .then(|| sign_in_routes::endpoints(&state.http_base)),
        },
    )
}

async fn sign_in(shared: &Shared, request: Request) -> Response {
    let form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let body = match axum::body::to_bytes(request.into_body(), MAX_REQUEST_BODY).await {
        Ok(body) => body,
        Err(err) => {
            return error(
                StatusCode::BAD_REQUEST,
                WireResultCode::BadRequest,
                format!("could not read the body: {err}"),
            );
        }
    };
    if form {
        // The OAuth grants (authorization code, device code) are form-encoded (RFC 6749 §4.1.3).
        return sign_in_routes::token_grant(shared, &body);
    }
    let credentials: TokenRequest = match serde_json::from_slice(&body) {
        Ok(credentials) => credentials,
        Err(err) => {
            return error(
                StatusCode::BAD_REQUEST,
                WireResultCode::BadRequest,
                format!("expected {{\"username\":..,\"password\":..}}: {err}"),
            );
        }
    };
    let token = shared.update(|s| {
        let accepted = s
            .users
            .get(&credentials.username)
            .is_some_and(|password| *password == credentials.password);
        accepted.then(|| s.issue_token(&credentials.username))
    });
    match token {
        Some(token) => json(
            StatusCode::OK,
            &TokenResponse {
                result: WireResultCode::Ok,
                token,
                token_type: "Bearer".to_owned(),
                username: credentials.username,
            },
        ),
        None => unauthorized("wrong user name or password", false),
    }
}

fn sign_out(shared: &Shared, token: Option<&str>) -> Response {
    let revoked = token.is_some_and(|token| shared.update(|s| s.tokens.remove(token).is_some()));
    json(
        StatusCode::OK,
        &SignOutResponse {
            result: WireResultCode::Ok,
            revoked,
        },
    )
}
