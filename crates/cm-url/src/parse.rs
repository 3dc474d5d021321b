//! Turning user input into a [`ServerUrl`]: validation first, then the `url` crate, then the
//! normalisation steps the `url` crate leaves out.
//!
//! Order of checks (the first failure is reported):
//! 1. leading and trailing whitespace is trimmed (paste artefacts); nothing left → `Empty`;
//! 2. any whitespace or control character left → `InvalidCharacter` (the `url` crate would
//!    silently drop tabs and newlines, or encode spaces, which hides typos);
//! 3. the scheme: missing (`example.com:3009`, `C:\dir`) → `NoScheme`, not accepted →
//!    `UnknownScheme`;
//! 4. the `url` crate's parse: host and port errors become `NoHost`, `BadHost`, `BadPort`;
//! 5. host rules the `url` crate does not apply to opaque schemes (IDNA, lower case, trailing
//!    dot) and cm-url's own rules (bucket names, no port 0, no port on bucket schemes).

use url::{Host, Url};

use crate::error::UrlError;
use crate::kind::{RootLayout, classify};
use crate::normalize::{percent_normalized, push_collapsed_path};
use crate::redact::{percent_decode_lossy, redact_unparsed};
use crate::scheme::Scheme;
use crate::server_url::{ServerUrl, Userinfo};

/// Parses, validates and normalises `input`.
pub(crate) fn parse(input: &str) -> Result<ServerUrl, UrlError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(UrlError::Empty);
    }
    check_characters(input)?;
    let scheme = detect_scheme(input)?;
    let url = Url::parse(input).map_err(|error| parse_error(error, scheme, input))?;

    let host = normalized_host(&url, scheme, input)?;
    if scheme.needs_host() && host.is_empty() {
        return Err(no_host(scheme, input));
    }
    let port = checked_port(&url, scheme, input)?;

    let username = percent_normalized(url.username());
    let password = url.password().map(percent_normalized);
    let (kind, layout) = classify(scheme, &host, !username.is_empty());
    let path = normalized_path(url.path(), layout);
    let query = url
        .query()
        .filter(|q| !q.is_empty())
        .map(percent_normalized);
    let fragment = url
        .fragment()
        .filter(|f| !f.is_empty())
        .map(percent_normalized);

    let mut server_url = ServerUrl {
        serialized: String::new(),
        kind,
        layout,
        scheme,
        username,
        password,
        host,
        port,
        path,
        query,
        fragment,
    };
    server_url.serialized = server_url.serialize(Userinfo::Keep, true, false);
    Ok(server_url)
}

fn check_characters(input: &str) -> Result<(), UrlError> {
    // Fast path for the usual printable-ASCII URL; the char walk below is the slow part of
    // validation otherwise.
    if input.bytes().all(|b| (0x21..0x7f).contains(&b)) {
        return Ok(());
    }
    match input
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_whitespace() || c.is_control())
    {
        Some((index, character)) => Err(UrlError::InvalidCharacter {
            character,
            index,
            input: redact_unparsed(input),
        }),
        None => Ok(()),
    }
}

/// Finds the scheme, telling "no scheme at all" apart from "a scheme we do not accept".
fn detect_scheme(input: &str) -> Result<Scheme, UrlError> {
    let no_scheme = || UrlError::NoScheme {
        input: redact_unparsed(input),
    };
    let (candidate, rest) = input.split_once(':').ok_or_else(no_scheme)?;
    let mut chars = candidate.chars();
    let is_scheme_syntax = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme_syntax {
        return Err(no_scheme());
    }
    if let Some(scheme) = Scheme::from_name(candidate) {
        return Ok(scheme);
    }
    // `localhost:3009`, `example.com:3009/x` and `C:\dir` have a colon but no scheme.
    let looks_like_host_and_port = rest.starts_with(|c: char| c.is_ascii_digit())
        || (candidate.contains('.') && !rest.starts_with("//"));
    let looks_like_drive = candidate.len() == 1 && rest.starts_with(['\\', '/']);
    if looks_like_host_and_port || looks_like_drive {
        return Err(no_scheme());
    }
    Err(UrlError::UnknownScheme {
        scheme: candidate.to_owned(),
        input: redact_unparsed(input),
    })
}

fn no_host(scheme: Scheme, input: &str) -> UrlError {
    UrlError::NoHost {
        scheme: scheme.as_str().to_owned(),
        input: redact_unparsed(input),
    }
}

/// Maps a `url` crate error to the cm-url reason.
fn parse_error(error: url::ParseError, scheme: Scheme, input: &str) -> UrlError {
    use url::ParseError as E;
    // Parts are isolated from the redacted text so a mis-split password never shows up.
    let redacted = redact_unparsed(input);
    match error {
        E::EmptyHost => no_host(scheme, input),
        E::InvalidPort => UrlError::BadPort {
            port: authority_parts(&redacted).1.to_owned(),
            reason: "not a number from 1 to 65535".to_owned(),
            input: redacted,
        },
        E::InvalidIpv4Address
        | E::InvalidIpv6Address
        | E::InvalidDomainCharacter
        | E::IdnaError => UrlError::BadHost {
            host: authority_parts(&redacted).0.to_owned(),
            reason: error.to_string(),
            input: redacted,
        },
        _ => UrlError::Malformed {
            reason: error.to_string(),
            input: redacted,
        },
    }
}

