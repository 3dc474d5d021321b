//! # cm-egui: the connection manager's dialogs and panel as egui widgets
//!
//! cm-manager describes its dialogs as view models (state machines with actions and watch
//! channels); this crate draws them with [egui] and sends the user's clicks and keystrokes back.
//! The widgets hold no connection state: every frame they read the model's current state or
//! the registry's published snapshot, so what they show is always what the manager knows.
//!
//! | widget | renders | actions |
//! |---|---|---|
//! | [`ConnectionsPanel`] | servers with live status, discovery servers with addresses, bookmarks, the file's health, the last event | add / rename / remove bookmarks, connect / sign out / remove servers, refresh discovery, open the add-server dialogs |
//! | [`AddServerDialogView`] | an [`AddServerDialog`](cm_manager::dialogs::AddServerDialog) (discovery, Nucleus or HTTP): input → connecting → success / error | type, Add, Retry, Cancel, Close |
//! | [`AuthDialogView`] | the [`AuthDialog`](cm_manager::dialogs::AuthDialog) while a browser sign-in is pending: the sign-in page as a link, the device code | Open again, Copy link, Copy code, Cancel sign-in |
//! | [`AlertPane`] | an [`AlertModel`](cm_manager::dialogs::AlertModel) (info / warning / error) | Dismiss |
//! | [`ProgressBarView`] | a [`ProgressModel`](cm_manager::dialogs::ProgressModel) (fraction or indeterminate) | |
//!
//! Colours, spacings and fonts live in [`CmStyle`]; accessible names (what screen readers
//! say and what `egui_kittest` tests look up) and the words for every status in [`labels`].
//! [`LiveUpdates`] repaints when the manager changes something on its own thread.
//!
//! ## Embedding the panel
//!
//! ```no_run
//! use cm_egui::ConnectionsPanel;
//! use cm_manager::{ManagerConfig, ManagerHandle};
//! use cm_registry::RegistryConfig;
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // The panel shows the sign-in prompt: let an unanswered sign-in wait for it.
//!     let config = ManagerConfig::new(RegistryConfig::at_default_location()?).interactive_sign_in(true);
//!     let manager = ManagerHandle::start(config)?;
//!     let mut panel = ConnectionsPanel::new(manager).observe_events(cm_events::dispatcher());
//!     eframe::run_ui_native("Connections", Default::default(), move |ui, _frame| {
//!         egui::CentralPanel::default().show(ui, |ui| panel.ui(ui));
//!     })?;
//!     Ok(())
//! }
//! ```
//!
//! ## Only a dialog
//!
//! ```
//! use cm_egui::{AddServerDialogView, DialogOutcome};
//! use cm_manager::dialogs::ServerKind;
//! use cm_manager::{ManagerConfig, ManagerHandle};
//!
//! let manager = ManagerHandle::start(
//!     ManagerConfig::in_memory().dispatcher(cm_events::Dispatcher::new()),
//! ).unwrap();
//! # egui::__run_test_ui(|ui| {
//! let dialog = cm_egui::open_add_server_dialog(&manager, ServerKind::Http, ui.ctx(), None, None)
//!     .expect("no other add-server dialog is open");
//! // A second request shows nothing new (and would call its on_failed).
//! assert!(cm_egui::open_add_server_dialog(&manager, ServerKind::Nucleus, ui.ctx(), None, None).is_none());
//! // Every frame: draw it; `Closed` once cancelled or closed after success.
//! assert_eq!(AddServerDialogView::new(&dialog).show(ui.ctx()), DialogOutcome::Open);
//! dialog.cancel();
//! assert_eq!(AddServerDialogView::new(&dialog).show(ui.ctx()), DialogOutcome::Closed);
//! # });
//! manager.shutdown();
//! ```

// Shipped code never unwraps: outside input gets an error, an internal invariant a narrow,
// documented `#[allow]`. Set here, not in `[lints]`, because Cargo applies `[lints]` to every
// target and this rule is for the library and binaries only; `#[cfg(test)]` code is exempt
// through clippy.toml. `cargo xtask tidy` checks every crate root carries it.
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod add_server_dialog;
mod alert_pane;
mod auth_dialog;
pub mod labels;
mod live_updates;
mod panel;
mod progress_bar;
pub mod style;

pub use add_server_dialog::{
    AddServerDialogView, DialogOutcome, open_add_server_dialog, repaint_on_change,
};
pub use alert_pane::AlertPane;
pub use auth_dialog::AuthDialogView;
pub use live_updates::LiveUpdates;
pub use panel::ConnectionsPanel;
pub use progress_bar::ProgressBarView;
pub use style::CmStyle;

/// The README's examples, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
