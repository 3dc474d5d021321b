//! The dialog view models: state sequences (insta snapshots) against a real manager.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cm_manager::dialogs::{
    AddServerDialog, AddServerState, AlertModel, AuthDialog, AuthDialogState, ProgressModel,
};
use cm_manager::{SignInHandle, SignInPrompt};
use cm_testkit::{Endpoint, TestServerConfig, Times};
use common::Fixture;

type Log = Arc<Mutex<Vec<String>>>;

/// Records every state of `dialog`, with the server's port replaced by `PORT`.
fn record(dialog: &AddServerDialog, port: u16) -> Arc<Mutex<Vec<AddServerState>>> {
    let states = Arc::new(Mutex::new(vec![dialog.state()]));
    let sink = states.clone();
    let _ = port;
    dialog.observe(move |state| sink.lock().unwrap().push(state.clone()));
    states
}

fn portless(states: &Arc<Mutex<Vec<AddServerState>>>, port: u16) -> serde_json::Value {
    let text = serde_json::to_string(&*states.lock().unwrap()).unwrap();
    serde_json::from_str(&text.replace(&port.to_string(), "PORT")).unwrap()
}

fn callbacks() -> (
    Log,
    Option<cm_manager::dialogs::OnSuccess>,
    Option<cm_manager::dialogs::OnFailed>,
) {
    let log: Log = Arc::default();
    let (a, b) = (log.clone(), log.clone());
    (
        log,
        Some(Box::new(move |name: &str, url: &str, id: u64| {
            a.lock()
                .unwrap()
                .push(format!("on_success({name}, {url}, {id})"));
        })),
        Some(Box::new(move || {
            b.lock().unwrap().push("on_failed()".into())
        })),
    )
}

#[tokio::test]
async fn nucleus_dialog_validates_connects_and_adds_the_server() {
    let f = Fixture::new(TestServerConfig::default());
    let port = f.server.port();
    let (log, ok, failed) = callbacks();
    let dialog = f
        .manager
        .show_add_nucleus_server_dialog(ok, failed)
        .unwrap();
    let states = record(&dialog, port);

    assert!(dialog.set_url("https://not-nucleus.example.com/"));
    dialog.submit().await;
    dialog.set_name("Studio");
    dialog.set_url(&format!("omniverse://127.0.0.1:{port}/Projects"));
    let end = dialog.submit().await;
    assert!(matches!(end, AddServerState::Success { .. }));

    insta::assert_yaml_snapshot!("nucleus_dialog_success", portless(&states, port));
    assert_eq!(
        log.lock()
            .unwrap()
            .join("\n")
            .replace(&port.to_string(), "PORT"),
        "on_success(Studio, omniverse://127.0.0.1:PORT/Projects, 1)"
    );
    let snapshot = f.manager.registry().snapshot();
    assert_eq!(&*snapshot.manual_servers()[0].name, "Studio");
    assert!(!f.manager.is_add_server_dialog_open());
    // Finished: actions do nothing any more.
    assert!(!dialog.set_name("x"));
    assert!(!dialog.cancel());
}

#[tokio::test]
async fn nucleus_dialog_error_then_retry() {
    let f = Fixture::with(TestServerConfig::default(), |c| {
        c.retry_policy(common::fast_retry(Duration::from_millis(100)))
    });
    let port = f.server.port();
    f.server.controls().go_down().unwrap();
    let dialog = f
        .manager
        .show_add_nucleus_server_dialog(None, None)
        .unwrap();
    let states = record(&dialog, port);
    dialog.set_url(&format!("omniverse://127.0.0.1:{port}/"));
    let end = dialog.submit().await;
    assert!(matches!(end, AddServerState::Error { .. }), "{end:?}");
    f.server.controls().go_up().unwrap();
    let end = dialog.retry().await;
    assert!(matches!(end, AddServerState::Success { .. }), "{end:?}");

    // The error message names the attempts and the OS error; keep only its start.
    let mut value = portless(&states, port);
    for state in value.as_array_mut().unwrap() {
        if let Some(message) = state.pointer_mut("/Error/message") {
            let text = message.as_str().unwrap().to_owned();
            *message = text.split(" after ").next().unwrap().into();
        }
    }
    insta::assert_yaml_snapshot!("nucleus_dialog_error_retry", value);
}

#[tokio::test]
async fn only_one_dialog_at_a_time_and_cancel_frees_the_slot() {
    let f = Fixture::new(TestServerConfig::default());
    let (first_log, ok, failed) = callbacks();
    let first = f.manager.show_add_http_server_dialog(ok, failed).unwrap();
    let states = record(&first, 0);

    let (second_log, ok, failed) = callbacks();
    let (guard, logs) = capture_logs();
    assert!(
        f.manager
            .show_add_discovery_server_dialog(ok, failed)
            .is_none()
    );
    drop(guard);
    assert_eq!(*second_log.lock().unwrap(), vec!["on_failed()"]);
    let text = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("WARN") && text.contains("an add-server dialog is already open"),
        "{text}"
    );

    first.set_name("Bucket");
    assert!(first.cancel());
    assert_eq!(*first_log.lock().unwrap(), vec!["on_failed()"]);
    insta::assert_yaml_snapshot!("dialog_cancel", portless(&states, 0));

    // The slot is free again.
    let third = f.manager.show_add_http_server_dialog(None, None).unwrap();
    third.set_url("https://mybucket.s3.amazonaws.com/");
    let end = third.submit().await;
    assert_eq!(
        end,
        AddServerState::Success {
            name: "mybucket.s3.amazonaws.com".into(),
            url: "https://mybucket.s3.amazonaws.com/".into(),
            server_id: 1
        }
    );
}

