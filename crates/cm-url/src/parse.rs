//! Turning user input into a [`ServerUrl`]: validation first, then the `url` crate, then the
//! normalisation steps the `url` crate leaves out.
//!
//! Order of checks (the first failure is reported):
//! 1. leading and trailing whitespace is trimmed (paste artefacts); nothing left → `Empty`;
//! 2. any control character left, or whitespace outside the path → `InvalidCharacter` (the
//!    `url` crate would silently drop tabs and newlines, or encode a space in a host name or
//!    password, which hides typos); whitespace in the path is percent-encoded (`%20`); a
//!    default-ignorable code point in the host (`ho\u{200b}st`, which IDNA would delete) →
//!    `BadHost`;
//! 3. the scheme: missing (`example.com:3009`, `C:\dir`) → `NoScheme`, not accepted →
//!    `UnknownScheme`; a `file:` URL with user info → `BadHost` (the `url` crate would call
//!    it a bad international domain name);
//! 4. the `url` crate's parse: host and port errors become `NoHost`, `BadHost`, `BadPort`;
//! 5. host rules the `url` crate does not apply to opaque schemes (IDNA, lower case, trailing
//!    dot) and cm-url's own rules (bucket names, no empty label but one trailing dot, escaped
//!    default-ignorable code points, DNS lengths, no port 0, no port on bucket schemes).

use std::borrow::Cow;

use url::{Host, Url};

use crate::error::UrlError;
use crate::in_place;
use crate::kind::{RootLayout, classify};
use crate::normalize::{push_collapsed_path, push_percent_normalized};
use crate::redact::{escape_controls, percent_decode_lossy, redact_unparsed};
use crate::scheme::Scheme;
use crate::server_url::{ServerUrl, Span, push_decimal};

/// Parses, validates and normalises `input`.
///
/// The normal form is written straight into one string and the parts are kept as spans of
/// it: one allocation besides the `url` crate's, where separate part strings cost more than
/// the rest of the normalisation.
pub(crate) fn parse(input: &str) -> Result<ServerUrl, UrlError> {
    let input = input.trim();
    if let Some(rest) = unc_spelling(input)
        && let Ok(url) = parse_spelled(&format!("file://{rest}"))
    {
        return Ok(url);
    }
    parse_spelled(input)
}

/// [`parse`] of `input` as spelled, already trimmed.
fn parse_spelled(input: &str) -> Result<ServerUrl, UrlError> {
    parse_spelled_with(input, true)
}

/// [`parse`] without the in-place fast path: the reference its property test compares with.
#[cfg(test)]
pub(crate) fn parse_general(input: &str) -> Result<ServerUrl, UrlError> {
    let input = input.trim();
    if let Some(rest) = unc_spelling(input)
        && let Ok(url) = parse_spelled_with(&format!("file://{rest}"), false)
    {
        return Ok(url);
    }
    parse_spelled_with(input, false)
}

/// [`parse_spelled`], optionally without [`in_place`] (for its property test).
fn parse_spelled_with(input: &str, in_place_allowed: bool) -> Result<ServerUrl, UrlError> {
    if input.is_empty() {
        return Err(UrlError::Empty);
    }
    // The scheme is found first (it has no side effects) so that the character check knows
    // where the path starts without looking the scheme up again; its errors still come second.
    let scheme = detect_scheme(input);
    check_characters(input, scheme.as_ref().ok().copied())?;
    let scheme = scheme?;
    if matches!(scheme, Scheme::File) && authority_has_userinfo(input) {
        // The `url` crate reports this as a bad international domain name, which misleads.
        let redacted = redact_unparsed(input);
        return Err(UrlError::BadHost {
            host: authority_parts(&redacted).0.to_owned(),
            reason: "a file URL cannot carry user info (`user:password@`)".to_owned(),
            input: redacted,
        });
    }
    let url = Url::parse(input).map_err(|error| parse_error(error, scheme, input))?;
    if scheme.userinfo_is_container() {
        check_container(&url, scheme, input)?;
    }

    let host = normalized_host(&url, scheme, input)?;
    if scheme.needs_host() && host.is_empty() {
        return Err(no_host(scheme, input));
    }
    check_dns_lengths(&host, input)?;
    let port = checked_port(&url, scheme, input)?;
    if in_place_allowed && let Some(layout) = in_place::normal_layout(&url, scheme, &host, port) {
        let new_host = layout.replaces_host().then(|| host.into_owned());
        return Ok(in_place::into_normal(url, scheme, new_host, layout));
    }

    // Room for the usual small growth (`%` → `%25`, a root's `/`) without reallocating.
    let mut out = String::with_capacity(url.as_str().len() + 16);
    out.push_str(scheme.as_str());
    out.push_str("://");
    let username = push_span(&mut out, |out| {
        let start = out.len();
        push_percent_normalized(out, url.username());
        // Azure container names are lower case only; like s3/gs buckets, one spelling.
        if scheme.userinfo_is_container() {
            out[start..].make_ascii_lowercase();
        }
    });
    let password = url.password().map(|password| {
        out.push(':');
        push_span(&mut out, |out| push_percent_normalized(out, password))
    });
    if !username.is_empty() || password.is_some() {
        out.push('@');
    }
    // Every host form except an IDNA fast-path host is lower case already.
    let host = push_span(&mut out, |out| {
        let start = out.len();
        out.push_str(&host);
        out[start..].make_ascii_lowercase();
    });
    let (kind, layout) = classify(scheme, host.of(&out), !username.is_empty());
    if let Some(port) = port {
        out.push(':');
        push_decimal(&mut out, port);
    }
    let path = push_span(&mut out, |out| {
        let start = out.len();
        push_normalized_path(out, url.path(), layout);
        if matches!(scheme, Scheme::File) {
            upper_case_drive_letter(out, start);
        }
    });
    let query = url.query().filter(|q| !q.is_empty()).map(|query| {
        out.push('?');
        push_span(&mut out, |out| push_percent_normalized(out, query))
    });
    let fragment = url.fragment().filter(|f| !f.is_empty()).map(|fragment| {
        out.push('#');
        push_span(&mut out, |out| push_percent_normalized(out, fragment))
    });

    Ok(ServerUrl {
        serialized: out,
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
    })
}

