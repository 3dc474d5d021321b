//! # cm-python: the connection manager from Python
//!
//! The extension module `connection_manager._native`, which the pure-Python package
//! `connection_manager` (in `python/`) re-exports as the Kit extension's module API and as
//! `connection_manager.eventdispatcher` (Carbonite's `carb.eventdispatcher`).
//!
//! * `src/manager.rs`: `startup` / `shutdown` / `get_instance`, `ensure_connection`, bookmarks,
//!   `disconnect` / `reconnect`, and the registry object (`get_instance().registry`).
//! * `src/dialogs.rs`: the add-server dialog view models a Python UI drives.
//! * `src/auth.rs`: authentication and sign-in message-box callbacks written in Python.
//! * `src/events.rs`: the event dispatcher, observers, events, run loops and legacy aliases.
//! * `src/convert.rs`: payload values to and from Python objects.
//! * `src/gil.rs`: the threading rules every other module follows.
//!
//! # Threads and the GIL
//!
//! The manager, its registry, the file watcher and the discovery actors run on Rust threads,
//! and they call Python (observers, auth callbacks, dialog callbacks). Two rules keep that
//! from deadlocking: every call into Rust that may wait releases the GIL first
//! (`gil::blocking`), and every call into Python from a Rust thread takes the GIL for just
//! that call (`gil::with_python`), catching the exception and logging it with its traceback.
//! At interpreter exit an `atexit` hook stops the manager and turns every Python callback into
//! a no-op, so no Rust thread touches a finalizing interpreter.

// Shipped code never unwraps: outside input gets an error, an internal invariant a narrow,
// documented `#[allow]`. Set here, not in `[lints]`, because Cargo applies `[lints]` to every
// target and this rule is for the library and binaries only; `#[cfg(test)]` code is exempt
// through clippy.toml. `cargo xtask tidy` checks every crate root carries it.
#![warn(clippy::unwrap_used, clippy::expect_used)]

/// Compiles and runs the README examples as doctests (`cargo xtask tidy` checks every crate has this).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod auth;
mod convert;
mod dialogs;
mod events;
mod gil;
mod manager;

use pyo3::prelude::*;

/// The native half of the `connection_manager` package (use `connection_manager` instead).
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("RegistryError", m.py().get_type::<manager::RegistryError>())?;
    manager::register(m)?;
    dialogs::register(m)?;
    auth::register(m)?;
    events::register(m)?;
    m.add_function(wrap_pyfunction!(gil::at_exit, m)?)?;
    Ok(())
}
