//! The sign-in prompt: renders an [`AuthDialog`] view model ("sign in with your browser…")
//! while an interactive sign-in is pending, with a button that cancels it.
//!
//! The model is fed by the storage client's message-box callback (the manager wires it:
//! [`ManagerHandle::auth_dialog`](cm_manager::ManagerHandle::auth_dialog)); cancelling makes
//! the pending attempt end as `AuthCancelled`. While nothing is pending the view draws nothing.
//!
//! ```
//! use cm_egui::AuthDialogView;
//! use cm_manager::dialogs::AuthDialog;
//!
//! let auth = AuthDialog::new(|_handle| true); // normally `manager.auth_dialog()`
//! # egui::__run_test_ui(|ui| {
//! AuthDialogView::new(&auth).ui(ui); // hidden: draws nothing
//! # });
//! ```

use cm_manager::dialogs::{AuthDialog, AuthDialogState};
use egui::{Context, Id, Ui};

use crate::labels;
use crate::style::CmStyle;

/// The egui view of an [`AuthDialog`].
#[derive(Debug)]
#[must_use = "call `show(ctx)` or `ui(ui)`"]
pub struct AuthDialogView<'a> {
    dialog: &'a AuthDialog,
    style: Option<&'a CmStyle>,
}

impl<'a> AuthDialogView<'a> {
    /// A view of `dialog`.
    pub fn new(dialog: &'a AuthDialog) -> Self {
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

    /// Shows the prompt in a centred window while a sign-in is pending; answers whether it is
    /// showing. Closing the window cancels the sign-in.
    pub fn show(self, ctx: &Context) -> bool {
        if self.dialog.state() == AuthDialogState::Hidden {
            return false;
        }
        let mut open = true;
        egui::Window::new("Sign in")
            .id(Id::unique("cm-egui/auth-dialog"))
            .collapsible(false)
            .resizable(false)
            .open(&mut open)
            .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .show(ctx, |ui| self.contents(ui));
        if !open {
            self.dialog.cancel();
        }
        open
    }

    /// Draws the prompt into `ui` (nothing while no sign-in is pending); answers whether the
    /// user cancelled this frame.
    pub fn ui(self, ui: &mut Ui) -> bool {
        self.contents(ui)
    }

    fn contents(&self, ui: &mut Ui) -> bool {
        let AuthDialogState::Pending {
            server_url, queued, ..
        } = self.dialog.state()
        else {
            return false;
        };
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
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(style.body("Sign in with your web browser to continue."));
        });
        ui.label(style.url(server_url));
        if queued > 0 {
            let more = if queued == 1 { "sign-in" } else { "sign-ins" };
            ui.label(style.colored(format!("{queued} more {more} waiting"), style.muted));
        }
        ui.add_space(style.item_spacing);
        let cancelled = ui.button(labels::CANCEL_SIGN_IN).clicked();
        if cancelled {
            self.dialog.cancel();
        }
        cancelled
    }
}
