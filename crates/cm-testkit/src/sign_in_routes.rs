//! The browser sign-in over HTTP: the sign-in page, the loopback redirect, the token endpoint's
//! OAuth grants and the device flow (see `docs/PROTOCOL.md`, "Browser sign-in").
//!
//! The pages are plain HTML forms that work without JavaScript. Every value reflected into a
//! page is HTML-escaped, pages are `Cache-Control: no-store` and `Referrer-Policy: no-referrer`,
//! and the only secret a browser ever carries in a URL is the one-time code of the redirect.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::oauth::{
    AuthorizeRequest, CLIENT_ID, DEVICE_CODE_LIFETIME, DEVICE_GRANT_TYPE, OAuthError, Refusal,
    SignInFault, is_loopback_redirect, refuse,
};
use crate::protocol::SignInEndpoints;
use crate::state::Shared;

/// Largest form accepted.
const MAX_FORM: usize = 16 * 1024;

/// The endpoints `/info` advertises, for a server whose HTTP base is `base`.
pub(crate) fn endpoints(base: &str) -> SignInEndpoints {
    SignInEndpoints {
        authorization_endpoint: format!("{base}/auth/authorize"),
        token_endpoint: format!("{base}/auth/token"),
        device_authorization_endpoint: format!("{base}/auth/device"),
        client_id: CLIENT_ID.to_owned(),
    }
}

type Params = HashMap<String, String>;

fn query_params(request: &Request) -> Params {
    url::form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

async fn form_params(request: Request) -> Result<Params, Response> {
    match axum::body::to_bytes(request.into_body(), MAX_FORM).await {
        Ok(body) => Ok(parse_form(&body)),
        Err(err) => Err(page(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            &format!(
                "<p>The form could not be read: {}</p>",
                escape(&err.to_string())
            ),
            false,
        )),
    }
}

pub(crate) fn parse_form(body: &Bytes) -> Params {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn param<'a>(params: &'a Params, name: &str) -> &'a str {
    params.get(name).map_or("", String::as_str)
}

/// What an authorization request (the page's query, or the form's hidden fields) amounts to.
enum Checked {
    /// Valid: show the form or act on it.
    Valid(AuthorizeRequest),
    /// Unknown client or unusable redirect URI: say so on the page, never redirect there.
    NoRedirect(String),
    /// Refused, and the redirect URI is good: tell the client there.
    Redirect(AuthorizeRequest, Refusal),
}

fn check_authorize(params: &Params) -> Checked {
    let client_id = param(params, "client_id");
    let redirect_uri = param(params, "redirect_uri");
    if client_id != CLIENT_ID {
        return Checked::NoRedirect(format!("Unknown client {client_id:?}."));
    }
    if !is_loopback_redirect(redirect_uri) {
        return Checked::NoRedirect(format!(
            "The redirect URI {redirect_uri:?} is not a loopback address \
             (http://127.0.0.1:PORT/callback)."
        ));
    }
    let request = AuthorizeRequest {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        state: param(params, "state").to_owned(),
        code_challenge: param(params, "code_challenge").to_owned(),
    };
    let refusal = if param(params, "response_type") != "code" {
        Some(refuse(
            OAuthError::UnsupportedResponseType,
            "only response_type=code is supported",
        ))
    } else if request.state.is_empty() {
        Some(refuse(OAuthError::InvalidRequest, "state is required"))
    } else if param(params, "code_challenge_method") != "S256" || request.code_challenge.len() != 43
    {
        Some(refuse(
            OAuthError::InvalidRequest,
            "PKCE is required: code_challenge (43 characters) with code_challenge_method=S256",
        ))
    } else {
        None
    };
    match refusal {
        Some(refusal) => Checked::Redirect(request, refusal),
        None => Checked::Valid(request),
    }
}

/// `GET /auth/authorize` shows the sign-in form; `POST` signs in (or denies) and redirects.
pub(crate) async fn authorize(shared: &Shared, request: Request) -> Response {
    let post = request.method() == Method::POST;
    let params = if post {
        match form_params(request).await {
            Ok(params) => params,
            Err(response) => return response,
        }
    } else {
        query_params(&request)
    };
    let authorize = match check_authorize(&params) {
        Checked::Valid(authorize) => authorize,
        Checked::NoRedirect(why) => {
            return page(
                StatusCode::BAD_REQUEST,
                "Sign-in failed",
                &format!("<p>{}</p>", escape(&why)),
                false,
            );
        }
        Checked::Redirect(authorize, refusal) => {
            return redirect_error(&authorize, &refusal);
        }
    };
    if !post {
        let auto = shared.lock().oauth.auto_submit.clone();
        return sign_in_form(&authorize, None, auto.as_ref());
    }
    let fault = shared.lock().oauth.fault;
    if param(&params, "action") == "deny" || fault == Some(SignInFault::Deny) {
        return redirect_error(
            &authorize,
            &refuse(OAuthError::AccessDenied, "the user denied the sign-in"),
        );
    }
    let username = param(&params, "username");
    let password = param(&params, "password");
    let code = shared.update(|s| {
        let accepted = s
            .users
            .get(username)
            .is_some_and(|expected| expected == password);
        accepted.then(|| s.oauth.issue_code(authorize.clone(), username))
    });
    let Some(code) = code else {
        return sign_in_form(&authorize, Some("Wrong user name or password."), None);
    };
    let state = if fault == Some(SignInFault::WrongState) {
        format!("not-{}", authorize.state)
    } else {
        authorize.state.clone()
    };
    redirect(
        &authorize.redirect_uri,
        &[("code", &code), ("state", &state)],
    )
}

