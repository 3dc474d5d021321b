//! Authentication callbacks: where a storage client gets credentials from.
//!
//! Two callbacks, as in omni.client:
//!
//! * the **authentication callback**, registered for a URL prefix, is asked for credentials when
//!   a server rejects a request (HTTP 401). It answers with an [`AuthAnswer`]: nothing
//!   (`None`: fall back to the interactive sign-in), `Abort`, a bearer `Token`, or a user name
//!   and password. The longest matching prefix wins; with no match the answer is `None`.
//! * the **message-box callback** is told [`SignInPrompt::Show`] with a [`SignInHandle`] while an
//!   interactive (browser) sign-in is pending, and [`SignInPrompt::Hide`] when it ends. A UI shows
//!   "sign in with your browser… [Cancel]" and calls [`AuthCallbacks::cancel_sign_in`] on cancel.
//!   Whatever completes the browser flow calls [`AuthCallbacks::complete_sign_in`].
//!
//! Credentials live in memory only: [`Secret`] never prints its content (`Debug` shows
//! `REDACTED`, there is no `Display`) and nothing here is persisted or logged.
//!
//! ```
//! use cm_manager::{AuthAnswer, AuthCallbacks, Secret};
//!
//! let callbacks = AuthCallbacks::new();
//! let _id = callbacks.register_auth_callback("omniverse://studio/", |request| {
//!     assert!(request.server_url.starts_with("omniverse://studio/"));
//!     AuthAnswer::Token(Secret::new("t0ken"))
//! });
//! let answer = callbacks.ask("omniverse://studio/", "omniverse://studio/a.usd", 1);
//! assert!(matches!(answer, AuthAnswer::Token(_)));
//! assert_eq!(format!("{answer:?}"), "Token(REDACTED)");
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use tokio::sync::oneshot;

/// A credential kept in memory only. `Debug` prints `REDACTED`; there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a token or password.
    pub fn new(value: impl Into<Arc<str>>) -> Self {
        Self(value.into())
    }

    /// The secret text, for the one place that must send it (an `Authorization` header, a
    /// sign-in body).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(cm_url::REDACTED)
    }
}

/// What the authentication callback answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthAnswer {
    /// No credentials here: fall back to the interactive sign-in (see [`SignInPrompt`]).
    None,
    /// Give up signing in to this server for this attempt (status `AuthAbort`).
    Abort,
    /// Use this bearer token.
    Token(Secret),
    /// Exchange this user name and password for a token.
    UserPassword {
        /// The user name.
        username: String,
        /// The password.
        password: Secret,
    },
}

/// What the authentication callback is asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthRequest {
    /// The server root, e.g. `omniverse://host:3009/` (never with credentials).
    pub server_url: String,
    /// The URL whose request was rejected (redacted).
    pub url: String,
    /// 1 for the first question of an attempt; higher after rejected credentials.
    pub attempt: u32,
    /// The server offers a browser sign-in: answering [`AuthAnswer::None`] runs it (when the
    /// manager allows interactive sign-in). A terminal prompt asks for a password only when
    /// this is false.
    pub browser_sign_in: bool,
}

/// Identifies one pending interactive sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SignInHandle(pub u64);

/// What the message-box callback is told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInPrompt {
    /// An interactive sign-in started: show a prompt with a cancel button.
    Show {
        /// Pass it to [`AuthCallbacks::cancel_sign_in`] or [`AuthCallbacks::complete_sign_in`].
        handle: SignInHandle,
        /// The server being signed in to.
        server_url: String,
        /// The page to open in a browser to sign in (the authorization URL, or the device
        /// flow's verification URI), so a UI can offer "open again" and a copy-able link;
        /// `None` when the server offers no browser sign-in.
        sign_in_url: Option<String>,
        /// The code the user types on `sign_in_url` (device flow only).
        user_code: Option<String>,
    },
    /// The sign-in with this handle ended (completed, cancelled or timed out): hide the prompt.
    Hide {
        /// The handle given with `Show`.
        handle: SignInHandle,
    },
}

