//! `cm gui` (the `gui` cargo feature): cm-egui's connections panel in a window.
//!
//! The same program as `cargo run -p cm-egui --example panel`, on the file every other `cm`
//! command uses (`--config`, `$OMNI_CONFIG_PATH`, the default). The registry watches the file,
//! so edits made by other processes (an editor, another `cm`) show within about a second, and
//! the panel shows sign-in prompts itself. Closing the window ends `cm` with exit 0.

use cm_egui::ConnectionsPanel;
use cm_manager::{ManagerConfig, ManagerHandle};
use cm_registry::RegistryConfig;

use crate::exit::CliError;
use crate::output::Output;
use crate::session::ConfigFile;

/// Runs `cm gui` until the window is closed.
pub(crate) fn run(file: &ConfigFile, out: &Output) -> Result<(), CliError> {
    file.preflight(out)?;
    let registry = RegistryConfig::with_store(file.store());
    let config = ManagerConfig::new(registry).interactive_sign_in(true);
    let manager = ManagerHandle::start(config)
        .map_err(|e| CliError::Failed(format!("cannot start the connection manager: {e}")))?;
    let mut panel = ConnectionsPanel::new(manager.clone()).observe_events(cm_events::dispatcher());
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Connections")
            .with_inner_size([760.0, 560.0]),
        ..Default::default()
    };
    out.note(&format!("showing {}", file.path().display()));
    let result = eframe::run_ui_native("Connections", options, move |ui, _frame| {
        egui::CentralPanel::default().show(ui, |ui| panel.ui(ui));
    });
    manager.shutdown();
    result.map_err(|e| CliError::Failed(format!("cannot open a window: {e}")))
}
