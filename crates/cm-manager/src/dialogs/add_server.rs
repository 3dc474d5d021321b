//! The add-server dialog as a state machine any UI can render.
//!
//! ```text
//!            set_name / set_url                 backend says yes
//!  Input ───────────────────────▶ Input   ┌──────────────────────▶ Success (on_success)
//!    │ submit                             │
//!    ▼            invalid                 │
//!  Validating ──────────▶ Input{problem}  │      backend says no
//!    │ valid                              │ ┌───────────────────▶ Error ──retry──▶ Validating
//!    ▼                                    │ │                       │ set_name / set_url
//!  Connecting ────────────────────────────┘─┘                       ▼
//!                                                                  Input
//!  cancel from any state but Success ─▶ Cancelled (on_failed)
//! ```
//!
//! Validation uses cm-url: the URL must parse and be of the dialog's kind (discovery: http or
//! https; Nucleus: `omniverse://`; HTTP: http(s), S3, Azure or GCS). An empty name becomes
//! `cm_url::fallback_name_for_url(url)`. Connecting is real: the [`AddServerBackend`] (the
//! manager) connects and adds the server to the registry.
//!
//! Observe the state with [`AddServerDialog::subscribe`] (a watch channel: the latest state)
//! or [`AddServerDialog::observe`] (a callback for every state, in order).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use cm_url::UrlKind;
use futures::future::BoxFuture;
use parking_lot::Mutex;
use serde::Serialize;
use tokio::sync::watch;

/// Which kind of server a dialog adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum ServerKind {
    /// A discovery server (its URL answers with storage addresses).
    Discovery,
    /// A Nucleus server (`omniverse://`).
    Nucleus,
    /// An HTTP, S3, Azure or GCS server.
    Http,
}

impl ServerKind {
    /// The dialog title, e.g. `Add Nucleus Server`.
    pub fn title(self) -> &'static str {
        match self {
            Self::Discovery => "Add Discovery Server",
            Self::Nucleus => "Add Nucleus Server",
            Self::Http => "Add HTTP Server",
        }
    }

    fn check(self, url: &cm_url::ServerUrl) -> Result<(), String> {
        let web = matches!(url.scheme(), "http" | "https");
        let ok = match self {
            Self::Discovery => web,
            Self::Nucleus => url.kind() == UrlKind::Nucleus,
            Self::Http => matches!(
                url.kind(),
                UrlKind::Http | UrlKind::S3 | UrlKind::Azure | UrlKind::Gcs
            ),
        };
        if ok {
            return Ok(());
        }
        let wanted = match self {
            Self::Discovery => "an http:// or https:// discovery URL",
            Self::Nucleus => "an omniverse:// URL",
            Self::Http => "an http(s), S3, Azure or GCS URL",
        };
        Err(format!("{} is not {wanted}", url.redacted()))
    }
}

/// What the dialog shows. Every variant carries what is needed to draw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum AddServerState {
    /// Editing. `problem` says why the last submit was refused.
    Input {
        /// The name field.
        name: String,
        /// The URL field.
        url: String,
        /// Why the input was refused (shown under the fields).
        problem: Option<String>,
    },
    /// Checking the input.
    Validating {
        /// The name.
        name: String,
        /// The URL.
        url: String,
    },
    /// Connecting to the server for real.
    Connecting {
        /// The name (after the fallback).
        name: String,
        /// The normalised URL.
        url: String,
    },
    /// Added. The dialog is finished.
    Success {
        /// The name.
        name: String,
        /// The URL.
        url: String,
        /// The new server's id in the registry.
        server_id: u64,
    },
    /// The connection failed; `retry` or edit.
    Error {
        /// The name.
        name: String,
        /// The URL.
        url: String,
        /// What went wrong (redacted).
        message: String,
    },
    /// Cancelled. The dialog is finished.
    Cancelled,
}

impl AddServerState {
    /// Whether the dialog is finished (`Success` or `Cancelled`).
    pub fn is_finished(&self) -> bool {
        matches!(self, Self::Success { .. } | Self::Cancelled)
    }
}

/// What the dialog needs from the manager: connect for real and add the server.
pub trait AddServerBackend: Send + Sync + 'static {
    /// Connects to `url` and adds a server of `kind` called `name`; answers its id, or a
    /// message saying what failed (redacted).
    fn add_server(
        &self,
        kind: ServerKind,
        name: String,
        url: String,
    ) -> BoxFuture<'static, Result<u64, String>>;

    /// Runs `task` in the background (for [`AddServerDialog::submit_in_background`]); false if
    /// it cannot. The default runs nothing.
    fn spawn(&self, task: BoxFuture<'static, ()>) -> bool {
        drop(task);
        false
    }
}

