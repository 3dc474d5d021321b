//! Why a URL was rejected.
//!
//! Every variant carries the offending part and the input it came from, so that the `Display`
//! form is one line a user can act on. The `input` fields are already passed through
//! [`redact`](crate::redact): an error message can be logged or shown without leaking a password.

use crate::scheme::{EXPECTED_SCHEMES, Scheme};

/// A server URL that cm-url refuses, with the reason.
///
/// ```
/// let err = cm_url::parse("ftp://x").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "unknown scheme \"ftp\" in \"ftp://x\"; expected one of omniverse, http, https, s3, s3a, s3n, gs, az, azure, adl, abfs, abfss, wasb, wasbs, file"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// The input was empty or only whitespace.
    #[error("empty URL; expected a server URL such as \"omniverse://server/\"")]
    Empty,

    /// The input has no `scheme:` prefix (for example `example.com:3009/path`).
    #[error(
        "no scheme in \"{input}\"; expected a URL such as \"omniverse://server/\" with one of {}",
        EXPECTED_SCHEMES
    )]
    NoScheme {
        /// The (redacted) input.
        input: String,
    },

    /// The scheme is not one cm-url knows.
    #[error(
        "unknown scheme \"{scheme}\" in \"{input}\"; expected one of {}",
        EXPECTED_SCHEMES
    )]
    UnknownScheme {
        /// The scheme as written.
        scheme: String,
        /// The (redacted) input.
        input: String,
    },

    /// The input contains a control character, or whitespace outside the path, after
    /// trimming its ends.
    #[error(
        "{} {character:?} (U+{:04X}) at index {index} in \"{input}\"; URLs must not contain control characters, nor whitespace outside the path (percent-encode them, e.g. %20)",
        if character.is_control() { "control character" } else { "whitespace" },
        *character as u32
    )]
    InvalidCharacter {
        /// The offending character.
        character: char,
        /// Its index, counted in characters from the start of the trimmed input.
        index: usize,
        /// The (redacted) input.
        input: String,
    },

    /// The scheme needs a host (or bucket/container name) and none was given.
    #[error(
        "no host in \"{input}\"; {scheme}:// URLs need a {}, e.g. \"{scheme}://{}/\"",
        host_noun(scheme),
        host_example(scheme)
    )]
    NoHost {
        /// The scheme, lower-cased.
        scheme: String,
        /// The (redacted) input.
        input: String,
    },

    /// The port is not a number from 1 to 65535, or the scheme takes no port.
    #[error("bad port{} in \"{input}\": {reason}", quoted(port))]
    BadPort {
        /// The port as written (empty when it could not be isolated).
        port: String,
        /// Why it was refused.
        reason: String,
        /// The (redacted) input.
        input: String,
    },

    /// The host is not a valid domain name, IP address, or bucket name.
    #[error("bad host{} in \"{input}\": {reason}", quoted(host))]
    BadHost {
        /// The host as written (empty when it could not be isolated).
        host: String,
        /// Why it was refused.
        reason: String,
        /// The (redacted) input.
        input: String,
    },

    /// Any other syntax error reported by the `url` crate.
    #[error("malformed URL \"{input}\": {reason}")]
    Malformed {
        /// What the `url` crate objected to.
        reason: String,
        /// The (redacted) input.
        input: String,
    },
}

/// ` "part"` for a message, or nothing when the part could not be isolated.
fn quoted(part: &str) -> String {
    if part.is_empty() {
        String::new()
    } else {
        format!(" \"{part}\"")
    }
}

/// What a scheme calls its host, for the [`UrlError::NoHost`] message.
fn host_noun(scheme: &str) -> &'static str {
    if Scheme::from_name(scheme).is_some_and(Scheme::host_is_bucket) {
        "bucket or container name"
    } else {
        "host name"
    }
}

/// An example host for the [`UrlError::NoHost`] message.
fn host_example(scheme: &str) -> &'static str {
    if Scheme::from_name(scheme).is_some_and(Scheme::host_is_bucket) {
        "bucket"
    } else {
        "server"
    }
}

impl UrlError {
    /// The redacted input the error is about (`None` for [`UrlError::Empty`]).
    pub fn input(&self) -> Option<&str> {
        match self {
            UrlError::Empty => None,
            UrlError::NoScheme { input }
            | UrlError::UnknownScheme { input, .. }
            | UrlError::InvalidCharacter { input, .. }
            | UrlError::NoHost { input, .. }
            | UrlError::BadPort { input, .. }
            | UrlError::BadHost { input, .. }
            | UrlError::Malformed { input, .. } => Some(input),
        }
    }
}
