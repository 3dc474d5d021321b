//! Start-up configuration of a [`TestServer`](crate::TestServer).

use std::time::Duration;

/// How a [`TestServer`](crate::TestServer) starts. Everything here can also be changed later
/// through [`Controls`](crate::Controls); the config only sets the initial state.
///
/// ```
/// use cm_testkit::TestServerConfig;
///
/// let config = TestServerConfig::default()
///     .with_user("alice", "secret")
///     .with_required_token(true)
///     .with_path("/Projects/scene.usd");
/// assert_eq!(config.users.len(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct TestServerConfig {
    /// Port to bind on 127.0.0.1; `0` (the default) lets the OS pick a free one.
    pub port: u16,
    /// Path prefix of the discovery endpoint (default `/discovery`); any path under it also answers.
    pub discovery_prefix: String,
    /// Storage addresses listed by discovery. `None` lists this server's own storage URL.
    pub storage_addresses: Option<Vec<String>>,
    /// Accepted user name / password pairs for `POST /auth/token`.
    pub users: Vec<(String, String)>,
    /// Bearer tokens accepted from the start (as if issued earlier), mapped to user `"token-user"`.
    pub tokens: Vec<String>,
    /// Whether `GET /stat` demands a valid bearer token (default `false`).
    pub require_token: bool,
    /// Paths that exist for `GET /stat`. A path ending in `/` is a folder; parents of every path
    /// are folders; `/` always exists.
    pub paths: Vec<String>,
    /// Latency added to every request from the start.
    pub latency: Duration,
    /// Protocol version reported by `GET /info` (default [`PROTOCOL_VERSION`](crate::PROTOCOL_VERSION)).
    pub protocol_version: u32,
    /// Whether `GET /info` advertises the browser sign-in (default `false`; the sign-in endpoints
    /// answer either way).
    pub browser_sign_in: bool,
}

impl Default for TestServerConfig {
    fn default() -> Self {
        Self {
            port: 0,
            discovery_prefix: "/discovery".to_owned(),
            storage_addresses: None,
            users: Vec::new(),
            tokens: Vec::new(),
            require_token: false,
            paths: Vec::new(),
            latency: Duration::ZERO,
            protocol_version: crate::PROTOCOL_VERSION,
            browser_sign_in: false,
        }
    }
}

impl TestServerConfig {
    /// Adds an accepted user name / password pair.
    #[must_use]
    pub fn with_user(mut self, username: &str, password: &str) -> Self {
        self.users.push((username.to_owned(), password.to_owned()));
        self
    }

    /// Adds a bearer token that is valid from the start.
    #[must_use]
    pub fn with_token(mut self, token: &str) -> Self {
        self.tokens.push(token.to_owned());
        self
    }

    /// Sets whether `GET /stat` requires a bearer token.
    #[must_use]
    pub fn with_required_token(mut self, required: bool) -> Self {
        self.require_token = required;
        self
    }

    /// Adds a path that exists for `GET /stat`.
    #[must_use]
    pub fn with_path(mut self, path: &str) -> Self {
        self.paths.push(path.to_owned());
        self
    }

    /// Sets the storage addresses listed by discovery.
    #[must_use]
    pub fn with_storage_addresses<I, S>(mut self, addresses: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.storage_addresses = Some(addresses.into_iter().map(Into::into).collect());
        self
    }

    /// Advertises the browser sign-in in `GET /info` (see `docs/PROTOCOL.md`).
    #[must_use]
    pub fn with_browser_sign_in(mut self, advertised: bool) -> Self {
        self.browser_sign_in = advertised;
        self
    }

    /// Sets the port to bind (0 = any free port).
    #[must_use]
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
}
