//! The panel's server sections: manual servers with their connection status, discovery
//! servers with their discovery status and cached addresses.

use std::future::Future;

use cm_manager::dialogs::AlertModel;
use cm_manager::{ConnectionStatus, ManagerHandle};
use cm_registry::{RegistryHandle, RegistrySnapshot, UrlKind};
use egui::{
    Align, Button, Color32, Grid, Label, Layout, RichText, Sense, TextStyle, TextWrapMode, Ui,
    Vec2, WidgetText, vec2,
};

use super::run_action;
use crate::labels;
use crate::style::CmStyle;

/// The "Servers" section: one grid row per server, the buttons in columns of their own.
///
/// A button that does not apply to a row's status is disabled, never left out, and the status
/// cell is as wide as the widest status label: so no status change moves a button, and a
/// second click never lands on a different one (Remove does not slide under the pointer when
/// Connect stops applying).
pub(crate) fn manual_servers(
    ui: &mut Ui,
    style: &CmStyle,
    manager: &ManagerHandle,
    alert: &AlertModel,
    snapshot: &RegistrySnapshot,
) {
    ui.label(style.title("Servers"));
    let servers = snapshot.manual_servers();
    if servers.is_empty() {
        ui.label(style.colored("No servers yet.", style.muted));
        return;
    }
    let status_width = status_cell_width(
        ui,
        style,
        ConnectionStatus::ALL
            .into_iter()
            .map(labels::connection_status)
            .chain([labels::REACHABLE]),
    );
    Grid::new("cm-egui/manual-servers")
        .num_columns(6)
        .striped(true)
        .spacing([style.item_spacing * 2.0, style.item_spacing])
        .show(ui, |ui| {
            for server in servers {
                let name = &*server.name;
                ui.label(style.body(name).strong());
                ui.label(style.url(&*server.url));
                let status = (server.kind == UrlKind::Nucleus)
                    .then(|| manager.connection_status(&server.url))
                    .flatten();
                match status {
                    Some(status) => status_cell(
                        ui,
                        style,
                        status_width,
                        labels::connection_status(status),
                        style.connection_color(status),
                    ),
                    None => status_cell(ui, style, status_width, labels::REACHABLE, style.success),
                }
                match status {
                    Some(status) => {
                        let connecting = status == ConnectionStatus::Connecting;
                        if ui
                            .add_enabled(!connecting, Button::new("Connect").small())
                            .on_disabled_hover_text("Connecting…")
                            .accessible_name(labels::connect_server(name))
                            .clicked()
                        {
                            manager.reconnect(&server.url);
                        }
                        let connected = status == ConnectionStatus::Connected;
                        if ui
                            .add_enabled(connected, Button::new("Sign out").small())
                            .on_disabled_hover_text("Not signed in")
                            .accessible_name(labels::sign_out_server(name))
                            .clicked()
                        {
                            let (manager2, url) = (manager.clone(), server.url.to_string());
                            run_action(manager, alert, async move {
                                manager2.disconnect(&url).await;
                                Ok(())
                            });
                        }
                    }
                    None => {
                        // An HTTP server needs no connection: its Connect and Sign out cells
                        // stay empty.
                        ui.allocate_space(Vec2::ZERO);
                        ui.allocate_space(Vec2::ZERO);
                    }
                }
                let id = server.id;
                remove_button(ui, manager, alert, name, move |registry| async move {
                    registry.remove_manual_server(id).await
                });
                ui.end_row();
            }
        });
}

/// A server row's "Remove" button, for either kind of server: `remove` is the registry call for
/// the row's kind, run off the UI thread; a failure goes to the alert.
fn remove_button<Removing, T, E>(
    ui: &mut Ui,
    manager: &ManagerHandle,
    alert: &AlertModel,
    name: &str,
    remove: impl FnOnce(RegistryHandle) -> Removing,
) where
    Removing: Future<Output = Result<T, E>> + Send + 'static,
    E: std::fmt::Display,
{
    if ui
        .small_button("Remove")
        .accessible_name(labels::remove_server(name))
        .clicked()
    {
        let removing = remove(manager.registry().clone());
        run_action(manager, alert, async move {
            removing.await.map(drop).map_err(|e| e.to_string())
        });
    }
}

