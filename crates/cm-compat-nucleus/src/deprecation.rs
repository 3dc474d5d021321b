//! One deprecation warning per function per process.

use std::sync::atomic::{AtomicBool, Ordering};

pub(crate) static CONNECT: AtomicBool = AtomicBool::new(false);
pub(crate) static CONNECT_WITH_DIALOG: AtomicBool = AtomicBool::new(false);
pub(crate) static RECONNECT: AtomicBool = AtomicBool::new(false);
pub(crate) static DISCONNECT: AtomicBool = AtomicBool::new(false);

/// Logs that `function` is deprecated in favour of `replacement`, the first time only.
pub(crate) fn warn_once(flag: &AtomicBool, function: &str, replacement: &str) {
    if !flag.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "cm_compat_nucleus::{function} is deprecated; use {replacement} (see docs/MIGRATION.md)"
        );
    }
}
