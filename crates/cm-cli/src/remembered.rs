//! Remembering a browser sign-in in the OS credential store, so that later commands need none.
//!
//! Off by default; on with `CM_REMEMBER_SIGN_IN=1`. Then `cm login` keeps the token it obtained
//! in the OS credential store through the `keyring` crate (the kernel keyutils session keyring
//! on Linux, the Keychain on macOS, the Credential Manager on Windows), `ensure`, `reconnect`
//! and `server add -i` answer a server's first sign-in request with it, and `cm logout` removes
//! it. The token is never written to omniverse.toml or any other file: when no credential store
//! is reachable, the command says so and nothing is kept.

use cm_manager::Secret;

/// The environment variable that turns remembering on.
pub(crate) const SETTING: &str = "CM_REMEMBER_SIGN_IN";

/// The credential store's service name; the account is the server root.
const SERVICE: &str = "cm-connection-manager";

/// Whether remembering is on (`CM_REMEMBER_SIGN_IN` = `1`, `true`, `yes` or `on`).
pub(crate) fn enabled() -> bool {
    std::env::var(SETTING).is_ok_and(|value| {
        matches!(
            value.to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
    })
}

fn entry(server_root: &str) -> Result<keyring::Entry, String> {
    keyring::Entry::new(SERVICE, server_root).map_err(|e| describe(&e))
}

/// Keeps `token` for `server_root`.
pub(crate) fn store(server_root: &str, token: &Secret) -> Result<(), String> {
    match entry(server_root)?.set_password(token.expose()) {
        Ok(()) => Ok(()),
        // Storing reports NoEntry when the store itself is missing (on Linux: this process has
        // no session keyring to put the key in, as in a container or a service).
        Err(keyring::Error::NoEntry) => Err(
            "no OS credential store is reachable (no session keyring or keychain for this user)"
                .to_owned(),
        ),
        Err(e) => Err(describe(&e)),
    }
}

/// The token kept for `server_root`, if any.
pub(crate) fn load(server_root: &str) -> Result<Option<Secret>, String> {
    match entry(server_root)?.get_password() {
        Ok(token) => Ok(Some(Secret::new(token))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(describe(&e)),
    }
}

/// Removes the token kept for `server_root`; whether there was one.
pub(crate) fn forget(server_root: &str) -> Result<bool, String> {
    match entry(server_root)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(describe(&e)),
    }
}

/// The reason, without any secret (keyring errors carry none).
fn describe(error: &keyring::Error) -> String {
    match error {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            format!("no OS credential store is reachable ({error})")
        }
        other => format!("the OS credential store refused: {other}"),
    }
}