/// The "Discovery servers" section: a row per server (name, URL, status, Refresh, Remove in
/// columns as wide as their widest entry, the status as wide as its widest label), then the
/// failure reason, if any, and the cached addresses below it, so that neither a status change
/// nor a long reason moves the buttons.
pub(crate) fn discovery_servers(
    ui: &mut Ui,
    style: &CmStyle,
    manager: &ManagerHandle,
    alert: &AlertModel,
    snapshot: &RegistrySnapshot,
) {
    ui.label(style.title("Discovery servers"));
    let servers = snapshot.discovery_servers();
    if servers.is_empty() {
        ui.label(style.colored("No discovery servers yet.", style.muted));
        return;
    }
    let name_width = widest(
        ui,
        servers
            .iter()
            .map(|server| style.body(&*server.name).strong()),
    );
    let url_width = widest(ui, servers.iter().map(|server| style.url(&*server.url)));
    let status_width = status_cell_width(
        ui,
        style,
        labels::every_discovery_status()
            .iter()
            .map(labels::discovery_status),
    );
    for server in servers {
        let name = &*server.name;
        ui.push_id(server.id.get(), |ui| {
            ui.horizontal(|ui| {
                ui.spacing_mut().item_spacing.x = style.item_spacing * 2.0;
                fixed_width(ui, name_width, |ui| {
                    ui.label(style.body(name).strong());
                });
                fixed_width(ui, url_width, |ui| {
                    ui.label(style.url(&*server.url));
                });
                status_cell(
                    ui,
                    style,
                    status_width,
                    labels::discovery_status(&server.status),
                    style.discovery_color(&server.status),
                );
                if ui
                    .small_button("Refresh")
                    .accessible_name(labels::refresh_discovery(name))
                    .clicked()
                {
                    let (registry, id) = (manager.registry().clone(), server.id);
                    run_action(manager, alert, async move {
                        registry
                            .refresh_discovery(Some(id))
                            .await
                            .map_err(|e| e.to_string())
                    });
                }
                let id = server.id;
                remove_button(ui, manager, alert, name, move |registry| async move {
                    registry.remove_discovery_server(id).await
                });
            });
            ui.indent("addresses", |ui| {
                if let Some(reason) = server.status.error() {
                    ui.label(style.colored(reason, style.error));
                }
                if server.cached_addresses.is_empty() {
                    ui.label(style.colored("no addresses yet", style.muted));
                }
                for address in server.cached_addresses.iter() {
                    ui.label(style.url(format!("• {address}")));
                }
            });
        });
    }
}

/// The width of a status cell that holds any of `labels`: the dot, the gap, the widest label.
fn status_cell_width<'a>(ui: &Ui, style: &CmStyle, labels: impl Iterator<Item = &'a str>) -> f32 {
    style.status_dot + style.item_spacing + widest(ui, labels.map(|label| style.body(label)))
}

/// How wide the widest of `texts` is drawn on one line.
fn widest(ui: &Ui, texts: impl Iterator<Item = RichText>) -> f32 {
    texts
        .map(|text| {
            WidgetText::from(text)
                .into_galley(
                    ui,
                    Some(TextWrapMode::Extend),
                    f32::INFINITY,
                    TextStyle::Body,
                )
                .size()
                .x
        })
        .fold(0.0, f32::max)
}

/// Draws `add` into a cell at least `width` wide (wider only if its content is).
fn fixed_width(ui: &mut Ui, width: f32, add: impl FnOnce(&mut Ui)) {
    let height = ui.spacing().interact_size.y;
    ui.allocate_ui_with_layout(
        vec2(width, height),
        Layout::left_to_right(Align::Center),
        |ui| {
            ui.set_min_width(width);
            add(ui);
        },
    );
}

/// A coloured dot and the status text, in a cell `width` wide (see [`status_cell_width`]).
fn status_cell(ui: &mut Ui, style: &CmStyle, width: f32, text: &str, color: Color32) {
    fixed_width(ui, width, |ui| {
        // The gap `status_cell_width` counts, whatever spacing the surrounding layout uses.
        ui.spacing_mut().item_spacing.x = style.item_spacing;
        let (rect, _) =
            ui.allocate_exact_size(vec2(style.status_dot, style.status_dot), Sense::hover());
        ui.painter()
            .circle_filled(rect.center(), style.status_dot / 2.0, color);
        ui.add(Label::new(style.colored(text, color)).extend());
    });
}
