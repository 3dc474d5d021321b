//! An alert pane that renders an [`AlertModel`]: a tinted box with an icon, the message and a
//! dismiss button, or nothing while the model is empty.
//!
//! ```
//! use cm_egui::AlertPane;
//! use cm_manager::dialogs::AlertModel;
//!
//! let alert = AlertModel::new();
//! alert.warning("omniverse.toml could not be read; showing the last good state");
//! # egui::__run_test_ui(|ui| {
//! AlertPane::new(&alert).show(ui); // the dismiss button clears the model
//! # });
//! ```

use cm_manager::dialogs::{Alert, AlertModel};
use egui::{Button, Ui};

use crate::labels;
use crate::style::CmStyle;

/// An egui widget for an alert model. Dismissing clears the model (when made from one).
#[derive(Debug)]
#[must_use = "call `show(ui)`"]
pub struct AlertPane<'a> {
    alert: Option<Alert>,
    model: Option<&'a AlertModel>,
    style: Option<&'a CmStyle>,
    dismissible: bool,
}

impl<'a> AlertPane<'a> {
    /// A pane for `model`'s current alert, with a dismiss button that clears it.
    pub fn new(model: &'a AlertModel) -> Self {
        Self {
            alert: model.state(),
            model: Some(model),
            style: None,
            dismissible: true,
        }
    }

    /// A pane for one alert (no model; no dismiss button).
    pub fn from_alert(alert: Alert) -> Self {
        Self {
            alert: Some(alert),
            model: None,
            style: None,
            dismissible: false,
        }
    }

    /// Draws with `style` instead of the default.
    pub fn style(mut self, style: &'a CmStyle) -> Self {
        self.style = Some(style);
        self
    }

    /// Whether to offer the dismiss button (default: when made from a model).
    pub fn dismissible(mut self, dismissible: bool) -> Self {
        self.dismissible = dismissible && self.model.is_some();
        self
    }

    /// Draws the pane; answers whether the user dismissed it this frame.
    pub fn show(self, ui: &mut Ui) -> bool {
        let Some(alert) = self.alert else {
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
        let color = style.alert_color(alert.level);
        let mut dismissed = false;
        style.message_frame(color).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                ui.label(style.colored(CmStyle::alert_icon(alert.level), color));
                ui.label(style.body(&alert.message));
                if self.dismissible {
                    let dismiss = ui
                        .add(Button::new("✖").frame(false))
                        .on_hover_text(labels::DISMISS_ALERT)
                        .accessible_name(labels::DISMISS_ALERT);
                    dismissed = dismiss.clicked();
                }
            });
        });
        if dismissed && let Some(model) = self.model {
            model.clear();
        }
        dismissed
    }
}
