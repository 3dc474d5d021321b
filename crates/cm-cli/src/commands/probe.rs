//! `cm ensure --probe`: really contacting a URL the connection manager counts as reachable
//! without a round trip (Kit's `ensure_connection` answers true at once for http(s), S3,
//! Azure, GCS and file URLs; the library keeps that, the CLI offers a real check).
//!
//! * `http://` and `https://` URLs: one `HEAD` of the server root. Any HTTP answer, even
//!   403 or 404, proves the server there; only a transport failure is "unreachable".
//! * `file:` URLs: the path exists.
//! * `s3://`, `gs://` and the Azure schemes: one `HEAD` of the bucket's or container's HTTPS
//!   endpoint (see `object_store_endpoint`; `AWS_ENDPOINT_URL` and `STORAGE_EMULATOR_HOST`
//!   point it elsewhere). Redirects are not followed: a 3xx is an answer.

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
    let root = if text.starts_with("http://") || text.starts_with("https://") {
        url.server_root()
    } else {
        object_store_endpoint(url)?
    };
    // Any HTTP answer proves the server; a redirect elsewhere is an answer, not a new target.
    let client = reqwest::Client::builder()
        .timeout(limit)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
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

/// The HTTPS endpoint an object-store root is served from, for a `HEAD`:
///
/// * `s3://bucket` (also `s3a`, `s3n`) → `https://bucket.s3.amazonaws.com/`, or
///   `$AWS_ENDPOINT_URL/bucket/` when that is set (MinIO, LocalStack, a test server);
/// * `gs://bucket` → `https://storage.googleapis.com/bucket`, or `$STORAGE_EMULATOR_HOST/bucket`;
/// * `az`, `azure`, `abfs(s)`, `wasb(s)` with `container@account…` →
///   `https://account.blob.core.windows.net/container`; `adl://account…` → its own host.
///
/// A URL that does not name its account (`az://container/…`) cannot be probed and says so.
fn object_store_endpoint(url: &ServerUrl) -> Result<String, String> {
    let scheme = url.scheme();
    let host = url.host();
    let from_env = |var: &str| {
        std::env::var(var)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| v.trim().trim_end_matches('/').to_owned())
    };
    match scheme {
        "s3" | "s3a" | "s3n" => Ok(match from_env("AWS_ENDPOINT_URL") {
            Some(endpoint) => format!("{endpoint}/{host}/"),
            None => format!("https://{host}.s3.amazonaws.com/"),
        }),
        "gs" => Ok(format!(
            "{}/{host}",
            from_env("STORAGE_EMULATOR_HOST")
                .unwrap_or_else(|| "https://storage.googleapis.com".to_owned())
        )),
        "adl" => Ok(format!("https://{host}/")),
        _ => {
            let container = url.username().filter(|c| !c.is_empty());
            let account = host
                .split('.')
                .next()
                .filter(|a| !a.is_empty() && host.contains('.'));
            match (container, account) {
                (Some(container), Some(account)) => Ok(format!(
                    "https://{account}.blob.core.windows.net/{container}"
                )),
                _ => Err(format!(
                    "{scheme}:// without `container@account` names no storage account to probe"
                )),
            }
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