/// The longest Azure container / file-system name.
const MAX_CONTAINER_LEN: usize = 63;

/// Validates the container that the Azure schemes carry before `@` (`az://container@account/`).
///
/// An `@` with nothing before it (`az://@account/`, `az://:key@account/`) is refused: dropping
/// it would make the account the container, another URL. A container name uses ASCII letters,
/// digits, `-` and `_` (object_store's examples write `file_system@`), at most 63 characters,
/// or is one of Azure's special containers `$root`, `$web`, `$logs`. Anything else (`%3A`, `;`,
/// an encoded control character, non-ASCII) is refused, because a key written as
/// `container%3Akey@` or `container;key@` would otherwise be stored and shown as a name.
fn check_container(url: &Url, scheme: Scheme, input: &str) -> Result<(), UrlError> {
    if !authority_has_userinfo(input) {
        return Ok(());
    }
    let container = url.username();
    if container.is_empty() {
        return Err(no_host(scheme, input));
    }
    let special = matches!(container, "$root" | "$web" | "$logs");
    let valid = container.len() <= MAX_CONTAINER_LEN
        && container
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
    if special || valid {
        return Ok(());
    }
    Err(UrlError::BadHost {
        // The name itself is not quoted: it may hold a key behind an encoded separator.
        host: String::new(),
        reason: format!(
            "the part before '@' in {}:// URLs is the container (file system) name, which uses only ASCII letters, digits, '-' and '_', at most {MAX_CONTAINER_LEN} characters (no '%', ':' or ';'); put keys in a credential, not the URL",
            scheme.as_str()
        ),
        input: redact_unparsed(input),
    })
}

/// Whether the authority of `input` (after `://`, before the path) contains an `@`. For the
/// Azure (non-special) schemes a `\\` does not end the authority, as in the `url` crate.
fn authority_has_userinfo(input: &str) -> bool {
    let Some((_, rest)) = input.split_once("://") else {
        return false;
    };
    rest.split(['/', '?', '#'])
        .next()
        .is_some_and(|authority| authority.contains('@'))
}

