//! Parse, validate, normalise and classify storage server URLs: Omniverse Nucleus
//! (`omniverse://`), plain HTTP(S), and the object stores S3 (and R2), Azure Blob/ADLS and
//! Google Cloud Storage, plus `file:`.
//!
//! The connection manager keys its servers and bookmarks by URL, so two spellings of one
//! server must compare equal, a bookmark must map to exactly one server, and nothing secret
//! may leak into `omniverse.toml`, logs or events. This crate is the single place where those
//! rules live. It is plain Rust on top of the [`url`] crate: no runtime, no I/O.
//!
//! ```
//! use cm_url::UrlKind;
//!
//! let url = cm_url::parse("HTTPS://my-bucket.S3.us-west-2.amazonaws.com.//scenes//car.usd").unwrap();
//! assert_eq!(url.as_str(), "https://my-bucket.s3.us-west-2.amazonaws.com/scenes/car.usd");
//! assert_eq!(url.kind(), UrlKind::S3);
//! assert_eq!(url.server_root(), "https://my-bucket.s3.us-west-2.amazonaws.com/");
//! assert!(cm_url::is_under(url.as_str(), "https://my-bucket.s3.us-west-2.amazonaws.com"));
//! ```
//!
//! # Accepted URLs
//!
//! Schemes `omniverse`, `http`, `https`, `s3`, `s3a`, `s3n`, `gs`, `az`, `azure`, `adl`,
//! `abfs`, `abfss`, `wasb`, `wasbs` and `file` (any case): every URL form of `object_store`'s
//! parse test plus the Hadoop/Spark spellings. Every scheme but `file` needs a host; for
//! `s3://`, `s3a://`, `s3n://`, `gs://`, `az://` and `azure://` the host is the bucket or
//! container name, or after `container@` the account (ASCII letters, digits, `.`, `-`, `_`;
//! no port). Leading and trailing whitespace is trimmed; control characters inside the URL,
//! and whitespace outside its path, are rejected rather than silently dropped or encoded;
//! whitespace in the path is percent-encoded (`My Project` → `My%20Project`). Rejections are
//! [`UrlError`]s whose message names the problem and the (redacted) input.
//!
//! # Normalisation
//!
//! [`normalize`] (and [`parse`], which keeps the parts) produces one spelling per URL:
//!
//! * scheme and host lower-cased; internationalised host names converted to punycode
//!   (`bücher.example` → `xn--bcher-kva.example`), also for `omniverse://` whose host the `url`
//!   crate would otherwise leave percent-encoded; a single trailing dot removed from host
//!   names (other empty labels, and default-ignorable code points that IDNA would delete,
//!   are refused);
//!   IPv4 addresses in dotted decimal, IPv6 compressed in brackets;
//! * default ports dropped for `http` (80) and `https` (443). `omniverse://` has no default
//!   port in the `url` crate and Nucleus deployments differ, so **an explicit port is always
//!   kept** (`omniverse://host:3009` and `omniverse://host` are different servers). Port 0 is
//!   rejected;
//! * in the path, runs of `/` collapse to one and dot segments are resolved; an empty path becomes `/`; a URL whose path is just
//!   a bucket or container segment (`https://s3.amazonaws.com/bucket`) gets its trailing `/`,
//!   so that a root URL is spelled like its [server root](#server-roots); other trailing
//!   slashes are kept as given, because `/a` and `/a/` can name different things;
//! * percent-encoding: escapes of unreserved characters are decoded (`%7E` → `~`), the
//!   others get upper-case hex (`%2f` → `%2F`), a bare `%` becomes `%25`, characters that
//!   must be escaped are;
//! * empty `?` and `#` are dropped; user info, query and fragment are otherwise kept.
//!
//! Normalisation is idempotent: `normalize(normalize(u)) == normalize(u)`.
//!
//! Caveat: object keys in S3/GCS may legitimately contain `//`; collapsing changes which
//! object such a URL names. Server URLs and bookmarks in practice never depend on it.
//!
//! # Classification
//!
//! [`kind`] returns a [`UrlKind`] from the scheme and well-known host names (full table on
//! [`UrlKind`]): Nucleus, Http, S3 (virtual-hosted, path-style, dash-region, R2,
//! `s3://`, `s3a://`, `s3n://`), Azure (`*.blob|dfs.core.windows.net`, OneLake's
//! `*.dfs|blob.fabric.microsoft.com`, `abfs(s)://`, `wasb(s)://`, `adl://`, `az://`,
//! `azure://`), Gcs (`storage.googleapis.com`, `gs://`), File.
//!
//! # Server roots
//!
//! [`server_root`] is what migration uses to derive servers from bookmarks:
//! `scheme://host[:port]/` for Nucleus, plain HTTP, virtual-hosted S3/GCS, `s3://bucket/`,
//! `gs://bucket/`, `az://container/`; plus the first path segment for path-style S3/R2
//! (`https://s3.amazonaws.com/bucket/`), Azure containers
//! (`https://account.blob.core.windows.net/container/`) and path-style GCS
//! (`https://storage.googleapis.com/bucket/`); the container before `@` for
//! `abfss://container@account.dfs.core.windows.net/`, `wasbs://container@account…/`,
//! `az://container@account/` and `adl://container@…/`; `abfs://container/` when no account is
//! named. For `file:` the whole file system is one server: `file:///` (or `file://host/`
//! for a UNC host). In the Azure schemes the part before `@` is the container, an address
//! and not a credential, so it is kept (and never redacted); a root never contains any other
//! user info, a query or a fragment, and always ends with `/`.
//!
//! Prefix semantics: `server_root(u)` is a string prefix of [`without_credentials`]`(u)`, and
//! hence of `normalize(u)` whenever `u` carries no user info. [`is_under`] compares on these
//! forms and only at segment boundaries, so `host/ab` is not under `host/abc` nor vice versa.
//!
//! # Redaction
//!
//! [`redact`] replaces passwords and token-like query/fragment values with [`REDACTED`]. It
//! never fails: input that does not parse is redacted by a cautious string scan that may hide
//! more than the password, never less. [`ServerUrl`]'s `Display` and `Debug` are redacted too,
//! and so is the input echoed in every [`UrlError`].

