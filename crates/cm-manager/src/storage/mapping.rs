//! How an `omniverse://` URL reaches the stand-in storage protocol.

use cm_url::{ServerUrl, UrlKind};

/// The HTTP base of the stand-in storage protocol for a Nucleus URL:
/// `omniverse://host:port/...` → `http://host:port`. Without a port, `default_port` is used
/// (`None`: plain `http://host`, i.e. port 80). `None` for URLs that are not `omniverse://`.
/// See `docs/PROTOCOL.md`.
///
/// ```
/// let url = cm_url::parse("omniverse://127.0.0.1:4100/Projects/a.usd").unwrap();
/// assert_eq!(cm_manager::http_base_for(&url, None).as_deref(), Some("http://127.0.0.1:4100"));
/// let bare = cm_url::parse("omniverse://studio/").unwrap();
/// assert_eq!(cm_manager::http_base_for(&bare, Some(3009)).as_deref(), Some("http://studio:3009"));
/// ```
pub fn http_base_for(url: &ServerUrl, default_port: Option<u16>) -> Option<String> {
    if url.kind() != UrlKind::Nucleus {
        return None;
    }
    let host = url.host();
    Some(match url.port().or(default_port) {
        Some(port) => format!("http://{host}:{port}"),
        None => format!("http://{host}"),
    })
}