/// `on_success(name, url, server_id)`.
pub type OnSuccess = Box<dyn FnOnce(&str, &str, u64) + Send>;
/// `on_failed()`.
pub type OnFailed = Box<dyn FnOnce() + Send>;

type Observer = Arc<dyn Fn(&AddServerState) + Send + Sync>;

/// The "one add-server dialog at a time" token; freed when the dialog finishes or drops.
#[derive(Clone, Debug, Default)]
pub struct DialogSlot(Arc<AtomicBool>);

impl DialogSlot {
    /// Takes the slot; false if another dialog holds it.
    pub fn try_acquire(&self) -> bool {
        self.0
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    fn release(&self) {
        self.0.store(false, Ordering::Release);
    }

    /// Whether a dialog holds the slot.
    pub fn is_taken(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

struct Inner {
    kind: ServerKind,
    tx: watch::Sender<AddServerState>,
    backend: Arc<dyn AddServerBackend>,
    on_success: Mutex<Option<OnSuccess>>,
    on_failed: Mutex<Option<OnFailed>>,
    observers: Mutex<Vec<Observer>>,
    slot: Mutex<Option<DialogSlot>>,
    /// Bumped by every submit and cancel, so a late answer of an abandoned attempt is ignored.
    generation: Mutex<u64>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        let finished = self.tx.borrow().is_finished();
        if !finished && let Some(on_failed) = self.on_failed.get_mut().take() {
            on_failed();
        }
        if let Some(slot) = self.slot.get_mut().take() {
            slot.release();
        }
    }
}

/// An add-server dialog. Cloning shares it; the last clone dropped before the dialog finished
/// counts as a cancel (`on_failed` runs).
#[derive(Clone)]
pub struct AddServerDialog {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for AddServerDialog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddServerDialog")
            .field("kind", &self.inner.kind)
            .field("state", &*self.inner.tx.borrow())
            .finish_non_exhaustive()
    }
}

impl AddServerDialog {
    /// A dialog in `Input` with empty fields. `slot`, when given, must already be acquired; it
    /// is released when the dialog finishes.
    pub fn new(
        kind: ServerKind,
        backend: Arc<dyn AddServerBackend>,
        on_success: Option<OnSuccess>,
        on_failed: Option<OnFailed>,
        slot: Option<DialogSlot>,
    ) -> Self {
        let initial = AddServerState::Input {
            name: String::new(),
            url: String::new(),
            problem: None,
        };
        Self {
            inner: Arc::new(Inner {
                kind,
                tx: watch::channel(initial).0,
                backend,
                on_success: Mutex::new(on_success),
                on_failed: Mutex::new(on_failed),
                observers: Mutex::default(),
                slot: Mutex::new(slot),
                generation: Mutex::new(0),
            }),
        }
    }

    /// The kind of server this dialog adds.
    pub fn kind(&self) -> ServerKind {
        self.inner.kind
    }

    /// What to draw now.
    pub fn state(&self) -> AddServerState {
        self.inner.tx.borrow().clone()
    }

    /// The latest state, as a watch channel.
    pub fn subscribe(&self) -> watch::Receiver<AddServerState> {
        self.inner.tx.subscribe()
    }

    /// Calls `observer` with every new state, in order, on the thread that made the change.
    pub fn observe(&self, observer: impl Fn(&AddServerState) + Send + Sync + 'static) {
        self.inner.observers.lock().push(Arc::new(observer));
    }

    fn set(&self, state: AddServerState) {
        self.inner.tx.send_replace(state.clone());
        // Cloned out so that an observer may call back into the dialog.
        let observers: Vec<Observer> = self.inner.observers.lock().clone();
        for observer in observers {
            observer(&state);
        }
        match &state {
            AddServerState::Success {
                name,
                url,
                server_id,
            } => {
                self.release();
                if let Some(on_success) = self.inner.on_success.lock().take() {
                    on_success(name, url, *server_id);
                }
            }
            AddServerState::Cancelled => {
                self.release();
                if let Some(on_failed) = self.inner.on_failed.lock().take() {
                    on_failed();
                }
            }
            _ => {}
        }
    }

    fn release(&self) {
        if let Some(slot) = self.inner.slot.lock().take() {
            slot.release();
        }
    }

