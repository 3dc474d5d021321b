//! Wire types of the stand-in protocol (see `docs/PROTOCOL.md`).
//!
//! These are the JSON bodies cm-testkit sends and accepts. Clients in other crates define their own
//! copies (they must not depend on the testkit, nor the testkit on them); tests can use these to
//! build or check bodies. [`PROTOCOL_VERSION`] is the server's copy of the clients'
//! `cm_discovery::PROTOCOL_VERSION`: `cm-discovery/tests/http_client.rs` asserts they are equal.

use serde::{Deserialize, Serialize};

/// Version of the discovery document and storage protocol this server speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// Body of `GET /discovery`: the storage services a discovery server knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveryDocument {
    /// Document format version; clients reject versions they do not know.
    pub version: u32,
    /// The storage services, in the server's preferred order.
    pub storage: Vec<StorageEntry>,
}

/// One storage service listed by discovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageEntry {
    /// Address of the storage service, e.g. `omniverse://127.0.0.1:4100/`.
    pub url: String,
}

/// Result codes carried in storage responses (`"result"` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WireResultCode {
    /// The request succeeded.
    Ok,
    /// The path does not exist.
    NotFound,
    /// Credentials are missing, wrong, or not allowed to do this.
    AccessDenied,
    /// The `path` parameter is missing or not absolute.
    InvalidPath,
    /// The request was malformed (wrong method, unreadable body).
    BadRequest,
    /// The server failed or is unavailable; retrying may help.
    Connection,
    /// The client speaks a protocol version this server does not.
    ServerIncompatible,
}

/// Body of a successful `GET /stat`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatResponse {
    /// Always [`WireResultCode::Ok`].
    pub result: WireResultCode,
    /// The path that was asked about, normalised (leading `/`).
    pub path: String,
    /// `"file"` or `"folder"`.
    pub kind: String,
    /// The user the bearer token belongs to, if one was sent and accepted.
    pub user: Option<String>,
}

/// Body of every error response from the storage endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong, as a result code.
    pub result: WireResultCode,
    /// Human-readable explanation.
    pub error: String,
}

/// Body of `POST /auth/token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRequest {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
}

/// Successful answer of `POST /auth/token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// Always [`WireResultCode::Ok`].
    pub result: WireResultCode,
    /// The bearer token to send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Always `"Bearer"`.
    pub token_type: String,
    /// The user the token belongs to.
    pub username: String,
}

/// Answer of `POST /auth/sign-out`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOutResponse {
    /// Always [`WireResultCode::Ok`]: signing out is idempotent.
    pub result: WireResultCode,
    /// Whether the token was valid (and is now revoked).
    pub revoked: bool,
}

/// Body of `GET /info`: what the storage service speaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfoResponse {
    /// Always `"cm-storage"`.
    pub protocol: String,
    /// Protocol version; clients treat an unknown version as `ServerIncompatible`.
    pub version: u32,
    /// Whether `GET /stat` requires a bearer token right now.
    pub auth_required: bool,
    /// The browser sign-in this server offers (absent when it offers none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in: Option<SignInEndpoints>,
}

/// The browser sign-in a storage server advertises in `GET /info` (OAuth 2.0 authorization code
/// with PKCE over a loopback redirect, RFC 8252; and the device flow, RFC 8628).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInEndpoints {
    /// The page the browser opens: `GET ?response_type=code&client_id&redirect_uri&state&code_challenge&code_challenge_method=S256`.
    pub authorization_endpoint: String,
    /// Where a code (or device code) is exchanged for a token (form-encoded `POST`).
    pub token_endpoint: String,
    /// Where a device authorization starts (form-encoded `POST` with `client_id`).
    pub device_authorization_endpoint: String,
    /// The public client id native clients use.
    pub client_id: String,
}