// Shipped code never unwraps: outside input gets an error, an internal invariant a narrow,
// documented `#[allow]`. Set here, not in `[lints]`, because Cargo applies `[lints]` to every
// target and this rule is for the library and binaries only; `#[cfg(test)]` code is exempt
// through clippy.toml. `cargo xtask tidy` checks every crate root carries it.
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod error;
mod in_place;
mod kind;
mod normalize;
mod parse;
mod plain;
mod redact;
mod root;
mod scheme;
mod server_url;

/// Compiles and runs the README example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use error::UrlError;
pub use kind::UrlKind;
pub use plain::{PlainUrl, is_plain_origin, plain};
pub use redact::REDACTED;
pub use root::RootPrefix;
pub use server_url::ServerUrl;

/// Parses, validates and normalises a server URL.
///
/// ```
/// let url = cm_url::parse("omniverse://Nucleus.Example.COM.:3009/Projects/").unwrap();
/// assert_eq!(url.as_str(), "omniverse://nucleus.example.com:3009/Projects/");
/// assert_eq!(url.kind(), cm_url::UrlKind::Nucleus);
///
/// let err = cm_url::parse("omniverse://").unwrap_err();
/// assert!(matches!(err, cm_url::UrlError::NoHost { .. }));
/// ```
pub fn parse(input: &str) -> Result<ServerUrl, UrlError> {
    parse::parse(input)
}

/// The normalised form of a URL (see the [crate docs](crate#normalisation)).
///
/// ```
/// assert_eq!(
///     cm_url::normalize("HTTP://Example.com:80//a//%7euser/%2f?q=%e2%82%ac#Top").unwrap(),
///     "http://example.com/a/~user/%2F?q=%E2%82%AC#Top"
/// );
/// assert_eq!(cm_url::normalize("https://bücher.example/").unwrap(), "https://xn--bcher-kva.example/");
/// ```
pub fn normalize(input: &str) -> Result<String, UrlError> {
    parse::parse(input).map(ServerUrl::into_string)
}

/// The normalised form without user info (the Azure container before `@` is kept): the form to
/// persist, since it carries no password. Query and fragment are kept as written, so a signed
/// URL (`?sig=…`, `X-Amz-Signature=…`, `#access_token=…`) keeps its token: check
/// [`ServerUrl::secret_param`] before persisting, or persist [`server_root`].
///
/// ```
/// assert_eq!(
///     cm_url::without_credentials("https://bob:pw@example.com/x").unwrap(),
///     "https://example.com/x"
/// );
/// ```
pub fn without_credentials(input: &str) -> Result<String, UrlError> {
    parse::parse(input).map(|url| url.without_credentials())
}

/// Classifies a URL (see [`UrlKind`]).
///
/// ```
/// use cm_url::UrlKind;
/// assert_eq!(cm_url::kind("omniverse://localhost/").unwrap(), UrlKind::Nucleus);
/// assert_eq!(cm_url::kind("https://acct.dfs.core.windows.net/fs/dir").unwrap(), UrlKind::Azure);
/// assert_eq!(cm_url::kind("gs://bucket/obj").unwrap(), UrlKind::Gcs);
/// assert_eq!(cm_url::kind("https://example.com/").unwrap(), UrlKind::Http);
/// ```
pub fn kind(input: &str) -> Result<UrlKind, UrlError> {
    parse::parse(input).map(|url| url.kind())
}