fn redirect_error(authorize: &AuthorizeRequest, refusal: &Refusal) -> Response {
    redirect(
        &authorize.redirect_uri,
        &[
            ("error", refusal.error.code()),
            ("error_description", &refusal.description),
            ("state", &authorize.state),
        ],
    )
}

fn redirect(redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
    let mut location = match url::Url::parse(redirect_uri) {
        Ok(url) => url,
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    location.query_pairs_mut().extend_pairs(pairs);
    let mut response = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, location.to_string())],
    )
        .into_response();
    no_store(&mut response);
    response
}

fn sign_in_form(
    authorize: &AuthorizeRequest,
    error: Option<&str>,
    auto_submit: Option<&(String, String)>,
) -> Response {
    let hidden = [
        ("response_type", "code"),
        ("client_id", authorize.client_id.as_str()),
        ("redirect_uri", authorize.redirect_uri.as_str()),
        ("state", authorize.state.as_str()),
        ("code_challenge", authorize.code_challenge.as_str()),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(name, value)| {
        format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            escape(value)
        )
    })
    .collect::<String>();
    let (user, password) = auto_submit.map_or(("", ""), |(u, p)| (u.as_str(), p.as_str()));
    let error = error.map_or(String::new(), |e| {
        format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e))
    });
    let body = format!(
        "<p>Sign in to continue to the storage server.</p>{error}\
         <form method=\"post\" action=\"/auth/authorize\" id=\"sign-in\">{hidden}\
         <label>User name <input name=\"username\" autocomplete=\"username\" value=\"{}\" required></label>\
         <label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" value=\"{}\" required></label>\
         <button type=\"submit\" name=\"action\" value=\"allow\">Sign in</button>\
         <button type=\"submit\" name=\"action\" value=\"deny\" formnovalidate>Deny</button>\
         </form>",
        escape(user),
        escape(password),
    );
    let status = if error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNAUTHORIZED
    };
    page(status, "Sign in", &body, auto_submit.is_some())
}

/// A complete page. `auto_submit` adds the one script any page has: submitting the pre-filled
/// form on load (test switch only; the page works without it).
fn page(status: StatusCode, title: &str, body: &str, auto_submit: bool) -> Response {
    let script = if auto_submit {
        "<script>document.getElementById('sign-in').submit();</script>"
    } else {
        ""
    };
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title} · cm-testkit</title>\
         <style>body{{font-family:sans-serif;max-width:28em;margin:3em auto}}\
         label{{display:block;margin:.5em 0}}.error{{color:#b00}}</style></head>\
         <body><h1>{title}</h1>{body}{script}</body></html>"
    );
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response();
    let csp = if auto_submit {
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; frame-ancestors 'none'"
    } else {
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    };
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    no_store(&mut response);
    response
}