#[tokio::test]
async fn dropping_an_open_dialog_counts_as_cancel() {
    let f = Fixture::new(TestServerConfig::default());
    let (log, ok, failed) = callbacks();
    let dialog = f
        .manager
        .show_add_nucleus_server_dialog(ok, failed)
        .unwrap();
    drop(dialog);
    assert_eq!(*log.lock().unwrap(), vec!["on_failed()"]);
    assert!(!f.manager.is_add_server_dialog_open());
}

#[tokio::test]
async fn discovery_dialog_success_and_failure() {
    let f = Fixture::new(TestServerConfig::default());
    let port = f.server.port();

    let dialog = f
        .manager
        .show_add_discovery_server_dialog(None, None)
        .unwrap();
    let states = record(&dialog, port);
    dialog.set_name("Studio");
    dialog.set_url(&f.server.discovery_url());
    assert!(matches!(
        dialog.submit().await,
        AddServerState::Success { .. }
    ));
    insta::assert_yaml_snapshot!("discovery_dialog_success", portless(&states, port));
    assert_eq!(f.manager.registry().snapshot().discovery_servers().len(), 1);

    f.server
        .controls()
        .fail(Endpoint::Discovery, 404, Times::Always);
    let dialog = f
        .manager
        .show_add_discovery_server_dialog(None, None)
        .unwrap();
    dialog.set_name("Broken");
    dialog.set_url(&format!("{}/other", f.server.discovery_url()));
    match dialog.submit().await {
        AddServerState::Error { message, .. } => assert!(message.contains("404"), "{message}"),
        other => panic!("{other:?}"),
    }
    // A discovery server whose discovery fails is not kept.
    assert_eq!(f.manager.registry().snapshot().discovery_servers().len(), 1);
    dialog.cancel();
}

#[tokio::test]
async fn duplicate_name_is_an_error_the_user_can_fix() {
    let f = Fixture::new(TestServerConfig::default());
    f.manager
        .registry()
        .add_manual_server("Taken", "https://a.example.com/")
        .await
        .unwrap();
    let dialog = f.manager.show_add_http_server_dialog(None, None).unwrap();
    dialog.set_name("Taken");
    dialog.set_url("https://b.example.com/");
    assert!(matches!(
        dialog.submit().await,
        AddServerState::Error { .. }
    ));
    dialog.set_name("Free");
    assert!(matches!(
        dialog.submit().await,
        AddServerState::Success { .. }
    ));
}

#[test]
fn auth_dialog_shows_the_oldest_pending_sign_in_and_cancels_it() {
    let cancelled = Arc::new(Mutex::new(Vec::new()));
    let sink = cancelled.clone();
    let dialog = AuthDialog::new(move |h: SignInHandle| {
        sink.lock().unwrap().push(h.0);
        true
    });
    let mut states = vec![dialog.state()];
    let prompts = [
        SignInPrompt::Show {
            handle: SignInHandle(1),
            server_url: "omniverse://a/".into(),
            sign_in_url: None,
            user_code: None,
        },
        SignInPrompt::Show {
            handle: SignInHandle(2),
            server_url: "omniverse://b/".into(),
            sign_in_url: None,
            user_code: None,
        },
        SignInPrompt::Hide {
            handle: SignInHandle(1),
        },
        SignInPrompt::Hide {
            handle: SignInHandle(2),
        },
    ];
    for (i, prompt) in prompts.iter().enumerate() {
        dialog.on_prompt(prompt);
        states.push(dialog.state());
        if i == 1 {
            assert!(dialog.cancel());
        }
    }
    assert_eq!(*cancelled.lock().unwrap(), vec![1]);
    assert!(!dialog.cancel());
    assert_eq!(dialog.state(), AuthDialogState::Hidden);
    insta::assert_yaml_snapshot!("auth_dialog_sequence", states);
}

#[test]
fn alert_and_progress_models_publish_their_states() {
    let alert = AlertModel::new();
    let mut alerts = alert.subscribe();
    alert.warning("slow server");
    assert!(alerts.has_changed().unwrap());
    let seen = alerts.borrow_and_update().clone();
    alert.clear();
    let progress = ProgressModel::new();
    let mut sequence = vec![progress.state()];
    progress.show("Connecting", "omniverse://h/");
    sequence.push(progress.state());
    progress.set_fraction(Some(1.5));
    sequence.push(progress.state());
    progress.hide();
    sequence.push(progress.state());
    insta::assert_yaml_snapshot!("alert_and_progress", (seen, alert.state(), sequence));
}

#[test]
fn submit_in_background_runs_on_the_manager_without_a_runtime() {
    let f = Fixture::new(TestServerConfig::default());
    let dialog = f
        .manager
        .show_add_nucleus_server_dialog(None, None)
        .unwrap();
    dialog.set_url(&f.server.storage_url());
    let mut states = dialog.subscribe();
    assert!(dialog.submit_in_background());
    let deadline = std::time::Instant::now() + common::DEADLINE;
    while !dialog.state().is_finished() {
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(matches!(
        states.borrow_and_update().clone(),
        AddServerState::Success { .. }
    ));
}

/// Captures this thread's log lines (warnings and above) while the returned guard lives.
fn capture_logs() -> (tracing::subscriber::DefaultGuard, Arc<Mutex<Vec<u8>>>) {
    #[derive(Clone)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let sink = Sink(buffer.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .finish();
    // Thread-local default: other tests running in parallel do not write here.
    (tracing::subscriber::set_default(subscriber), buffer)
}
