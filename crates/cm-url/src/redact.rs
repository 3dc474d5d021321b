//! Removing secrets from URLs before they reach a log line, an event payload or an error.
//!
//! Two things are secret:
//!
//! * the password in the userinfo (`user:password@host`); the user name is kept, because it is
//!   how people tell accounts apart in logs;
//! * the value of a query or fragment parameter whose key looks like a credential: see
//!   [`is_secret_key`]. This covers pre-signed S3 URLs (`X-Amz-Signature`, `X-Amz-Credential`,
//!   `X-Amz-Security-Token`), Azure SAS tokens (`sig`), signed GCS URLs (`X-Goog-Signature`,
//!   `X-Goog-Credential`) and OAuth tokens (`access_token`, also in `#fragment`s).
//!
//! Each secret is replaced by [`REDACTED`]. A URL that parses is redacted on its normalised
//! form; anything else goes through a cautious string scan ([`redact_unparsed`]) that prefers
//! hiding too much over echoing a password.

use std::fmt::Write as _;

/// The marker that replaces a password or token value.
pub const REDACTED: &str = "REDACTED";

/// Query/fragment keys (compared case-insensitively) whose values are always hidden.
const SECRET_KEYS: [&str; 27] = [
    "sig",
    "auth",
    "jwt",
    "authorization",
    "x-api-key",
    "session",
    "pass",
    "credential",
    "signature",
    "token",
    "access_token",
    "id_token",
    "refresh_token",
    "code",
    "password",
    "passwd",
    "pwd",
    "secret",
    "client_secret",
    "key",
    "api_key",
    "apikey",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
];

/// Key endings that mark a credential under any prefix (`sessionToken`, `x-ms-secret`, …).
const SECRET_KEY_SUFFIXES: [&str; 4] = ["token", "secret", "signature", "password"];

/// Whether a query or fragment key names a credential.
///
/// The key is percent-decoded first, then compared case-insensitively against a fixed list
/// (`sig`, `token`, `access_token`, `auth`, `jwt`, `Authorization`, `x-api-key`, `session`,
/// `pass`, `X-Amz-Signature`, `X-Goog-Credential`, `key`, …) and
/// against the endings `token`, `secret`, `signature` and `password`.
pub(crate) fn is_secret_key(raw_key: &str) -> bool {
    let key = percent_decode_lossy(raw_key).to_ascii_lowercase();
    SECRET_KEYS.contains(&key.as_str())
        || SECRET_KEY_SUFFIXES
            .iter()
            .any(|suffix| key.ends_with(suffix))
}

/// Appends a `&`-separated parameter list with the values of secret keys replaced.
///
/// Pieces that are not `key=value` are copied unchanged.
pub(crate) fn push_redacted_params(out: &mut String, params: &str) {
    for (i, piece) in params.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        match piece.split_once('=') {
            Some((key, _value)) if is_secret_key(key) => {
                out.push_str(key);
                out.push('=');
                out.push_str(REDACTED);
            }
            _ => out.push_str(piece),
        }
    }
}

/// Best-effort redaction of text that is not a valid URL.
///
/// Whatever sits between the first `:` of the authority (or of the input, when no `://`
/// precedes the first `@`) and the *last* `@` of the input is
/// treated as a password, because an unparseable URL may carry a password with unescaped
/// `/`, `#` or `?` in it. This can hide more than the password (an `@` later in the path),
/// never less. Parameters after the first `?` and `#` are redacted like in a valid URL.
/// Control characters are escaped (`\n`, `\u{7f}`) so that the result is one log line.
pub(crate) fn redact_unparsed(input: &str) -> String {
    // A `://` that follows an `@` may sit inside the password; the scan then starts at 0.
    let first_at = input.find('@').unwrap_or(input.len());
    let authority_start = input
        .find("://")
        .filter(|&i| i < first_at)
        .map_or(0, |i| i + 3);
    let with_password_hidden = match input.rfind('@') {
        Some(at) if at >= authority_start => {
            match password_separator(&input[authority_start..at]) {
                Some((colon, separator)) => {
                    let colon = authority_start + colon;
                    format!("{}{separator}{REDACTED}{}", &input[..colon], &input[at..])
                }
                None => input.to_owned(),
            }
        }
        _ => input.to_owned(),
    };

    let mut out = String::with_capacity(with_password_hidden.len() + REDACTED.len());
    let (before_fragment, fragment) = match with_password_hidden.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (with_password_hidden.as_str(), None),
    };
    match before_fragment.split_once('?') {
        Some((base, query)) => {
            push_escaped(&mut out, base);
            out.push('?');
            let mut params = String::new();
            push_redacted_params(&mut params, query);
            push_escaped(&mut out, &params);
        }
        None => push_escaped(&mut out, before_fragment),
    }
    if let Some(fragment) = fragment {
        out.push('#');
        let mut params = String::new();
        push_redacted_params(&mut params, fragment);
        push_escaped(&mut out, &params);
    }
    out
}

