//! Recognising a URL that is already in normal form, without parsing it.
//!
//! A full [`parse`](crate::parse) costs a few microseconds, which dominates hot paths that see
//! the same few URL shapes thousands of times: loading a file of 10 000 bookmarks, or looking
//! a URL up among 1 000 servers. Almost all of those URLs are already normal, plain
//! `omniverse://host/path/` or `https://host/path` strings. [`plain`] recognises them with a
//! byte scan and a conservative rule set; anything unusual (upper case, percent escapes,
//! punycode, IP addresses, user info, query, fragment, default ports, dot segments, a lone
//! bucket segment without its `/`) is refused, and the caller takes the full parse.
//!
//! The contract, checked by a property test: when `plain(u)` is `Some(p)`, then
//! `normalize(u) == Ok(u)` and `p.origin()` is `scheme://host[:port]` of that normal form.

use crate::kind::{RootLayout, classify};
use crate::scheme::Scheme;

/// A URL that [`plain`] found to be in normal form already.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlainUrl<'a> {
    url: &'a str,
    origin_len: usize,
}

impl<'a> PlainUrl<'a> {
    /// The whole URL (equal to its normal form).
    pub fn as_str(&self) -> &'a str {
        self.url
    }

    /// `scheme://host[:port]`, without the path.
    pub fn origin(&self) -> &'a str {
        &self.url[..self.origin_len]
    }

    /// The path, starting with `/`.
    pub fn path(&self) -> &'a str {
        &self.url[self.origin_len..]
    }
}

/// Path bytes that normalisation leaves as they are (unreserved characters, sub-delimiters,
/// `:`, `@`, `/`). `%`, `?` and `#` are not among them.
const PLAIN_PATH_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let extra = b"/-._~!$&'()*+,;=:@";
    let mut i = 0;
    while i < extra.len() {
        table[extra[i] as usize] = true;
        i += 1;
    }
    table
};

/// `Some` when `url` is an `omniverse`, `http` or `https` URL already in normal form and plain
/// enough to be recognised without parsing; `None` means "call [`normalize`](crate::normalize)".
///
/// ```
/// let plain = cm_url::plain("omniverse://my-server:3009/Projects/car.usd").unwrap();
/// assert_eq!(plain.origin(), "omniverse://my-server:3009");
/// assert_eq!(plain.path(), "/Projects/car.usd");
/// assert!(cm_url::plain("omniverse://My-Server/").is_none()); // not normal: upper case
/// assert!(cm_url::plain("https://host/a?b=c").is_none()); // a query: take the full parse
/// ```
pub fn plain(url: &str) -> Option<PlainUrl<'_>> {
    let (scheme, rest) = plain_scheme(url)?;
    let authority_end = rest.find('/')?;
    if !is_plain_authority(scheme, &rest[..authority_end]) {
        return None;
    }
    let origin_len = scheme_len(scheme) + 3 + authority_end;
    let path = &url[origin_len..];
    if !is_plain_path(path) {
        return None;
    }
    // Normalisation gives a lone bucket or container segment its trailing '/'.
    let lone_segment = !path[1..].is_empty() && !path[1..].contains('/');
    if lone_segment
        && classify(scheme, host_of(&rest[..authority_end]), false).1 == RootLayout::FirstSegment
    {
        return None;
    }
    Some(PlainUrl { url, origin_len })
}

/// Whether `url` is a bare `scheme://host[:port]`, with no path (how `[servers]` keys are
/// written), whose normal form is exactly `url` followed by `/`; the same answer as
/// `plain(&format!("{url}/")).is_some()`, without the copy.
///
/// ```
/// assert!(cm_url::is_plain_origin("omniverse://my-server:3009"));
/// assert_eq!(cm_url::normalize("omniverse://my-server:3009").unwrap(), "omniverse://my-server:3009/");
/// assert!(!cm_url::is_plain_origin("omniverse://my-server/")); // has a path: see `plain`
/// assert!(!cm_url::is_plain_origin("https://host:443")); // the default port is dropped
/// ```
pub fn is_plain_origin(url: &str) -> bool {
    plain_scheme(url).is_some_and(|(scheme, authority)| {
        !authority.contains('/') && is_plain_authority(scheme, authority)
    })
}

