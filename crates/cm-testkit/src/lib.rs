//! Loopback reference servers for the stand-in discovery and storage protocol
//! (`docs/PROTOCOL.md`), with fault injection, for tests, demos and benchmarks.
//!
//! One [`TestServer`] serves both halves of the protocol on one 127.0.0.1 port:
//!
//! * discovery: `GET /discovery` answers `{"version":1,"storage":[{"url":"omniverse://..."}]}`;
//! * storage: `GET /stat?path=/a/b` (bearer-token auth), `GET /info`, `POST /auth/token`
//!   (user name + password for a token) and `POST /auth/sign-out`;
//! * browser sign-in: `GET`/`POST /auth/authorize` (an HTML sign-in form, no JavaScript), the
//!   OAuth grants at `POST /auth/token`, and the device flow at `POST /auth/device` and
//!   `/auth/device/verify` (advertised in `/info` when
//!   [`TestServerConfig::with_browser_sign_in`] or [`Controls::set_browser_sign_in`] is on).
//!
//! The server runs on its own thread with its own tokio runtime, so any test can use it: a plain
//! `#[test]`, a tokio test, or an actix system. [`Controls`] (cloneable, usable from any thread)
//! switches faults at runtime: latency, HTTP errors for the next N requests or always, malformed
//! or huge streamed bodies, dropped connections, redirects, holds, required tokens and accepted
//! credentials, the discovery address list, and "down" (stop listening and close every
//! connection) then "up" again on the same port. Per-endpoint request counters and async or
//! blocking waits let tests assert things like "100 concurrent calls made one stat".
//!
//! ```
//! use std::time::Duration;
//! use cm_testkit::{Endpoint, Fault, TestServer, TestServerConfig, Times};
//!
//! let server = TestServer::start(TestServerConfig::default().with_user("alice", "secret")).unwrap();
//! let controls = server.controls();
//!
//! // The next two discovery requests get a 503, then it recovers.
//! controls.inject(Endpoint::Discovery, Fault::Status(503), Times::Next(2));
//!
//! // Down, then back on the same port.
//! controls.go_down().unwrap();
//! assert!(std::net::TcpStream::connect(server.addr()).is_err());
//! controls.go_up().unwrap();
//! assert!(std::net::TcpStream::connect(server.addr()).is_ok());
//! ```
//!
//! The `cm-testkit` binary starts the same server from the command line (see `--help`).

// Shipped code never unwraps: outside input gets an error, an internal invariant a narrow,
// documented `#[allow]`. Set here, not in `[lints]`, because Cargo applies `[lints]` to every
// target and this rule is for the library and binaries only; `#[cfg(test)]` code is exempt
// through clippy.toml. `cargo xtask tidy` checks every crate root carries it.
#![warn(clippy::unwrap_used, clippy::expect_used)]

/// Compiles and runs the README examples as doctests (`cargo xtask tidy` checks every crate has this).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod config;
mod controls;
mod endpoint;
mod error;
mod oauth;
pub mod protocol;
mod routes;
mod server;
mod sign_in_routes;
mod state;
pub mod wait;

pub use config::TestServerConfig;
pub use controls::{Controls, WaitTimeout};
pub use endpoint::{Endpoint, Fault, RequestRecord, Times};
pub use error::TestkitError;
pub use oauth::{
    CLIENT_ID, CODE_LIFETIME, DEVICE_CODE_LIFETIME, DEVICE_GRANT_TYPE, OAuthError, SignInFault,
    s256,
};
pub use protocol::PROTOCOL_VERSION;
pub use server::TestServer;
