//! The browser sign-in endpoints, driven by reqwest as the user agent (no redirects followed, so
//! every redirect is seen): every refusal answers its RFC 6749 / RFC 8628 error code.

use std::collections::HashMap;

use cm_testkit::{CLIENT_ID, SignInFault, TestServer, TestServerConfig, s256};
use reqwest::StatusCode;
use reqwest::header::LOCATION;

const VERIFIER: &str = "a-verifier-that-is-long-enough-for-rfc7636-section-4.1";
const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn server() -> TestServer {
    TestServer::start(
        TestServerConfig::default()
            .with_user("alice", "secret")
            .with_required_token(true)
            .with_browser_sign_in(true),
    )
    .unwrap()
}

fn agent() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn authorize_query() -> Vec<(&'static str, String)> {
    vec![
        ("response_type", "code".to_owned()),
        ("client_id", CLIENT_ID.to_owned()),
        ("redirect_uri", REDIRECT.to_owned()),
        ("state", "st4te".to_owned()),
        ("code_challenge", s256(VERIFIER)),
        ("code_challenge_method", "S256".to_owned()),
    ]
}

/// The query of a redirect's `Location`.
fn redirect_params(response: &reqwest::Response) -> HashMap<String, String> {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[LOCATION].to_str().unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// Submits the sign-in form as a browser would.
async fn submit(
    server: &TestServer,
    user: &str,
    password: &str,
    action: &str,
) -> reqwest::Response {
    let mut form = authorize_query();
    form.push(("username", user.to_owned()));
    form.push(("password", password.to_owned()));
    form.push(("action", action.to_owned()));
    agent()
        .post(format!("{}/auth/authorize", server.url()))
        .form(&form)
        .send()
        .await
        .unwrap()
}

async fn exchange(
    server: &TestServer,
    code: &str,
    redirect: &str,
    verifier: &str,
) -> (StatusCode, serde_json::Value) {
    let response = agent()
        .post(format!("{}/auth/token", server.url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("client_id", CLIENT_ID),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn stat_with(server: &TestServer, token: &str) -> StatusCode {
    agent()
        .get(format!("{}/stat?path=/", server.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn info_advertises_the_endpoints() {
    let server = server();
    let info: serde_json::Value = agent()
        .get(format!("{}/info", server.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        info["sign_in"]["authorization_endpoint"],
        format!("{}/auth/authorize", server.url())
    );
    assert_eq!(info["sign_in"]["client_id"], CLIENT_ID);
    server.controls().set_browser_sign_in(false);
    let info: serde_json::Value = agent()
        .get(format!("{}/info", server.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(info.get("sign_in").is_none());
}

#[tokio::test]
async fn the_page_is_a_form_without_javascript_that_escapes_what_it_reflects() {
    let server = server();
    let mut query = authorize_query();
    query[3].1 = "\"><script>alert(1)</script>".to_owned();
    let response = agent()
        .get(format!("{}/auth/authorize", server.url()))
        .query(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.unwrap();
    assert!(html.contains("<form method=\"post\""), "{html}");
    assert!(
        html.contains("name=\"password\" type=\"password\""),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("&quot;&gt;&lt;script&gt;"), "{html}");
}

#[tokio::test]
async fn a_wrong_password_shows_an_error_and_no_redirect() {
    let server = server();
    let response = submit(&server, "alice", "wrong", "allow").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get(LOCATION).is_none());
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Wrong user name or password.")
    );
}

#[tokio::test]
async fn a_code_is_exchanged_once_with_its_verifier_and_a_replay_revokes_the_token() {
    let server = server();
    let params = redirect_params(&submit(&server, "alice", "secret", "allow").await);
    assert_eq!(params["state"], "st4te");
    let code = &params["code"];
    let (status, body) = exchange(&server, code, REDIRECT, VERIFIER).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    let token = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(stat_with(&server, &token).await, StatusCode::OK);

    let (status, body) = exchange(&server, code, REDIRECT, VERIFIER).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert_eq!(stat_with(&server, &token).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_wrong_verifier_or_redirect_uri_is_invalid_grant() {
    let server = server();
    for (redirect, verifier) in [
        (
            REDIRECT,
            "another-verifier-that-is-long-enough-for-rfc7636-4.1",
        ),
        ("http://127.0.0.1:10/callback", VERIFIER),
    ] {
        let params = redirect_params(&submit(&server, "alice", "secret", "allow").await);
        let (status, body) = exchange(&server, &params["code"], redirect, verifier).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "invalid_grant", "{body}");
    }
}

#[tokio::test]
async fn unknown_grant_and_missing_parameters_are_named() {
    let server = server();
    let response = agent()
        .post(format!("{}/auth/token", server.url()))
        .form(&[("grant_type", "password"), ("client_id", CLIENT_ID)])
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
    let (status, body) = exchange(&server, "", REDIRECT, VERIFIER).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let response = agent()
        .post(format!("{}/auth/token", server.url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", "intruder"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
}

#[tokio::test]
async fn a_non_loopback_redirect_is_refused_on_the_page_and_never_followed() {
    let server = server();
    for redirect in [
        "http://evil.example:80/callback",
        "http://localhost:9/callback",
    ] {
        let mut query = authorize_query();
        query[2].1 = redirect.to_owned();
        let response = agent()
            .get(format!("{}/auth/authorize", server.url()))
            .query(&query)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(response.headers().get(LOCATION).is_none());
    }
}

#[tokio::test]
async fn pkce_is_required_and_plain_is_refused() {
    let server = server();
    for (index, value) in [(4, ""), (5, "plain")] {
        let mut query = authorize_query();
        query[index].1 = value.to_owned();
        let response = agent()
            .get(format!("{}/auth/authorize", server.url()))
            .query(&query)
            .send()
            .await
            .unwrap();
        assert_eq!(redirect_params(&response)["error"], "invalid_request");
    }
}

#[tokio::test]
async fn the_switches_deny_send_a_wrong_state_and_expire_codes() {
    let server = server();
    let controls = server.controls();

    let params = redirect_params(&submit(&server, "alice", "secret", "deny").await);
    assert_eq!(params["error"], "access_denied");
    assert!(!params.contains_key("code"));

    controls.set_sign_in_fault(Some(SignInFault::Deny));
    let params = redirect_params(&submit(&server, "alice", "secret", "allow").await);
    assert_eq!(params["error"], "access_denied");

    controls.set_sign_in_fault(Some(SignInFault::WrongState));
    let params = redirect_params(&submit(&server, "alice", "secret", "allow").await);
    assert_ne!(params["state"], "st4te");

    controls.set_sign_in_fault(Some(SignInFault::Expire));
    let params = redirect_params(&submit(&server, "alice", "secret", "allow").await);
    let (status, body) = exchange(&server, &params["code"], REDIRECT, VERIFIER).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn the_device_flow_is_pending_until_the_user_signs_in() {
    let server = server();
    let start: serde_json::Value = agent()
        .post(format!("{}/auth/device", server.url()))
        .form(&[("client_id", CLIENT_ID)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let device_code = start["device_code"].as_str().unwrap();
    let user_code = start["user_code"].as_str().unwrap();
    let poll = || async {
        let response = agent()
            .post(format!("{}/auth/token", server.url()))
            .form(&[
                ("grant_type", cm_testkit::DEVICE_GRANT_TYPE),
                ("device_code", device_code),
                ("client_id", CLIENT_ID),
            ])
            .send()
            .await
            .unwrap();
        response.json::<serde_json::Value>().await.unwrap()
    };
    assert_eq!(poll().await["error"], "authorization_pending");
    let verify = start["verification_uri"].as_str().unwrap();
    let page = agent()
        .post(verify)
        .form(&[
            ("user_code", user_code),
            ("username", "alice"),
            ("password", "secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let token = poll().await;
    assert_eq!(token["username"], "alice", "{token}");
    assert_eq!(poll().await["error"], "invalid_grant");
}
