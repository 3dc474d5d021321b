//! The sign-in prompt as a view model: "sign in with your browser to `<server>`… \[Cancel\]".
//!
//! The manager feeds it from the storage client's message-box callback: a
//! [`SignInPrompt::Show`] makes it `Pending`, the matching `Hide` makes it `Hidden` again.
//! Several sign-ins may be pending (one per server); the model shows the oldest.

use std::sync::Arc;

use parking_lot::Mutex;
use serde::Serialize;
use tokio::sync::watch;

use crate::auth::{SignInHandle, SignInPrompt};
use crate::storage::StorageClient;

/// What the sign-in prompt shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum AuthDialogState {
    /// Nothing pending.
    Hidden,
    /// A browser sign-in is pending.
    Pending {
        /// The sign-in's handle (what cancel uses).
        handle: u64,
        /// The server being signed in to.
        server_url: String,
        /// The browser page of this sign-in, if the server offers one (see [`SignInPrompt::Show`]).
        sign_in_url: Option<String>,
        /// The device flow's user code, if any.
        user_code: Option<String>,
        /// How many more sign-ins wait behind this one.
        queued: usize,
    },
}

/// One sign-in waiting in the prompt's queue.
#[derive(Clone, Debug)]
struct PendingSignIn {
    handle: SignInHandle,
    server_url: String,
    sign_in_url: Option<String>,
    user_code: Option<String>,
}

/// The sign-in prompt view model. Cloning shares it.
#[derive(Clone)]
pub struct AuthDialog {
    tx: Arc<watch::Sender<AuthDialogState>>,
    pending: Arc<Mutex<Vec<PendingSignIn>>>,
    canceller: Arc<dyn Fn(SignInHandle) -> bool + Send + Sync>,
}

impl std::fmt::Debug for AuthDialog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthDialog")
            .field("state", &*self.tx.borrow())
            .finish_non_exhaustive()
    }
}

impl AuthDialog {
    /// A hidden prompt whose cancel button calls `cancel` with the pending handle.
    pub fn new(cancel: impl Fn(SignInHandle) -> bool + Send + Sync + 'static) -> Self {
        Self {
            tx: Arc::new(watch::channel(AuthDialogState::Hidden).0),
            pending: Arc::default(),
            canceller: Arc::new(cancel),
        }
    }

    /// A prompt fed by (and cancelling through) `client`'s callbacks: registers a message-box
    /// callback on it.
    pub fn attach(client: &Arc<dyn StorageClient>) -> Self {
        let weak = Arc::downgrade(client);
        let dialog = Self::new(move |handle| {
            weak.upgrade()
                .is_some_and(|c| c.auth().cancel_sign_in(handle))
        });
        let feed = dialog.clone();
        client
            .auth()
            .register_message_box_callback(move |prompt| feed.on_prompt(prompt));
        dialog
    }

    /// A prompt that cancels through `client` but is not fed by it (nothing registers a
    /// message-box callback, so no interactive sign-in is offered and the model stays hidden).
    pub fn detached(client: &Arc<dyn StorageClient>) -> Self {
        let weak = Arc::downgrade(client);
        Self::new(move |handle| {
            weak.upgrade()
                .is_some_and(|c| c.auth().cancel_sign_in(handle))
        })
    }

    /// Feeds one message-box notification into the model.
    pub fn on_prompt(&self, prompt: &SignInPrompt) {
        let mut pending = self.pending.lock();
        match prompt {
            SignInPrompt::Show {
                handle,
                server_url,
                sign_in_url,
                user_code,
            } => pending.push(PendingSignIn {
                handle: *handle,
                server_url: server_url.clone(),
                sign_in_url: sign_in_url.clone(),
                user_code: user_code.clone(),
            }),
            SignInPrompt::Hide { handle } => pending.retain(|p| p.handle != *handle),
        }
        let state = match pending.first() {
            Some(shown) => AuthDialogState::Pending {
                handle: shown.handle.0,
                server_url: shown.server_url.clone(),
                sign_in_url: shown.sign_in_url.clone(),
                user_code: shown.user_code.clone(),
                queued: pending.len() - 1,
            },
            None => AuthDialogState::Hidden,
        };
        drop(pending);
        self.tx.send_replace(state);
    }

    /// What to draw now.
    pub fn state(&self) -> AuthDialogState {
        self.tx.borrow().clone()
    }

    /// Changes to the state.
    pub fn subscribe(&self) -> watch::Receiver<AuthDialogState> {
        self.tx.subscribe()
    }

    /// The cancel button: cancels the sign-in shown now; false if none is pending.
    pub fn cancel(&self) -> bool {
        let shown = self.pending.lock().first().map(|p| p.handle);
        shown.is_some_and(|handle| (self.canceller)(handle))
    }
}