/// Runs `write` on `out` and returns the span of what it appended.
/// A UNC path written with four or five slashes (`file:////srv/share/`,
/// `file://///srv/share/`, as Windows tools write `\\\\srv\\share`): the text after the
/// slashes (`srv/share/`), which names the host `srv` like `file://srv/share/` does. `None`
/// for every other spelling (`file:///local/path` keeps its empty host).
fn unc_spelling(input: &str) -> Option<&str> {
    let rest = input.get(..5).filter(|s| s.eq_ignore_ascii_case("file:"))?;
    let after = &input[rest.len()..];
    let slashes = after.len() - after.trim_start_matches('/').len();
    let rest = &after[slashes..];
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let is_host_name = !host.is_empty()
        && !host.chars().all(|c| c == '.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    (matches!(slashes, 4 | 5) && is_host_name).then_some(rest)
}

/// Upper-cases a Windows drive letter at the start of the file path written from `start`
/// (`/c:/x` → `/C:/x`): drive letters are case-insensitive, so `c:` and `C:` are one root.
fn upper_case_drive_letter(out: &mut String, start: usize) {
    let bytes = out.as_bytes();
    let is_drive = bytes.len() >= start + 3
        && bytes[start] == b'/'
        && bytes[start + 1].is_ascii_lowercase()
        && bytes[start + 2] == b':'
        && bytes.get(start + 3).is_none_or(|&b| b == b'/');
    if is_drive {
        out[start + 1..start + 2].make_ascii_uppercase();
    }
}

fn push_span(out: &mut String, write: impl FnOnce(&mut String)) -> Span {
    let start = out.len();
    write(out);
    Span {
        start,
        end: out.len(),
    }
}

/// Longest host name DNS can carry, in bytes, without the trailing dot (RFC 1035 2.3.4).
const MAX_HOST_LEN: usize = 253;
/// Longest label (the part between two dots) DNS can carry, in bytes.
const MAX_LABEL_LEN: usize = 63;

/// Refuses a host name that no resolver could look up. The `url` crate leaves DNS lengths
/// unchecked, so without this a 64 KB host was accepted, persisted, and failed only when a
/// connection was tried. `host` is the normalised host: ASCII (after IDNA), no trailing dot;
/// IP literals are short and pass.
fn check_dns_lengths(host: &str, input: &str) -> Result<(), UrlError> {
    // Nearly every host is shorter than one label may be: then neither limit can be broken,
    // and the check costs one compare (a full scan added 2-10 % to a parse).
    if host.len() <= MAX_LABEL_LEN {
        return Ok(());
    }
    let reason = if host.len() > MAX_HOST_LEN {
        format!(
            "{} bytes long; host names have at most {MAX_HOST_LEN}",
            host.len()
        )
    } else if let Some(label) = host.split('.').find(|label| label.len() > MAX_LABEL_LEN) {
        format!(
            "the label \"{}...\" is {} bytes long; each part between dots has at most {MAX_LABEL_LEN}",
            prefix(label, 16),
            label.len()
        )
    } else {
        return Ok(());
    };
    // The error names the host by its first bytes only: echoing 64 KB back helps nobody.
    let shown = if host.len() > 40 {
        format!("{}...", prefix(host, 40))
    } else {
        host.to_owned()
    };
    Err(UrlError::BadHost {
        host: escape_controls(&shown),
        reason,
        input: redact_unparsed(input),
    })
}

/// The first `n` bytes of `s`, or fewer to end on a character boundary (hosts are ASCII once
/// normalised, but a wrong guess here must not panic).
fn prefix(s: &str, n: usize) -> &str {
    let mut end = n.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `scheme` is what [`detect_scheme`] found in `input`, if anything (see [`path_start`]).
fn check_characters(input: &str, scheme: Option<Scheme>) -> Result<(), UrlError> {
    // Fast paths: byte scans instead of the char walk below, which is the slow part of
    // validation otherwise. `fold` rather than `all`: without the early exit the loops are
    // vectorised. First the usual printable-ASCII URL.
    let printable = |b: u8| (0x21..0x7f).contains(&b);
    if input.bytes().fold(true, |all, b| all & printable(b)) {
        return Ok(());
    }
    // Otherwise chunks of 16 bytes are tested at once (printable ASCII, then for a byte
    // below) and only a chunk holding such a byte is walked. Only the bytes that can start a whitespace or control character need a
    // look: ASCII ones are 0x00-0x20 and 0x7F, and every non-ASCII one (U+0080 to U+00A0,
    // U+1680, U+2000 to U+205F, U+3000) starts with one of the UTF-8 lead bytes C2, E1, E2,
    // E3 (never a continuation byte, so such a byte starts a character).
    // The default-ignorable code points (refused in a host, below) add the lead bytes CD,
    // EF, F0 and F3.
    let may_be_invalid = |b: u8| {
        matches!(
            b,
            0..=0x20 | 0x7f | 0xc2 | 0xcd | 0xe1 | 0xe2 | 0xe3 | 0xef | 0xf0 | 0xf3
        )
    };
    // Whitespace is accepted in the path only, where the `url` crate percent-encodes it
    // (`My Project` → `My%20Project`, as omni.client writes it); control characters nowhere.
    let mut path = None;
    // (Walking every byte was a tenth of normalising a URL with a space in its path.)
    let bytes = input.as_bytes();
    let candidates = bytes.chunks(16).enumerate().filter(|(_, chunk)| {
        !chunk.iter().fold(true, |all, &b| all & printable(b))
            && chunk.iter().fold(false, |any, &b| any | may_be_invalid(b))
    });
    let candidates = candidates.flat_map(|(index, chunk)| {
        chunk
            .iter()
            .enumerate()
            .filter(|(_, b)| may_be_invalid(**b))
            .map(move |(offset, _)| index * 16 + offset)
    });
    for at in candidates {
        let Some(character) = input[at..].chars().next() else {
            continue;
        };
        let refused = character.is_control()
            || (character.is_whitespace()
                && !in_path(
                    bytes,
                    *path.get_or_insert_with(|| path_start(input, scheme)),
                    at,
                ));
        // IDNA mapping deletes default-ignorable code points (`ho\u{200b}st` → `host`): a
        // host that looks like another but is stored as it is a lookalike merge, so refused.
        if is_default_ignorable(character) {
            let start = path
                .get_or_insert_with(|| path_start(input, scheme))
                .unwrap_or(0);
            let in_host = at < start && !input[at..start].contains('@');
            if in_host {
                let redacted = redact_unparsed(input);
                return Err(UrlError::BadHost {
                    host: authority_parts(&redacted).0.escape_default().to_string(),
                    reason: ignorable_reason(character),
                    input: redacted,
                });
            }
        }
        if refused {
            return Err(UrlError::InvalidCharacter {
                character,
                index: input[..at].chars().count(),
                input: redact_unparsed(input),
            });
        }
    }
    Ok(())
}

/// The first default-ignorable code point in percent-decoded `host`.
fn escaped_ignorable(host: &str) -> Option<char> {
    if !may_hold_ignorable(host) {
        return None;
    }
    percent_decode_lossy(host)
        .chars()
        .find(|&c| is_default_ignorable(c))
}

/// Whether percent-decoding `text` can yield a default-ignorable code point: every one of
/// them is encoded in UTF-8 with a lead byte C2, CD, E1, E2, E3, EF, F0 or F3, so without an
/// escape of one of those (or any literal non-ASCII byte, taken conservatively) there is none.
/// A word-wise ASCII test, a vectorised one for `%`, and a jump from `%` to `%`, where the decode allocates: it was a
/// seventh of normalising an IDN host.
fn may_hold_ignorable(text: &str) -> bool {
    if !text.is_ascii() {
        return true;
    }
    let bytes = text.as_bytes();
    // Most text has no `%`: `fold` without an early exit is vectorised.
    if !bytes.iter().fold(false, |seen, &b| seen | (b == b'%')) {
        return false;
    }
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'%') {
        i += offset;
        let lead = escaped_byte(bytes, i);
        if lead.is_some_and(|b| matches!(b, 0xc2 | 0xcd | 0xe1 | 0xe2 | 0xe3 | 0xef | 0xf0 | 0xf3))
        {
            return true;
        }
        i += 1;
    }
    false
}

fn ignorable_reason(c: char) -> String {
    format!(
        "it contains U+{:04X}, an invisible character that IDNA would silently remove",
        u32::from(c)
    )
}

/// Whether `c` is one of Unicode's default-ignorable code points that UTS-46 (IDNA) maps to
/// nothing, so that a host containing it would silently become another host.
fn is_default_ignorable(c: char) -> bool {
    matches!(
        u32::from(c),
        0xAD | 0x34F
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0x1BCA0..=0x1BCA3
            | 0xE0000..=0xE0FFF
    )
}

/// Where [`path_byte_range`] of `input` starts, `None` when `input` has no `:` (no path),
/// when [`detect_scheme`] found `scheme` in it: the colon ends the scheme's name, which needs
/// no second look-up (a seventh of normalising a URL with a space in its path went to
/// finding the path).
fn path_start(input: &str, scheme: Option<Scheme>) -> Option<usize> {
    match scheme {
        Some(scheme) => Some(path_start_after_scheme(
            input,
            scheme.as_str().len(),
            scheme.has_special_host(),
            matches!(scheme, Scheme::File),
        )),
        None => input.find(':').map(|_| path_byte_range(input).start),
    }
}

/// Whether byte `at` of `bytes` (not `?` or `#`) is in [`path_byte_range`], whose start is
/// `start` ([`path_start`]): the path's end is looked for only up to `at`, not through the
/// rest of the path.
fn in_path(bytes: &[u8], start: Option<usize>, at: usize) -> bool {
    start.is_some_and(|start| {
        start <= at && !bytes[start..at].iter().any(|&b| b == b'?' || b == b'#')
    })
}

/// The bytes of `input` that the `url` crate will read as the path: after the authority and
/// before `?` or `#`. Empty when there is no scheme. The authority is taken as the `url`
/// crate takes it (special schemes skip any run of `/` and `\` and end it at `\` too), so
/// whitespace accepted here can never end up in the user info, host or port.
fn path_byte_range(input: &str) -> std::ops::Range<usize> {
    let Some(colon) = input.find(':') else {
        return 0..0;
    };
    let special = Scheme::from_name(&input[..colon]).is_some_and(Scheme::has_special_host);
    let is_file = input[..colon].eq_ignore_ascii_case("file");
    path_range_after_scheme(input, colon, special, is_file)
}

/// [`path_byte_range`] once the scheme is known: it ends at byte `colon`, `special` when the
/// `url` crate treats it as special, `is_file` for `file:`.
fn path_range_after_scheme(
    input: &str,
    colon: usize,
    special: bool,
    is_file: bool,
) -> std::ops::Range<usize> {
    let bytes = input.as_bytes();
    let start = path_start_after_scheme(input, colon, special, is_file);
    let end = start
        + bytes[start..]
            .iter()
            .position(|&b| b == b'?' || b == b'#')
            .unwrap_or(bytes.len() - start);
    start..end
}

/// Where [`path_range_after_scheme`] starts.
fn path_start_after_scheme(input: &str, colon: usize, special: bool, is_file: bool) -> usize {
    let bytes = input.as_bytes();
    let mut start = colon + 1;
    let has_authority = if is_file {
        // `file:/path` has no authority; `file://host/path` and `file:///path` do.
        let slashes = bytes[start..]
            .iter()
            .take_while(|&&b| b == b'/' || b == b'\\')
            .count();
        if slashes >= 2 {
            start += 2;
        }
        slashes >= 2
    } else if special {
        // The `url` crate skips any run of slashes before an http(s) host, even none.
        start += bytes[start..]
            .iter()
            .take_while(|&&b| b == b'/' || b == b'\\')
            .count();
        true
    } else if input[start..].starts_with("//") {
        start += 2;
        true
    } else {
        false
    };
    if has_authority {
        let ends_authority = |b: u8| matches!(b, b'/' | b'?' | b'#') || (special && b == b'\\');
        start += bytes[start..]
            .iter()
            .position(|&b| ends_authority(b))
            .unwrap_or(bytes.len() - start);
    }
    start
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

/// The host in canonical form (see [`ServerUrl::host`]), except that a host taken through
/// the IDNA fast path or a bucket name may still need ASCII lower-casing.
fn normalized_host<'a>(
    url: &'a Url,
    scheme: Scheme,
    input: &str,
) -> Result<Cow<'a, str>, UrlError> {
    let bad_host = |host: &str, reason: &str| UrlError::BadHost {
        // A bucket name is shown percent-decoded, which can bring back a control character.
        host: escape_controls(host),
        reason: reason.to_owned(),
        input: redact_unparsed(input),
    };
    let domain: Cow<'a, str> = match url.host() {
        None | Some(Host::Domain("")) => return Ok(Cow::Borrowed("")),
        Some(Host::Domain(domain)) if scheme.has_special_host() => {
            // The `url` crate has decoded and IDNA-mapped this host already, so an escaped
            // invisible character (`ho%E2%80%8Bst`) is looked for in the raw host; only a
            // host with a `%` pays for the decode.
            // The prefilter on the whole input spares isolating the host (a tenth of a
            // normalise) when no escape could decode to such a character.
            let raw = may_hold_ignorable(input)
                .then(|| authority_parts(input).0)
                .filter(|raw| raw.contains('%'));
            if let Some((raw, found)) = raw.and_then(|raw| Some((raw, escaped_ignorable(raw)?))) {
                return Err(bad_host(
                    &percent_decode_lossy(raw).escape_default().to_string(),
                    &ignorable_reason(found),
                ));
            }
            Cow::Borrowed(domain)
        }
        Some(Host::Domain(opaque)) if scheme.host_is_bucket() => {
            let valid = opaque
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
            if !valid {
                return Err(bad_host(
                    &percent_decode_lossy(opaque),
                    "bucket and container names use only ASCII letters, digits, '.', '-' and '_'",
                ));
            }
            // Bucket names lose their trailing dots without the IPv4 re-check below.
            let name = opaque.trim_end_matches('.');
            if name.is_empty() {
                return Err(bad_host(opaque, "a host name cannot consist of dots only"));
            }
            if has_empty_label(opaque) {
                return Err(bad_host(opaque, EMPTY_LABEL));
            }
            return Ok(Cow::Borrowed(name));
        }
        Some(Host::Domain(opaque)) if is_idna_invariant(opaque) => Cow::Borrowed(opaque),
        // Lower-casing first lets IDNA take its all-lower-case ASCII pass-through, which is
        // several times faster than mapping mixed case; the result is the same.
        // The byte pass of `check_characters` sees raw characters only; an escaped one
        // (`ho%E2%80%8Bst`) is decoded here, off the fast path, before IDNA would delete it.
        // A host the Latin shortcut takes holds no escape but those of `à`-`ÿ`, so no
        // default-ignorable code point: the look for one (a tenth of the shortcut) comes after.
        Some(Host::Domain(opaque)) => match latin_idna(opaque) {
            // No empty label and no trailing dot (the shortcut refuses them): the checks
            // below hold already.
            Some(domain) => return Ok(Cow::Owned(domain)),
            None => {
                if opaque.contains('%')
                    && let Some(found) = escaped_ignorable(opaque)
                {
                    return Err(bad_host(
                        &percent_decode_lossy(opaque).escape_default().to_string(),
                        &ignorable_reason(found),
                    ));
                }
                match parse_opaque_host(opaque) {
                    Ok(Host::Domain(domain)) => Cow::Owned(domain),
                    Ok(Host::Ipv4(address)) => return Ok(Cow::Owned(address.to_string())),
                    Ok(Host::Ipv6(address)) => return Ok(Cow::Owned(format!("[{address}]"))),
                    Err(error) => {
                        return Err(bad_host(opaque, &format!("{error} (after IDNA mapping)")));
                    }
                }
            }
        },
        Some(host) if scheme.host_is_bucket() => {
            return Err(bad_host(
                &host.to_string(),
                "expected a bucket or container name, not an IP address",
            ));
        }
        // The `url` crate serialises addresses as `Display` does (dotted decimal; IPv6
        // compressed, lower case, in brackets), except an IPv4-mapped IPv6 address, which
        // `Display` writes with a dotted tail: borrowing its text saves the formatting.
        Some(Host::Ipv4(_)) => return Ok(Cow::Borrowed(url.host_str().unwrap_or_default())),
        Some(Host::Ipv6(address)) if address.to_ipv4_mapped().is_none() => {
            return Ok(Cow::Borrowed(url.host_str().unwrap_or_default()));
        }
        Some(Host::Ipv6(address)) => return Ok(Cow::Owned(format!("[{address}]"))),
    };
    let trimmed = domain.trim_end_matches('.');
    if trimmed.is_empty() {
        return Err(bad_host(
            &domain.to_ascii_lowercase(),
            "a host name cannot consist of dots only",
        ));
    }
    // One trailing dot (the DNS root) is allowed; any other empty label is not.
    if has_empty_label(&domain) {
        return Err(bad_host(&domain.to_ascii_lowercase(), EMPTY_LABEL));
    }
    if trimmed.len() == domain.len() {
        return Ok(domain);
    }
    // Without its dots the host can read as an IPv4 address (`4...` → `4`, which
    // the host parser takes for 0.0.0.4), so the trimmed form is parsed again:
    // otherwise normalising twice would give a different answer than once.
    Ok(Cow::Owned(
        match Host::parse(&trimmed.to_ascii_lowercase()) {
            Ok(Host::Domain(domain)) => domain,
            Ok(Host::Ipv4(address)) => address.to_string(),
            Ok(Host::Ipv6(address)) => format!("[{address}]"),
            Err(error) => {
                return Err(bad_host(&domain.to_ascii_lowercase(), &error.to_string()));
            }
        },
    ))
}

