//! The connections panel: every server with its live status, every discovery server with its
//! addresses, and the bookmarks with add / rename / remove.
//!
//! The panel reads the registry's published snapshot on every frame and never keeps a copy,
//! so what it shows is what the registry holds, including edits of `omniverse.toml` made by
//! other processes (the registry's watcher reloads them; [`LiveUpdates`] asks egui to
//! repaint). Every button sends a request to the registry or the manager on the manager's
//! thread and returns at once; failures appear in the panel's alert pane.
//!
//! ```no_run
//! use cm_egui::ConnectionsPanel;
//!
//! struct App { panel: ConnectionsPanel }
//!
//! impl eframe::App for App {
//!     fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
//!         egui::CentralPanel::default().show(ui, |ui| self.panel.ui(ui));
//!     }
//! }
//! ```

mod bookmarks;
mod event_feed;
mod servers;

use cm_events::Dispatcher;
use cm_manager::ManagerHandle;
use cm_manager::dialogs::{AddServerDialog, AlertModel, OnFailed, OnSuccess, ServerKind};
use egui::{Context, ScrollArea, Ui};

use crate::add_server_dialog::{AddServerDialogView, DialogOutcome, open_add_server_dialog};
use crate::alert_pane::AlertPane;
use crate::auth_dialog::AuthDialogView;
use crate::labels;
use crate::live_updates::LiveUpdates;
use crate::progress_bar::ProgressBarView;
use crate::style::CmStyle;

use bookmarks::BookmarkEditor;
use event_feed::EventFeed;

/// The connection manager's panel. Keep one per window and call [`ui`](Self::ui) every frame.
///
/// It holds only UI state: the text being typed into the new-bookmark and rename fields, the
/// add-server dialog it opened (a cm-manager view model), an alert model for failures, and the
/// repaint thread.
#[derive(Debug)]
pub struct ConnectionsPanel {
    manager: ManagerHandle,
    style: CmStyle,
    alert: AlertModel,
    add_dialog: Option<AddServerDialog>,
    bookmarks: BookmarkEditor,
    events: Option<EventFeed>,
    live: Option<LiveUpdates>,
    live_enabled: bool,
}

impl ConnectionsPanel {
    /// A panel over `manager`.
    pub fn new(manager: ManagerHandle) -> Self {
        Self {
            manager,
            style: CmStyle::default(),
            alert: AlertModel::new(),
            add_dialog: None,
            bookmarks: BookmarkEditor::default(),
            events: None,
            live: None,
            live_enabled: true,
        }
    }

    /// Draws with `style`.
    #[must_use]
    pub fn with_style(mut self, style: CmStyle) -> Self {
        self.style = style;
        self
    }

    /// Also observes the registry's events on `dispatcher` (the one the manager was started
    /// with; `cm_events::dispatcher()` by default) and shows the latest as "Last change".
    #[must_use]
    pub fn observe_events(mut self, dispatcher: &Dispatcher) -> Self {
        self.events = Some(EventFeed::observe(dispatcher));
        self
    }

    /// Whether the panel starts [`LiveUpdates`] on its first frame (default true). Turn it off
    /// when the application already repaints continuously.
    #[must_use]
    pub fn live_updates(mut self, on: bool) -> Self {
        self.live_enabled = on;
        self
    }

    /// The manager the panel shows.
    pub fn manager(&self) -> &ManagerHandle {
        &self.manager
    }

    /// The panel's alert pane model (failed actions are reported here).
    pub fn alert(&self) -> &AlertModel {
        &self.alert
    }

    /// The add-server dialog the panel shows, if any.
    pub fn add_server_dialog(&self) -> Option<&AddServerDialog> {
        self.add_dialog.as_ref()
    }

    /// Opens an add-server dialog of `kind` in the panel. Answers false, shows nothing new
    /// and (through the manager) calls `on_failed` when an add-server dialog is already open
    /// anywhere on this manager; the panel's alert pane then says so.
    pub fn open_add_server_dialog(
        &mut self,
        ctx: &Context,
        kind: ServerKind,
        on_success: Option<OnSuccess>,
        on_failed: Option<OnFailed>,
    ) -> bool {
        match open_add_server_dialog(&self.manager, kind, ctx, on_success, on_failed) {
            Some(dialog) => {
                self.add_dialog = Some(dialog);
                true
            }
            None => {
                self.alert
                    .warning("An add-server dialog is already open; finish or cancel it first.");
                false
            }
        }
    }

