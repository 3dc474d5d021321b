//! Dialogs as view models: state machines any UI (a terminal prompt, egui, a web page) can
//! render. No UI toolkit here: each model exposes its current state (an enum or struct with
//! everything needed to draw it), actions, and a `tokio::sync::watch` channel to redraw on
//! change.
//!
//! * [`AddServerDialog`]: add a discovery, Nucleus or HTTP server (input → validating →
//!   connecting → success / error, retry, cancel). One at a time per manager.
//! * [`AuthDialog`]: "sign in with your browser…" while an interactive sign-in is pending.
//! * [`AlertModel`]: an info / warning / error pane.
//! * [`ProgressModel`]: a progress bar (the "connecting" dialog of `ensure_connection`).

mod add_server;
mod alert;
mod auth;
mod open;
mod progress;

pub use add_server::{
    AddServerBackend, AddServerDialog, AddServerState, DialogSlot, OnFailed, OnSuccess, ServerKind,
    name_problem,
};
pub use alert::{Alert, AlertLevel, AlertModel};
pub use auth::{AuthDialog, AuthDialogState};
pub use progress::{ProgressModel, ProgressState};
