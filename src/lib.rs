//! The connection manager workspace, as one crate.
//!
//! This facade re-exports every library crate of the workspace under a short
//! name, for applications that want the whole system behind one dependency.
//! Each crate can also be used on its own; see its README.

// Shipped code never unwraps: outside input gets an error, an internal invariant a narrow,
// documented `#[allow]`. Set here, not in `[lints]`, because Cargo applies `[lints]` to every
// target and this rule is for the library and binaries only; `#[cfg(test)]` code is exempt
// through clippy.toml. `cargo xtask tidy` checks every crate root carries it.
#![warn(clippy::unwrap_used, clippy::expect_used)]

/// Compiles and runs the README examples as doctests (`cargo xtask tidy` checks every crate has this).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use cm_compat_nucleus as compat_nucleus;
pub use cm_discovery as discovery;
pub use cm_events as events;
pub use cm_manager as manager;
pub use cm_registry as registry;
pub use cm_toml_store as toml_store;
pub use cm_url as url;
