//! The browser sign-in against cm-testkit's authorization server, with reqwest as the user agent
//! (the browser is not opened: `open_browser: false`; the headless-Chromium run is in cm-cli's
//! tests). Every refusal, cancel, timeout, the shared sign-in and the device flow.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cm_manager::dialogs::AuthDialogState;
use cm_manager::{
    AuthAnswer, ConnectionStatus, EnsureError, HttpStorageConfig, SignInFlow, SignInPrompt,
};
use cm_testkit::{Endpoint, SignInFault, TestServerConfig, wait};
use common::{DEADLINE, Fixture};
use reqwest::StatusCode;

fn browser_server() -> TestServerConfig {
    TestServerConfig::default()
        .with_required_token(true)
        .with_user("alice", "secret")
        .with_browser_sign_in(true)
}

fn fixture_with(flow: SignInFlow, timeout: Duration) -> Fixture {
    Fixture::with(browser_server(), |c| {
        c.interactive_sign_in(true).http_storage(HttpStorageConfig {
            sign_in_flow: flow,
            open_browser: false,
            sign_in_timeout: timeout,
            ..HttpStorageConfig::default()
        })
    })
}

fn fixture() -> Fixture {
    fixture_with(SignInFlow::AuthorizationCode, Duration::from_secs(300))
}

fn agent() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Waits for the prompt to show a sign-in and returns its URL (and user code).
async fn shown(f: &Fixture) -> (u64, String, Option<String>) {
    let dialog = f.manager.auth_dialog().clone();
    wait::until_async(DEADLINE, "the sign-in prompt", || {
        matches!(dialog.state(), AuthDialogState::Pending { .. })
    })
    .await;
    match dialog.state() {
        AuthDialogState::Pending {
            handle,
            sign_in_url: Some(url),
            user_code,
            ..
        } => (handle, url, user_code),
        other => panic!("no link in the prompt: {other:?}"),
    }
}

/// What a person does in the browser: load the page, fill the form, submit, follow the
/// redirect to the loopback listener. Returns the listener's page.
async fn sign_in_as(url: &str, user: &str, password: &str, action: &str) -> (StatusCode, String) {
    let agent = agent();
    let page = agent.get(url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("<form method=\"post\""), "{html}");
    let authorize = reqwest::Url::parse(url).unwrap();
    let mut form: Vec<(String, String)> = authorize.query_pairs().into_owned().collect();
    form.push(("username".into(), user.into()));
    form.push(("password".into(), password.into()));
    form.push(("action".into(), action.into()));
    let mut post_to = authorize.clone();
    post_to.set_query(None);
    let answer = agent.post(post_to).form(&form).send().await.unwrap();
    if answer.status() != StatusCode::SEE_OTHER {
        let status = answer.status();
        return (status, answer.text().await.unwrap());
    }
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("http://127.0.0.1:"), "{location}");
    let landing = agent.get(&location).send().await.unwrap();
    (landing.status(), landing.text().await.unwrap())
}

fn loopback_port(sign_in_url: &str) -> u16 {
    let url = reqwest::Url::parse(sign_in_url).unwrap();
    let redirect = url
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .unwrap()
        .1
        .into_owned();
    let redirect = reqwest::Url::parse(&redirect).unwrap();
    assert_eq!(redirect.host_str(), Some("127.0.0.1"));
    assert_eq!(redirect.path(), "/callback");
    redirect.port().unwrap()
}

