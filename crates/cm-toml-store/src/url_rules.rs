//! The URL rules this crate needs, delegated to `cm-url` so the whole
//! workspace agrees on what a valid URL and "the same server" mean.

/// Ok when `url` is a usable URL; otherwise the reason it is not.
///
/// Most URLs in a file are already in normal form, and `cm_url::plain` recognises those
/// without the full parse (about 3 us, which for 10 000 bookmarks would dominate a load).
pub(crate) fn validate(url: &str) -> Result<(), String> {
    if cm_url::plain(url).is_some() || cm_url::is_plain_origin(url) {
        return Ok(());
    }
    cm_url::normalize(url).map(drop).map_err(|e| e.to_string())
}

/// The form used to decide whether two URLs name the same entry: normalised,
/// without a trailing slash. Falls back to the text as written when the URL
/// does not parse, so invalid entries still match themselves.
pub(crate) fn comparison_key(url: &str) -> String {
    // Reconciling a file compares every server and discovery URL several times; the full
    // parse would make that the largest cost of a save.
    if cm_url::plain(url).is_some() {
        return url.strip_suffix('/').unwrap_or(url).to_string();
    }
    if cm_url::is_plain_origin(url) {
        return url.to_string();
    }
    let normalized = cm_url::normalize(url).unwrap_or_else(|_| url.to_string());
    match normalized.strip_suffix('/') {
        Some(trimmed) => trimmed.to_string(),
        None => normalized,
    }
}

/// The root of the server entry a URL belongs to (ends with '/'): `cm_url::entry_root`,
/// which keeps a file URL's directory (the one rule `cm server add` applies too).
pub(crate) fn server_root(url: &str) -> Result<String, String> {
    cm_url::entry_root(url).map_err(|e| e.to_string())
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

    /// `comparison_key` without the fast paths.
    fn slow_key(url: &str) -> String {
        let normalized = cm_url::normalize(url).unwrap_or_else(|_| url.to_string());
        match normalized.strip_suffix('/') {
            Some(trimmed) => trimmed.to_string(),
            None => normalized,
        }
    }

    #[test]
    fn fast_paths_agree_with_the_full_parse() {
        for url in [
            "omniverse://server-0",
            "omniverse://server-0/",
            "omniverse://s:3009",
            "omniverse://S",
            "omniverse://s:0",
            "https://h:443",
            "http://h:80",
            "https://bucket.s3.amazonaws.com",
            "https://bucket.s3.amazonaws.com/x",
            "omniverse://h/Projects/p1/",
            "omniverse://h?q",
            "omniverse://h#f",
            "omniverse://",
            "omniverse://user@h",
            "omniverse://1.2.3.4",
            "not a url",
        ]
        .into_iter()
        .map(str::to_string)
        .chain([
            // Long hosts (the fast path once copied them into a 128-byte stack buffer).
            format!("omniverse://{}com", "abcdefgh.".repeat(14)),
            format!("omniverse://{}com/", "abcdefgh.".repeat(14)),
        ]) {
            let url = url.as_str();
            assert_eq!(comparison_key(url), slow_key(url), "{url}");
            let slow_valid = cm_url::normalize(url).is_ok();
            assert_eq!(validate(url).is_ok(), slow_valid, "{url}");
        }
    }

    proptest! {
        #[test]
        fn fast_paths_agree_on_generated_urls(
            url in "(omniverse|https?|ftp)://[a-zA-Z0-9.-]{0,12}(:[0-9]{0,6})?(/[a-zA-Z0-9./]{0,8})?"
        ) {
            prop_assert_eq!(comparison_key(&url), slow_key(&url));
            prop_assert_eq!(validate(&url).is_ok(), cm_url::normalize(&url).is_ok());
        }
    }
}
