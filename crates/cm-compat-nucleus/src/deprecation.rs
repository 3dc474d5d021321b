//! One deprecation warning per function (and one for the old event) per process.

use std::sync::atomic::{AtomicBool, Ordering};

pub(crate) static CONNECT: AtomicBool = AtomicBool::new(false);
pub(crate) static CONNECT_WITH_DIALOG: AtomicBool = AtomicBool::new(false);
pub(crate) static RECONNECT: AtomicBool = AtomicBool::new(false);
pub(crate) static DISCONNECT: AtomicBool = AtomicBool::new(false);
static OLD_SUCCESS_EVENT: AtomicBool = AtomicBool::new(false);

/// Logs that `function` is deprecated in favour of `replacement`, the first time only.
pub(crate) fn warn_once(flag: &AtomicBool, function: &str, replacement: &str) {
    if !flag.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "cm_compat_nucleus::{function} is deprecated; use {replacement} (see docs/MIGRATION.md)"
        );
    }
}

/// Logs that the event `old` is deprecated in favour of `new`, the first time only (called when
/// the old event has reached an observer).
pub(crate) fn warn_old_event_once(old: &str, new: &str) {
    if !OLD_SUCCESS_EVENT.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "the event {old} is deprecated; observe {new} (cm_manager::CONNECTION_SUCCEEDED_EVENT, see docs/MIGRATION.md)"
        );
    }
}