const EMPTY_LABEL: &str =
    "a host name cannot have an empty label (a leading dot or two dots in a row)";

/// Whether `host` has an empty label (`.a`, `a..b`, `a..`); one trailing dot, the DNS root,
/// is allowed. IDNA keeps empty labels, so `.blob.core.windows.net` was accepted before.
fn has_empty_label(host: &str) -> bool {
    let labels = host.strip_suffix('.').unwrap_or(host);
    labels.starts_with('.') || labels.ends_with('.') || labels.contains("..")
}

/// What `Host::parse(&opaque.to_ascii_lowercase())` returns as a domain, computed without
/// the UTS-46 machinery for the common internationalised host: labels of `a-z 0-9 -` and
/// the lower-case Latin-1 letters `à`–`ÿ` (not `÷`), which UTS-46 maps to themselves and
/// which are already in NFC, are left-to-right (so no Bidi rule applies) and need no joiner
/// rule; such a label is written as `xn--` + its Punycode. `None` means "take the full IDNA
/// path": anything else (other scripts, upper case beyond ASCII, `ß`, empty labels, a
/// trailing dot, a `-` at a label's ends, `--` anywhere, so no existing `xn--` label, a
/// last label that does not start with a letter and so might read as a number). Checked
/// against `Host::parse` character by character and by a property test below. IDNA was
/// half the cost of normalising `omniverse://bücher.example/`.
fn latin_idna(opaque: &str) -> Option<String> {
    let mut out = String::with_capacity(opaque.len() + 8);
    // Labels cut at each `.` by a byte search (`split('.')` cost a fifth of the shortcut).
    let mut rest = opaque;
    loop {
        let (label, next) = match rest.bytes().position(|b| b == b'.') {
            Some(dot) => (&rest[..dot], Some(&rest[dot + 1..])),
            None => (rest, None),
        };
        push_latin_label(&mut out, label, next.is_none())?;
        match next {
            Some(following) => {
                out.push('.');
                rest = following;
            }
            None => return Some(out),
        }
    }
}

