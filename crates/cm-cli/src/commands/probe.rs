//! `cm ensure --probe`: really contacting a URL the connection manager counts as reachable
//! without a round trip (Kit's `ensure_connection` answers true at once for http(s), S3,
//! Azure, GCS and file URLs; the library keeps that, the CLI offers a real check).
//!
//! * `http://` and `https://` URLs: one `HEAD` of the server root. Any HTTP answer, even
//!   403 or 404, proves the server there; only a transport failure is "unreachable".
//! * `file:` URLs: the path exists.
//! * `s3://`, `gs://`, `az://` and the other object-store schemes name a bucket, not an HTTP
//!   address: they are not probed and say so.

use std::time::Duration;

use cm_manager::{Reachable, plain_cause};
use cm_url::ServerUrl;

/// Probes `url` within `limit`; the error is one plain line.
pub(crate) async fn probe(url: &ServerUrl, limit: Duration) -> Result<Reachable, String> {
    let text = url.as_str();
    if url.kind() == cm_url::UrlKind::File {
        let path = file_path(text).ok_or_else(|| "not a local file path".to_owned())?;
        return match std::fs::metadata(&path) {
            Ok(_) => Ok(Reachable::Connected { attempts: 1 }),
            Err(e) => Err(format!(
                "{}: {}",
                path.display(),
                plain_cause(None, &e.to_string())
            )),
        };
    }
    if !(text.starts_with("http://") || text.starts_with("https://")) {
        return Err(format!(
            "{}:// has no HTTP address to probe",
            text.split(':').next().unwrap_or_default()
        ));
    }
    let client = reqwest::Client::builder()
        .timeout(limit)
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
    let root = url.server_root();
    match client.head(&root).send().await {
        Ok(response) => {
            tracing::info!(status = %response.status(), "{} answered", cm_url::redact(&root));
            Ok(Reachable::Connected { attempts: 1 })
        }
        Err(e) => {
            let chain = chain(&e);
            tracing::info!("HEAD {}: {chain}", cm_url::redact(&root));
            Err(plain_cause(None, &chain))
        }
    }
}

/// The local path of a `file:` URL.
fn file_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("file://")?;
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    path.starts_with('/')
        .then(|| std::path::PathBuf::from(percent_decode(path)))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The error and its sources, `: `-joined, without the URL reqwest puts in its message.
fn chain(error: &reqwest::Error) -> String {
    let mut text = match error.url() {
        Some(url) => error
            .to_string()
            .replace(&format!(" ({})", url.as_str()), ""),
        None => error.to_string(),
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
