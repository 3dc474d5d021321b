//! The add-server dialog: renders an [`AddServerDialog`] view model and sends the user's
//! actions (typing, Add, Retry, Cancel) back to it.
//!
//! Every state of the model has a look:
//!
//! | model state | shows | buttons |
//! |---|---|---|
//! | `Input` | name and URL fields, the refusal reason if any | Add, Cancel |
//! | `Validating`, `Connecting` | the fields (read-only), "Connecting to …", a progress bar | Cancel |
//! | `Success` | "Added `<name>`" and the URL | Close |
//! | `Error` | the fields (editable), the reason in an error box | Retry, Cancel |
//! | `Cancelled` | nothing: the view reports [`DialogOutcome::Closed`] | |
//!
//! The view holds nothing but a reference to the model: the fields' text lives in the model
//! (`set_name` / `set_url` on every keystroke), and connecting runs in the manager
//! (`submit_in_background`). Only one add-server dialog can be open per manager; the second
//! request is refused by [`ManagerHandle::show_add_server_dialog`], which calls its
//! `on_failed` at once, so nothing new appears.
//!
//! ```no_run
//! use cm_egui::{AddServerDialogView, DialogOutcome};
//! use cm_manager::dialogs::{AddServerDialog, ServerKind};
//!
//! struct App { manager: cm_manager::ManagerHandle, dialog: Option<AddServerDialog> }
//!
//! impl App {
//!     fn ui(&mut self, ui: &mut egui::Ui) {
//!         if ui.button("Add a server").clicked() {
//!             self.dialog = cm_egui::open_add_server_dialog(
//!                 &self.manager, ServerKind::Nucleus, ui.ctx(), None, None);
//!         }
//!         if let Some(dialog) = &self.dialog
//!             && AddServerDialogView::new(dialog).show(ui.ctx()) == DialogOutcome::Closed
//!         {
//!             self.dialog = None;
//!         }
//!     }
//! }
//! ```

use cm_manager::ManagerHandle;
use cm_manager::dialogs::{
    AddServerDialog, AddServerState, OnFailed, OnSuccess, ProgressState, ServerKind,
};
use egui::{Button, Context, Grid, Id, Key, TextEdit, Ui};

use crate::labels;
use crate::progress_bar::ProgressBarView;
use crate::style::CmStyle;

/// What a dialog view reports after drawing a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogOutcome {
    /// Still showing; draw it again next frame.
    Open,
    /// Finished and dismissed (cancelled, or closed after success): stop drawing it and drop
    /// the model.
    Closed,
}

/// Opens an add-server dialog of `kind` on `manager` whose every state change repaints `ctx`.
///
/// Answers `None` when another add-server dialog is open: the manager then has already
/// called `on_failed` (and logged a warning); show nothing new.
pub fn open_add_server_dialog(
    manager: &ManagerHandle,
    kind: ServerKind,
    ctx: &Context,
    on_success: Option<OnSuccess>,
    on_failed: Option<OnFailed>,
) -> Option<AddServerDialog> {
    let dialog = manager.show_add_server_dialog(kind, on_success, on_failed)?;
    repaint_on_change(&dialog, ctx);
    Some(dialog)
}

/// Makes every state change of `dialog` repaint `ctx` (the connection runs on the manager's
/// thread; without this the result would only appear on the next input event).
pub fn repaint_on_change(dialog: &AddServerDialog, ctx: &Context) {
    let ctx = ctx.clone();
    dialog.observe(move |_| ctx.request_repaint());
}

/// The egui view of one [`AddServerDialog`].
#[derive(Debug)]
#[must_use = "call `show(ctx)` or `ui(ui)`"]
pub struct AddServerDialogView<'a> {
    dialog: &'a AddServerDialog,
    style: Option<&'a CmStyle>,
}

impl<'a> AddServerDialogView<'a> {
    /// A view of `dialog`.
    pub fn new(dialog: &'a AddServerDialog) -> Self {
        Self {
            dialog,
            style: None,
        }
    }

    /// Draws with `style` instead of the default.
    pub fn style(mut self, style: &'a CmStyle) -> Self {
        self.style = Some(style);
        self
    }

    /// Shows the dialog in its own centred window titled after the kind of server (closing
    /// the window cancels the dialog).
    pub fn show(self, ctx: &Context) -> DialogOutcome {
        if self.dialog.state() == AddServerState::Cancelled {
            return DialogOutcome::Closed;
        }
        let mut open = true;
        let outcome = egui::Window::new(self.dialog.kind().title())
            .id(Id::unique("cm-egui/add-server-dialog"))
            .collapsible(false)
            .resizable(false)
            .open(&mut open)
            .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .show(ctx, |ui| self.contents(ui))
            .and_then(|response| response.inner)
            .unwrap_or(DialogOutcome::Open);
        if !open {
            self.dialog.cancel();
            return DialogOutcome::Closed;
        }
        outcome
    }

    /// Draws the dialog's contents (title included) into `ui`, for embedding it in a panel of
    /// your own instead of a window.
    pub fn ui(self, ui: &mut Ui) -> DialogOutcome {
        let default_style = CmStyle::default();
        let style = self.style.unwrap_or(&default_style);
        ui.label(style.title(self.dialog.kind().title()));
        ui.add_space(style.item_spacing);
        self.contents(ui)
    }

