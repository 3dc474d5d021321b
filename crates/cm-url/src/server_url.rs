//! [`ServerUrl`]: a validated, normalised URL and its parts.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::error::UrlError;
use crate::kind::{RootLayout, UrlKind};
use crate::redact::{REDACTED, push_redacted_params};
use crate::scheme::Scheme;

/// A server URL that passed validation, in normalised form.
///
/// Built by [`parse`](crate::parse) (or `str::parse`). Two `ServerUrl`s are equal when their
/// normalised forms are equal.
///
/// `Display` and `Debug` print the [redacted](ServerUrl::redacted) form, so a `ServerUrl` can
/// go into a log line as is; [`as_str`](ServerUrl::as_str) returns the full normalised URL,
/// password included.
///
/// ```
/// let url: cm_url::ServerUrl = "HTTPS://Alice:s3cret@Example.COM:443//a//b.usd".parse().unwrap();
/// assert_eq!(url.as_str(), "https://Alice:s3cret@example.com/a/b.usd");
/// assert_eq!(url.to_string(), "https://Alice:REDACTED@example.com/a/b.usd");
/// assert_eq!(url.host(), "example.com");
/// assert_eq!(url.username(), Some("Alice"));
/// assert_eq!(url.server_root(), "https://example.com/");
/// ```
#[derive(Clone)]
pub struct ServerUrl {
    /// The normal form; every text part below is a span of it.
    pub(crate) serialized: String,
    pub(crate) kind: UrlKind,
    pub(crate) layout: RootLayout,
    pub(crate) scheme: Scheme,
    /// Percent-normalised; empty when absent.
    pub(crate) username: Span,
    pub(crate) password: Option<Span>,
    /// Lower-case ASCII domain, dotted IPv4, `[IPv6]`, bucket name, or empty (local file).
    pub(crate) host: Span,
    pub(crate) port: Option<u16>,
    /// Starts with `/`; slash runs collapsed.
    pub(crate) path: Span,
    /// Without the `?`.
    pub(crate) query: Option<Span>,
    /// Without the `#`.
    pub(crate) fragment: Option<Span>,
}

/// Where one part of a [`ServerUrl`] lies in its normal form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Span {
    /// The text of this span in `serialized`.
    pub(crate) fn of(self, serialized: &str) -> &str {
        &serialized[self.start..self.end]
    }

    pub(crate) fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub(crate) fn len(self) -> usize {
        self.end - self.start
    }
}

/// What to write in the userinfo position when serialising.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Userinfo {
    /// `user:password@`, as parsed.
    Keep,
    /// `user:REDACTED@`.
    Redact,
    /// Nothing, except the Azure container (`abfss://container@account…`), which is not a credential.
    Drop,
}

impl ServerUrl {
    /// The full normalised URL, including any password. Prefer [`redacted`](Self::redacted)
    /// for logs and [`without_credentials`](Self::without_credentials) for storage.
    pub fn as_str(&self) -> &str {
        &self.serialized
    }

    /// Consumes the URL and returns its normalised form (including any password).
    pub fn into_string(self) -> String {
        self.serialized
    }

    /// The storage family.
    pub fn kind(&self) -> UrlKind {
        self.kind
    }

    /// The lower-case scheme (`"omniverse"`, `"https"`, `"s3"`, …).
    pub fn scheme(&self) -> &str {
        self.scheme.as_str()
    }

    /// The user name, percent-encoded, if one was given. For the Azure schemes
    /// (`az`, `azure`, `adl`, `abfs(s)`, `wasb(s)`) this is the container.
    pub fn username(&self) -> Option<&str> {
        (!self.username.is_empty()).then(|| self.part(self.username))
    }

    /// The password, percent-encoded, if one was given. It is a secret: never log or persist it.
    pub fn password(&self) -> Option<&str> {
        self.password.map(|span| self.part(span))
    }

    /// The normalised host: lower-case ASCII (punycode) domain without trailing dot, dotted
    /// IPv4, bracketed IPv6, bucket/container name for `s3://`, `gs://`, `az://` (the account
    /// after `az://container@`); empty for a
    /// local `file:` URL.
    pub fn host(&self) -> &str {
        self.part(self.host)
    }

    /// The explicit port, if any; `None` for the default port of `http` (80) and `https` (443).
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The normalised path; always starts with `/`.
    pub fn path(&self) -> &str {
        self.part(self.path)
    }

    /// The normalised query (without `?`), if any and non-empty.
    pub fn query(&self) -> Option<&str> {
        self.query.map(|span| self.part(span))
    }

    /// The normalised fragment (without `#`), if any and non-empty.
    pub fn fragment(&self) -> Option<&str> {
        self.fragment.map(|span| self.part(span))
    }

    /// The text of one part.
    pub(crate) fn part(&self, span: Span) -> &str {
        span.of(&self.serialized)
    }

    /// The normalised URL without userinfo (the Azure container before `@` is kept, since it is
    /// part of the address, not a credential). This is the form to persist once
    /// [`secret_param`](Self::secret_param) is `None`: query and fragment tokens are kept.
    ///
    /// ```
    /// let url = cm_url::parse("omniverse://alice:pw@server/Users/alice/").unwrap();
    /// assert_eq!(url.without_credentials(), "omniverse://server/Users/alice/");
    /// ```
    pub fn without_credentials(&self) -> String {
        self.serialize(Userinfo::Drop, true, false)
    }

