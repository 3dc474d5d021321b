//! The old callback shapes and the adapter to the new ones.

use cm_manager::dialogs::OnSuccess;

/// `on_success_fn(name, url, server_type)`.
pub type SuccessWithServerType = Box<dyn FnOnce(&str, &str, &str) + Send>;
/// `on_success_fn(name, url)` (also the shape of `on_failed_fn`).
pub type NameUrlFn = Box<dyn FnOnce(&str, &str) + Send>;

/// An old success callback: `(name, url, server_type)` or just `(name, url)`.
pub enum LegacySuccess {
    /// `on_success_fn(name, url, server_type)`; the shim passes `"omniverse"`.
    WithServerType(SuccessWithServerType),
    /// `on_success_fn(name, url)`.
    NameUrl(NameUrlFn),
}

impl LegacySuccess {
    /// Calls the callback, passing `server_type` only to the three-argument form.
    pub fn call(self, name: &str, url: &str, server_type: &str) {
        match self {
            Self::WithServerType(f) => f(name, url, server_type),
            Self::NameUrl(f) => f(name, url),
        }
    }
}

impl std::fmt::Debug for LegacySuccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::WithServerType(_) => "LegacySuccess::WithServerType",
            Self::NameUrl(_) => "LegacySuccess::NameUrl",
        })
    }
}

/// An old failure callback: `on_failed_fn(name, url)`.
pub type LegacyFailed = NameUrlFn;
/// An old reconnect success callback: `on_success_fn(url)`.
pub type LegacyReconnectSuccess = Box<dyn FnOnce(&str) + Send>;
/// An old reconnect failure callback: `on_failed_fn(url)`.
pub type LegacyReconnectFailed = Box<dyn FnOnce(&str) + Send>;

/// Adapts an old success callback to the new `on_success(name, url, server_id)`: the server id
/// is dropped and `"omniverse"` is passed as the old third argument, `server_type`.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use cm_compat_nucleus::{LegacySuccess, wrap_success_callback};
///
/// let seen = Arc::new(Mutex::new(String::new()));
/// let sink = seen.clone();
/// let new_style = wrap_success_callback(LegacySuccess::WithServerType(Box::new(move |n, u, t| {
///     *sink.lock().unwrap() = format!("{n} {u} {t}");
/// })));
/// new_style("srv", "omniverse://srv/", 7);
/// assert_eq!(*seen.lock().unwrap(), "srv omniverse://srv/ omniverse");
/// ```
pub fn wrap_success_callback(old: LegacySuccess) -> OnSuccess {
    Box::new(move |name: &str, url: &str, _server_id: u64| old.call(name, url, "omniverse"))
}
