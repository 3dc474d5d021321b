//! The URL rules this crate needs, delegated to `cm-url` so the whole
//! workspace agrees on what a valid URL and "the same server" mean.

/// Ok when `url` is a usable URL; otherwise the reason it is not.
pub(crate) fn validate(url: &str) -> Result<(), String> {
    if plainly_valid_nucleus_url(url) {
        return Ok(());
    }
    cm_url::normalize(url).map(drop).map_err(|e| e.to_string())
}

/// A cheap, conservative test for the most common URL shape in the file,
/// `omniverse://host[:port]/plain/path/`, that `cm-url` always accepts. A full
/// parse costs about 3 us, which for 10 000 bookmarks would dominate a load.
/// Anything unusual (upper case, percent escapes, punycode, numeric or
/// IP-like hosts, user info, query, fragment) takes the full parse. A
/// property test checks that everything accepted here is accepted by `cm-url`.
pub(crate) fn plainly_valid_nucleus_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("omniverse://") else {
        return false;
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let host_ok = host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
                && !label.starts_with("xn--")
        })
        && host
            .rsplit('.')
            .next()
            .is_some_and(|last| last.starts_with(|c: char| c.is_ascii_lowercase()));
    let port_ok = port.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 5
            && !p.starts_with('0')
            && p.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n))
    });
    let path_ok = path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b))
        && !path.contains("//")
        && !path
            .split('/')
            .any(|segment| segment == "." || segment == "..");
    host_ok && port_ok && path_ok
}

/// The form used to decide whether two URLs name the same entry: normalised,
/// without a trailing slash. Falls back to the text as written when the URL
/// does not parse, so invalid entries still match themselves.
pub(crate) fn comparison_key(url: &str) -> String {
    let normalized = cm_url::normalize(url).unwrap_or_else(|_| url.to_string());
    match normalized.strip_suffix('/') {
        Some(trimmed) => trimmed.to_string(),
        None => normalized,
    }
}

/// The server a URL belongs to (ends with '/').
pub(crate) fn server_root(url: &str) -> Result<String, String> {
    cm_url::server_root(url).map_err(|e| e.to_string())
}

/// Whether `url` is exactly its own server root.
pub(crate) fn is_server_root(url: &str) -> bool {
    cm_url::is_server_root(url)
}

/// A display name for a server that has none.
pub(crate) fn fallback_name(url: &str) -> String {
    cm_url::fallback_name_for_url(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn common_nucleus_urls_take_the_fast_path() {
        assert!(plainly_valid_nucleus_url(
            "omniverse://my-server/Projects/p1/"
        ));
        assert!(plainly_valid_nucleus_url(
            "omniverse://host.example.com:3009/Users/a@b.com/"
        ));
        assert!(!plainly_valid_nucleus_url("omniverse://Host/"));
        assert!(!plainly_valid_nucleus_url("omniverse://1.2.3/"));
        assert!(!plainly_valid_nucleus_url("omniverse://h/a%20b"));
        assert!(!plainly_valid_nucleus_url("omniverse://h:0/"));
        assert!(!plainly_valid_nucleus_url("omniverse://u@h/"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// The fast path never accepts what cm-url rejects.
        #[test]
        fn fast_path_agrees_with_cm_url(
            url in "omniverse://[a-z0-9.x-]{0,12}(:[0-9]{0,6})?(/[A-Za-z0-9._~!$&'()*+,;=:@%-]{0,6}){0,3}/?"
        ) {
            if plainly_valid_nucleus_url(&url) {
                prop_assert!(cm_url::normalize(&url).is_ok(), "{url} accepted by the fast path only");
            }
        }
    }
}
