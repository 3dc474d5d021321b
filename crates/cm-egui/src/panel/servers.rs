//! The panel's server sections: manual servers with their connection status, discovery
//! servers with their discovery status and cached addresses.

use std::future::Future;

use cm_manager::dialogs::AlertModel;
use cm_manager::{ConnectionStatus, ManagerHandle};
use cm_registry::{RegistryHandle, RegistrySnapshot, UrlKind};
use egui::{Color32, Grid, Sense, Ui, vec2};

use super::run_action;
use crate::labels;
use crate::style::CmStyle;

/// The "Servers" section.
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
    Grid::new("cm-egui/manual-servers")
        .num_columns(4)
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
                    Some(status) => {
                        status_line(ui, style, status.as_str(), style.connection_color(status))
                    }
                    None => status_line(ui, style, "Reachable", style.success),
                }
                ui.horizontal(|ui| {
                    if status.is_some() {
                        if status != Some(ConnectionStatus::Connecting)
                            && ui
                                .small_button("Connect")
                                .accessible_name(labels::connect_server(name))
                                .clicked()
                        {
                            manager.reconnect(&server.url);
                        }
                        if status == Some(ConnectionStatus::Connected)
                            && ui
                                .small_button("Sign out")
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
                    let id = server.id;
                    remove_button(ui, manager, alert, name, move |registry| async move {
                        registry.remove_manual_server(id).await
                    });
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

/// The "Discovery servers" section.
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
    for server in servers {
        let name = &*server.name;
        ui.push_id(server.id.get(), |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(style.body(name).strong());
                ui.label(style.url(&*server.url));
                status_line(
                    ui,
                    style,
                    &server.status.to_string(),
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

/// A coloured dot and the status text.
fn status_line(ui: &mut Ui, style: &CmStyle, text: &str, color: Color32) {
    ui.horizontal(|ui| {
        let (rect, _) =
            ui.allocate_exact_size(vec2(style.status_dot, style.status_dot), Sense::hover());
        ui.painter()
            .circle_filled(rect.center(), style.status_dot / 2.0, color);
        ui.label(style.colored(text, color));
    });
}
