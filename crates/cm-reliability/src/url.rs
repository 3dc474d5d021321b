//! Fuzz entry point for `cm-url`: parse, normalise, classify, root and redact arbitrary text.
//!
//! Invariants checked for every input (bytes that are not UTF-8 are checked lossily, since
//! callers may hand `cm-url` text decoded that way):
//!
//! * nothing panics, and every `UrlError` message is one line without control characters;
//! * for an accepted URL `u` with normal form `n`: `normalize(n) == n` (idempotent), `n`
//!   parses to the same kind, root and credential-free form; the server root ends with `/`,
//!   is its own root, is a string prefix of `without_credentials(u)` and `u` is under it;
//! * `redact` never fails, is one line, and hides the password: for an accepted URL the
//!   userinfo reads `user:REDACTED`; for rejected text, the span the documented scan treats
//!   as the password (first `:` of the authority to the last `@`) does not survive;
//! * `plain(s)`, when it answers, agrees with `normalize`.

use cm_url::{REDACTED, ServerUrl, UrlError};

/// Checks every invariant above on `data`; panics on a violation.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    check_str(&text);
    // Leading/trailing whitespace is trimmed by the parser; make the fuzzer's job easier by
    // also checking the trimmed text as its own input.
    let trimmed = text.trim();
    if trimmed.len() != text.len() {
        check_str(trimmed);
    }
}

fn check_str(input: &str) {
    let redacted = cm_url::redact(input);
    assert_one_line("redact", input, &redacted);
    let _ = cm_url::fallback_name_for_url(input);
    let _ = cm_url::is_server_root(input);
    match cm_url::parse(input) {
        Ok(url) => {
            check_accepted(input, &url);
            assert_eq!(
                redacted,
                url.redacted(),
                "redact({input:?}) differs from ServerUrl::redacted"
            );
        }
        Err(error) => {
            check_error(input, &error);
            check_unparsed_redaction(input, &redacted);
        }
    }
    if let Some(plain) = cm_url::plain(input) {
        assert_eq!(
            cm_url::normalize(input).as_deref(),
            Ok(input),
            "plain() accepted {input:?}, which is not in normal form"
        );
        assert_eq!(format!("{}{}", plain.origin(), plain.path()), input);
    }
}

fn check_accepted(input: &str, url: &ServerUrl) {
    let normal = url.as_str();
    let again = cm_url::parse(normal)
        .unwrap_or_else(|e| panic!("normalize({input:?}) = {normal:?} does not parse: {e}"));
    assert_eq!(
        again.as_str(),
        normal,
        "normalize is not idempotent on {input:?}"
    );
    assert_eq!(
        again.kind(),
        url.kind(),
        "kind changed by normalising {input:?}"
    );
    assert_eq!(
        again.server_root(),
        url.server_root(),
        "root changed by normalising {input:?}"
    );
    assert_eq!(again.without_credentials(), url.without_credentials());
    assert_eq!(cm_url::kind(input).ok(), Some(url.kind()));
    let _ = url.kind().as_str();
    let _ = url.fallback_name();

    let root = url.server_root();
    let bare = url.without_credentials();
    assert!(
        root.ends_with('/'),
        "root {root:?} of {input:?} does not end with /"
    );
    assert!(
        bare.starts_with(&root),
        "root {root:?} is not a prefix of {bare:?} (from {input:?})"
    );
    let parsed_root = cm_url::parse(&root)
        .unwrap_or_else(|e| panic!("root {root:?} of {input:?} does not parse: {e}"));
    assert_eq!(
        parsed_root.server_root(),
        root,
        "root of root differs for {input:?}"
    );
    assert!(
        parsed_root.is_server_root(),
        "root {root:?} is not its own root"
    );
    assert!(
        cm_url::is_under(normal, &root),
        "{input:?} is not under its root {root:?}"
    );
    assert!(
        cm_url::parse(&bare).is_ok(),
        "without_credentials({input:?}) = {bare:?} does not parse"
    );

    let redacted = url.redacted();
    assert_eq!(
        url.to_string(),
        redacted,
        "Display is not the redacted form"
    );
    assert_eq!(
        format!("{url:?}").contains(REDACTED),
        redacted.contains(REDACTED)
    );
    if let Some(password) = url.password() {
        let authority = authority_of(&redacted);
        let userinfo = authority.rsplit_once('@').map_or("", |(info, _)| info);
        let user = url.username().unwrap_or("");
        assert_eq!(
            userinfo,
            format!("{user}:{REDACTED}"),
            "redacted form {redacted:?} of {input:?} does not hide the password {password:?}"
        );
    }
}

/// `scheme://AUTHORITY` of a normalised URL: up to the first `/`, `?` or `#` after `://`.
fn authority_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    &rest[..end]
}

fn check_error(input: &str, error: &UrlError) {
    let message = error.to_string();
    assert!(!message.is_empty(), "empty error for {input:?}");
    assert_one_line("error message", input, &message);
    assert_eq!(
        cm_url::normalize(input).err().map(|e| e.to_string()),
        Some(message)
    );
}

fn assert_one_line(what: &str, input: &str, output: &str) {
    assert!(
        !output.chars().any(char::is_control),
        "{what} for {input:?} contains a control character: {output:?}"
    );
}

/// The documented scan: whatever lies between the first `:` of the authority (or of the
/// input, when no `://` precedes the first `@`) and the last `@` is hidden.
fn check_unparsed_redaction(input: &str, redacted: &str) {
    let first_at = input.find('@').unwrap_or(input.len());
    let authority_start = input
        .find("://")
        .filter(|&i| i < first_at)
        .map_or(0, |i| i + 3);
    let Some(at) = input.rfind('@').filter(|&at| at >= authority_start) else {
        return;
    };
    let Some(colon) = input[authority_start..at]
        .find(':')
        .map(|c| authority_start + c)
    else {
        return;
    };
    let secret = &input[colon + 1..at];
    // Only a secret that cannot be rebuilt from text the scan keeps on purpose is checked:
    // no escapes (`\`), no control characters (escaped), and not present in the kept parts.
    if secret.len() < 3 || secret.contains('\\') || secret.chars().any(char::is_control) {
        return;
    }
    // The kept parts are compared as printed: an escaped control character (`\r` -> `\\r`)
    // can spell the secret's first letters (`\rpw` shows `rpw`).
    let kept = format!(
        "{}\u{1}{}",
        escaped(&input[..=colon]),
        escaped(&input[at..])
    )
    .replace(REDACTED, "\u{1}");
    if kept.contains(secret) {
        return;
    }
    let shown = redacted.replace(REDACTED, "\u{1}");
    assert!(
        !shown.contains(secret),
        "redact({input:?}) = {redacted:?} leaks the password span {secret:?}"
    );
}

/// `text` as redaction prints it: control characters escaped.
fn escaped(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn valid_and_invalid_urls_pass() {
        for input in [
            "omniverse://alice:pw@Server.:3009//a/../b?token=x",
            "https://s3.amazonaws.com/bucket",
            "http://[fe80::1%25eth0]/",
            "ftp://u:secret@x/",
            "no scheme at all",
            "",
        ] {
            super::check(input.as_bytes());
        }
    }
}
