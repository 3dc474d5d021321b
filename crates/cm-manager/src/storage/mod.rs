//! The storage client seam: what the connection manager needs from omni.client.
//!
//! [`StorageClient`] is object-safe (`Arc<dyn StorageClient>`) and returns boxed futures, so a
//! real Nucleus backend can be plugged in. [`HttpStorageClient`] speaks the stand-in storage
//! protocol of `docs/PROTOCOL.md` (served by cm-testkit).
//!
//! Every request reports its outcome as a [`ResultCode`] (omni.client's `Result`), and every
//! server has a [`ConnectionStatus`] that callers can watch through
//! [`StorageClient::subscribe`]; the client only ever makes the transitions the status table
//! allows.

mod board;
mod code;
mod http;
mod mapping;

use futures::future::BoxFuture;
use tokio::sync::watch;

use crate::auth::AuthCallbacks;
use crate::status::ConnectionStatus;

pub use board::{StatusBoard, StatusChange};
pub use code::{ResultCode, StatInfo, StorageError};
pub use http::{HttpStorageClient, HttpStorageConfig};
pub use mapping::http_base_for;

/// The omni.client counterpart: stat, sign-out, reconnect, per-server connection status, and
/// the authentication callbacks consulted when a server asks for credentials.
///
/// Servers are named by their root URL as `cm_url::server_root` spells it
/// (`omniverse://host:port/`). Implementations must keep credentials in memory only and must
/// log URLs only through `cm_url::redact`.
pub trait StorageClient: Send + Sync + 'static {
    /// Stats `url`, signing in through the [`AuthCallbacks`] when the server asks for it.
    /// A `NotFound` answer still proves the server reachable (status `Connected`).
    fn stat<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<StatInfo, StorageError>>;

    /// Signs out of the server that serves `url` (forgets its credentials; status `SignedOut`).
    fn sign_out<'a>(&'a self, url: &'a str) -> BoxFuture<'a, ()>;

    /// Drops any connection state of `url`'s server and connects again (with sign-in).
    fn reconnect<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<(), StorageError>>;

    /// The current status of the server `server_url` (a root; `Disconnected` if never seen).
    fn status(&self, server_url: &str) -> ConnectionStatus;

    /// A stream of the status of `server_url`: the current value, then every change.
    fn subscribe(&self, server_url: &str) -> watch::Receiver<ConnectionStatus>;

    /// The callbacks asked for credentials and told about interactive sign-ins.
    fn auth(&self) -> &AuthCallbacks;

    /// Every status change of every server from now on, when the client keeps a
    /// [`StatusBoard`] (the default answers `None`: no such stream).
    fn status_changes(&self) -> Option<tokio::sync::broadcast::Receiver<StatusChange>> {
        None
    }
}