/// The scheme, when it is one `plain` handles, and the text after its `://`.
fn plain_scheme(url: &str) -> Option<(Scheme, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = match scheme {
        "omniverse" => Scheme::Omniverse,
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        _ => return None,
    };
    Some((scheme, rest))
}

/// `host[:port]` as normalisation writes it.
fn is_plain_authority(scheme: Scheme, authority: &str) -> bool {
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    is_plain_host(host) && port.is_none_or(|port| is_plain_port(scheme, port))
}

/// The host of an authority already checked by [`is_plain_authority`].
fn host_of(authority: &str) -> &str {
    authority
        .split_once(':')
        .map_or(authority, |(host, _)| host)
}

fn scheme_len(scheme: Scheme) -> usize {
    match scheme {
        Scheme::Omniverse => "omniverse".len(),
        Scheme::Https => "https".len(),
        _ => "http".len(),
    }
}

/// A lower-case DNS name: labels of `a-z0-9-` not starting or ending with `-`, no `--`
/// (which rules out punycode), no trailing dot, and a last label starting with a letter
/// (which rules out IP addresses, whose spelling normalisation may change).
fn is_plain_host(host: &str) -> bool {
    // One pass over the bytes (this runs for every URL of a large file). `prev` starts as
    // '.', so a leading '-' or '.' is caught like one after a dot.
    let bytes = host.as_bytes();
    if bytes.len() > 253 {
        return false;
    }
    let mut label_start = 0;
    let mut prev = b'.';
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'a'..=b'z' | b'0'..=b'9' => {}
            // A label starting with '-', or "--" anywhere (punycode).
            b'-' if prev == b'.' || prev == b'-' => return false,
            b'-' => {}
            // An empty label, a label ending with '-', or one over 63 bytes.
            b'.' if prev == b'.' || prev == b'-' || i - label_start > 63 => return false,
            b'.' => label_start = i + 1,
            _ => return false,
        }
        prev = b;
    }
    // The last label: not empty (no trailing dot, not an empty host), not ending with '-',
    // at most 63 bytes, and starting with a letter.
    prev != b'.'
        && prev != b'-'
        && bytes.len() - label_start <= 63
        && bytes[label_start].is_ascii_lowercase()
}

/// A port as normalisation writes it: 1–65535, no leading zero, not the scheme's default.
fn is_plain_port(scheme: Scheme, port: &str) -> bool {
    let default = matches!(
        (scheme, port),
        (Scheme::Http, "80") | (Scheme::Https, "443")
    );
    !default
        && !port.is_empty()
        && port.len() <= 5
        && !port.starts_with('0')
        && port.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n))
}

/// A path of plain bytes, starting with `/`, without `//` or dot segments.
fn is_plain_path(path: &str) -> bool {
    path.starts_with('/')
        && path.bytes().all(|b| PLAIN_PATH_BYTE[usize::from(b)])
        && !path.contains("//")
        && !path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
}

#[cfg(test)]
mod host_tests {
    use super::is_plain_host;

    /// The rule as first written, label by label: the one-pass scan must agree with it.
    fn by_labels(host: &str) -> bool {
        host.len() <= 253
            && !host.contains("--")
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            })
            && host
                .rsplit('.')
                .next()
                .is_some_and(|last| last.starts_with(|c: char| c.is_ascii_lowercase()))
    }

    #[test]
    fn one_pass_scan_agrees_with_the_label_rule() {
        let long_label = "a".repeat(63);
        let too_long = "a".repeat(64);
        let mut hosts: Vec<String> = [
            "",
            ".",
            "a",
            "a.",
            ".a",
            "a..b",
            "-a",
            "a-",
            "a-b",
            "a--b",
            "a.-b",
            "a-.b",
            "1",
            "a.1",
            "1.a",
            "a1",
            "xn--nxasmq6b",
            "my-server.example.com",
            "A.com",
            "a_b",
            "a.b.c.d",
            "192.168.0.1",
            "a.b-",
            "é.com",
        ]
        .iter()
        .map(|h| (*h).to_owned())
        .collect();
        hosts.extend([
            long_label.clone(),
            too_long.clone(),
            format!("{long_label}.com"),
            format!("{too_long}.com"),
            format!("a.{too_long}"),
            ["abcdefghi"; 26].join("."),
            ["abcdefghi"; 25].join("."),
        ]);
        for host in &hosts {
            assert_eq!(is_plain_host(host), by_labels(host), "{host:?}");
        }
    }
}