/// The canonical server root of a URL; always ends with `/` (see the
/// [crate docs](crate#server-roots)).
///
/// ```
/// assert_eq!(cm_url::server_root("omniverse://user@server:3009/Users/x/").unwrap(), "omniverse://server:3009/");
/// assert_eq!(cm_url::server_root("https://s3.us-east-1.amazonaws.com/bucket/k").unwrap(), "https://s3.us-east-1.amazonaws.com/bucket/");
/// assert_eq!(cm_url::server_root("s3://bucket/key").unwrap(), "s3://bucket/");
/// assert_eq!(cm_url::server_root("file:///home/me/scene.usd").unwrap(), "file:///");
/// ```
pub fn server_root(input: &str) -> Result<String, UrlError> {
    parse::parse(input).map(ServerUrl::into_server_root)
}

/// Whether `input` is exactly its own server root (no deeper path, query or fragment).
/// Migration uses this to move root bookmarks into `[servers]`. Invalid input → `false`.
///
/// ```
/// assert!(cm_url::is_server_root("https://acct.blob.core.windows.net/container"));
/// assert!(!cm_url::is_server_root("https://acct.blob.core.windows.net/container/dir/"));
/// ```
pub fn is_server_root(input: &str) -> bool {
    parse::parse(input).is_ok_and(|url| url.is_server_root())
}

/// The root a `[servers]` entry made for `input` stands for: its [`server_root`], except
/// for `file:` URLs, where the directory the URL names is kept (`file:///mnt/share/` for
/// `file:///mnt/share/` and for `file:///mnt/share/a.usd`): a local "server" is a share or a
/// mount point, and the server root `file:///` would widen it to the whole file system. This
/// and [`server_key`] are the one rule for file roots; `cm server add` and the migration of
/// old-style files both apply it.
///
/// ```
/// assert_eq!(cm_url::entry_root("omniverse://host:3009/Projects/a.usd").unwrap(), "omniverse://host:3009/");
/// assert_eq!(cm_url::entry_root("file:///mnt/share/").unwrap(), "file:///mnt/share/");
/// assert_eq!(cm_url::entry_root("file:///mnt/share/a.usd").unwrap(), "file:///mnt/share/");
/// assert_eq!(cm_url::entry_root("file:///a.usd").unwrap(), "file:///");
/// ```
pub fn entry_root(input: &str) -> Result<String, UrlError> {
    let url = parse::parse(input)?;
    if url.kind() != UrlKind::File {
        return Ok(url.into_server_root());
    }
    let text = url.as_str();
    let end = text.find(['?', '#']).unwrap_or(text.len());
    let text = &text[..end];
    Ok(match text.rfind('/') {
        Some(slash) => text[..=slash].to_owned(),
        None => url.into_server_root(),
    })
}

/// The key a server root is stored under in `omniverse.toml`'s `[servers]` table: the root
/// without its trailing `/` (`omniverse://host:3009`), except for `file:` roots, which keep
/// theirs. This is the one rule for file roots, used by the migration and by `cm server add`
/// alike: `file:///` (the whole local file system) and `file:///mnt/share/` stay spelled that
/// way, where trimming would give `file:`, `file://` or a path that reads as a file.
///
/// ```
/// assert_eq!(cm_url::server_key("omniverse://Host:3009/"), "omniverse://host:3009");
/// assert_eq!(cm_url::server_key("https://acct.blob.core.windows.net/models/"), "https://acct.blob.core.windows.net/models");
/// assert_eq!(cm_url::server_key("file:///"), "file:///");
/// assert_eq!(cm_url::server_key("file:/"), "file:///");
/// assert_eq!(cm_url::server_key("file:///mnt/share/"), "file:///mnt/share/");
/// ```
pub fn server_key(root: &str) -> String {
    let Ok(parsed) = parse::parse(root) else {
        return root.to_owned();
    };
    let normal = parsed.as_str().to_owned();
    if parsed.kind() == UrlKind::File {
        return if normal.ends_with('/') {
            normal
        } else {
            format!("{normal}/")
        };
    }
    match normal.strip_suffix('/') {
        Some(short) if server_root(short).is_ok_and(|r| r == normal) => short.to_owned(),
        _ => normal,
    }
}