/// One label for [`latin_idna`], read straight from the `url` crate's percent-encoded
/// opaque host (no decoded copy): ASCII letters (lower-cased), digits and `-`, and the
/// escaped UTF-8 of `à`–`ÿ`, `%C3%A0` to `%C3%BF` in either case of hex, without `÷`
/// (`%C3%B7`). Any other escape, `%2E` included, takes the full path.
fn push_latin_label(out: &mut String, label: &str, is_last: bool) -> Option<()> {
    if !label.contains('%') {
        return push_ascii_label(out, label, is_last);
    }
    // A DNS label has at most 63 characters; longer ones take the full path (and fail the
    // length check after it).
    let mut chars = ['\0'; 63];
    let mut count = 0;
    let mut ascii = true;
    let bytes = label.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let (c, width) = match bytes[i] {
            b @ (b'a'..=b'z' | b'0'..=b'9' | b'-') => (char::from(b), 1),
            b @ b'A'..=b'Z' => (char::from(b.to_ascii_lowercase()), 1),
            b'%' => {
                let lead = escaped_byte(bytes, i)?;
                let tail = escaped_byte(bytes, i + 3)?;
                if lead != 0xc3 || !matches!(tail, 0xa0..=0xb6 | 0xb8..=0xbf) {
                    return None;
                }
                ascii = false;
                (char::from(0xc0 | (tail & 0x3f)), 6)
            }
            _ => return None,
        };
        i += width;
        *chars.get_mut(count)? = c;
        count += 1;
    }
    let text = label;
    let label = &chars[..count];
    let (&first, &last) = (label.first()?, label.last()?);
    let starts_with_letter = first.is_ascii_lowercase() || !first.is_ascii();
    if first == '-'
        || last == '-'
        || (is_last && !starts_with_letter)
        || label.windows(2).any(|pair| pair == ['-', '-'])
    {
        return None;
    }
    if ascii {
        // The label's own text is `A-Z a-z 0-9 -` then: copied and lower-cased at once.
        let start = out.len();
        out.push_str(text);
        out[start..].make_ascii_lowercase();
    } else {
        out.push_str("xn--");
        push_punycode(out, label)?;
    }
    Some(())
}

