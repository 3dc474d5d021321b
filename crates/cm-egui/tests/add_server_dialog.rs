//! The add-server dialog driven by its accessible labels, against real loopback servers.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use cm_egui::{AddServerDialogView, DialogOutcome, labels};
use cm_manager::dialogs::{AddServerDialog, AddServerState, OnFailed, OnSuccess, ServerKind};
use cm_testkit::{Endpoint, TestServer, TestServerConfig};
use common::{Fixture, click, has_label, has_text, step_until, type_into, wait_for};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// The dialog's view in a harness; the state records the last outcome.
fn dialog_harness(dialog: AddServerDialog) -> Harness<'static, (AddServerDialog, DialogOutcome)> {
    Harness::builder()
        .with_size(egui::vec2(640.0, 420.0))
        .build_ui_state(
            |ui, (dialog, outcome): &mut (AddServerDialog, DialogOutcome)| {
                if *outcome == DialogOutcome::Open {
                    *outcome = AddServerDialogView::new(dialog).show(ui.ctx());
                }
            },
            (dialog, DialogOutcome::Open),
        )
}

type Calls = Arc<Mutex<Vec<String>>>;

fn callbacks() -> (Option<OnSuccess>, Option<OnFailed>, Calls) {
    let calls = Calls::default();
    let (ok, failed) = (calls.clone(), calls.clone());
    (
        Some(Box::new(move |name: &str, url: &str, _id| {
            ok.lock().unwrap().push(format!("success {name} {url}"))
        })),
        Some(Box::new(move || {
            failed.lock().unwrap().push("failed".to_owned())
        })),
        calls,
    )
}

fn open(fixture: &Fixture, kind: ServerKind) -> (AddServerDialog, Calls) {
    let (on_success, on_failed, calls) = callbacks();
    let ctx = egui::Context::default();
    let dialog =
        cm_egui::open_add_server_dialog(&fixture.manager, kind, &ctx, on_success, on_failed)
            .expect("first dialog opens");
    (dialog, calls)
}

#[test]
fn nucleus_server_input_connecting_success() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let controls = server.controls();
    let fixture = Fixture::with_file("");
    let (dialog, calls) = open(&fixture, ServerKind::Nucleus);
    let mut harness = dialog_harness(dialog);

    assert!(has_label(&harness, "Add Nucleus Server"), "window title");
    type_into(&mut harness, labels::SERVER_NAME, "Studio");
    type_into(&mut harness, labels::SERVER_URL, &server.storage_url());
    assert_eq!(
        harness.get_by_label(labels::SERVER_URL).value().as_deref(),
        Some(server.storage_url().as_str())
    );

    // Hold the server's first answer so the connecting state stays up long enough to see.
    controls.hold(Endpoint::Info);
    click(&mut harness, labels::ADD);
    step_until(&mut harness, "the connecting state", |h| {
        has_text(h, "Connecting to omniverse://127.0.0.1")
    });
    assert!(
        harness
            .query_by_role(egui::accesskit::Role::ProgressIndicator)
            .is_some(),
        "a progress bar while connecting"
    );
    assert!(has_label(&harness, labels::CANCEL));
    assert!(!has_label(&harness, labels::ADD), "no Add while connecting");

    controls.release(Endpoint::Info);
    step_until(&mut harness, "the success state", |h| {
        has_text(h, "Added Studio")
    });
    assert_eq!(
        *calls.lock().unwrap(),
        [format!("success Studio {}", server.storage_url())]
    );
    let snapshot = fixture.manager.registry().snapshot();
    assert_eq!(&*snapshot.manual_servers()[0].name, "Studio");
    wait_for(&mut harness, "the server in omniverse.toml", || {
        fixture.file().contains("= \"Studio\"")
    });

    click(&mut harness, labels::CLOSE);
    assert_eq!(harness.state().1, DialogOutcome::Closed);
    harness.step();
    assert!(
        !has_label(&harness, labels::SERVER_URL),
        "the window is gone"
    );
}

#[test]
fn unreachable_server_shows_the_reason_and_retry_succeeds() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let controls = server.controls();
    controls.go_down().unwrap();
    let fixture = Fixture::in_memory();
    let (dialog, calls) = open(&fixture, ServerKind::Nucleus);
    let mut harness = dialog_harness(dialog);

    type_into(&mut harness, labels::SERVER_URL, &server.storage_url());
    click(&mut harness, labels::ADD);
    step_until(&mut harness, "the error state", |h| {
        has_text(h, "Could not add the server:")
    });
    assert!(has_label(&harness, labels::RETRY));
    assert!(
        fixture
            .manager
            .registry()
            .snapshot()
            .manual_servers()
            .is_empty()
    );
    assert!(calls.lock().unwrap().is_empty(), "neither callback yet");

    controls.go_up().unwrap();
    click(&mut harness, labels::RETRY);
    step_until(&mut harness, "success after retry", |h| {
        has_text(h, "Added 127.0.0.1")
    });
    assert_eq!(
        fixture.manager.registry().snapshot().manual_servers().len(),
        1
    );
}