    /// Draws the panel into `ui`, plus the add-server dialog and the sign-in prompt as
    /// windows over it.
    pub fn ui(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        if self.live_enabled && self.live.is_none() {
            self.live = Some(LiveUpdates::start(
                &ctx,
                &self.manager,
                std::slice::from_ref(&self.alert),
            ));
        }
        if let Some(events) = &self.events {
            events.wake(&ctx);
        }
        let style = self.style.clone();
        style.apply(ui.style_mut());

        ui.horizontal_wrapped(|ui| {
            ui.label(style.title("Connections"));
            ui.add_space(style.section_spacing);
            for (label, kind) in [
                (labels::ADD_NUCLEUS_SERVER, ServerKind::Nucleus),
                (labels::ADD_HTTP_SERVER, ServerKind::Http),
                (labels::ADD_DISCOVERY_SERVER, ServerKind::Discovery),
            ] {
                if ui.button(label).clicked() {
                    let alert = self.alert.clone();
                    let on_success: OnSuccess = Box::new(move |name, _url, _id| {
                        alert.info(&format!("Added server {name}"))
                    });
                    self.open_add_server_dialog(&ctx, kind, Some(on_success), None);
                }
            }
        });
        AlertPane::new(&self.alert).style(&style).show(ui);
        ui.add(ProgressBarView::new(self.manager.connecting_dialog()).style(&style));
        ui.separator();

        let snapshot = self.manager.registry().snapshot();
        ScrollArea::vertical()
            .auto_shrink([false, true])
            .show(ui, |ui| {
                servers::manual_servers(ui, &style, &self.manager, &self.alert, &snapshot);
                ui.add_space(style.section_spacing);
                servers::discovery_servers(ui, &style, &self.manager, &self.alert, &snapshot);
                ui.add_space(style.section_spacing);
                self.bookmarks
                    .ui(ui, &style, &self.manager, &self.alert, &snapshot);
                ui.add_space(style.section_spacing);
                self.footer(ui, &style, &snapshot);
            });

        if let Some(dialog) = &self.add_dialog
            && AddServerDialogView::new(dialog).style(&style).show(&ctx) == DialogOutcome::Closed
        {
            self.add_dialog = None;
        }
        AuthDialogView::new(self.manager.auth_dialog())
            .style(&style)
            .show(&ctx);
    }

    fn footer(&self, ui: &mut Ui, style: &CmStyle, snapshot: &cm_registry::RegistrySnapshot) {
        ui.separator();
        let storage = snapshot.storage();
        match &storage.path {
            Some(path) => ui.label(style.url(format!("File: {}", path.display()))),
            None => ui.label(style.url("In memory (no file)")),
        };
        if let Some(error) = &storage.last_load_error {
            ui.label(style.colored(
                format!("The file could not be read (showing the last good state): {error}"),
                style.warning,
            ));
        }
        if let Some(error) = &storage.last_save_error {
            ui.label(style.colored(format!("Not saved: {error}"), style.error));
        }
        if storage.unsaved_changes > 0 {
            ui.label(style.colored(
                format!("{} change(s) not written yet", storage.unsaved_changes),
                style.warning,
            ));
        }
        if let Some(last) = self.events.as_ref().and_then(EventFeed::last) {
            ui.label(style.colored(format!("Last change: {last}"), style.muted));
        }
    }
}

/// Runs `action` on the manager's thread; its error (if any) goes to `alert`.
pub(crate) fn run_action<F>(manager: &ManagerHandle, alert: &AlertModel, action: F)
where
    F: std::future::Future<Output = Result<(), String>> + Send + 'static,
{
    let report = alert.clone();
    let started = manager.spawn(async move {
        if let Err(message) = action.await {
            report.error(&message);
        }
    });
    if !started {
        alert.error("The connection manager is not running.");
    }
}