fn listening(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

#[tokio::test]
async fn signing_in_through_the_page_connects_and_closes_the_listener() {
    let f = fixture();
    let manager = f.manager.clone();
    let url = f.nucleus("/");
    let attempt = tokio::spawn(async move { manager.ensure_connection(&url).await });
    let (_, sign_in_url, user_code) = shown(&f).await;
    assert_eq!(user_code, None);
    assert!(
        sign_in_url.contains("code_challenge_method=S256"),
        "{sign_in_url}"
    );
    let port = loopback_port(&sign_in_url);
    assert!(listening(port));

    let (status, page) = sign_in_as(&sign_in_url, "alice", "secret", "allow").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Signed in to"), "{page}");
    assert!(attempt.await.unwrap().is_ok());
    assert_eq!(
        f.manager.connection_status(&f.nucleus("/")),
        Some(ConnectionStatus::Connected)
    );
    assert_eq!(f.manager.auth_dialog().state(), AuthDialogState::Hidden);
    assert!(
        !listening(port),
        "the loopback listener outlived the sign-in"
    );
    assert_eq!(f.server.controls().request_count(Endpoint::Authorize), 2);
}

#[tokio::test]
async fn a_wrong_password_shows_the_error_and_the_right_one_then_signs_in() {
    let f = fixture();
    let manager = f.manager.clone();
    let url = f.nucleus("/");
    let attempt = tokio::spawn(async move { manager.ensure_connection(&url).await });
    let (_, sign_in_url, _) = shown(&f).await;
    let (status, page) = sign_in_as(&sign_in_url, "alice", "wrong", "allow").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("Wrong user name or password."), "{page}");
    assert!(!attempt.is_finished());
    sign_in_as(&sign_in_url, "alice", "secret", "allow").await;
    assert!(attempt.await.unwrap().is_ok());
}

/// Runs one sign-in that the server (or the user) refuses and returns the reason.
async fn refused(f: &Fixture, action: &str) -> String {
    let manager = f.manager.clone();
    let url = f.nucleus("/");
    let attempt = tokio::spawn(async move { manager.ensure_connection(&url).await });
    let (_, sign_in_url, _) = shown(f).await;
    let port = loopback_port(&sign_in_url);
    sign_in_as(&sign_in_url, "alice", "secret", action).await;
    let reason = match attempt.await.unwrap() {
        Err(EnsureError::AuthFailed { reason, .. }) => reason,
        other => panic!("{other:?}"),
    };
    assert!(!listening(port));
    assert_eq!(f.manager.auth_dialog().state(), AuthDialogState::Hidden);
    reason
}

#[tokio::test]
async fn denying_on_the_page_fails_with_access_denied() {
    let f = fixture();
    assert!(refused(&f, "deny").await.contains("access_denied"));
}

#[tokio::test]
async fn the_deny_switch_fails_with_access_denied() {
    let f = fixture();
    f.server
        .controls()
        .set_sign_in_fault(Some(SignInFault::Deny));
    assert!(refused(&f, "allow").await.contains("access_denied"));
}

#[tokio::test]
async fn a_redirect_with_another_state_is_answered_400_and_the_wait_goes_on() {
    let f = fixture();
    f.server
        .controls()
        .set_sign_in_fault(Some(SignInFault::WrongState));
    let manager = f.manager.clone();
    let url = f.nucleus("/");
    let attempt = tokio::spawn(async move { manager.ensure_connection(&url).await });
    let (_, sign_in_url, _) = shown(&f).await;
    let port = loopback_port(&sign_in_url);
    let (status, page) = sign_in_as(&sign_in_url, "alice", "secret", "allow").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("state mismatch"), "{page}");
    // Ignored: the code was never exchanged, the listener still waits for the real redirect.
    assert_eq!(f.server.controls().request_count(Endpoint::Token), 0);
    assert!(!attempt.is_finished());
    assert!(listening(port));
    f.server.controls().set_sign_in_fault(None);
    let (status, _) = sign_in_as(&sign_in_url, "alice", "secret", "allow").await;
    assert_eq!(status, StatusCode::OK);
    assert!(attempt.await.unwrap().is_ok());
    assert!(!listening(port));
}