#[test]
fn invalid_url_is_refused_with_a_reason_and_never_connects() {
    let fixture = Fixture::in_memory();
    let (dialog, _calls) = open(&fixture, ServerKind::Nucleus);
    let mut harness = dialog_harness(dialog);

    type_into(
        &mut harness,
        labels::SERVER_URL,
        "https://not-nucleus.example.com/",
    );
    click(&mut harness, labels::ADD);
    step_until(&mut harness, "the refusal", |h| {
        has_text(h, "is not an omniverse:// URL")
    });
    assert!(has_label(&harness, labels::ADD), "still editing");
    assert!(matches!(
        harness.state().0.state(),
        AddServerState::Input {
            problem: Some(_),
            ..
        }
    ));

    type_into(&mut harness, labels::SERVER_URL, "");
    click(&mut harness, labels::ADD);
    step_until(&mut harness, "the empty-URL refusal", |h| {
        has_text(h, "enter the server URL")
    });
    assert!(
        fixture
            .manager
            .registry()
            .snapshot()
            .manual_servers()
            .is_empty()
    );
}

#[test]
fn http_and_discovery_servers_are_added() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let fixture = Fixture::in_memory();

    let (dialog, _) = open(&fixture, ServerKind::Http);
    let mut harness = dialog_harness(dialog);
    assert!(has_label(&harness, "Add HTTP Server"));
    type_into(&mut harness, labels::SERVER_NAME, "Bucket");
    type_into(
        &mut harness,
        labels::SERVER_URL,
        "https://bucket.s3.amazonaws.com/",
    );
    click(&mut harness, labels::ADD);
    step_until(&mut harness, "HTTP success", |h| {
        has_text(h, "Added Bucket")
    });
    click(&mut harness, labels::CLOSE);
    drop(harness);

    let (dialog, _) = open(&fixture, ServerKind::Discovery);
    let mut harness = dialog_harness(dialog);
    assert!(has_label(&harness, "Add Discovery Server"));
    type_into(&mut harness, labels::SERVER_NAME, "Discovery");
    type_into(&mut harness, labels::SERVER_URL, &server.discovery_url());
    click(&mut harness, labels::ADD);
    step_until(&mut harness, "discovery success", |h| {
        has_text(h, "Added Discovery")
    });
    let snapshot = fixture.manager.registry().snapshot();
    assert_eq!(snapshot.discovery_servers().len(), 1);
    assert_eq!(
        &*snapshot.discovery_servers()[0].cached_addresses[0],
        server.storage_url()
    );
}

#[test]
fn cancel_closes_the_dialog_and_calls_on_failed() {
    let fixture = Fixture::in_memory();
    let (dialog, calls) = open(&fixture, ServerKind::Http);
    let mut harness = dialog_harness(dialog);
    type_into(&mut harness, labels::SERVER_NAME, "Never");
    click(&mut harness, labels::CANCEL);
    assert_eq!(harness.state().1, DialogOutcome::Closed);
    assert_eq!(harness.state().0.state(), AddServerState::Cancelled);
    assert!(!has_label(&harness, labels::SERVER_NAME));
    assert_eq!(*calls.lock().unwrap(), ["failed"]);
    assert!(
        !fixture.manager.is_add_server_dialog_open(),
        "the slot is free again"
    );
}

#[test]
fn a_second_request_shows_nothing_new_and_calls_on_failed() {
    let fixture = Fixture::in_memory();
    let (first, first_calls) = open(&fixture, ServerKind::Nucleus);

    let refused = Arc::new(AtomicUsize::new(0));
    let counter = refused.clone();
    let ctx = egui::Context::default();
    let second = cm_egui::open_add_server_dialog(
        &fixture.manager,
        ServerKind::Http,
        &ctx,
        None,
        Some(Box::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        })),
    );
    assert!(second.is_none());
    assert_eq!(refused.load(Ordering::SeqCst), 1, "on_failed ran at once");

    let mut harness = dialog_harness(first);
    harness.step();
    assert_eq!(harness.query_all_by_label(labels::SERVER_URL).count(), 1);
    assert!(has_label(&harness, "Add Nucleus Server"));
    assert!(!has_label(&harness, "Add HTTP Server"));
    assert!(
        first_calls.lock().unwrap().is_empty(),
        "the first dialog is untouched"
    );
}

#[test]
fn every_state_is_accessible() {
    let fixture = Fixture::in_memory();
    let (dialog, _) = open(&fixture, ServerKind::Http);
    let mut harness = dialog_harness(dialog);
    harness.step();
    harness.check_accessibility();
    type_into(&mut harness, labels::SERVER_URL, "ftp://nope/");
    click(&mut harness, labels::ADD);
    step_until(&mut harness, "the refusal", |h| match h.state().0.state() {
        AddServerState::Input {
            problem: Some(problem),
            ..
        } => has_text(h, &problem),
        _ => false,
    });
    harness.check_accessibility();
}
