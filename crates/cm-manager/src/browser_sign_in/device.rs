//! The device flow (RFC 8628): show a URL and a user code, poll the token endpoint.

use std::time::Duration;

use serde::Deserialize;

use super::{FlowOutcome, FlowSettings, SignInEndpoints, from_handle, request_token};
use crate::auth::{AuthAnswer, AuthCallbacks};

/// The device grant's type (RFC 8628 §3.4).
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

#[derive(Deserialize)]
struct DeviceAuthorization {
    device_code: String,
    user_code: String,
    verification_uri: String,
    expires_in: Option<u64>,
    interval: Option<u64>,
}

pub(super) async fn run(
    http: &reqwest::Client,
    auth: &AuthCallbacks,
    server_url: &str,
    endpoints: &SignInEndpoints,
    settings: &FlowSettings,
) -> FlowOutcome {
    let started = match start(http, endpoints).await {
        Ok(started) => started,
        Err(outcome) => return outcome,
    };
    let verification = match reqwest::Url::parse(&started.verification_uri) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => url.to_string(),
        _ => {
            return FlowOutcome::Failed(
                "the server's verification URI is not an http(s) URL".to_owned(),
            );
        }
    };
    let lifetime = Duration::from_secs(started.expires_in.unwrap_or(600));
    let deadline = tokio::time::Instant::now() + settings.timeout.min(lifetime);
    // RFC 8628 §3.5: the code's own life ends the wait as "expired", not as our timeout.
    let expires_first = lifetime < settings.timeout;
    let mut interval = Duration::from_secs(started.interval.unwrap_or(5).clamp(1, 60));
    let (handle, mut from_user) = auth.begin_sign_in(
        server_url,
        Some(verification),
        Some(started.user_code.clone()),
    );
    let shown = super::ShownPrompt { auth, handle };
    let outcome = loop {
        tokio::select! {
            outcome = &mut from_user => break from_handle(outcome),
            () = tokio::time::sleep_until(deadline) => {
                break if expires_first {
                    FlowOutcome::Refused(
                        "the device code expired before the sign-in was completed \
                         (expired_token)"
                            .to_owned(),
                    )
                } else {
                    FlowOutcome::TimedOut
                };
            }
            () = tokio::time::sleep(interval) => {}
        }
        let form = [
            ("grant_type", GRANT_TYPE),
            ("device_code", started.device_code.as_str()),
            ("client_id", endpoints.client_id.as_str()),
        ];
        match request_token(http, auth, server_url, endpoints, &form).await {
            Ok(token) => break FlowOutcome::Signed(AuthAnswer::Token(token)),
            Err((error, _)) if error == "authorization_pending" => {}
            // RFC 8628 §3.5: slow down by 5 s for this and every later poll.
            Err((error, _)) if error == "slow_down" => interval += Duration::from_secs(5),
            Err((_, outcome)) => break outcome,
        }
    };
    drop(shown);
    outcome
}

async fn start(
    http: &reqwest::Client,
    endpoints: &SignInEndpoints,
) -> Result<DeviceAuthorization, FlowOutcome> {
    let response = http
        .post(endpoints.device.clone())
        .form(&[("client_id", endpoints.client_id.as_str())])
        .send()
        .await
        .map_err(|e| {
            FlowOutcome::Failed(format!(
                "the device endpoint is unreachable: {}",
                super::without_url(&e)
            ))
        })?;
    let status = response.status();
    if !status.is_success() {
        return Err(FlowOutcome::Refused(format!(
            "the server refused a device sign-in ({status})"
        )));
    }
    let body = response.bytes().await.map_err(|e| {
        FlowOutcome::Failed(format!(
            "reading the device answer: {}",
            super::without_url(&e)
        ))
    })?;
    if body.len() > 64 * 1024 {
        return Err(FlowOutcome::Failed(
            "the device answer is too large".to_owned(),
        ));
    }
    serde_json::from_slice(&body)
        .map_err(|_| FlowOutcome::Failed("unreadable device answer".to_owned()))
}
