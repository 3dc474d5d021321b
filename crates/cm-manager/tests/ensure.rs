//! ensure_connection against a real loopback storage server (cm-testkit).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use cm_manager::dialogs::AuthDialogState;
use cm_manager::{AuthAnswer, ConnectionStatus, EnsureError, Reachable, Secret};
use cm_testkit::wait;
use cm_testkit::{Endpoint, TestServerConfig};
use common::{DEADLINE, Fixture};

#[tokio::test]
async fn http_urls_are_reachable_at_once_without_a_request() {
    let f = Fixture::new(TestServerConfig::default());
    for url in [
        "https://example.com/a.usd",
        "http://127.0.0.1:9/x",
        "s3://bucket/key",
        "https://acct.blob.core.windows.net/c/x",
        "gs://bucket/o",
    ] {
        assert_eq!(
            f.manager.ensure_connection(url).await,
            Ok(Reachable::AlwaysReachable),
            "{url}"
        );
    }
    assert_eq!(f.server.controls().total_requests(), 0);
}

#[tokio::test]
async fn invalid_urls_fail_with_the_reason() {
    let f = Fixture::new(TestServerConfig::default());
    for url in ["omniverse://", "not a url", "", "ftp://host/x"] {
        match f.manager.ensure_connection(url).await {
            Err(EnsureError::InvalidUrl(reason)) => assert!(!reason.is_empty()),
            other => panic!("{url:?}: {other:?}"),
        }
        assert!(f.manager.ensure_connection(url).await.is_err());
    }
}

#[tokio::test]
async fn nucleus_connects_once_then_answers_from_the_cache_and_emits_one_event() {
    let f = Fixture::new(TestServerConfig::default().with_path("/Projects/a.usd"));
    let (_guard, events) = f.record_successes();
    let url = f.nucleus("/Projects/a.usd");
    assert_eq!(
        f.manager.ensure_connection(&url).await,
        Ok(Reachable::Connected { attempts: 1 })
    );
    assert_eq!(
        f.manager
            .ensure_connection(&f.nucleus("/Other/missing.usd"))
            .await,
        Ok(Reachable::AlreadyConnected)
    );
    assert_eq!(f.server.controls().request_count(Endpoint::Stat), 1);
    assert_eq!(
        *events.lock().unwrap(),
        vec![format!("{url}|{}", f.server.storage_url())]
    );
    assert_eq!(
        f.manager.connection_status(&url),
        Some(ConnectionStatus::Connected)
    );
}

#[tokio::test]
async fn events_and_errors_never_carry_a_password() {
    let f = Fixture::new(TestServerConfig::default());
    let (_guard, events) = f.record_successes();
    let url = format!("omniverse://bob:hunter2@127.0.0.1:{}/x", f.server.port());
    assert!(f.manager.ensure_connection(&url).await.is_ok());
    let seen = events.lock().unwrap().join("\n");
    assert!(!seen.contains("hunter2"), "{seen}");
    assert!(seen.contains("REDACTED"), "{seen}");
}

#[tokio::test]
async fn hundred_concurrent_calls_make_one_stat() {
    let f = Fixture::new(common::slow(200));
    let (_guard, events) = f.record_successes();
    let calls = (0..100).map(|i| {
        let manager = f.manager.clone();
        let url = f.nucleus(&format!("/file{i}.usd"));
        tokio::spawn(async move { manager.ensure_connection(&url).await })
    });
    for call in futures::future::join_all(calls).await {
        assert!(call.unwrap().is_ok());
    }
    assert_eq!(f.server.controls().request_count(Endpoint::Stat), 1);
    assert_eq!(events.lock().unwrap().len(), 1);
}

fn token_server() -> TestServerConfig {
    TestServerConfig::default()
        .with_required_token(true)
        .with_token("good-token")
        .with_user("alice", "secret")
}

#[tokio::test]
async fn auth_token_from_the_callback_is_accepted() {
    let f = Fixture::new(token_server());
    f.manager
        .storage()
        .auth()
        .register_auth_callback("", |_| AuthAnswer::Token(Secret::new("good-token")));
    assert!(f.manager.ensure_connection(&f.nucleus("/")).await.is_ok());
    let stats: Vec<_> = f
        .server
        .controls()
        .requests()
        .into_iter()
        .filter(|r| r.endpoint == Endpoint::Stat)
        .map(|r| r.bearer_token)
        .collect();
    assert_eq!(stats, vec![None, Some("good-token".to_owned())]);
}

#[tokio::test]
async fn auth_user_and_password_are_exchanged_for_a_token() {
    let f = Fixture::new(token_server());
    f.manager
        .storage()
        .auth()
        .register_auth_callback("", |_| AuthAnswer::UserPassword {
            username: "alice".into(),
            password: Secret::new("secret"),
        });
    assert!(f.manager.ensure_connection(&f.nucleus("/")).await.is_ok());
    assert_eq!(f.server.controls().request_count(Endpoint::Token), 1);
}

