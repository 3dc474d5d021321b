//! Image snapshots of every widget state, rendered with wgpu (a software Vulkan driver such as
//! lavapipe is enough). Only with `--features screenshots`; run by `cargo xtask screenshots`.
//!
//! The images live in `docs/images/` and are compared on every run; regenerate them with
//! `UPDATE_SNAPSHOTS=force`. States are built without sockets or random ports so that the
//! pictures are stable.
#![cfg(feature = "screenshots")]

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use cm_egui::{
    AddServerDialogView, AlertPane, AuthDialogView, ConnectionsPanel, ProgressBarView, labels,
};
use cm_manager::dialogs::{
    AddServerBackend, AddServerDialog, AddServerState, AlertModel, AuthDialog, ProgressModel,
    ServerKind,
};
use cm_manager::{ManagerConfig, ManagerHandle, SignInHandle, SignInPrompt};
use cm_registry::RegistryConfig;
use common::step_until;
use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, SnapshotOptions, SnapshotResults};
use futures::future::BoxFuture;

fn options() -> SnapshotOptions {
    let images = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/images");
    SnapshotOptions::new()
        .output_path(images)
        .threshold(1.0)
        .max_failed_pixels(50)
}

/// Answers every add-server request the same way; `None` never answers (connecting).
struct Canned(Option<Result<u64, String>>);

impl AddServerBackend for Canned {
    fn add_server(
        &self,
        _kind: ServerKind,
        _name: String,
        _url: String,
    ) -> BoxFuture<'static, Result<u64, String>> {
        match self.0.clone() {
            Some(answer) => Box::pin(async move { answer }),
            None => Box::pin(futures::future::pending()),
        }
    }
}

fn dialog_in(
    answer: Option<Result<u64, String>>,
    name: &str,
    url: &str,
    submit: bool,
) -> AddServerDialog {
    let dialog = AddServerDialog::new(
        ServerKind::Nucleus,
        Arc::new(Canned(answer)),
        None,
        None,
        None,
    );
    dialog.set_name(name);
    dialog.set_url(url);
    if submit {
        let submitting = dialog.clone();
        // The connecting state never ends: leave its future on a thread of its own.
        std::thread::spawn(move || futures::executor::block_on(submitting.submit()));
        let start = std::time::Instant::now();
        while matches!(
            dialog.state(),
            AddServerState::Input { .. } | AddServerState::Validating { .. }
        ) {
            assert!(start.elapsed() < common::DEADLINE);
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    dialog
}

fn dialog_harness(dialog: AddServerDialog) -> Harness<'static, AddServerDialog> {
    let mut harness = Harness::builder()
        .with_size(egui::vec2(520.0, 300.0))
        .wgpu()
        .build_ui_state(
            |ui, dialog: &mut AddServerDialog| {
                AddServerDialogView::new(dialog).show(ui.ctx());
            },
            dialog,
        );
    harness.run_steps(4);
    harness
}

#[test]
fn add_server_dialog_states() {
    let url = "omniverse://studio.example.com/";
    let cases = [
        ("add_server_input", dialog_in(None, "", "", false)),
        (
            "add_server_connecting",
            dialog_in(None, "Studio", url, true),
        ),
        (
            "add_server_success",
            dialog_in(Some(Ok(7)), "Studio", url, true),
        ),
        (
            "add_server_error",
            dialog_in(
                Some(Err(format!(
                    "{url} unreachable after 4 attempts: connection refused"
                ))),
                "Studio",
                url,
                true,
            ),
        ),
    ];
    let mut results = SnapshotResults::new();
    for (name, dialog) in cases {
        let mut harness = dialog_harness(dialog);
        harness.snapshot_options(name, &options());
        results.extend_harness(&mut harness);
    }

    // Validation refuses before the backend is asked.
    let dialog = dialog_in(None, "", "https://not-nucleus.example.com/", false);
    futures::executor::block_on(dialog.submit());
    let mut harness = dialog_harness(dialog);
    harness.snapshot_options("add_server_invalid_url", &options());
    results.extend_harness(&mut harness);
    results.unwrap();
}

/// The sign-in prompt for a sign-in with these parts.
fn auth_harness(
    sign_in_url: Option<&str>,
    user_code: Option<&str>,
) -> Harness<'static, AuthDialog> {
    let auth = AuthDialog::new(|_| true);
    auth.on_prompt(&SignInPrompt::Show {
        handle: SignInHandle(1),
        server_url: "omniverse://studio.example.com/".to_owned(),
        sign_in_url: sign_in_url.map(str::to_owned),
        user_code: user_code.map(str::to_owned),
    });
    let mut harness = Harness::builder()
        .with_size(egui::vec2(480.0, 320.0))
        .wgpu()
        .build_ui_state(
            |ui, auth: &mut AuthDialog| {
                AuthDialogView::new(auth).show(ui.ctx());
            },
            auth,
        );
    harness.run_steps(4);
    harness
}