/// Whether `url` lies at or below `root`, comparing normalised forms without user info, query
/// or fragment, at path-segment boundaries. `root` may be given with or without its trailing
/// `/`. Invalid input on either side gives `false`.
///
/// ```
/// assert!(cm_url::is_under("omniverse://host/ab/c.usd", "omniverse://HOST/ab"));
/// assert!(cm_url::is_under("omniverse://host/ab", "omniverse://host/ab/"));
/// assert!(!cm_url::is_under("omniverse://host/abc", "omniverse://host/ab"));
/// assert!(!cm_url::is_under("not a url", "omniverse://host/"));
/// ```
pub fn is_under(url: &str, root: &str) -> bool {
    match (parse::parse(url), parse::parse(root)) {
        (Ok(url), Ok(root)) => url.is_under(&root),
        _ => false,
    }
}

/// The URL with its password and token-like query/fragment values (`sig`, `token`,
/// `access_token`, `X-Amz-Signature`, `X-Amz-Credential`, `X-Goog-Signature`, …,
/// case-insensitive) replaced by [`REDACTED`]. Valid URLs come back normalised. Never fails:
/// anything else is redacted by a cautious string scan and has control characters escaped.
///
/// ```
/// assert_eq!(
///     cm_url::redact("omniverse://alice:hunter2@server/x?X-Amz-Signature=abc&v=1"),
///     "omniverse://alice:REDACTED@server/x?X-Amz-Signature=REDACTED&v=1"
/// );
/// assert_eq!(cm_url::redact("bogus://al ice:hunter2@x"), "bogus://al ice:REDACTED@x");
/// ```
pub fn redact(input: &str) -> String {
    match parse::parse(input) {
        Ok(url) => url.redacted(),
        Err(_) => redact::redact_unparsed(input),
    }
}

/// `input` as it was written (not normalised: host case, port and path kept), with its
/// secrets replaced by [`REDACTED`]: for echoing what the user typed. Hides at least as many
/// secrets as [`redact`]; where the as-written scan would hide fewer (an odd spelling only the
/// parser understands), the normalised [`redact`] form is returned instead.
///
/// ```
/// assert_eq!(
///     cm_url::redact_as_written("omniverse://Alice:hunter2@SERVER:3009/X?sig=abc"),
///     "omniverse://Alice:REDACTED@SERVER:3009/X?sig=REDACTED"
/// );
/// ```
pub fn redact_as_written(input: &str) -> String {
    let scanned = redact::redact_unparsed(input);
    let normalised = redact(input);
    if scanned.matches(REDACTED).count() >= normalised.matches(REDACTED).count() {
        scanned
    } else {
        normalised
    }
}

/// `text` (a file, a diff, a log line) with every URL-looking word passed through
/// [`redact`]: one rule for secrets wherever URLs are shown inside other text.
///
/// A URL-looking word is a `scheme://` and what follows up to whitespace, a quote, `<`, `>` or
/// a backtick. A word that carries no secret is left exactly as written (not normalised), so
/// the text stays recognisable; one that does is replaced by its redacted form.
///
/// ```
/// assert_eq!(
///     cm_url::redact_urls_in_text("url = \"omniverse://u:pw@host/x?sig=abc\"\nname = \"A\""),
///     "url = \"omniverse://u:REDACTED@host/x?sig=REDACTED\"\nname = \"A\""
/// );
/// assert_eq!(cm_url::redact_urls_in_text("see HTTPS://Host/x"), "see HTTPS://Host/x");
/// ```
pub fn redact_urls_in_text(text: &str) -> String {
    redact::redact_urls_in_text(text, |word| {
        let redacted = redact(word);
        let has_secret = match normalize(word) {
            Ok(normalized) => normalized != redacted,
            Err(_) => redacted != word,
        };
        has_secret.then_some(redacted)
    })
}

/// A display name for a server when the user gives none: the host; `host/container` for
/// Azure; `host/bucket` for path-style S3/R2/GCS; the bucket for `s3://` and `gs://`;
/// `localhost` for local files. For input that does not parse, the best-effort host text of
/// the redacted input (or the whole redacted input when no host can be isolated).
///
/// ```
/// assert_eq!(cm_url::fallback_name_for_url("omniverse://my-server:3009/Users/"), "my-server");
/// assert_eq!(cm_url::fallback_name_for_url("https://acct.blob.core.windows.net/models/x"), "acct.blob.core.windows.net/models");
/// assert_eq!(cm_url::fallback_name_for_url("https://storage.googleapis.com/bkt/a"), "storage.googleapis.com/bkt");
/// assert_eq!(cm_url::fallback_name_for_url("s3://bkt/key"), "bkt");
/// ```
pub fn fallback_name_for_url(input: &str) -> String {
    match parse::parse(input) {
        Ok(url) => url.fallback_name(),
        Err(_) => parse::best_effort_host(input),
    }
}