fn no_store(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// Escapes text for an HTML element or a double-quoted attribute.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

// ---- device flow ----------------------------------------------------------------------------

#[derive(Serialize)]
struct DeviceAuthorization {
    device_code: String,
    user_code: String,
    verification_uri: String,
    expires_in: u64,
    interval: u64,
}

/// `POST /auth/device` (form: `client_id`): starts a device authorization.
pub(crate) async fn device_start(shared: &Shared, request: Request, base: &str) -> Response {
    let params = match axum::body::to_bytes(request.into_body(), MAX_FORM).await {
        Ok(body) => parse_form(&body),
        Err(_) => return oauth_error(&refuse(OAuthError::InvalidRequest, "unreadable body")),
    };
    if param(&params, "client_id") != CLIENT_ID {
        return oauth_error(&refuse(OAuthError::InvalidClient, "unknown client_id"));
    }
    let (device_code, user_code, interval) = shared.update(|s| {
        let (device, user) = s.oauth.start_device();
        (device, user, s.oauth.device_interval.as_secs().max(1))
    });
    let mut response = axum::Json(DeviceAuthorization {
        device_code,
        user_code,
        verification_uri: format!("{base}/auth/device/verify"),
        expires_in: DEVICE_CODE_LIFETIME.as_secs(),
        interval,
    })
    .into_response();
    no_store(&mut response);
    response
}

/// `GET /auth/device/verify` shows the form (user code, user, password); `POST` decides.
pub(crate) async fn device_verify(shared: &Shared, request: Request) -> Response {
    if request.method() != Method::POST {
        let typed = query_params(&request)
            .remove("user_code")
            .unwrap_or_default();
        return device_form(&typed, None);
    }
    let params = match form_params(request).await {
        Ok(params) => params,
        Err(response) => return response,
    };
    let user_code = param(&params, "user_code");
    let username = param(&params, "username");
    let deny = param(&params, "action") == "deny";
    let accepted = shared.update(|s| {
        if deny {
            return Some(s.oauth.decide_device(user_code, None));
        }
        let password_ok = s
            .users
            .get(username)
            .is_some_and(|p| p == param(&params, "password"));
        password_ok.then(|| s.oauth.decide_device(user_code, Some(username)))
    });
    match accepted {
        None => device_form(user_code, Some("Wrong user name or password.")),
        Some(false) => device_form(user_code, Some("That code is unknown or expired.")),
        Some(true) => page(
            StatusCode::OK,
            if deny { "Sign-in denied" } else { "Signed in" },
            "<p>You can close this page and return to your device.</p>",
            false,
        ),
    }
}

fn device_form(user_code: &str, error: Option<&str>) -> Response {
    let error_html = error.map_or(String::new(), |e| {
        format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e))
    });
    let body = format!(
        "<p>Enter the code your device shows, then sign in.</p>{error_html}\
         <form method=\"post\" action=\"/auth/device/verify\" id=\"sign-in\">\
         <label>Code <input name=\"user_code\" value=\"{}\" required></label>\
         <label>User name <input name=\"username\" autocomplete=\"username\" required></label>\
         <label>Password <input name=\"password\" type=\"password\" required></label>\
         <button type=\"submit\" name=\"action\" value=\"allow\">Sign in</button>\
         <button type=\"submit\" name=\"action\" value=\"deny\" formnovalidate>Deny</button>\
         </form>",
        escape(user_code)
    );
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    page(status, "Sign in a device", &body, false)
}

// ---- token endpoint -------------------------------------------------------------------------

#[derive(Serialize)]
struct AccessToken {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    username: String,
}

#[derive(Serialize)]
struct ErrorJson<'a> {
    error: &'static str,
    error_description: &'a str,
}

/// RFC 6749 §5.2: 400 with `{"error","error_description"}` (401 for `invalid_client`).
pub(crate) fn oauth_error(refusal: &Refusal) -> Response {
    let status = if refusal.error == OAuthError::InvalidClient {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut response = (
        status,
        axum::Json(ErrorJson {
            error: refusal.error.code(),
            error_description: &refusal.description,
        }),
    )
        .into_response();
    no_store(&mut response);
    response
}

/// `POST /auth/token` with a form body: the `authorization_code` and device-code grants.
pub(crate) fn token_grant(shared: &Shared, body: &Bytes) -> Response {
    let params = parse_form(body);
    let client_id = param(&params, "client_id");
    if client_id != CLIENT_ID {
        return oauth_error(&refuse(OAuthError::InvalidClient, "unknown client_id"));
    }
    let outcome = match param(&params, "grant_type") {
        "authorization_code" => {
            let code = param(&params, "code");
            let missing = ["code", "redirect_uri", "code_verifier"]
                .into_iter()
                .find(|name| param(&params, name).is_empty());
            if let Some(name) = missing {
                return oauth_error(&refuse(
                    OAuthError::InvalidRequest,
                    format!("{name} is required"),
                ));
            }
            shared.update(|s| {
                match s.oauth.redeem_code(
                    code,
                    client_id,
                    param(&params, "redirect_uri"),
                    param(&params, "code_verifier"),
                ) {
                    Ok(user) => {
                        let token = s.issue_token(&user);
                        s.oauth.bind_token(code, &token);
                        Ok((token, user))
                    }
                    Err((refusal, revoke)) => {
                        if let Some(token) = revoke {
                            s.tokens.remove(&token);
                        }
                        Err(refusal)
                    }
                }
            })
        }
        DEVICE_GRANT_TYPE => shared.update(|s| {
            s.oauth
                .poll_device(param(&params, "device_code"))
                .map(|user| (s.issue_token(&user), user))
        }),
        "" => Err(refuse(OAuthError::InvalidRequest, "grant_type is required")),
        other => Err(refuse(
            OAuthError::UnsupportedGrantType,
            format!("grant_type {other:?} is not supported"),
        )),
    };
    match outcome {
        Ok((mut access_token, username)) => {
            if shared.lock().oauth.fault == Some(SignInFault::UnusableToken) {
                access_token.push_str("\r\nX-Injected: 1");
            }
            let mut response = axum::Json(AccessToken {
                access_token,
                token_type: "Bearer",
                expires_in: 3600,
                username,
            })
            .into_response();
            no_store(&mut response);
            response
        }
        Err(refusal) => oauth_error(&refusal),
    }
}