#[test]
fn auth_alert_and_progress() {
    let authorize = "http://studio.example.com:3009/auth/authorize?response_type=code\
        &client_id=cm&redirect_uri=http%3A%2F%2F127.0.0.1%3A51234%2Fcallback&state=Zm9vYmFy\
        &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";
    let mut results = SnapshotResults::new();
    for (name, sign_in_url, user_code) in [
        ("auth_dialog_pending", Some(authorize), None),
        (
            "auth_dialog_device_code",
            Some("http://studio.example.com:3009/auth/device"),
            Some("WDJB-MJHT"),
        ),
        ("auth_dialog_no_sign_in_page", None, None),
    ] {
        let mut harness = auth_harness(sign_in_url, user_code);
        harness.snapshot_options(name, &options());
        results.extend_harness(&mut harness);
    }

    let models = [AlertModel::new(), AlertModel::new(), AlertModel::new()];
    models[0].info("Added server Studio");
    models[1].warning("An add-server dialog is already open; finish or cancel it first.");
    models[2].error("Could not add bookmark Broken (not a url): invalid URL");
    let mut harness = Harness::builder()
        .with_size(egui::vec2(560.0, 170.0))
        .wgpu()
        .build_ui_state(
            |ui, models: &mut [AlertModel; 3]| {
                for model in models.iter() {
                    AlertPane::new(model).show(ui);
                }
            },
            models,
        );
    harness.run_steps(2);
    harness.snapshot_options("alert_pane", &options());
    results.extend_harness(&mut harness);

    let (known, spinning) = (ProgressModel::new(), ProgressModel::new());
    known.show(
        "Downloading",
        "omniverse://studio.example.com/Projects/car.usd",
    );
    known.set_fraction(Some(0.4));
    spinning.show("Connecting", "omniverse://studio.example.com/");
    let mut harness = Harness::builder()
        .with_size(egui::vec2(420.0, 150.0))
        .wgpu()
        .build_ui_state(
            |ui, models: &mut (ProgressModel, ProgressModel)| {
                ui.add(ProgressBarView::new(&models.0));
                ui.add_space(8.0);
                ui.add(ProgressBarView::new(&models.1));
            },
            (known, spinning),
        );
    harness.run_steps(2);
    harness.snapshot_options("progress_bar", &options());
    results.extend_harness(&mut harness);
    results.unwrap();
}

const PANEL_TOML: &str = r#"[bookmarks]
Projects = "omniverse://studio.example.com/Projects/"
Renders = "https://bucket.s3.amazonaws.com/renders/"

[servers]
"omniverse://studio.example.com" = "Studio"
"https://bucket.s3.amazonaws.com" = "Bucket"

[[discovery_servers]]
name = "Lab"
url = "https://discovery.lab.example.com/"
cached_addresses = ["omniverse://lab-storage.example.com/", "https://lab-bucket.s3.amazonaws.com/"]
"#;

#[test]
fn connections_panel() {
    // A fixed path: the panel's footer shows it.
    let dir = std::env::temp_dir().join("cm-egui-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("omniverse.toml");
    std::fs::write(&path, PANEL_TOML).unwrap();
    let registry = RegistryConfig::new(&path).discovery(false).watch(false);
    let dispatcher = cm_events::Dispatcher::new();
    let manager =
        ManagerHandle::start(ManagerConfig::new(registry).dispatcher(dispatcher.clone())).unwrap();
    let panel = ConnectionsPanel::new(manager.clone()).live_updates(false);
    let mut harness = Harness::builder()
        .with_size(egui::vec2(760.0, 420.0))
        .wgpu()
        .build_ui_state(
            |ui, panel: &mut ConnectionsPanel| {
                egui::CentralPanel::default().show(ui, |ui| panel.ui(ui));
            },
            panel,
        );
    step_until(&mut harness, "the file loaded", |h| {
        common::has_label(h, &labels::rename_bookmark("Renders"))
    });
    harness.snapshot_options("connections_panel", &options());

    harness
        .get_by_label(&labels::rename_bookmark("Projects"))
        .click();
    harness.run_steps(3);
    harness.snapshot_options("connections_panel_renaming", &options());
    drop(harness);
    manager.shutdown();
}