#[tokio::test]
async fn auth_abort_fails_without_retrying() {
    let f = Fixture::new(token_server());
    f.manager
        .storage()
        .auth()
        .register_auth_callback("", |_| AuthAnswer::Abort);
    let url = f.nucleus("/");
    assert!(matches!(
        f.manager.ensure_connection(&url).await,
        Err(EnsureError::AuthAborted { .. })
    ));
    assert_eq!(
        f.manager.connection_status(&url),
        Some(ConnectionStatus::AuthAbort)
    );
    assert_eq!(f.server.controls().request_count(Endpoint::Stat), 1);
}

#[tokio::test]
async fn auth_wrong_token_then_right_one() {
    let f = Fixture::new(token_server());
    let asked = Arc::new(AtomicU32::new(0));
    let counter = asked.clone();
    f.manager
        .storage()
        .auth()
        .register_auth_callback("", move |request| {
            counter.fetch_add(1, Ordering::SeqCst);
            let token = if request.attempt == 1 {
                "wrong"
            } else {
                "good-token"
            };
            AuthAnswer::Token(Secret::new(token))
        });
    assert!(f.manager.ensure_connection(&f.nucleus("/")).await.is_ok());
    assert_eq!(asked.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn auth_rejected_every_time_ends_in_auth_failed() {
    let f = Fixture::new(token_server());
    f.manager
        .storage()
        .auth()
        .register_auth_callback("", |_| AuthAnswer::Token(Secret::new("wrong")));
    let url = f.nucleus("/");
    assert!(matches!(
        f.manager.ensure_connection(&url).await,
        Err(EnsureError::AuthFailed { .. })
    ));
    assert_eq!(
        f.manager.connection_status(&url),
        Some(ConnectionStatus::AuthFailed)
    );
}

#[tokio::test]
async fn interactive_sign_in_can_be_cancelled_from_the_auth_dialog() {
    let f = Fixture::with(token_server(), |c| c.interactive_sign_in(true));
    let manager = f.manager.clone();
    let url = f.nucleus("/");
    let attempt = tokio::spawn(async move { manager.ensure_connection(&url).await });
    let dialog = f.manager.auth_dialog().clone();
    wait::until_async(DEADLINE, "the pending dialog", || {
        matches!(dialog.state(), AuthDialogState::Pending { .. })
    })
    .await;
    assert!(dialog.cancel());
    assert!(matches!(
        attempt.await.unwrap(),
        Err(EnsureError::AuthCancelled { .. })
    ));
    assert_eq!(dialog.state(), AuthDialogState::Hidden);
}

#[tokio::test]
async fn interactive_sign_in_completed_with_a_token_connects() {
    let f = Fixture::with(token_server(), |c| c.interactive_sign_in(true));
    let manager = f.manager.clone();
    let url = f.nucleus("/");
    let attempt = tokio::spawn(async move { manager.ensure_connection(&url).await });
    let dialog = f.manager.auth_dialog().clone();
    wait::until_async(DEADLINE, "the pending dialog", || {
        matches!(dialog.state(), AuthDialogState::Pending { .. })
    })
    .await;
    let AuthDialogState::Pending { handle, .. } = dialog.state() else {
        unreachable!()
    };
    assert!(f.manager.storage().auth().complete_sign_in(
        cm_manager::SignInHandle(handle),
        AuthAnswer::Token(Secret::new("good-token"))
    ));
    assert!(attempt.await.unwrap().is_ok());
}

/// Headless (the default): a server that asks for a sign-in no callback answers fails at once
/// with a reason naming the setting, instead of waiting the 120 s sign-in timeout for a
/// prompt nobody sees.
#[tokio::test]
async fn without_interactive_sign_in_an_unanswered_sign_in_fails_at_once() {
    let f = Fixture::new(token_server());
    let url = f.nucleus("/");
    let answer = tokio::time::timeout(common::DEADLINE, f.manager.ensure_connection(&url))
        .await
        .expect("the attempt waited for an interactive sign-in");
    match answer {
        Err(EnsureError::AuthFailed { reason, .. }) => {
            assert!(reason.contains("interactive_sign_in"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(f.manager.auth_dialog().state(), AuthDialogState::Hidden);
    assert!(f.manager.storage().auth().pending_sign_ins().is_empty());
}

#[tokio::test]
async fn server_down_then_up_succeeds_within_the_budget() {
    let f = Fixture::new(TestServerConfig::default());
    let controls = f.server.controls();
    controls.go_down().unwrap();
    let url = f.nucleus("/");
    let mut status = f.manager.subscribe_status(&url).unwrap();
    let manager = f.manager.clone();
    let target = url.clone();
    let attempt = tokio::spawn(async move { manager.ensure_connection(&target).await });
    tokio::time::timeout(
        common::DEADLINE,
        status.wait_for(|s| *s == ConnectionStatus::ConnectError),
    )
    .await
    .unwrap()
    .unwrap();
    controls.go_up().unwrap();
    match attempt.await.unwrap() {
        Ok(Reachable::Connected { attempts }) => assert!(attempts >= 2, "{attempts}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn server_never_up_fails_within_the_budget() {
    let f = Fixture::with(TestServerConfig::default(), |c| {
        c.retry_policy(common::fast_retry(Duration::from_millis(400)))
    });
    f.server.controls().go_down().unwrap();
    let started = Instant::now();
    match f.manager.ensure_connection(&f.nucleus("/")).await {
        Err(EnsureError::Unreachable { attempts, .. }) => assert!(attempts >= 2),
        other => panic!("{other:?}"),
    }
    // The budget bounds when the last retry starts; a refused connect is quick.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn disconnect_signs_out_and_the_next_ensure_signs_in_again() {
    let f = Fixture::new(token_server());
    let asked = Arc::new(AtomicU32::new(0));
    let counter = asked.clone();
    f.manager
        .storage()
        .auth()
        .register_auth_callback("", move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
            AuthAnswer::UserPassword {
                username: "alice".into(),
                password: Secret::new("secret"),
            }
        });
    let url = f.nucleus("/scene.usd");
    assert!(f.manager.ensure_connection(&url).await.is_ok());
    assert!(f.manager.disconnect(&url).await);
    assert_eq!(
        f.manager.connection_status(&url),
        Some(ConnectionStatus::SignedOut)
    );
    assert_eq!(f.server.controls().request_count(Endpoint::SignOut), 1);
    assert!(f.manager.ensure_connection(&url).await.is_ok());
    assert_eq!(asked.load(Ordering::SeqCst), 2);
    assert_eq!(f.server.controls().request_count(Endpoint::Token), 2);
}

#[tokio::test]
async fn disconnect_and_reconnect_ignore_other_urls() {
    let f = Fixture::new(TestServerConfig::default());
    assert!(!f.manager.disconnect("https://example.com/").await);
    assert!(!f.manager.reconnect("https://example.com/"));
    assert!(!f.manager.reconnect("not a url"));
    assert_eq!(f.server.controls().total_requests(), 0);
}

#[tokio::test]
async fn reconnect_runs_in_the_background_and_announces_the_connection() {
    let f = Fixture::new(TestServerConfig::default());
    let (_guard, events) = f.record_successes();
    let url = f.nucleus("/");
    assert!(f.manager.ensure_connection(&url).await.is_ok());
    assert!(f.manager.reconnect(&url));
    wait::until_async(DEADLINE, "two events", || events.lock().unwrap().len() == 2).await;
    assert_eq!(
        f.manager.connection_status(&url),
        Some(ConnectionStatus::Connected)
    );
}

#[tokio::test]
async fn a_dropped_connection_is_reconnected() {
    let f = Fixture::new(TestServerConfig::default());
    let url = f.nucleus("/");
    assert!(f.manager.ensure_connection(&url).await.is_ok());
    // The server drops the next stat: the client sees the connection go away.
    f.server.controls().inject(
        Endpoint::Stat,
        cm_testkit::Fault::Drop,
        cm_testkit::Times::Next(1),
    );
    let client = f.manager.storage().clone();
    assert!(client.stat(&url).await.is_err());
    assert_eq!(client.status(&url), ConnectionStatus::Disconnected);
    assert_eq!(
        f.manager.ensure_connection(&url).await,
        Ok(Reachable::Connected { attempts: 1 })
    );
}

#[tokio::test]
async fn incompatible_server_is_reported() {
    let f = Fixture::new(TestServerConfig::default());
    f.server.controls().set_protocol_version(99);
    let url = f.nucleus("/");
    assert!(matches!(
        f.manager.ensure_connection(&url).await,
        Err(EnsureError::ServerIncompatible { .. })
    ));
    assert_eq!(
        f.manager.connection_status(&url),
        Some(ConnectionStatus::ServerIncompatible)
    );
}

#[tokio::test]
async fn connecting_dialog_is_shown_while_connecting_when_asked() {
    let f = Fixture::new(common::slow(300));
    let progress = f.manager.connecting_dialog().clone();
    let manager = f.manager.clone();
    let url = f.nucleus("/");
    let attempt = tokio::spawn(async move {
        manager
            .ensure_connection_with(
                &url,
                cm_manager::EnsureOptions {
                    show_connecting_dialog: true,
                },
            )
            .await
    });
    wait::until_async(DEADLINE, "the progress bar", || progress.state().visible).await;
    assert_eq!(progress.state().title, "Connecting");
    assert!(attempt.await.unwrap().is_ok());
    assert!(!progress.state().visible);
}

#[test]
fn blocking_variant_works_without_a_runtime() {
    let f = Fixture::new(TestServerConfig::default());
    assert!(
        f.manager
            .ensure_connection_blocking(&f.nucleus("/"))
            .is_ok()
    );
    assert!(
        f.manager
            .ensure_connection_blocking("omniverse://")
            .is_err()
    );
}

#[test]
fn after_shutdown_calls_fail_cleanly() {
    let f = Fixture::new(TestServerConfig::default());
    f.manager.shutdown();
    assert_eq!(
        f.manager.ensure_connection_blocking(&f.nucleus("/")),
        Err(EnsureError::NotRunning)
    );
    // Not even the answers that need no round trip are given by a stopped manager.
    assert_eq!(
        f.manager.ensure_connection_blocking("https://example.com/"),
        Err(EnsureError::NotRunning)
    );
}
