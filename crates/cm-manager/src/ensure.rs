//! One connection attempt to a Nucleus server: stat with sign-in, reconnect after a drop, and
//! retries on omni.client's schedule.
//!
//! The attempt stats the server root, so every caller of one server shares it whatever path
//! they asked about. A `NotFound` still proves the server reachable. Only `Connection` and
//! `ErrorTimeout` are retried: an aborted or cancelled sign-in, rejected credentials or an
//! incompatible server end the attempt at once.

use std::time::Instant;

use cm_discovery::RetryPolicy;

use crate::error::{EnsureError, Reachable};
use crate::status::ConnectionStatus;
use crate::storage::{ResultCode, StorageClient, StorageError};

/// Connects to the server `root` (a server root URL). `fresh` drops the connection state
/// first (what `reconnect` asks for).
pub(crate) async fn connect_nucleus(
    client: &dyn StorageClient,
    root: &str,
    policy: RetryPolicy,
    fresh: bool,
) -> Result<Reachable, EnsureError> {
    let started = Instant::now();
    let mut backoff = policy.backoff();
    let mut attempts = 0;
    tracing::info!("connecting to {}", cm_url::redact(root));
    loop {
        attempts += 1;
        // After a drop (or when asked), reconnect rather than reuse the stale state.
        let reconnect = (fresh && attempts == 1)
            || (attempts > 1 && client.status(root) == ConnectionStatus::Disconnected);
        let result = if reconnect {
            client.reconnect(root).await
        } else {
            match client.stat(root).await {
                Ok(_) => Ok(()),
                Err(e) if e.code == ResultCode::NotFound => Ok(()),
                Err(e) => Err(e),
            }
        };
        let error = match result {
            Ok(()) => return Ok(Reachable::Connected { attempts }),
            Err(error) => error,
        };
        if !error.code.is_retryable() {
            return Err(classify(root, error));
        }
        match backoff.next_delay(started.elapsed()) {
            Some(delay) => {
                tracing::info!(
                    "{}: attempt {attempts} failed ({}); retrying in {:.1} s",
                    cm_url::redact(root),
                    crate::error::plain_cause(Some(error.code), &error.message),
                    delay.as_secs_f64()
                );
                tokio::time::sleep(delay).await;
            }
            None => {
                return Err(EnsureError::Unreachable {
                    server: cm_url::redact(root),
                    attempts,
                    reason: error.to_string(),
                });
            }
        }
    }
}

/// Turns a final storage error into the reason `ensure_connection` gives.
fn classify(root: &str, error: StorageError) -> EnsureError {
    let server = cm_url::redact(root);
    match error.status {
        ConnectionStatus::AuthAbort => EnsureError::AuthAborted { server },
        ConnectionStatus::AuthCancelled => EnsureError::AuthCancelled { server },
        ConnectionStatus::AuthFailed | ConnectionStatus::AuthError => EnsureError::AuthFailed {
            server,
            reason: error.message,
        },
        ConnectionStatus::ServerIncompatible => EnsureError::ServerIncompatible {
            server,
            reason: error.message,
        },
        _ => EnsureError::Storage {
            server,
            code: error.code,
            reason: error.message,
        },
    }
}