/// How an interactive sign-in ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInOutcome {
    /// Credentials arrived through [`AuthCallbacks::complete_sign_in`].
    Completed(AuthAnswer),
    /// [`AuthCallbacks::cancel_sign_in`] was called.
    Cancelled,
    /// Nobody completed it in time, or no message-box callback is registered to show it.
    TimedOut,
}

/// Identifies a registered callback, for [`AuthCallbacks::unregister`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CallbackId(u64);

type AuthFn = Arc<dyn Fn(&AuthRequest) -> AuthAnswer + Send + Sync>;
type PromptFn = Arc<dyn Fn(&SignInPrompt) + Send + Sync>;
type SignedInFn = Arc<dyn Fn(&str, &Secret) + Send + Sync>;

/// The registered callbacks and the pending interactive sign-ins. Thread-safe; shared by a
/// storage client and whoever registers callbacks.
#[derive(Default)]
pub struct AuthCallbacks {
    auth: RwLock<Vec<(String, CallbackId, AuthFn)>>,
    prompts: RwLock<Vec<(CallbackId, PromptFn)>>,
    signed_in: RwLock<Vec<(CallbackId, SignedInFn)>>,
    pending: Mutex<HashMap<SignInHandle, oneshot::Sender<SignInOutcome>>>,
    /// The user name each server's token answer named, by server URL (browser sign-in).
    users: Mutex<HashMap<String, String>>,
    /// Why a server's advertised browser sign-in was refused (an endpoint not http(s)).
    refused_sign_ins: Mutex<HashMap<String, String>>,
    next_id: AtomicU64,
}

impl fmt::Debug for AuthCallbacks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthCallbacks")
            .field("auth_callbacks", &self.auth.read().len())
            .field("message_box_callbacks", &self.prompts.read().len())
            .field("pending_sign_ins", &self.pending.lock().len())
            .finish()
    }
}

impl AuthCallbacks {
    /// No callbacks registered.
    pub fn new() -> Self {
        Self::default()
    }