    /// The key of the first query or fragment parameter whose value is a credential (the rule
    /// [`redacted`](Self::redacted) hides: `token`, `sig`, `X-Amz-Signature`, `*_token`, …), as
    /// written. A URL with one is a secret in itself and should not be persisted.
    ///
    /// ```
    /// let signed = cm_url::parse("https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&v=1").unwrap();
    /// assert_eq!(signed.secret_param(), Some("X-Amz-Signature"));
    /// assert_eq!(cm_url::parse("https://h/x?version=2").unwrap().secret_param(), None);
    /// ```
    pub fn secret_param(&self) -> Option<&str> {
        [self.query(), self.fragment()]
            .into_iter()
            .flatten()
            .flat_map(|params| params.split('&'))
            .filter_map(|piece| piece.split_once('=').map(|(key, _)| key))
            .find(|key| crate::redact::is_secret_key(key))
    }

    /// The normalised URL with the password and token-like query/fragment values replaced by
    /// [`REDACTED`](crate::REDACTED); safe for logs and events. See [`crate::redact`].
    pub fn redacted(&self) -> String {
        self.serialize(Userinfo::Redact, true, true)
    }

    /// Writes `scheme://[userinfo@]host[:port]` into `out`.
    pub(crate) fn push_origin(&self, out: &mut String, userinfo: Userinfo) {
        out.push_str(self.scheme.as_str());
        out.push_str("://");
        let has_userinfo = !self.username.is_empty() || self.password.is_some();
        match userinfo {
            Userinfo::Keep | Userinfo::Redact if has_userinfo => {
                out.push_str(self.part(self.username));
                if let Some(password) = self.password {
                    out.push(':');
                    out.push_str(if userinfo == Userinfo::Keep {
                        self.part(password)
                    } else {
                        REDACTED
                    });
                }
                out.push('@');
            }
            Userinfo::Drop if self.layout == RootLayout::ContainerInUserinfo => {
                out.push_str(self.part(self.username));
                out.push('@');
            }
            _ => {}
        }
        out.push_str(self.part(self.host));
        if let Some(port) = self.port {
            out.push(':');
            push_decimal(out, port);
        }
    }

    /// An upper bound of the serialised length without redacted query parameters, so that
    /// serialising allocates once (growing the buffer piece by piece cost more than the
    /// rest of serialisation).
    pub(crate) fn serialized_len_bound(&self) -> usize {
        let optional_len = |part: Option<Span>| part.map_or(0, |span| span.len() + 1);
        self.scheme.as_str().len()
            + "://".len()
            + self.username.len()
            + optional_len(self.password).max(REDACTED.len() + 1)
            + "@".len()
            + self.host.len()
            + ":65535".len()
            + self.path.len()
            + optional_len(self.query)
            + optional_len(self.fragment)
    }

    /// Serialises the URL with the chosen userinfo treatment, optionally with query and
    /// fragment, optionally with secret parameters redacted.
    pub(crate) fn serialize(
        &self,
        userinfo: Userinfo,
        with_query_and_fragment: bool,
        redact_params: bool,
    ) -> String {
        let mut out = String::with_capacity(self.serialized_len_bound());
        self.push_origin(&mut out, userinfo);
        out.push_str(self.part(self.path));
        if with_query_and_fragment {
            for (marker, part) in [('?', self.query), ('#', self.fragment)] {
                if let Some(part) = part.map(|span| self.part(span)) {
                    out.push(marker);
                    if redact_params {
                        push_redacted_params(&mut out, part);
                    } else {
                        out.push_str(part);
                    }
                }
            }
        }
        out
    }
}

/// Writes `value` in decimal without the temporary `String` of `to_string`.
pub(crate) fn push_decimal(out: &mut String, value: u16) {
    let mut digits = [0u8; 5];
    let mut start = digits.len();
    let mut rest = value;
    loop {
        start -= 1;
        // `rest % 10` is below 10, so the cast cannot truncate.
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for &digit in &digits[start..] {
        out.push(char::from(digit));
    }
}

impl PartialEq for ServerUrl {
    fn eq(&self, other: &Self) -> bool {
        self.serialized == other.serialized
    }
}

impl Eq for ServerUrl {}

impl Hash for ServerUrl {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.serialized.hash(state);
    }
}

impl PartialOrd for ServerUrl {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ServerUrl {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.serialized.cmp(&other.serialized)
    }
}

impl fmt::Display for ServerUrl {
    /// The redacted form: passwords and token-like parameters are replaced by `REDACTED`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerUrl")
            .field("url", &self.redacted())
            .field("kind", &self.kind)
            .finish()
    }
}

impl FromStr for ServerUrl {
    type Err = UrlError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        crate::parse::parse(input)
    }
}

impl TryFrom<&str> for ServerUrl {
    type Error = UrlError;

    fn try_from(input: &str) -> Result<Self, Self::Error> {
        crate::parse::parse(input)
    }
}

impl TryFrom<String> for ServerUrl {
    type Error = UrlError;

    fn try_from(input: String) -> Result<Self, Self::Error> {
        crate::parse::parse(&input)
    }
}
