//! Every colour, spacing and font the widgets use, in one place.
//!
//! Widgets never hard-code a look: they take a [`CmStyle`] (the default matches egui's dark
//! theme and stays readable on the light one) so that an application can restyle all of them
//! at once, e.g. to match its brand colours:
//!
//! ```
//! use cm_egui::CmStyle;
//! use egui::Color32;
//!
//! let style = CmStyle {
//!     error: Color32::from_rgb(255, 80, 80),
//!     dialog_width: 420.0,
//!     ..CmStyle::default()
//! };
//! assert_eq!(style.alert_color(cm_manager::dialogs::AlertLevel::Error), style.error);
//! ```

use cm_manager::ConnectionStatus;
use cm_manager::dialogs::AlertLevel;
use cm_registry::DiscoveryStatus;
use egui::{Color32, CornerRadius, FontId, Frame, Margin, RichText, Stroke, Style};

/// Colours, spacings and fonts of the connection manager widgets.
#[derive(Clone, Debug, PartialEq)]
pub struct CmStyle {
    /// Informational text and accents (alerts of level info, links).
    pub info: Color32,
    /// Warnings (alerts of level warning, servers signed out).
    pub warning: Color32,
    /// Errors (alerts of level error, failed connections, invalid input).
    pub error: Color32,
    /// Success (connected servers, a server added).
    pub success: Color32,
    /// Work in progress (connecting, discovering).
    pub busy: Color32,
    /// Secondary text: URLs, addresses, hints.
    pub muted: Color32,
    /// Alpha (0..=255) of the tinted background behind an alert.
    pub alert_fill_alpha: u8,

    /// Width of a dialog's content.
    pub dialog_width: f32,
    /// Width of a text field in a dialog or the panel.
    pub field_width: f32,
    /// Space between sections of the panel and parts of a dialog.
    pub section_spacing: f32,
    /// Space between items inside a section.
    pub item_spacing: f32,
    /// Inner margin of an alert pane or progress box.
    pub box_margin: i8,
    /// Corner radius of an alert pane or progress box.
    pub corner_radius: u8,
    /// Height of a progress bar.
    pub progress_height: f32,
    /// Diameter of a connection status dot.
    pub status_dot: f32,

    /// Font of section and dialog titles.
    pub title_font: FontId,
    /// Font of ordinary text.
    pub body_font: FontId,
    /// Font of URLs and addresses.
    pub url_font: FontId,
}

impl Default for CmStyle {
    fn default() -> Self {
        Self {
            info: Color32::from_rgb(90, 170, 255),
            warning: Color32::from_rgb(240, 180, 40),
            error: Color32::from_rgb(235, 87, 87),
            success: Color32::from_rgb(80, 200, 120),
            busy: Color32::from_rgb(150, 150, 255),
            muted: Color32::from_gray(140),
            alert_fill_alpha: 28,
            dialog_width: 380.0,
            field_width: 260.0,
            section_spacing: 12.0,
            item_spacing: 6.0,
            box_margin: 8,
            corner_radius: 4,
            progress_height: 14.0,
            status_dot: 9.0,
            title_font: FontId::proportional(17.0),
            body_font: FontId::proportional(14.0),
            url_font: FontId::monospace(12.5),
        }
    }
}

impl CmStyle {
    /// The colour of an alert of `level`.
    pub fn alert_color(&self, level: AlertLevel) -> Color32 {
        match level {
            AlertLevel::Info => self.info,
            AlertLevel::Warning => self.warning,
            AlertLevel::Error => self.error,
        }
    }

    /// The icon shown in front of an alert of `level`.
    pub fn alert_icon(level: AlertLevel) -> &'static str {
        match level {
            AlertLevel::Info => "ℹ",
            AlertLevel::Warning => "⚠",
            AlertLevel::Error => "⛔",
        }
    }

    /// The colour of a Nucleus connection status.
    pub fn connection_color(&self, status: ConnectionStatus) -> Color32 {
        match status {
            ConnectionStatus::Connected => self.success,
            ConnectionStatus::Connecting => self.busy,
            ConnectionStatus::Disconnected => self.muted,
            ConnectionStatus::SignedOut | ConnectionStatus::AuthCancelled => self.warning,
            _ => self.error,
        }
    }

    /// The colour of a discovery status.
    pub fn discovery_color(&self, status: &DiscoveryStatus) -> Color32 {
        match status {
            DiscoveryStatus::Ready => self.success,
            DiscoveryStatus::Pending => self.muted,
            DiscoveryStatus::Discovering => self.busy,
            DiscoveryStatus::Error { .. } => self.error,
        }
    }

    /// A section or dialog title.
    pub fn title(&self, text: impl Into<String>) -> RichText {
        RichText::new(text).font(self.title_font.clone()).strong()
    }

    /// Ordinary text.
    pub fn body(&self, text: impl Into<String>) -> RichText {
        RichText::new(text).font(self.body_font.clone())
    }

    /// A URL or address.
    pub fn url(&self, text: impl Into<String>) -> RichText {
        RichText::new(text)
            .font(self.url_font.clone())
            .color(self.muted)
    }

    /// Text in `color`.
    pub fn colored(&self, text: impl Into<String>, color: Color32) -> RichText {
        self.body(text).color(color)
    }

    /// The tinted, outlined box around an alert or a message in `color`.
    pub fn message_frame(&self, color: Color32) -> Frame {
        Frame::new()
            .fill(color.gamma_multiply_u8(self.alert_fill_alpha))
            .stroke(Stroke::new(1.0, color))
            .corner_radius(CornerRadius::same(self.corner_radius))
            .inner_margin(Margin::same(self.box_margin))
    }

    /// Applies the spacings to an egui style (used inside the widgets; call it on your whole
    /// context with `ctx.all_styles_mut(|s| style.apply(s))` to make the rest of the
    /// application match).
    pub fn apply(&self, style: &mut Style) {
        style.spacing.item_spacing.y = self.item_spacing;
        style.spacing.text_edit_width = self.field_width;
    }
}
