//! A progress bar that renders a [`ProgressModel`] (or one [`ProgressState`]).
//!
//! A known fraction draws a filled bar with a percentage; `fraction: None` draws an
//! indeterminate bar (a segment sweeping across) that keeps repainting while shown. The
//! model's title is the bar's accessible name, so a screen reader says "Connecting, 40 %".
//!
//! ```
//! use cm_egui::ProgressBarView;
//! use cm_manager::dialogs::ProgressModel;
//!
//! let progress = ProgressModel::new();
//! progress.show("Connecting", "omniverse://studio/");
//! progress.set_fraction(Some(0.4));
//! # egui::__run_test_ui(|ui| {
//! ui.add(ProgressBarView::new(&progress));
//! # });
//! ```

use cm_manager::dialogs::{ProgressModel, ProgressState};
use egui::{Rect, Response, Role, Sense, Ui, Widget, WidgetInfo, vec2};

use crate::style::CmStyle;

/// How far the indeterminate segment travels per second, in bar widths.
const SWEEP_SPEED: f64 = 0.6;
/// The indeterminate segment's share of the bar's width.
const SWEEP_WIDTH: f32 = 0.3;

/// An egui widget for a progress model: `ui.add(ProgressBarView::new(&model))`. Draws nothing
/// (an empty response) while the model is hidden.
#[derive(Clone, Debug)]
#[must_use = "add it to a ui: `ui.add(view)`"]
pub struct ProgressBarView<'a> {
    state: ProgressState,
    style: Option<&'a CmStyle>,
    show_title: bool,
}

impl<'a> ProgressBarView<'a> {
    /// A view of `model`'s current state.
    pub fn new(model: &ProgressModel) -> Self {
        Self::from_state(model.state())
    }

    /// A view of one state (for widgets that own no model, e.g. the add-server dialog while
    /// connecting).
    pub fn from_state(state: ProgressState) -> Self {
        Self {
            state,
            style: None,
            show_title: true,
        }
    }

    /// Draws with `style` instead of the default.
    pub fn style(mut self, style: &'a CmStyle) -> Self {
        self.style = Some(style);
        self
    }

    /// Whether to draw the title and message above the bar (default true).
    pub fn show_title(mut self, show: bool) -> Self {
        self.show_title = show;
        self
    }
}

impl Widget for ProgressBarView<'_> {
    fn ui(self, ui: &mut Ui) -> Response {
        let default_style;
        let style = match self.style {
            Some(style) => style,
            None => {
                default_style = CmStyle::default();
                &default_style
            }
        };
        let state = self.state;
        if !state.visible {
            return ui.allocate_response(egui::Vec2::ZERO, Sense::hover());
        }
        ui.vertical(|ui| {
            if self.show_title {
                ui.label(style.body(&state.title).strong());
                if !state.message.is_empty() {
                    ui.label(style.url(&state.message));
                }
            }
            bar(ui, style, &state)
        })
        .inner
    }
}

fn bar(ui: &mut Ui, style: &CmStyle, state: &ProgressState) -> Response {
    let width = ui.available_width().clamp(96.0, style.dialog_width);
    let (rect, response) =
        ui.allocate_exact_size(vec2(width, style.progress_height), Sense::hover());
    let title = state.title.clone();
    let fraction = state.fraction;
    response.widget_info(|| {
        let mut info = WidgetInfo::labeled(Role::ProgressIndicator, true, &title);
        info.value = fraction.map(|f| (f64::from(f) * 100.0).round());
        info
    });
    if !ui.is_rect_visible(rect) {
        return response;
    }
    let radius = style.corner_radius;
    let painter = ui.painter();
    painter.rect_filled(rect, radius, ui.visuals().extreme_bg_color);
    match fraction {
        Some(fraction) => {
            let filled =
                Rect::from_min_size(rect.min, vec2(rect.width() * fraction, rect.height()));
            painter.rect_filled(filled, radius, style.info);
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                format!("{:.0} %", fraction * 100.0),
                style.url_font.clone(),
                ui.visuals().strong_text_color(),
            );
        }
        None => {
            ui.request_repaint();
            let time = ui.input(|i| i.time);
            // The segment enters from the left edge and leaves at the right one.
            let phase = (time * SWEEP_SPEED).fract() as f32;
            let travel = 1.0 + SWEEP_WIDTH;
            let start = phase * travel - SWEEP_WIDTH;
            let left = rect.left() + rect.width() * start.max(0.0);
            let right = rect.left() + rect.width() * (start + SWEEP_WIDTH).min(1.0);
            let segment = Rect::from_x_y_ranges(left..=right, rect.y_range());
            painter.rect_filled(segment, radius, style.busy);
        }
    }
    response
}
