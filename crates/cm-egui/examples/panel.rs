//! The connections panel as a desktop application.
//!
//! ```text
//! cargo run -p cm-egui --example panel -- [--config FILE]
//! ```
//!
//! Opens the panel on the user's `omniverse.toml` (`$OMNI_CONFIG_PATH/omniverse.toml`, else
//! `$HOME/.nvidia-omniverse/config/omniverse.toml`) or on `FILE`. Edits made by other processes
//! (an editor, `cm bookmark add ...`) appear within about a second: the registry's watcher
//! reloads the file and the panel repaints.

use std::path::PathBuf;
use std::process::ExitCode;

use cm_egui::ConnectionsPanel;
use cm_manager::{ManagerConfig, ManagerHandle};
use cm_registry::RegistryConfig;

const USAGE: &str = "usage: panel [--config FILE]\n\n\
Shows the connection manager's panel for omniverse.toml (default: \
$OMNI_CONFIG_PATH/omniverse.toml, else $HOME/.nvidia-omniverse/config/omniverse.toml).";

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(Some(config)) => config,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("panel: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let registry = match config {
        Some(path) => RegistryConfig::new(path),
        None => match RegistryConfig::at_default_location() {
            Ok(registry) => registry,
            Err(error) => {
                eprintln!("panel: cannot find omniverse.toml: {error}");
                return ExitCode::FAILURE;
            }
        },
    };
    // The panel shows the sign-in prompt, so an unanswered sign-in may wait for it.
    let config = ManagerConfig::new(registry).interactive_sign_in(true);
    let manager = match ManagerHandle::start(config) {
        Ok(manager) => manager,
        Err(error) => {
            eprintln!("panel: cannot start the connection manager: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut panel = ConnectionsPanel::new(manager.clone()).observe_events(cm_events::dispatcher());
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Connections")
            .with_inner_size([760.0, 560.0]),
        ..Default::default()
    };
    let result = eframe::run_ui_native("Connections", options, move |ui, _frame| {
        egui::CentralPanel::default().show(ui, |ui| panel.ui(ui));
    });
    manager.shutdown();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("panel: cannot open a window: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `Ok(None)` for `--help`; `Ok(Some(path))` with `--config`.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Option<PathBuf>>, String> {
    let mut config = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--config" => match args.next() {
                Some(path) => config = Some(PathBuf::from(path)),
                None => return Err("--config needs a file".to_owned()),
            },
            other => match other.strip_prefix("--config=") {
                Some(path) => config = Some(PathBuf::from(path)),
                None => return Err(format!("unexpected argument {other:?}")),
            },
        }
    }
    Ok(Some(config))
}
