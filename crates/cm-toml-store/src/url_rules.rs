//! The URL rules this crate needs, delegated to `cm-url` so the whole
//! workspace agrees on what a valid URL and "the same server" mean.

/// Ok when `url` is a usable URL; otherwise the reason it is not.
///
/// Most URLs in a file are already in normal form, and `cm_url::plain` recognises those
/// without the full parse (about 3 us, which for 10 000 bookmarks would dominate a load).
pub(crate) fn validate(url: &str) -> Result<(), String> {
    if cm_url::plain(url).is_some() {
        return Ok(());
    }
    cm_url::normalize(url).map(drop).map_err(|e| e.to_string())
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
