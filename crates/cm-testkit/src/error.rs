//! Errors of the test server.

use std::net::SocketAddr;

/// Why starting the server, or bringing it back up, failed.
#[derive(Debug, thiserror::Error)]
pub enum TestkitError {
    /// The address could not be bound (port in use, permission).
    #[error("cm-testkit could not listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The server thread or its tokio runtime could not be created.
    #[error("cm-testkit could not start its runtime thread: {0}")]
    Runtime(#[source] std::io::Error),
    /// The server thread exited (or panicked) before answering.
    #[error("the cm-testkit server thread is gone")]
    ServerGone,
}