/// Rewrites each URL-looking word of `text` (see [`crate::redact_urls_in_text`]) for which
/// `rewrite` returns a replacement.
pub(crate) fn redact_urls_in_text(text: &str, rewrite: impl Fn(&str) -> Option<String>) -> String {
    let ends_word = |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>');
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = text[search..].find("://") {
        let marker = search + found;
        let start = text[..marker]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |i| {
                i + text[i..].chars().next().map_or(1, char::len_utf8)
            });
        let end = text[marker..]
            .find(ends_word)
            .map_or(text.len(), |i| marker + i);
        search = end.max(marker + 3);
        if start == marker || start < copied {
            continue;
        }
        if let Some(replacement) = rewrite(&text[start..end]) {
            out.push_str(&text[copied..start]);
            out.push_str(&replacement);
            copied = end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Where the password of a userinfo starts: the first `:`, or an encoded `:` (`%3A`) or a `;`
/// (some tools write `container;key@account`), whichever comes first, with the separator as
/// written. An encoded separator is not a password to the `url` crate, but a user who wrote one
/// meant one; hiding it costs only a wrong-looking error message.
fn password_separator(userinfo: &str) -> Option<(usize, &str)> {
    let bytes = userinfo.as_bytes();
    (0..bytes.len()).find_map(|i| match bytes[i] {
        b':' | b';' => Some((i, &userinfo[i..=i])),
        b'%' if bytes.get(i + 1) == Some(&b'3')
            && matches!(bytes.get(i + 2), Some(b'a' | b'A' | b'b' | b'B')) =>
        {
            Some((i, &userinfo[i..i + 3]))
        }
        _ => None,
    })
}

/// `text` with control characters escaped (`\u{1e}`), so that it prints as one line. For parts
/// of a URL that were percent-decoded for a message, which can bring back what the input
/// check refused.
pub(crate) fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

/// Appends `text` with control characters escaped so that it stays on one line.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_control() {
            // Writing to a String cannot fail.
            let _ = write!(out, "{}", c.escape_default());
        } else {
            out.push(c);
        }
    }
}

/// Decodes `%XX` escapes, replacing invalid UTF-8; good enough for comparing keys.
pub(crate) fn percent_decode_lossy(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escape {
            Some(byte) => {
                decoded.push(byte);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys_match_case_insensitively_and_by_suffix() {
        assert!(is_secret_key("X-Amz-Signature"));
        assert!(is_secret_key("SIG"));
        assert!(is_secret_key("sessionToken"));
        assert!(is_secret_key("%73ig"));
        assert!(!is_secret_key("prefix"));
        assert!(!is_secret_key("se"));
        for key in [
            "auth",
            "jwt",
            "Authorization",
            "x-api-key",
            "X-API-Key",
            "session",
            "SESSION",
            "pass",
            "Pass",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn unparsed_input_hides_the_password_even_with_odd_characters() {
        assert_eq!(
            redact_unparsed("omniverse://u:p#ss@host/a b"),
            "omniverse://u:REDACTED@host/a b"
        );
        assert_eq!(redact_unparsed("user:pw@host"), "user:REDACTED@host");
        assert_eq!(
            redact_unparsed("ftp://h/x y?token=abc&x=1\n"),
            "ftp://h/x y?token=REDACTED&x=1\\n"
        );
    }
}
