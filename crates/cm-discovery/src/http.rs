//! [`HttpDiscoveryClient`]: discovery over the stand-in HTTP protocol, with hard limits.

use std::time::Duration;

use futures::future::BoxFuture;
use reqwest::header::{ACCEPT, CONTENT_LENGTH};
use reqwest::redirect;

use crate::client::{Discovered, DiscoveryClient};
use crate::document::parse_document;
use crate::error::DiscoveryError;

/// Limits of an [`HttpDiscoveryClient`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpDiscoveryConfig {
    /// Longest time to establish the TCP (and TLS) connection. Default 5 s.
    pub connect_timeout: Duration,
    /// Longest time for the whole exchange, body included. Default 15 s.
    pub timeout: Duration,
    /// Largest accepted body; enforced while streaming, so a bigger body is never buffered.
    /// Default 1 MiB.
    pub max_body_bytes: u64,
    /// Most redirects followed; a redirect back to an address already visited is an error at
    /// once. Default 5.
    pub max_redirects: usize,
}

impl Default for HttpDiscoveryConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            max_body_bytes: 1024 * 1024,
            max_redirects: 5,
        }
    }
}

/// The HTTP client could not be built (TLS backend initialisation failed).
#[derive(Debug, Clone, thiserror::Error)]
#[error("could not build the discovery HTTP client: {reason}")]
pub struct ClientBuildError {
    /// The underlying error.
    pub reason: String,
}

/// Discovery over HTTP(S): `GET <discovery URL>`, expecting the JSON document of
/// `docs/PROTOCOL.md`. Cheap to clone (shares one connection pool).
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use cm_discovery::{DiscoveryClient, HttpDiscoveryClient, HttpDiscoveryConfig};
///
/// let client = HttpDiscoveryClient::new(HttpDiscoveryConfig::default())?;
/// let found = client.discover("http://127.0.0.1:4100/discovery").await?;
/// println!("{:?}", found.addresses);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct HttpDiscoveryClient {
    http: reqwest::Client,
    config: HttpDiscoveryConfig,
}

impl HttpDiscoveryClient {
    /// Builds a client with these limits (rustls, no proxy auto-detection surprises beyond
    /// reqwest's defaults).
    pub fn new(config: HttpDiscoveryConfig) -> Result<Self, ClientBuildError> {
        let max_redirects = config.max_redirects;
        let policy = redirect::Policy::custom(move |attempt| {
            if attempt.previous().iter().any(|seen| seen == attempt.url()) {
                attempt.error("redirect loop")
            } else if attempt.previous().len() > max_redirects {
                attempt.error("too many redirects")
            } else {
                attempt.follow()
            }
        });
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .redirect(policy)
            .user_agent(concat!("cm-discovery/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| ClientBuildError {
                reason: error_chain(&err),
            })?;
        Ok(Self { http, config })
    }

    /// The limits this client enforces.
    pub fn config(&self) -> &HttpDiscoveryConfig {
        &self.config
    }

    async fn fetch(&self, discovery_url: &str) -> Result<Discovered, DiscoveryError> {
        let redacted = cm_url::redact(discovery_url);
        let url = reqwest::Url::parse(discovery_url.trim()).map_err(|err| {
            DiscoveryError::InvalidUrl {
                url: redacted.clone(),
                reason: err.to_string(),
            }
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(DiscoveryError::InvalidUrl {
                url: redacted,
                reason: format!("scheme {:?} is not http or https", url.scheme()),
            });
        }

        let mut response = self
            .http
            .get(url)
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|err| self.classify(&redacted, &err))?;
        let status = response.status();
        if !status.is_success() {
            return Err(DiscoveryError::Status {
                url: redacted,
                status: status.as_u16(),
            });
        }
        let too_large = || DiscoveryError::TooLarge {
            url: redacted.clone(),
            limit: self.config.max_body_bytes,
        };
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > self.config.max_body_bytes) {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(declared.unwrap_or(0).min(64 * 1024) as usize);
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| self.classify(&redacted, &err))?
        {
            if body.len() as u64 + chunk.len() as u64 > self.config.max_body_bytes {
                // Dropping `response` closes the connection; the rest is never read.
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }

        parse_document(&redacted, &body)
    }

    fn classify(&self, redacted: &str, err: &reqwest::Error) -> DiscoveryError {
        let url = redacted.to_owned();
        if err.is_timeout() {
            let after = if err.is_connect() {
                self.config.connect_timeout
            } else {
                self.config.timeout
            };
            DiscoveryError::Timeout { url, after }
        } else if err.is_redirect() {
            DiscoveryError::Redirects {
                url,
                limit: self.config.max_redirects,
            }
        } else if err.is_connect() {
            DiscoveryError::Connect {
                url,
                reason: error_chain(err),
            }
        } else {
            DiscoveryError::Transport {
                url,
                reason: error_chain(err),
            }
        }
    }
}

impl DiscoveryClient for HttpDiscoveryClient {
    fn discover<'a>(
        &'a self,
        discovery_url: &'a str,
    ) -> BoxFuture<'a, Result<Discovered, DiscoveryError>> {
        Box::pin(self.fetch(discovery_url))
    }
}

/// The error and its sources, without the URL reqwest would print (it may hold credentials).
fn error_chain(err: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    while let Some(current) = source {
        parts.push(current.to_string());
        source = current.source();
    }
    if parts.is_empty() {
        // No source: the top-level message is all there is; strip the URL part.
        let top = err.to_string();
        parts.push(top.split(" for url (").next().unwrap_or(&top).to_owned());
    }
    parts.join(": ")
}