    /// The fields now (from `Input` or `Error`); `None` in the other states.
    fn fields(&self) -> Option<(String, String)> {
        match &*self.inner.tx.borrow() {
            AddServerState::Input { name, url, .. } | AddServerState::Error { name, url, .. } => {
                Some((name.clone(), url.clone()))
            }
            _ => None,
        }
    }

    /// Sets the name field (in `Input` or `Error`, which goes back to `Input`).
    pub fn set_name(&self, name: &str) -> bool {
        self.edit(|fields| fields.0 = name.to_owned())
    }

    /// Sets the URL field (in `Input` or `Error`, which goes back to `Input`).
    pub fn set_url(&self, url: &str) -> bool {
        self.edit(|fields| fields.1 = url.to_owned())
    }

    fn edit(&self, change: impl FnOnce(&mut (String, String))) -> bool {
        let Some(mut fields) = self.fields() else {
            return false;
        };
        change(&mut fields);
        self.set(AddServerState::Input {
            name: fields.0,
            url: fields.1,
            problem: None,
        });
        true
    }

    /// Validates the fields, then connects and adds the server. Answers the state it ends in
    /// (`Input` with a problem, `Error`, `Success`, or `Cancelled` if cancelled meanwhile).
    /// Does nothing outside `Input` and `Error`. The future needs no particular runtime.
    pub async fn submit(&self) -> AddServerState {
        let Some((name, url)) = self.fields() else {
            return self.state();
        };
        let generation = {
            let mut generation = self.inner.generation.lock();
            *generation += 1;
            *generation
        };
        self.set(AddServerState::Validating {
            name: name.clone(),
            url: url.clone(),
        });
        let (name, url) = match validate(self.inner.kind, &name, &url) {
            Ok(valid) => valid,
            Err(problem) => {
                self.set(AddServerState::Input {
                    name,
                    url,
                    problem: Some(problem),
                });
                return self.state();
            }
        };
        self.set(AddServerState::Connecting {
            name: name.clone(),
            url: url.clone(),
        });
        let result = self
            .inner
            .backend
            .add_server(self.inner.kind, name.clone(), url.clone())
            .await;
        if *self.inner.generation.lock() != generation {
            return self.state();
        }
        self.set(match result {
            Ok(server_id) => AddServerState::Success {
                name,
                url,
                server_id,
            },
            Err(message) => AddServerState::Error { name, url, message },
        });
        self.state()
    }

    /// [`submit`](Self::submit) without waiting, for UIs without an async runtime (egui): the
    /// backend runs it; watch the state for the outcome. False if the backend cannot spawn.
    pub fn submit_in_background(&self) -> bool {
        let dialog = self.clone();
        self.inner.backend.spawn(Box::pin(async move {
            dialog.submit().await;
        }))
    }

    /// Tries again from `Error` with the same fields (same as `submit`).
    pub async fn retry(&self) -> AddServerState {
        if !matches!(self.state(), AddServerState::Error { .. }) {
            return self.state();
        }
        self.submit().await
    }

    /// Cancels the dialog (from any state but `Success`/`Cancelled`); `on_failed` runs. An
    /// attempt in flight keeps running in the backend but its answer is ignored.
    pub fn cancel(&self) -> bool {
        if self.state().is_finished() {
            return false;
        }
        *self.inner.generation.lock() += 1;
        self.set(AddServerState::Cancelled);
        true
    }
}

/// Why `name` cannot name a server, or `None` when it can (an empty name is fine: the dialog
/// derives one from the URL). A front end asking field by field checks the name with this
/// before it asks for the URL, so a refused name is asked again where it was typed.
pub fn name_problem(name: &str) -> Option<&'static str> {
    name.chars()
        .any(char::is_control)
        .then_some("the name must not contain control characters (a tab, an escape, a line break)")
}

/// Checks the fields; answers the name (after the fallback) and the normalised URL.
fn validate(kind: ServerKind, name: &str, url: &str) -> Result<(String, String), String> {
    let url = url.trim();
    if url.is_empty() {
        return Err("enter the server URL".to_owned());
    }
    let parsed = cm_url::parse(url).map_err(|e| e.to_string())?;
    kind.check(&parsed)?;
    let name = name.trim();
    if let Some(problem) = name_problem(name) {
        return Err(problem.to_owned());
    }
    let name = if name.is_empty() {
        parsed.fallback_name()
    } else {
        name.to_owned()
    };
    Ok((name, parsed.into_string()))
}