/// Best-effort `(host, port)` text of a URL that failed to parse.
fn authority_parts(text: &str) -> (&str, &str) {
    let authority_start = text.find("://").map_or(text, |i| &text[i + 3..]);
    let authority = authority_start
        .split(['/', '\\', '?', '#'])
        .next()
        .unwrap_or_default();
    let host_and_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let host_end = if host_and_port.starts_with('[') {
        host_and_port
            .find(']')
            .map_or(host_and_port.len(), |i| i + 1)
    } else {
        host_and_port.find(':').unwrap_or(host_and_port.len())
    };
    let (host, port) = host_and_port.split_at(host_end);
    (host, port.strip_prefix(':').unwrap_or(port))
}

/// The host text of input that does not parse, for a display name; falls back to the whole
/// redacted input when no host can be isolated.
pub(crate) fn best_effort_host(input: &str) -> String {
    let redacted = redact_unparsed(input.trim());
    let (host, _) = authority_parts(&redacted);
    if host.is_empty() {
        redacted
    } else {
        host.to_owned()
    }
}

/// The host in canonical form (see [`ServerUrl::host`]).
fn normalized_host(url: &Url, scheme: Scheme, input: &str) -> Result<String, UrlError> {
    let bad_host = |host: &str, reason: &str| UrlError::BadHost {
        host: host.to_owned(),
        reason: reason.to_owned(),
        input: redact_unparsed(input),
    };
    let host = match url.host() {
        None | Some(Host::Domain("")) => return Ok(String::new()),
        Some(host) if scheme.has_special_host() => host.to_owned(),
        Some(Host::Domain(opaque)) if scheme.host_is_bucket() => {
            let name = opaque.to_ascii_lowercase();
            let valid = name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
            if !valid {
                return Err(bad_host(
                    &percent_decode_lossy(opaque),
                    "bucket and container names use only ASCII letters, digits, '.', '-' and '_'",
                ));
            }
            Host::Domain(name)
        }
        // Lower-casing first lets IDNA take its all-lower-case ASCII pass-through, which is
        // several times faster than mapping mixed case; the result is the same.
        Some(Host::Domain(opaque)) => Host::parse(&opaque.to_ascii_lowercase())
            .map_err(|error| bad_host(opaque, &format!("{error} (after IDNA mapping)")))?,
        Some(host) if scheme.host_is_bucket() => {
            return Err(bad_host(
                &host.to_string(),
                "expected a bucket or container name, not an IP address",
            ));
        }
        Some(host) => host.to_owned(),
    };
    Ok(match host {
        Host::Domain(domain) => {
            let trimmed = domain.trim_end_matches('.');
            if trimmed.is_empty() && !domain.is_empty() {
                return Err(bad_host(&domain, "a host name cannot consist of dots only"));
            }
            if trimmed.len() == domain.len() || scheme.host_is_bucket() {
                return Ok(trimmed.to_owned());
            }
            // Without its dots the host can read as an IPv4 address (`4...` → `4`, which
            // the host parser takes for 0.0.0.4), so the trimmed form is parsed again:
            // otherwise normalising twice would give a different answer than once.
            match Host::parse(trimmed) {
                Ok(Host::Domain(domain)) => domain,
                Ok(Host::Ipv4(address)) => address.to_string(),
                Ok(Host::Ipv6(address)) => format!("[{address}]"),
                Err(error) => return Err(bad_host(&domain, &error.to_string())),
            }
        }
        Host::Ipv4(address) => address.to_string(),
        Host::Ipv6(address) => format!("[{address}]"),
    })
}

fn checked_port(url: &Url, scheme: Scheme, input: &str) -> Result<Option<u16>, UrlError> {
    let Some(port) = url.port() else {
        return Ok(None);
    };
    let reason = if port == 0 {
        "port 0 cannot be connected to".to_owned()
    } else if scheme.host_is_bucket() {
        format!(
            "{}:// URLs name a bucket or container and take no port",
            scheme.as_str()
        )
    } else {
        return Ok(Some(port));
    };
    Err(UrlError::BadPort {
        port: port.to_string(),
        reason,
        input: redact_unparsed(input),
    })
}

/// The canonical path: starts with `/`, slash runs collapsed, and a lone container/bucket
/// segment gets its trailing `/` so that the URL of a server root is spelled exactly like the
/// root.
fn normalized_path(raw: &str, layout: RootLayout) -> String {
    let mut path = String::with_capacity(raw.len() + 1);
    push_collapsed_path(&mut path, raw);
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    let is_lone_segment = path.len() > 1 && !path[1..].contains('/');
    if layout == RootLayout::FirstSegment && is_lone_segment {
        path.push('/');
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_parts_isolate_host_and_port() {
        assert_eq!(authority_parts("http://u@h:99999/x"), ("h", "99999"));
        assert_eq!(authority_parts("omniverse://[::1]:x"), ("[::1]", "x"));
        assert_eq!(authority_parts("https://h"), ("h", ""));
    }
}
