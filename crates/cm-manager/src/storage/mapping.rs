//! How an `omniverse://` URL reaches the stand-in storage protocol.

use cm_url::{ServerUrl, UrlKind};

/// The HTTP base of the stand-in storage protocol for a Nucleus URL:
/// `omniverse://host:port/...` → `http://host:port` (no port → `http://host`, port 80).
/// `None` for URLs that are not `omniverse://`. See `docs/PROTOCOL.md`.
///
/// ```
/// let url = cm_url::parse("omniverse://127.0.0.1:4100/Projects/a.usd").unwrap();
/// assert_eq!(cm_manager::http_base_for(&url).as_deref(), Some("http://127.0.0.1:4100"));
/// ```
pub fn http_base_for(url: &ServerUrl) -> Option<String> {
    if url.kind() != UrlKind::Nucleus {
        return None;
    }
    let host = url.host();
    Some(match url.port() {
        Some(port) => format!("http://{host}:{port}"),
        None => format!("http://{host}"),
    })
}
