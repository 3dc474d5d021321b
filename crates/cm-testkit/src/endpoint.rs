//! The endpoints the test server tells apart (for faults and counters).

use std::fmt;

/// An endpoint of the test server. Faults, latency, holds and request counters are per endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    /// `GET <discovery prefix>` (and any path under it).
    Discovery,
    /// `GET /stat?path=...`.
    Stat,
    /// `GET /info`.
    Info,
    /// `POST /auth/token`.
    Token,
    /// `POST /auth/sign-out`.
    SignOut,
    /// The browser pages of the sign-in: `GET`/`POST /auth/authorize` (authorization code flow)
    /// and `GET`/`POST /auth/device/verify` (where a device flow's user code is typed).
    Authorize,
    /// `POST /auth/device`: starts a device authorization (RFC 8628).
    Device,
    /// Any other path (answered with 404).
    Other,
}

impl Endpoint {
    /// Every endpoint, in declaration order.
    pub const ALL: [Endpoint; 8] = [
        Endpoint::Discovery,
        Endpoint::Stat,
        Endpoint::Info,
        Endpoint::Token,
        Endpoint::SignOut,
        Endpoint::Authorize,
        Endpoint::Device,
        Endpoint::Other,
    ];

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// Parses the lower-case name used by the binary's flags (`discovery`, `stat`, `info`, `token`,
    /// `sign-out`, `authorize`, `device`, `other`).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "discovery" => Endpoint::Discovery,
            "stat" => Endpoint::Stat,
            "info" => Endpoint::Info,
            "token" => Endpoint::Token,
            "sign-out" => Endpoint::SignOut,
            "authorize" => Endpoint::Authorize,
            "device" => Endpoint::Device,
            "other" => Endpoint::Other,
            _ => return None,
        })
    }

    /// The lower-case name (inverse of [`Endpoint::from_name`]).
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Discovery => "discovery",
            Endpoint::Stat => "stat",
            Endpoint::Info => "info",
            Endpoint::Token => "token",
            Endpoint::SignOut => "sign-out",
            Endpoint::Authorize => "authorize",
            Endpoint::Device => "device",
            Endpoint::Other => "other",
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A fault injected into an endpoint's responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this HTTP status and an [`ErrorBody`](crate::protocol::ErrorBody) (a 401 also
    /// carries `WWW-Authenticate: Bearer`).
    Status(u16),
    /// Close the connection without sending any response.
    Drop,
    /// Answer 200 with a `Content-Type: application/json` body that is not valid JSON.
    MalformedBody,
    /// Answer 200 with a streamed (chunked, no `Content-Length`) body of this many bytes.
    OversizedBody {
        /// Total body size in bytes (e.g. 100 MiB).
        bytes: u64,
    },
    /// Answer `302 Found` with this `Location` (use the endpoint's own URL for a redirect loop).
    Redirect(String),
}

/// How many requests a [`Fault`] applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Times {
    /// Every request until cleared.
    Always,
    /// The next `n` requests, then the endpoint behaves normally again.
    Next(u32),
}

/// One request the server received (in arrival order), for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// Which endpoint it hit.
    pub endpoint: Endpoint,
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// Request path, e.g. `/stat`.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// The bearer token sent in `Authorization`, if any.
    pub bearer_token: Option<String>,
}
