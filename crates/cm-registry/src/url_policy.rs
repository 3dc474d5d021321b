//! The registry's URL rules, all delegated to cm-url.
//!
//! * Every URL is stored in cm-url's normalised form **without user info**
//!   (`cm_url::without_credentials`): the registry holds locations, not
//!   credentials (those belong to cm-manager's auth callback), and what it
//!   holds is written to `omniverse.toml`, where a password must never land.
//!   Storing one spelling per location is also what makes duplicate checks,
//!   lookups and the reload diff exact.
//! * A manual server is stored as its server root (`cm_url::server_root`), so
//!   adding `omniverse://host/Projects/` registers the server `omniverse://host/`.
//! * A discovery URL must be `http` or `https` (the discovery protocol is HTTP).
//! * A new URL with a credential in its query or fragment (`?X-Amz-Signature=`, `?sig=`,
//!   `?token=`) is refused rather than stored: see [`RegistryError::CredentialInUrl`].

use crate::error::RegistryError;

pub use cm_url::{UrlError, UrlKind};

fn invalid(url: &str, source: UrlError) -> RegistryError {
    RegistryError::InvalidUrl {
        url: redact(url),
        source,
    }
}

/// The stored form of a bookmark URL or cached address.
pub(crate) fn normalize(url: &str) -> Result<String, RegistryError> {
    // Almost every URL read back from the file is already in this form; recognising it
    // without a parse is most of start-up time with a large file. `plain` refuses user
    // info, so its answer needs no credential stripping.
    if let Some(plain) = cm_url::plain(url) {
        return Ok(plain.as_str().to_owned());
    }
    cm_url::without_credentials(url).map_err(|e| invalid(url, e))
}

/// The stored form of a bookmark URL given by a caller (not read from the file): also refuses
/// a URL that carries a credential in its query or fragment.
pub(crate) fn normalize_new(url: &str) -> Result<String, RegistryError> {
    let parsed = cm_url::parse(url).map_err(|e| invalid(url, e))?;
    refuse_secret_param(&parsed, url)?;
    Ok(parsed.without_credentials())
}

/// The stored form of a discovery URL.
pub(crate) fn normalize_discovery(url: &str) -> Result<String, RegistryError> {
    parse_discovery(url).map(|parsed| parsed.without_credentials())
}

/// [`normalize_discovery`] for a URL given by a caller: also refuses a credential parameter.
pub(crate) fn normalize_new_discovery(url: &str) -> Result<String, RegistryError> {
    let parsed = parse_discovery(url)?;
    refuse_secret_param(&parsed, url)?;
    Ok(parsed.without_credentials())
}

fn parse_discovery(url: &str) -> Result<cm_url::ServerUrl, RegistryError> {
    let parsed = cm_url::parse(url).map_err(|e| invalid(url, e))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(RegistryError::UnsupportedDiscoveryUrl { url: redact(url) });
    }
    Ok(parsed)
}

/// Refuses `stored` (a normalised form of the caller's `given` URL) when it carries a credential
/// parameter. For a rename, which must first compare the stored form with the bookmark's URL.
pub(crate) fn refuse_secret_in_stored(stored: &str, given: &str) -> Result<(), RegistryError> {
    match cm_url::parse(stored) {
        Ok(parsed) => refuse_secret_param(&parsed, given),
        Err(e) => Err(invalid(given, e)),
    }
}

/// Entries read from the file keep such URLs as written (the file is the user's, and dropping
/// an entry would lose data); only new URLs from callers are refused.
fn refuse_secret_param(parsed: &cm_url::ServerUrl, url: &str) -> Result<(), RegistryError> {
    match parsed.secret_param() {
        Some(key) => Err(RegistryError::CredentialInUrl {
            url: redact(url),
            key: key.to_owned(),
        }),
        None => Ok(()),
    }
}

/// The stored form (server root) and kind of a manual server URL.
pub(crate) fn manual_server_root(url: &str) -> Result<(String, UrlKind), RegistryError> {
    // `cm_url::entry_root`: a file server keeps its directory, the one rule for file roots.
    let kind = cm_url::kind(url).map_err(|e| invalid(url, e))?;
    let root = cm_url::entry_root(url).map_err(|e| invalid(url, e))?;
    Ok((root, kind))
}

/// A URL safe to log or put in an event.
pub(crate) fn redact(url: &str) -> String {
    cm_url::redact(url)
}

/// The `[servers]` key for a server root: `cm_url::server_key`, the one rule (file roots
/// keep their trailing slash).
pub(crate) fn server_key(root: &str) -> String {
    cm_url::server_key(root)
}
