//! Storage discovery: ask a discovery server which storage services it knows.
//!
//! Three layers, each usable alone:
//!
//! * [`DiscoveryClient`]: the network seam (object-safe, `Send + Sync`). A real backend
//!   implements it; [`HttpDiscoveryClient`] speaks the stand-in protocol of `docs/PROTOCOL.md`
//!   (`GET <discovery URL>` → `{"version":1,"storage":[{"url":"omniverse://..."}]}`) with a
//!   connect timeout, a total timeout, a streamed body-size cap (1 MiB by default; a 100 MB
//!   body is never buffered), a redirect limit with loop detection, and per-address validation
//!   (invalid entries, and entries carrying a credential or naming local files, are refused:
//!   reported in [`Discovered::rejected`] and logged, the rest normalised; see
//!   [`storage_address`]).
//! * [`retry`]: omni.client's retry schedule ([`RetryPolicy`]: delay for retry n =
//!   `base*n² + random(0, jitter*n)` within a total budget; 120 000 / 100 / 100 ms), plus a
//!   generic async [`retry::retry`] helper. The connection manager reuses it.
//! * [`DiscoveryActor`] (feature `actor`, on by default): runs discovery for one server in the
//!   background, retries retryable failures, and reports every change as a
//!   [`DiscoveryUpdate`] to a `Recipient` its owner hands it. It never touches the owner's
//!   state. Each update carries the [`DiscoveryProgress`] and the [`KnownAddresses`] usable now:
//!   the cached addresses until a discovery succeeds, then the last successful list, which
//!   stays usable while later refreshes fail.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use cm_discovery::{DiscoveryClient, HttpDiscoveryClient, HttpDiscoveryConfig};
//!
//! let client = HttpDiscoveryClient::new(HttpDiscoveryConfig::default()).unwrap();
//! // Nothing listens on port 9 of the loopback: a retryable connection error.
//! let err = client.discover("http://127.0.0.1:9/discovery").await.unwrap_err();
//! assert_eq!(err.kind(), "connect");
//! assert!(err.is_retryable());
//! # }
//! ```

// Shipped code never unwraps: outside input gets an error, an internal invariant a narrow,
// documented `#[allow]`. Set here, not in `[lints]`, because Cargo applies `[lints]` to every
// target and this rule is for the library and binaries only; `#[cfg(test)]` code is exempt
// through clippy.toml. `cargo xtask tidy` checks every crate root carries it.
#![warn(clippy::unwrap_used, clippy::expect_used)]

/// Compiles and runs the README examples as doctests (`cargo xtask tidy` checks every crate has this).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(feature = "actor")]
mod actor;
mod address;
mod client;
mod document;
mod error;
mod http;
pub mod retry;
mod status;

#[cfg(feature = "actor")]
pub use actor::{DiscoveryActor, DiscoveryActorConfig, GetStatus, Refresh, StopDiscovery};
pub use address::{REFUSED_TARGET, storage_address};
pub use client::{Discovered, DiscoveryClient, RejectedAddress};
pub use document::PROTOCOL_VERSION;
pub use error::DiscoveryError;
pub use http::{ClientBuildError, HttpDiscoveryClient, HttpDiscoveryConfig};
pub use retry::RetryPolicy;
pub use status::{AddressSource, DiscoveryProgress, DiscoveryUpdate, KnownAddresses};