    fn contents(&self, ui: &mut Ui) -> DialogOutcome {
        let default_style;
        let style = match self.style {
            Some(style) => style,
            None => {
                default_style = CmStyle::default();
                &default_style
            }
        };
        style.apply(ui.style_mut());
        ui.set_max_width(style.dialog_width);
        match self.dialog.state() {
            AddServerState::Input { name, url, problem } => {
                let submit = self.fields(ui, style, &name, &url, true);
                if let Some(problem) = problem {
                    ui.label(style.colored(problem, style.error));
                }
                self.not_started_note(ui, style);
                ui.add_space(style.item_spacing);
                ui.horizontal(|ui| {
                    let add = ui.button(labels::ADD).clicked();
                    if add || submit {
                        self.submit(ui);
                    }
                    self.cancel_button(ui)
                })
                .inner
            }
            AddServerState::Validating { name, url } | AddServerState::Connecting { name, url } => {
                self.fields(ui, style, &name, &url, false);
                ui.add_space(style.item_spacing);
                let progress = ProgressState {
                    visible: true,
                    title: format!("Connecting to {url}…"),
                    message: String::new(),
                    fraction: None,
                };
                ui.add(ProgressBarView::from_state(progress).style(style));
                ui.add_space(style.item_spacing);
                ui.horizontal(|ui| self.cancel_button(ui)).inner
            }
            AddServerState::Success { name, url, .. } => {
                ui.label(style.colored(format!("✔ Added {name}"), style.success));
                ui.label(style.url(url));
                ui.add_space(style.item_spacing);
                if ui.button(labels::CLOSE).clicked() {
                    DialogOutcome::Closed
                } else {
                    DialogOutcome::Open
                }
            }
            AddServerState::Error { name, url, message } => {
                let submit = self.fields(ui, style, &name, &url, true);
                style.message_frame(style.error).show(ui, |ui| {
                    ui.label(
                        style.colored(format!("Could not add the server: {message}"), style.error),
                    );
                });
                self.not_started_note(ui, style);
                ui.add_space(style.item_spacing);
                ui.horizontal(|ui| {
                    if ui.button(labels::RETRY).clicked() || submit {
                        self.submit(ui);
                    }
                    self.cancel_button(ui)
                })
                .inner
            }
            AddServerState::Cancelled => DialogOutcome::Closed,
        }
    }

    /// The two fields; answers whether Enter was pressed in the URL field.
    fn fields(&self, ui: &mut Ui, style: &CmStyle, name: &str, url: &str, editable: bool) -> bool {
        let mut submit = false;
        Grid::new("cm-egui/add-server-fields")
            .num_columns(2)
            .spacing([style.item_spacing * 2.0, style.item_spacing])
            .show(ui, |ui| {
                let mut name_text = name.to_owned();
                let label = ui.label(labels::SERVER_NAME);
                let response = ui
                    .add_enabled(
                        editable,
                        TextEdit::singleline(&mut name_text)
                            .hint_text("optional: derived from the URL")
                            .desired_width(style.field_width),
                    )
                    .labelled_by(label.id);
                if response.changed() {
                    self.dialog.set_name(&name_text);
                }
                ui.end_row();

                let mut url_text = url.to_owned();
                let label = ui.label(labels::SERVER_URL);
                let response = ui
                    .add_enabled(
                        editable,
                        TextEdit::singleline(&mut url_text)
                            .hint_text(url_hint(self.dialog.kind()))
                            .font(style.url_font.clone())
                            .desired_width(style.field_width),
                    )
                    .labelled_by(label.id);
                if response.changed() {
                    self.dialog.set_url(&url_text);
                }
                submit = response.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                ui.end_row();
            });
        submit
    }

    fn submit(&self, ui: &Ui) {
        let started = self.dialog.submit_in_background();
        let note_id = not_started_id();
        if started {
            ui.data_mut(|d| d.remove::<bool>(note_id));
        } else {
            tracing::warn!("add-server dialog: the connection manager could not start the attempt");
            ui.data_mut(|d| d.insert_temp(note_id, true));
        }
    }

    fn not_started_note(&self, ui: &mut Ui, style: &CmStyle) {
        if ui
            .data(|d| d.get_temp::<bool>(not_started_id()))
            .unwrap_or(false)
        {
            ui.label(style.colored(
                "The connection manager is not running; the server cannot be added.",
                style.error,
            ));
        }
    }

    fn cancel_button(&self, ui: &mut Ui) -> DialogOutcome {
        if ui.add(Button::new(labels::CANCEL)).clicked() {
            self.dialog.cancel();
            DialogOutcome::Closed
        } else {
            DialogOutcome::Open
        }
    }
}

fn not_started_id() -> Id {
    Id::unique("cm-egui/add-server-not-started")
}

/// The placeholder of the URL field: an example of what the kind accepts.
fn url_hint(kind: ServerKind) -> &'static str {
    match kind {
        ServerKind::Nucleus => "omniverse://my-server/",
        ServerKind::Http => "https://bucket.s3.amazonaws.com/",
        ServerKind::Discovery => "https://discovery.example.com/",
    }
}