    fn next(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The user name the server's token answer gave for the last browser sign-in to
    /// `server_url` (control characters dropped, at most 64 characters). Showing it is the
    /// user's check that the sign-in that completed was their own: a local process that read
    /// the authorize URL could otherwise deliver a code issued to another account.
    pub fn signed_in_user(&self, server_url: &str) -> Option<String> {
        self.users.lock().get(server_url).cloned()
    }

    /// Why the browser sign-in `server_url` advertised was refused and never run (e.g. "the
    /// server's authorization endpoint is not an http(s) URL (javascript:)"); `None` when it
    /// advertised none or a valid one.
    pub fn refused_sign_in(&self, server_url: &str) -> Option<String> {
        self.refused_sign_ins.lock().get(server_url).cloned()
    }

    pub(crate) fn note_refused_sign_in(&self, server_url: &str, why: Option<String>) {
        let mut refused = self.refused_sign_ins.lock();
        match why {
            Some(why) => refused.insert(server_url.to_owned(), why),
            None => refused.remove(server_url),
        };
    }

    pub(crate) fn note_signed_in_user(&self, server_url: &str, username: &str) {
        let shown: String = username
            .chars()
            .filter(|c| !c.is_control())
            .take(64)
            .collect();
        if !shown.is_empty() {
            self.users.lock().insert(server_url.to_owned(), shown);
        }
    }

    /// Registers `callback` for URLs starting with `prefix` (`""` matches every URL).
    pub fn register_auth_callback(
        &self,
        prefix: &str,
        callback: impl Fn(&AuthRequest) -> AuthAnswer + Send + Sync + 'static,
    ) -> CallbackId {
        let id = CallbackId(self.next());
        let prefix = cm_url::normalize(prefix).unwrap_or_else(|_| prefix.to_owned());
        self.auth.write().push((prefix, id, Arc::new(callback)));
        id
    }

    /// Registers a message-box callback (told about every interactive sign-in).
    pub fn register_message_box_callback(
        &self,
        callback: impl Fn(&SignInPrompt) + Send + Sync + 'static,
    ) -> CallbackId {
        let id = CallbackId(self.next());
        self.prompts.write().push((id, Arc::new(callback)));
        id
    }

    /// Removes a callback of either kind; returns whether it was registered.
    pub fn unregister(&self, id: CallbackId) -> bool {
        let mut auth = self.auth.write();
        let before = auth.len();
        auth.retain(|(_, i, _)| *i != id);
        if auth.len() != before {
            return true;
        }
        drop(auth);
        let mut prompts = self.prompts.write();
        let before = prompts.len();
        prompts.retain(|(i, _)| *i != id);
        if prompts.len() != before {
            return true;
        }
        drop(prompts);
        let mut signed_in = self.signed_in.write();
        let before = signed_in.len();
        signed_in.retain(|(i, _)| *i != id);
        signed_in.len() != before
    }

    /// Asks the callback with the longest prefix of `url` (or of `server_url`) for credentials.
    /// No matching callback answers [`AuthAnswer::None`]. The callback runs on the caller's
    /// thread with no lock held. Same as [`ask_request`](Self::ask_request) with
    /// `browser_sign_in: false`.
    pub fn ask(&self, server_url: &str, url: &str, attempt: u32) -> AuthAnswer {
        self.ask_request(&AuthRequest {
            server_url: server_url.to_owned(),
            url: url.to_owned(),
            attempt,
            browser_sign_in: false,
        })
    }

    /// [`ask`](Self::ask) with every field of the request (the storage client sets
    /// [`AuthRequest::browser_sign_in`] when the server advertises a browser sign-in). The URL
    /// is redacted before the callback sees it.
    pub fn ask_request(&self, request: &AuthRequest) -> AuthAnswer {
        let callback = {
            let auth = self.auth.read();
            auth.iter()
                .filter(|(prefix, _, _)| {
                    request.url.starts_with(prefix) || request.server_url.starts_with(prefix)
                })
                .max_by_key(|(prefix, _, _)| prefix.len())
                .map(|(_, _, callback)| callback.clone())
        };
        let Some(callback) = callback else {
            return AuthAnswer::None;
        };
        callback(&AuthRequest {
            url: cm_url::redact(&request.url),
            ..request.clone()
        })
    }

    /// Registers a callback told `(server_url, token)` each time a browser sign-in obtains a
    /// token: for a program that remembers sign-ins in the OS credential store (`cm login`
    /// with `CM_REMEMBER_SIGN_IN=1`). The token is a [`Secret`]; the callback must keep it out
    /// of logs and plain files. Removed with [`unregister`](Self::unregister).
    pub fn register_sign_in_callback(
        &self,
        callback: impl Fn(&str, &Secret) + Send + Sync + 'static,
    ) -> CallbackId {
        let id = CallbackId(self.next());
        self.signed_in.write().push((id, Arc::new(callback)));
        id
    }

    /// Tells the sign-in callbacks that `server_url` was signed in with `token`.
    pub(crate) fn tell_signed_in(&self, server_url: &str, token: &Secret) {
        let callbacks: Vec<SignedInFn> = self
            .signed_in
            .read()
            .iter()
            .map(|(_, c)| c.clone())
            .collect();
        for callback in callbacks {
            callback(server_url, token);
        }
    }

    /// Whether any message-box callback is registered (an interactive sign-in can be shown).
    pub fn has_message_box(&self) -> bool {
        !self.prompts.read().is_empty()
    }

    fn tell(&self, prompt: &SignInPrompt) {
        let callbacks: Vec<PromptFn> = self.prompts.read().iter().map(|(_, c)| c.clone()).collect();
        for callback in callbacks {
            callback(prompt);
        }
    }

    /// Runs an interactive sign-in for `server_url`: shows the prompt, waits up to `timeout` for
    /// [`complete_sign_in`](Self::complete_sign_in) or [`cancel_sign_in`](Self::cancel_sign_in),
    /// then hides it. Without a message-box callback it ends at once with `TimedOut`, since
    /// nobody could ever complete it. Needs a tokio runtime (timer).
    pub async fn interactive_sign_in(&self, server_url: &str, timeout: Duration) -> SignInOutcome {
        if !self.has_message_box() {
            return SignInOutcome::TimedOut;
        }
        let (handle, rx) = self.begin_sign_in(server_url, None, None);
        let outcome = match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) | Err(_) => SignInOutcome::TimedOut,
        };
        self.end_sign_in(handle);
        outcome
    }

    /// Registers a pending sign-in and tells the message-box callbacks `Show` with its link;
    /// the receiver gets what [`cancel_sign_in`](Self::cancel_sign_in) or
    /// [`complete_sign_in`](Self::complete_sign_in) says. End it with
    /// [`end_sign_in`](Self::end_sign_in).
    pub(crate) fn begin_sign_in(
        &self,
        server_url: &str,
        sign_in_url: Option<String>,
        user_code: Option<String>,
    ) -> (SignInHandle, oneshot::Receiver<SignInOutcome>) {
        let handle = SignInHandle(self.next());
        let (tx, rx) = oneshot::channel();
        self.pending.lock().insert(handle, tx);
        self.tell(&SignInPrompt::Show {
            handle,
            server_url: server_url.to_owned(),
            sign_in_url,
            user_code,
        });
        (handle, rx)
    }

    /// Forgets the pending sign-in `handle` and tells the callbacks `Hide`.
    pub(crate) fn end_sign_in(&self, handle: SignInHandle) {
        self.pending.lock().remove(&handle);
        self.tell(&SignInPrompt::Hide { handle });
    }

    /// Cancels the pending sign-in `handle` (status `AuthCancelled`); false if it is not pending.
    pub fn cancel_sign_in(&self, handle: SignInHandle) -> bool {
        self.finish(handle, SignInOutcome::Cancelled)
    }

    /// Completes the pending sign-in `handle` with credentials (what a browser flow delivers).
    pub fn complete_sign_in(&self, handle: SignInHandle, answer: AuthAnswer) -> bool {
        self.finish(handle, SignInOutcome::Completed(answer))
    }

    /// The sign-ins waiting right now.
    pub fn pending_sign_ins(&self) -> Vec<SignInHandle> {
        let mut handles: Vec<_> = self.pending.lock().keys().copied().collect();
        handles.sort();
        handles
    }

    fn finish(&self, handle: SignInHandle, outcome: SignInOutcome) -> bool {
        match self.pending.lock().remove(&handle) {
            Some(tx) => tx.send(outcome).is_ok(),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_wins_and_no_match_is_none() {
        let callbacks = AuthCallbacks::new();
        callbacks.register_auth_callback("omniverse://a/", |_| AuthAnswer::Abort);
        callbacks.register_auth_callback("omniverse://a/deep/", |r| {
            AuthAnswer::Token(Secret::new(format!("t{}", r.attempt)))
        });
        assert_eq!(
            callbacks.ask("omniverse://a/", "omniverse://a/deep/x", 2),
            AuthAnswer::Token(Secret::new("t2"))
        );
        assert_eq!(
            callbacks.ask("omniverse://a/", "omniverse://a/other", 1),
            AuthAnswer::Abort
        );
        assert_eq!(
            callbacks.ask("omniverse://b/", "omniverse://b/x", 1),
            AuthAnswer::None
        );
    }

    #[test]
    fn unregister_removes_either_kind() {
        let callbacks = AuthCallbacks::new();
        let a = callbacks.register_auth_callback("", |_| AuthAnswer::Abort);
        let m = callbacks.register_message_box_callback(|_| {});
        assert!(callbacks.unregister(a));
        assert!(callbacks.unregister(m));
        assert!(!callbacks.unregister(a));
        assert!(!callbacks.has_message_box());
    }

    #[test]
    fn secrets_never_print() {
        let answer = AuthAnswer::UserPassword {
            username: "bob".into(),
            password: Secret::new("hunter2"),
        };
        assert!(!format!("{answer:?}").contains("hunter2"));
    }
}