/// [`push_latin_label`] of a label without escapes, checked and copied as bytes (no
/// characters to collect): the same rules, the label lower-cased.
fn push_ascii_label(out: &mut String, label: &str, is_last: bool) -> Option<()> {
    let bytes = label.as_bytes();
    let (&first, &last) = (bytes.first()?, bytes.last()?);
    let valid = bytes
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b == b'-');
    // Longer than a DNS label: the full path, as in `push_latin_label`.
    if !valid
        || bytes.len() > 63
        || first == b'-'
        || last == b'-'
        || (is_last && !first.is_ascii_alphabetic())
        || bytes.windows(2).any(|pair| pair == b"--")
    {
        return None;
    }
    let start = out.len();
    out.push_str(label);
    out[start..].make_ascii_lowercase();
    Some(())
}

/// Appends the Punycode (RFC 3492, section 6.3) of `label`, straight into `out`: the `idna`
/// crate's encoder returns a new string that it grows once more for every such label, which
/// cost a third of the shortcut. `None` on overflow (not possible for 63 characters).
fn push_punycode(out: &mut String, label: &[char]) -> Option<()> {
    const BASE: u32 = 36;
    const T_MIN: u32 = 1;
    const T_MAX: u32 = 26;
    let digit = |d: u32| {
        char::from(if d < 26 {
            b'a' + d as u8
        } else {
            b'0' + (d - 26) as u8
        })
    };
    let basic = u32::try_from(label.iter().filter(|c| c.is_ascii()).count()).ok()?;
    out.extend(label.iter().filter(|c| c.is_ascii()));
    if basic > 0 {
        out.push('-');
    }
    let total = u32::try_from(label.len()).ok()?;
    let (mut n, mut delta, mut bias, mut handled) = (128u32, 0u32, 72u32, basic);
    while handled < total {
        let next = label
            .iter()
            .map(|&c| u32::from(c))
            .filter(|&c| c >= n)
            .min()?;
        delta = delta.checked_add((next - n).checked_mul(handled + 1)?)?;
        n = next;
        for &c in label {
            let c = u32::from(c);
            if c < n {
                delta = delta.checked_add(1)?;
            } else if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = k.saturating_sub(bias).clamp(T_MIN, T_MAX);
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(digit(q));
                bias = punycode_bias(delta, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta = delta.checked_add(1)?;
        n += 1;
    }
    Some(())
}

/// RFC 3492's bias adaptation (section 6.1).
fn punycode_bias(delta: u32, points: u32, first: bool) -> u32 {
    const BASE: u32 = 36;
    const T_MIN: u32 = 1;
    const T_MAX: u32 = 26;
    let mut delta = delta / if first { 700 } else { 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + (BASE - T_MIN + 1) * delta / (delta + 38)
}

/// The byte of the `%XX` escape at `at`, if there is one.
fn escaped_byte(bytes: &[u8], at: usize) -> Option<u8> {
    if bytes.get(at) != Some(&b'%') {
        return None;
    }
    let high = bytes.get(at + 1).copied().and_then(hex_digit)?;
    let low = bytes.get(at + 2).copied().and_then(hex_digit)?;
    Some(high << 4 | low)
}

/// `Host::parse` of the lower-cased opaque host, with one copy fewer: the host is decoded
/// and lower-cased in one pass, and the parser gets text with nothing left to decode.
fn parse_opaque_host(opaque: &str) -> Result<Host<String>, url::ParseError> {
    match decoded_lowercase(opaque) {
        Some(decoded) => Host::parse(&decoded),
        None => Host::parse(&opaque.to_ascii_lowercase()),
    }
}

/// What `Host::parse(&opaque.to_ascii_lowercase())` percent-decodes first, or `None` when
/// the parser must see the original: a `%` not starting an escape, a decoded `%` (which the
/// parser would decode again), a decoded leading `[` (which it would read as IPv6), or bytes
/// that are not UTF-8. Lower-casing before or after decoding is the same for the literal
/// letters, and hex digits decode alike in either case.
fn decoded_lowercase(opaque: &str) -> Option<String> {
    let bytes = opaque.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    // From `%` to `%`, copying the literal runs between escapes at once.
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'%') {
        decoded.extend(bytes[i..i + offset].iter().map(u8::to_ascii_lowercase));
        i += offset;
        let high = bytes.get(i + 1).copied().and_then(hex_digit)?;
        let low = bytes.get(i + 2).copied().and_then(hex_digit)?;
        let byte = high << 4 | low;
        if byte == b'%' {
            return None;
        }
        decoded.push(byte);
        i += 3;
    }
    decoded.extend(bytes[i..].iter().map(u8::to_ascii_lowercase));
    if decoded.first() == Some(&b'[') {
        return None;
    }
    String::from_utf8(decoded).ok()
}

fn hex_digit(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Whether [`Host::parse`] would return this host, lower-cased, unchanged as a domain, so
/// the IDNA pass can be skipped: only `a-z A-Z 0-9 - .` (nothing to map but ASCII case,
/// nothing to percent-decode), no `--`
/// (so no `xn--` label, whose punycode IDNA decodes to validate), no empty label and no label
/// starting with `-` (those rules stay with IDNA), and a last label, not counting one
/// trailing dot, that starts with a letter (so it cannot read as an IPv4 number such as `1`,
/// `0x1` or `017`). One byte loop: `str::contains` and `rsplit` cost more than the check.
fn is_idna_invariant(host: &str) -> bool {
    let bytes = host.as_bytes();
    let mut previous = b'.';
    let (mut label_start, mut previous_label_start) = (0, 0);
    for (i, &byte) in bytes.iter().enumerate() {
        let byte = byte.to_ascii_lowercase();
        let allowed = match byte {
            b'a'..=b'z' | b'0'..=b'9' => true,
            b'-' => previous != b'-' && previous != b'.',
            b'.' => previous != b'.',
            _ => false,
        };
        if !allowed {
            return false;
        }
        if byte == b'.' {
            previous_label_start = label_start;
            label_start = i + 1;
        }
        previous = byte;
    }
    let last_label_start = if label_start == bytes.len() {
        previous_label_start
    } else {
        label_start
    };
    bytes
        .get(last_label_start)
        .is_some_and(u8::is_ascii_alphabetic)
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

/// Appends the canonical path: starts with `/`, slash runs collapsed, and a lone
/// container/bucket segment gets its trailing `/` so that the URL of a server root is spelled
/// exactly like the root.
fn push_normalized_path(out: &mut String, raw: &str, layout: RootLayout) {
    let start = out.len();
    // Collapsing never removes a leading `/` nor creates one, so adding it first is the same
    // as adding it after.
    if !raw.starts_with('/') {
        out.push('/');
    }
    push_collapsed_path(out, raw);
    let path = &out[start..];
    let is_lone_segment = path.len() > 1 && !path[1..].contains('/');
    if layout == RootLayout::FirstSegment && is_lone_segment {
        out.push('/');
    }
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

    fn assert_fast_path_matches_host_parse(host: &str) {
        if is_idna_invariant(host) {
            assert_eq!(
                Host::parse(&host.to_ascii_lowercase()),
                Ok(Host::Domain(host.to_ascii_lowercase())),
                "fast path taken for {host:?}"
            );
        }
    }

    #[test]
    fn idna_fast_path_is_taken_only_when_host_parse_changes_nothing() {
        for host in [
            "nucleus.example.com",
            "server.",
            "a-b.c",
            "xn--bcher-kva.example",
            "ab--cd.example",
            "1.2.3.4",
            "a.0x1",
            "a.017",
            "a..b",
            ".a",
            "-a.b",
            "a.b.",
            "a.b..",
            "a.1.",
            "Nucleus.Example.COM",
            "A.0X1",
        ] {
            assert_fast_path_matches_host_parse(host);
        }
        assert!(is_idna_invariant("nucleus.example.com"));
        assert!(!is_idna_invariant("xn--bcher-kva.example"));
        assert!(!is_idna_invariant("a.0x1"));
        assert!(is_idna_invariant("server."));
        assert!(!is_idna_invariant("a.1."));
        assert!(!is_idna_invariant("a-.-b.c"));
        assert!(!is_idna_invariant(""));
    }

    #[test]
    fn lead_byte_filter_covers_every_invalid_character() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            if c.is_whitespace() || c.is_control() {
                let text = format!("a{c}b");
                assert!(
                    check_characters(&text, detect_scheme(&text).ok()).is_err(),
                    "{c:?} passed"
                );
            }
        }
        assert!(
            check_characters(
                "omniverse://bücher.example/Projekte/",
                Some(Scheme::Omniverse)
            )
            .is_ok()
        );
    }

    #[test]
    fn opaque_host_decoding_matches_host_parse() {
        for host in [
            "b%C3%BCcher.example",
            "B%c3%bcCHER.example",
            "a%2541",
            "%5B::1%5D",
            "%zz",
            "a%",
            "%ff",
            "%41%42.c",
            "xn--bcher-kva.example",
            "1.2.3.4",
            "0x%31",
        ] {
            assert_eq!(
                parse_opaque_host(host),
                Host::parse(&host.to_ascii_lowercase()),
                "{host:?}"
            );
        }
    }

    /// The Latin-1 IDNA shortcut gives `Host::parse`'s answer for every character it could
    /// meet, alone and in a label, in any position.
    #[test]
    fn latin_idna_matches_host_parse_for_every_latin_character() {
        for c in (0x20..=0x2ff).filter_map(char::from_u32) {
            for host in [
                format!("x{c}y.example"),
                format!("{c}.example"),
                format!("ab.{c}"),
                format!("ab.{c}1"),
                format!("1{c}.example"),
            ] {
                let encoded: String =
                    url::form_urlencoded::byte_serialize(host.as_bytes()).collect();
                if let Some(fast) = latin_idna(&encoded) {
                    assert_eq!(
                        Host::parse(&encoded.to_ascii_lowercase()),
                        Ok(Host::Domain(fast.clone())),
                        "{host:?} -> {fast}"
                    );
                }
            }
        }
        assert_eq!(
            latin_idna("b%C3%BCcher.example").as_deref(),
            Some("xn--bcher-kva.example")
        );
        for host in [
            "b%c3%bccher.example",
            "B%C3%BCCHER.Example",
            "%C3%BC.%C3%A0-b",
        ] {
            assert_eq!(
                Host::parse(&host.to_ascii_lowercase()),
                Ok(Host::Domain(latin_idna(host).unwrap())),
                "{host}"
            );
        }
        assert_eq!(latin_idna("stra%C3%9Fe.de"), None, "ß takes the full path");
        assert_eq!(latin_idna("a%2Eb.c"), None);
        assert_eq!(latin_idna(&format!("{}.de", "a".repeat(64))), None);
        assert_eq!(latin_idna("xn--bcher-kva.example"), None);
    }

    /// The chunked scan of `check_characters` sees a refused character in every position,
    /// whichever 16-byte chunk it falls in, and lets a space in the path through anywhere.
    #[test]
    fn character_check_finds_characters_in_every_chunk() {
        let url = "omniverse://nucleus.example.com/Projects/Long/Path/Scene.usd?x=1";
        for at in 0..=url.len() {
            for inserted in ['\u{1}', '\u{7f}', '\u{85}', '\u{3000}', ' '] {
                let input = format!("{}{inserted}{}", &url[..at], &url[at..]);
                // Whitespace in the path (as the reference finds it) is let through.
                let accepted = inserted.is_whitespace()
                    && !inserted.is_control()
                    && path_byte_range(&input).contains(&at);
                assert_eq!(
                    check_characters(&input, detect_scheme(&input).ok()).is_ok(),
                    accepted,
                    "{input:?}"
                );
            }
            let input = format!("omniverse://{}\u{200b}{}", &"h".repeat(at), "x.example/");
            assert!(
                check_characters(&input, Some(Scheme::Omniverse)).is_err(),
                "{input:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn punycode_agrees_with_the_idna_crate(label in "[a-z0-9-]{0,6}[\\u{80}-\\u{2ff}\\u{4e00}-\\u{4e0f}]{1,5}[a-z0-9\\u{e0}-\\u{ff}-]{0,8}") {
            let chars: Vec<char> = label.chars().collect();
            let mut ours = String::new();
            proptest::prop_assert!(push_punycode(&mut ours, &chars).is_some());
            proptest::prop_assert_eq!(Some(ours), idna::punycode::encode(&chars));
        }

        #[test]
        fn latin_idna_agrees_with_host_parse(
            host in "([a-z0-9.-]|[àéüöñçøÿ]|[ÀÉßÿ÷]|xn--|%C3%BC|%41|%zz){1,16}"
        ) {
            let encoded: String = host
                .chars()
                .map(|c| if c.is_ascii() { c.to_string() } else {
                    url::form_urlencoded::byte_serialize(c.to_string().as_bytes()).collect()
                })
                .collect();
            if let Some(fast) = latin_idna(&encoded) {
                proptest::prop_assert_eq!(
                    Host::parse(&encoded.to_ascii_lowercase()),
                    Ok(Host::Domain(fast.clone())),
                    "{:?} -> {}", host, fast
                );
                // `normalized_host` skips the empty-label and trailing-dot checks for it.
                proptest::prop_assert!(
                    !fast.is_empty() && !fast.ends_with('.') && !has_empty_label(&fast),
                    "{:?} -> {}", host, fast
                );
            }
        }

        /// Borrowing the `url` crate's text of an IPv6 host keeps the normal form `Display`
        /// gave before, for every address but the IPv4-mapped ones (which keep `Display`).
        #[test]
        fn ipv6_host_text_is_display(
            groups in proptest::collection::vec(proptest::prop_oneof![3 => proptest::strategy::Just(0u16), 1 => proptest::prelude::any::<u16>()], 8)
        ) {
            let mut segments = [0u16; 8];
            segments.copy_from_slice(&groups);
            let address = std::net::Ipv6Addr::from(segments);
            let url = Url::parse(&format!("omniverse://[{address}]/")).unwrap();
            let host = normalized_host(&url, Scheme::Omniverse, url.as_str()).unwrap();
            proptest::prop_assert_eq!(host.as_ref(), format!("[{address}]"));
        }

        #[test]
        fn opaque_host_decoding_agrees_with_host_parse(
            host in "([a-zA-Z0-9.\\[\\]:-]|%[0-9a-fA-F]{2}|%|\\PC){0,12}"
        ) {
            proptest::prop_assert_eq!(
                parse_opaque_host(&host),
                Host::parse(&host.to_ascii_lowercase())
            );
        }


        /// The prefilter of `escaped_ignorable` never skips a decode that would find one.
        #[test]
        fn ignorable_prefilter_misses_nothing(
            text in "([a-z.%]|%[0-9a-fA-F]{2}|%E2%80%8B|%C2%AD|%EF%BB%BF|%F3%A0%80%81|\\PC){0,10}"
        ) {
            if !may_hold_ignorable(&text) {
                proptest::prop_assert!(
                    !percent_decode_lossy(&text).chars().any(is_default_ignorable),
                    "{:?}", text
                );
            }
        }

        #[test]
        fn idna_fast_path_agrees_with_host_parse(host in "[a-zA-Z0-9xX.-]{1,24}") {
            assert_fast_path_matches_host_parse(&host);
        }

        /// The path found from the detected scheme is the one found by looking it up again.
        #[test]
        fn path_start_from_the_scheme_agrees_with_path_byte_range(
            input in "(omniverse|HTTPS|http|s3|gs|az|File|file|abfss|foo|a.b|C|1x)?:?\
                ([/\\\\]{0,3})([a-zA-Z0-9@:. %-]{0,8})([/\\\\?#][a-zA-Z0-9 /?#\\\\]{0,8}){0,3}"
        ) {
            let range = path_byte_range(&input);
            let start = path_start(&input, detect_scheme(&input).ok());
            proptest::prop_assert_eq!(start.unwrap_or(0), range.start, "{:?}", input);
            for (at, &byte) in input.as_bytes().iter().enumerate() {
                if byte != b'?' && byte != b'#' {
                    proptest::prop_assert_eq!(
                        in_path(input.as_bytes(), start, at),
                        range.contains(&at),
                        "{:?} at {}", input, at
                    );
                }
            }
        }
    }
}
