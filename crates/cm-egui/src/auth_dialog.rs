//! The sign-in prompt: renders an [`AuthDialog`] view model ("sign in with your browser…")
//! while an interactive sign-in is pending, with a button that cancels it.
//!
//! The model is fed by the storage client's message-box callback (the manager wires it:
//! [`ManagerHandle::auth_dialog`](cm_manager::ManagerHandle::auth_dialog)); cancelling makes
//! the pending attempt end as `AuthCancelled`. While nothing is pending the view draws nothing.
//!
//! What the prompt offers depends on what the server gave:
//!
//! | the sign-in has | the prompt shows |
//! |---|---|
//! | a sign-in page (`sign_in_url`) | the page as a link, **Open again** (asks the host application to open it in the system browser through [`Context::open_url`]), **Copy link** (the clipboard, through [`Context::copy_text`]) |
//! | a device code (`user_code`) | the code, large, with **Copy code**, and the page to enter it on |
//! | neither | that there is nothing to open, and what to do instead (cancel and connect with other credentials) |
//!
//! and always **Cancel sign-in**. The link shows the page's URL cut to the dialog's width; its
//! tooltip and the copied text are the whole URL.
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
use egui::{Context, FontId, Id, OpenUrl, RichText, TextWrapMode, Ui};

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
            handle,
            server_url,
            sign_in_url,
            user_code,
            queued,
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
            ui.label(style.body("Waiting for you to sign in to"));
        });
        ui.label(style.url(server_url));
        ui.add_space(style.item_spacing);
        match (&sign_in_url, &user_code) {
            (Some(url), None) => {
                ui.label(style.body(
                    "Sign in on the page your web browser opened. If you do not see it, \
                     open it again or copy the link into a browser:",
                ));
                sign_in_link(ui, style, handle, url, "Open again");
            }
            (Some(url), Some(code)) => {
                ui.label(style.body(
                    "Open this page in a web browser, on this or any other device, and enter \
                     the code below:",
                ));
                sign_in_link(ui, style, handle, url, "Open in browser");
                user_code_line(ui, style, code);
            }
            (None, Some(code)) => {
                ui.label(style.body("Enter this code where the server asks for it:"));
                user_code_line(ui, style, code);
            }
            (None, None) => {
                ui.label(style.colored(
                    "This server gave no sign-in page to open in a browser.",
                    style.warning,
                ));
                ui.label(style.body(
                    "Cancel, then connect with a user name and password or an access token \
                     instead (the server's administrator can give you one).",
                ));
            }
        }
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

/// The sign-in page as a link (cut to the dialog's width; the tooltip has all of it), then
/// `open` (the button that opens it in the browser) and "Copy link", which says "Copied" once
/// it has copied this sign-in's link.
fn sign_in_link(ui: &mut Ui, style: &CmStyle, handle: u64, url: &str, open: &str) {
    ui.scope(|ui| {
        ui.style_mut().wrap_mode = Some(TextWrapMode::Truncate);
        ui.hyperlink_to(style.url(url).color(style.info), url)
            .accessible_name(labels::SIGN_IN_LINK);
    });
    let copied_id = Id::unique("cm-egui/auth-dialog/copied-link");
    let copied = ui.data(|data| data.get_temp::<u64>(copied_id)) == Some(handle);
    ui.horizontal(|ui| {
        if ui
            .button(open)
            .accessible_name(labels::OPEN_SIGN_IN_PAGE)
            .clicked()
        {
            ui.ctx().open_url(OpenUrl::new_tab(url));
        }
        if ui
            .button("Copy link")
            .accessible_name(labels::COPY_SIGN_IN_LINK)
            .clicked()
        {
            ui.ctx().copy_text(url.to_owned());
            ui.data_mut(|data| data.insert_temp(copied_id, handle));
        }
        if copied {
            ui.label(style.colored("Copied", style.success));
        }
    });
}

/// The device flow's user code, large and selectable, with "Copy code".
fn user_code_line(ui: &mut Ui, style: &CmStyle, code: &str) {
    ui.horizontal(|ui| {
        let size = style.title_font.size * 1.4;
        ui.label(RichText::new(code).font(FontId::monospace(size)).strong());
        if ui
            .button("Copy code")
            .accessible_name(labels::COPY_USER_CODE)
            .clicked()
        {
            ui.ctx().copy_text(code.to_owned());
        }
    });
}