#[tokio::test]
async fn forged_callbacks_without_our_state_are_ignored() {
    let f = fixture();
    let manager = f.manager.clone();
    let url = f.nucleus("/");
    let attempt = tokio::spawn(async move { manager.ensure_connection(&url).await });
    let (_, sign_in_url, _) = shown(&f).await;
    let port = loopback_port(&sign_in_url);
    let agent = agent();
    for forged in [
        "/callback?code=evil&state=AAAA",
        "/callback?code=evil",
        "/callback",
        "/callback?error=access_denied",
    ] {
        let answer = agent
            .get(format!("http://127.0.0.1:{port}{forged}"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{forged}");
        assert!(!attempt.is_finished(), "{forged} ended the sign-in");
    }
    let (status, _) = sign_in_as(&sign_in_url, "alice", "secret", "allow").await;
    assert_eq!(status, StatusCode::OK);
    assert!(attempt.await.unwrap().is_ok());
}

#[tokio::test]
async fn idle_connections_do_not_delay_the_real_callback() {
    let f = fixture();
    let manager = f.manager.clone();
    let url = f.nucleus("/");
    let attempt = tokio::spawn(async move { manager.ensure_connection(&url).await });
    let (_, sign_in_url, _) = shown(&f).await;
    let port = loopback_port(&sign_in_url);
    // Five connections that never send a byte (each would hold a serial listener 10 s), plus
    // one that sent half a request head.
    let mut idle = Vec::new();
    for _ in 0..5 {
        idle.push(
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap(),
        );
    }
    let mut half = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut half, b"GET /callback?code=x")
        .await
        .unwrap();
    idle.push(half);
    // A listener serving one connection at a time would reach the callback only after 5 × 10 s
    // (READ_PATIENCE per idle connection); 30 s is generous for a loaded machine yet shorter.
    let finished = tokio::time::timeout(Duration::from_secs(30), async {
        let (status, _) = sign_in_as(&sign_in_url, "alice", "secret", "allow").await;
        assert_eq!(status, StatusCode::OK);
        attempt.await.unwrap()
    })
    .await;
    assert!(
        matches!(finished, Ok(Ok(_))),
        "the idle connections held up the callback: {finished:?}"
    );
    assert!(!listening(port));
    drop(idle);
}

#[tokio::test]
async fn an_expired_code_is_refused_as_invalid_grant() {
    let f = fixture();
    f.server
        .controls()
        .set_sign_in_fault(Some(SignInFault::Expire));
    let reason = refused(&f, "allow").await;
    assert!(reason.contains("invalid_grant"), "{reason}");
}

#[tokio::test]
async fn cancel_through_the_handle_stops_the_listener_at_once() {
    let f = fixture();
    let manager = f.manager.clone();
    let url = f.nucleus("/");
    let attempt = tokio::spawn(async move { manager.ensure_connection(&url).await });
    let (_, sign_in_url, _) = shown(&f).await;
    let port = loopback_port(&sign_in_url);
    assert!(f.manager.auth_dialog().cancel());
    assert!(matches!(
        attempt.await.unwrap(),
        Err(EnsureError::AuthCancelled { .. })
    ));
    assert!(!listening(port));
    assert_eq!(
        f.manager.connection_status(&f.nucleus("/")),
        Some(ConnectionStatus::AuthCancelled)
    );
}

#[tokio::test]
async fn a_sign_in_not_completed_in_time_fails_as_timed_out() {
    let f = fixture_with(SignInFlow::AuthorizationCode, Duration::from_secs(1));
    let url = f.nucleus("/");
    match f.manager.ensure_connection(&url).await {
        Err(EnsureError::AuthFailed { reason, .. }) => {
            assert!(reason.contains("timed out"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(f.manager.auth_dialog().state(), AuthDialogState::Hidden);
}

#[tokio::test]
async fn concurrent_callers_for_one_server_share_one_sign_in() {
    let f = fixture();
    let prompts = Arc::new(Mutex::new(0));
    let counter = prompts.clone();
    f.manager
        .storage()
        .auth()
        .register_message_box_callback(move |prompt| {
            if matches!(prompt, SignInPrompt::Show { .. }) {
                *counter.lock().unwrap() += 1;
            }
        });
    let attempts: Vec<_> = (0..8)
        .map(|i| {
            let manager = f.manager.clone();
            let url = f.nucleus(&format!("/folder{i}/"));
            f.server.controls().add_path(&format!("/folder{i}/"));
            tokio::spawn(async move { manager.ensure_connection(&url).await })
        })
        .collect();
    let (_, sign_in_url, _) = shown(&f).await;
    sign_in_as(&sign_in_url, "alice", "secret", "allow").await;
    for attempt in attempts {
        assert!(attempt.await.unwrap().is_ok());
    }
    assert_eq!(
        *prompts.lock().unwrap(),
        1,
        "more than one sign-in was shown"
    );
    // One page load + one form post: one browser sign-in for all eight callers.
    assert_eq!(f.server.controls().request_count(Endpoint::Authorize), 2);
}

#[tokio::test]
async fn the_auth_callback_is_told_the_server_offers_a_browser_sign_in() {
    let f = fixture();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    f.manager
        .storage()
        .auth()
        .register_auth_callback("", move |request| {
            sink.lock().unwrap().push(request.browser_sign_in);
            AuthAnswer::Abort
        });
    let _ = f.manager.ensure_connection(&f.nucleus("/")).await;
    assert_eq!(*seen.lock().unwrap(), vec![true]);
}

#[tokio::test]
async fn the_device_flow_shows_a_code_and_signs_in_once_the_user_has() {
    let f = fixture_with(SignInFlow::Device, Duration::from_secs(300));
    f.server
        .controls()
        .set_device_poll_interval(Duration::from_secs(1));
    let manager = f.manager.clone();
    let url = f.nucleus("/");
    let attempt = tokio::spawn(async move { manager.ensure_connection(&url).await });
    let (_, verification, user_code) = shown(&f).await;
    let user_code = user_code.expect("the device flow shows a user code");
    assert!(
        verification.ends_with("/auth/device/verify"),
        "{verification}"
    );
    // Polled at least once while the user had not signed in yet.
    f.server
        .controls()
        .wait_for_requests(Endpoint::Token, 1, DEADLINE)
        .await
        .unwrap();
    assert!(!attempt.is_finished());
    let page = agent()
        .post(&verification)
        .form(&[
            ("user_code", user_code.as_str()),
            ("username", "alice"),
            ("password", "secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(attempt.await.unwrap().is_ok());
    assert_eq!(f.manager.auth_dialog().state(), AuthDialogState::Hidden);
}

#[tokio::test]
async fn a_denied_device_sign_in_fails_with_access_denied() {
    let f = fixture_with(SignInFlow::Device, Duration::from_secs(300));
    let controls = f.server.controls();
    controls.set_device_poll_interval(Duration::from_secs(1));
    controls.set_sign_in_fault(Some(SignInFault::Deny));
    match f.manager.ensure_connection(&f.nucleus("/")).await {
        Err(EnsureError::AuthFailed { reason, .. }) => {
            assert!(reason.contains("access_denied"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_expired_device_code_fails_with_expired_token() {
    let f = fixture_with(SignInFlow::Device, Duration::from_secs(300));
    let controls = f.server.controls();
    controls.set_device_poll_interval(Duration::from_secs(1));
    controls.set_sign_in_fault(Some(SignInFault::Expire));
    match f.manager.ensure_connection(&f.nucleus("/")).await {
        Err(EnsureError::AuthFailed { reason, .. }) => {
            assert!(reason.contains("expired_token"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_fresh_token_the_server_rejects_ends_the_attempt_without_another_sign_in() {
    let f = fixture();
    // The server forgets every token the moment the sign-in hands it over.
    let controls = f.server.controls();
    f.manager
        .storage()
        .auth()
        .register_sign_in_callback(move |_, _| controls.revoke_all_tokens());
    let shows = Arc::new(Mutex::new(0));
    let counter = shows.clone();
    f.manager
        .storage()
        .auth()
        .register_message_box_callback(move |prompt| {
            if matches!(prompt, SignInPrompt::Show { .. }) {
                *counter.lock().unwrap() += 1;
            }
        });
    let manager = f.manager.clone();
    let url = f.nucleus("/");
    let attempt = tokio::spawn(async move { manager.ensure_connection(&url).await });
    let (_, sign_in_url, _) = shown(&f).await;
    sign_in_as(&sign_in_url, "alice", "secret", "allow").await;
    match attempt.await.unwrap() {
        Err(EnsureError::AuthFailed { reason, .. }) => assert!(
            reason.contains("the server rejected the token it just issued"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(*shows.lock().unwrap(), 1, "the browser sign-in ran again");
    assert_eq!(f.server.controls().request_count(Endpoint::Token), 1);
}

#[tokio::test]
async fn a_token_that_cannot_be_a_header_is_refused_at_the_exchange() {
    let f = fixture();
    f.server
        .controls()
        .set_sign_in_fault(Some(SignInFault::UnusableToken));
    let manager = f.manager.clone();
    let url = f.nucleus("/");
    let attempt = tokio::spawn(async move { manager.ensure_connection(&url).await });
    let (_, sign_in_url, _) = shown(&f).await;
    sign_in_as(&sign_in_url, "alice", "secret", "allow").await;
    match attempt.await.unwrap() {
        Err(EnsureError::AuthFailed { reason, .. }) => {
            assert!(
                reason.contains("the server sent an unusable token"),
                "{reason}"
            );
            // One reason, without the server repeated or an enum name.
            assert!(!reason.contains("omniverse://"), "{reason}");
            assert!(!reason.contains("Connection"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(f.server.controls().request_count(Endpoint::Token), 1);
}

#[tokio::test]
async fn a_token_endpoint_that_never_answers_times_out_once_without_another_sign_in() {
    // The sign-in timeout bounds the exchange too; it must leave time to sign in on the page.
    let f = fixture_with(SignInFlow::AuthorizationCode, Duration::from_secs(8));
    f.server.controls().hold(Endpoint::Token);
    let shows = Arc::new(Mutex::new(0));
    let counter = shows.clone();
    f.manager
        .storage()
        .auth()
        .register_message_box_callback(move |prompt| {
            if matches!(prompt, SignInPrompt::Show { .. }) {
                *counter.lock().unwrap() += 1;
            }
        });
    let manager = f.manager.clone();
    let url = f.nucleus("/");
    let attempt = tokio::spawn(async move { manager.ensure_connection(&url).await });
    let (_, sign_in_url, _) = shown(&f).await;
    sign_in_as(&sign_in_url, "alice", "secret", "allow").await;
    match attempt.await.unwrap() {
        Err(EnsureError::AuthFailed { reason, .. }) => {
            assert!(reason.contains("timed out"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    f.server.controls().release(Endpoint::Token);
    assert_eq!(*shows.lock().unwrap(), 1, "the browser sign-in ran again");
    assert_eq!(f.server.controls().request_count(Endpoint::Token), 1);
}

#[tokio::test]
async fn a_flood_of_idle_connections_does_not_keep_the_callback_out() {
    let f = fixture();
    let manager = f.manager.clone();
    let url = f.nucleus("/");
    let attempt = tokio::spawn(async move { manager.ensure_connection(&url).await });
    let (_, sign_in_url, _) = shown(&f).await;
    let port = loopback_port(&sign_in_url);
    // More idle connections than the listener serves at once (64): the newest evicts the oldest.
    let mut idle = Vec::new();
    for _ in 0..80 {
        idle.push(
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap(),
        );
    }
    let finished = tokio::time::timeout(Duration::from_secs(30), async {
        let (status, _) = sign_in_as(&sign_in_url, "alice", "secret", "allow").await;
        assert_eq!(status, StatusCode::OK);
        attempt.await.unwrap()
    })
    .await;
    assert!(
        matches!(finished, Ok(Ok(_))),
        "the idle connections kept the callback out: {finished:?}"
    );
    drop(idle);
}
