//! The authorization server's rules: OAuth 2.0 authorization codes with PKCE (RFC 6749, RFC 7636,
//! RFC 8252 loopback redirects) and the device authorization grant (RFC 8628).
//!
//! Pure state and checks, no HTTP: `sign_in_routes` calls these and turns the outcome into pages,
//! redirects and JSON. Every refusal is one of RFC 6749's error codes ([`OAuthError`]), so a client
//! can be tested against each of them.
//!
//! The rules the checks enforce (each is a row of the security checklist in
//! `docs/RELIABILITY.md`):
//!
//! * a redirect URI is a loopback IP literal, `http://127.0.0.1:<port>/callback` (any port, as
//!   RFC 8252 §7.3 asks), and the token request must repeat it exactly;
//! * PKCE is required, `S256` only: the token request's verifier must hash to the challenge;
//! * a code lives [`CODE_LIFETIME`] and is single-use: a second exchange is `invalid_grant` and
//!   revokes the token the first one issued (RFC 6749 §4.1.2).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The one client the test server knows (a public native client: no secret).
pub const CLIENT_ID: &str = "cm";

/// How long an authorization code may wait for its exchange.
pub const CODE_LIFETIME: Duration = Duration::from_secs(60);

/// How long a device code may wait for the user (RFC 8628 `expires_in`).
pub const DEVICE_CODE_LIFETIME: Duration = Duration::from_secs(600);

/// The device flow's grant type (RFC 8628 §3.4).
pub const DEVICE_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// A switch that makes the sign-in misbehave, for tests (see
/// [`Controls::set_sign_in_fault`](crate::Controls::set_sign_in_fault)). "Slow" is the
/// endpoints' latency: `controls.set_latency(Endpoint::Authorize, ..)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInFault {
    /// The user "denies": the authorization redirect carries `error=access_denied`, a device code
    /// is answered `access_denied`.
    Deny,
    /// The authorization redirect carries a `state` other than the one the client sent.
    WrongState,
    /// Codes and device codes are issued already expired: the exchange answers
    /// `invalid_grant` (authorization code) or `expired_token` (device code).
    Expire,
    /// The token endpoint answers with a token that cannot be a header value (it ends in
    /// CR LF): a client must refuse it at the exchange.
    UnusableToken,
}

/// RFC 6749 §5.2 / §4.1.2.1 and RFC 8628 §3.5 error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OAuthError {
    /// A parameter is missing, repeated or malformed.
    InvalidRequest,
    /// The client is unknown.
    InvalidClient,
    /// The code or device code is unknown, used, expired, or issued for another redirect URI,
    /// client or verifier.
    InvalidGrant,
    /// The grant type is not one this server supports.
    UnsupportedGrantType,
    /// Only `response_type=code` is supported.
    UnsupportedResponseType,
    /// The user (or the deny switch) refused.
    AccessDenied,
    /// Device flow: the user has not finished yet.
    AuthorizationPending,
    /// Device flow: the client polls too fast.
    SlowDown,
    /// Device flow: the device code expired.
    ExpiredToken,
}

impl OAuthError {
    /// The wire spelling, e.g. `invalid_grant`.
    pub fn code(self) -> &'static str {
        match self {
            OAuthError::InvalidRequest => "invalid_request",
            OAuthError::InvalidClient => "invalid_client",
            OAuthError::InvalidGrant => "invalid_grant",
            OAuthError::UnsupportedGrantType => "unsupported_grant_type",
            OAuthError::UnsupportedResponseType => "unsupported_response_type",
            OAuthError::AccessDenied => "access_denied",
            OAuthError::AuthorizationPending => "authorization_pending",
            OAuthError::SlowDown => "slow_down",
            OAuthError::ExpiredToken => "expired_token",
        }
    }
}

/// A refusal with its explanation (`error_description`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) error: OAuthError,
    pub(crate) description: String,
}

pub(crate) fn refuse(error: OAuthError, description: impl Into<String>) -> Refusal {
    Refusal {
        error,
        description: description.into(),
    }
}

/// The parameters of `GET /auth/authorize`, after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthorizeRequest {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) state: String,
    pub(crate) code_challenge: String,
}

/// An issued authorization code, waiting for its exchange.
#[derive(Debug, Clone)]
struct IssuedCode {
    request: AuthorizeRequest,
    user: String,
    expires: Instant,
    /// The token the exchange issued: revoked if the code is replayed.
    token: Option<String>,
}

/// A device authorization (RFC 8628).
#[derive(Debug, Clone)]
struct DeviceGrant {
    user_code: String,
    expires: Instant,
    approved_by: Option<String>,
    denied: bool,
    redeemed: bool,
}

/// Codes, device codes and switches of the authorization server.
#[derive(Debug)]
pub(crate) struct OAuthState {
    codes: HashMap<String, IssuedCode>,
    /// device code -> grant
    devices: HashMap<String, DeviceGrant>,
    pub(crate) fault: Option<SignInFault>,
    /// Whether `/info` advertises the endpoints.
    pub(crate) advertised: bool,
    /// Pre-fills the sign-in form with these credentials and submits it on load (a browser
    /// test without a WebDriver).
    pub(crate) auto_submit: Option<(String, String)>,
    /// The device flow's polling interval (RFC 8628 `interval`, whole seconds).
    pub(crate) device_interval: Duration,
}

impl OAuthState {
    pub(crate) fn new(advertised: bool) -> Self {
        Self {
            codes: HashMap::new(),
            devices: HashMap::new(),
            fault: None,
            advertised,
            auto_submit: None,
            device_interval: Duration::from_secs(5),
        }
    }

    fn lifetime(&self, normal: Duration) -> Duration {
        if self.fault == Some(SignInFault::Expire) {
            Duration::ZERO
        } else {
            normal
        }
    }

    /// Issues a code for `request` signed in as `user`.
    pub(crate) fn issue_code(&mut self, request: AuthorizeRequest, user: &str) -> String {
        let now = Instant::now();
        self.codes
            .retain(|_, c| c.expires > now || c.token.is_some());
        let code = random_text(32);
        let expires = now + self.lifetime(CODE_LIFETIME);
        self.codes.insert(
            code.clone(),
            IssuedCode {
                request,
                user: user.to_owned(),
                expires,
                token: None,
            },
        );
        code
    }

    /// Checks an authorization-code exchange. `Ok(user)` marks the code used; the caller issues
    /// the token and records it with [`OAuthState::bind_token`]. A replayed code answers
    /// `Err` with the token to revoke.
    pub(crate) fn redeem_code(
        &mut self,
        code: &str,
        client_id: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<String, (Refusal, Option<String>)> {
        let Some(issued) = self.codes.get_mut(code) else {
            return Err((refuse(OAuthError::InvalidGrant, "unknown code"), None));
        };
        if issued.token.is_some() {
            let revoke = issued.token.take();
            self.codes.remove(code);
            return Err((
                refuse(
                    OAuthError::InvalidGrant,
                    "the code was already used; the token it gave is revoked",
                ),
                revoke,
            ));
        }
        if Instant::now() >= issued.expires {
            self.codes.remove(code);
            return Err((refuse(OAuthError::InvalidGrant, "the code expired"), None));
        }
        let refusal = if issued.request.client_id != client_id {
            Some("the code was issued to another client")
        } else if issued.request.redirect_uri != redirect_uri {
            Some("redirect_uri differs from the authorization request's")
        } else if !verifier_is_well_formed(verifier) {
            Some("code_verifier must be 43-128 characters of [A-Za-z0-9-._~]")
        } else if s256(verifier) != issued.request.code_challenge {
            Some("code_verifier does not match the code_challenge")
        } else {
            None
        };
        if let Some(why) = refusal {
            // A failed exchange burns the code too: an attacker gets one guess.
            self.codes.remove(code);
            return Err((refuse(OAuthError::InvalidGrant, why), None));
        }
        Ok(issued.user.clone())
    }

    /// Remembers the token a code's exchange issued (revoked if the code is replayed).
    pub(crate) fn bind_token(&mut self, code: &str, token: &str) {
        if let Some(issued) = self.codes.get_mut(code) {
            issued.token = Some(token.to_owned());
            // Kept only to recognise a replay; it can never be redeemed again.
            issued.expires = Instant::now();
        }
    }

    /// Starts a device authorization; `(device_code, user_code)`.
    pub(crate) fn start_device(&mut self) -> (String, String) {
        let now = Instant::now();
        self.devices.retain(|_, d| d.expires > now && !d.redeemed);
        let device_code = random_text(32);
        let user_code = user_code();
        let expires = now + self.lifetime(DEVICE_CODE_LIFETIME);
        self.devices.insert(
            device_code.clone(),
            DeviceGrant {
                user_code: user_code.clone(),
                expires,
                approved_by: None,
                denied: false,
                redeemed: false,
            },
        );
        (device_code, user_code)
    }

    /// The user typed `user_code` on the verification page and signed in as `user` (or
    /// denied); false when no live device authorization has that code.
    pub(crate) fn decide_device(&mut self, user_code: &str, user: Option<&str>) -> bool {
        let wanted = normalise_user_code(user_code);
        let now = Instant::now();
        let Some(grant) = self
            .devices
            .values_mut()
            .find(|d| d.user_code == wanted && d.expires > now && !d.redeemed)
        else {
            return false;
        };
        match user {
            Some(user) => grant.approved_by = Some(user.to_owned()),
            None => grant.denied = true,
        }
        true
    }

    /// A device-code poll: `Ok(user)` once approved (single-use), else the RFC 8628 answer.
    pub(crate) fn poll_device(&mut self, device_code: &str) -> Result<String, Refusal> {
        let deny = self.fault == Some(SignInFault::Deny);
        let Some(grant) = self.devices.get_mut(device_code) else {
            return Err(refuse(OAuthError::InvalidGrant, "unknown device code"));
        };
        if grant.redeemed {
            return Err(refuse(OAuthError::InvalidGrant, "the device code was used"));
        }
        if Instant::now() >= grant.expires {
            return Err(refuse(OAuthError::ExpiredToken, "the device code expired"));
        }
        if deny || grant.denied {
            grant.redeemed = true;
            return Err(refuse(
                OAuthError::AccessDenied,
                "the user denied the sign-in",
            ));
        }
        match grant.approved_by.clone() {
            Some(user) => {
                grant.redeemed = true;
                Ok(user)
            }
            None => Err(refuse(
                OAuthError::AuthorizationPending,
                "the user has not signed in yet",
            )),
        }
    }
}

/// Validates a loopback redirect URI byte for byte: `http://127.0.0.1:<port>/callback`, with
/// `<port>` 1-65535 in decimal without leading zeros, nothing else. Not parsed first: a URL
/// parser would accept (and canonicalise) `HTTP://`, `127.1`, `0x7f000001` or `:05555`, and the
/// protocol promises the exact spelling.
pub(crate) fn is_loopback_redirect(uri: &str) -> bool {
    let Some(port) = uri
        .strip_prefix("http://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix("/callback"))
    else {
        return false;
    };
    !port.is_empty()
        && port.bytes().all(|b| b.is_ascii_digit())
        && !port.starts_with('0')
        && port.parse::<u16>().is_ok()
}

/// RFC 7636 §4.1: 43-128 characters of the unreserved set.
pub(crate) fn verifier_is_well_formed(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// `BASE64URL(SHA256(verifier))`, the S256 code challenge (RFC 7636 §4.2).
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `bytes` random bytes as base64url (no padding).
fn random_text(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

/// A user code like `BCDF-GHJK`: consonants only (RFC 8628 §6.1: easy to type, no words).
fn user_code() -> String {
    const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    let letters: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("{}-{}", &letters[..4], &letters[4..])
}

/// Upper case, no spaces, a dash in the middle: what the user types, compared leniently.
fn normalise_user_code(typed: &str) -> String {
    let letters: String = typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if letters.len() == 8 {
        format!("{}-{}", &letters[..4], &letters[4..])
    } else {
        letters
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(verifier: &str) -> AuthorizeRequest {
        AuthorizeRequest {
            client_id: CLIENT_ID.to_owned(),
            redirect_uri: "http://127.0.0.1:5000/callback".to_owned(),
            state: "st".to_owned(),
            code_challenge: s256(verifier),
        }
    }

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    #[test]
    fn rfc7636_appendix_b_example() {
        assert_eq!(
            s256(VERIFIER),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn a_code_redeems_once_and_a_replay_revokes_its_token() {
        let mut state = OAuthState::new(true);
        let code = state.issue_code(request(VERIFIER), "alice");
        let uri = "http://127.0.0.1:5000/callback";
        assert_eq!(
            state.redeem_code(&code, CLIENT_ID, uri, VERIFIER),
            Ok("alice".to_owned())
        );
        state.bind_token(&code, "tok");
        let (refusal, revoke) = state
            .redeem_code(&code, CLIENT_ID, uri, VERIFIER)
            .unwrap_err();
        assert_eq!(refusal.error, OAuthError::InvalidGrant);
        assert_eq!(revoke.as_deref(), Some("tok"));
    }

    #[test]
    fn wrong_verifier_redirect_or_client_is_invalid_grant_and_burns_the_code() {
        let uri = "http://127.0.0.1:5000/callback";
        for (client, redirect, verifier) in [
            (CLIENT_ID, uri, "x".repeat(43).as_str()),
            (CLIENT_ID, "http://127.0.0.1:5001/callback", VERIFIER),
            ("other", uri, VERIFIER),
        ] {
            let mut state = OAuthState::new(true);
            let code = state.issue_code(request(VERIFIER), "alice");
            let (refusal, _) = state
                .redeem_code(&code, client, redirect, verifier)
                .unwrap_err();
            assert_eq!(
                refusal.error,
                OAuthError::InvalidGrant,
                "{client} {redirect}"
            );
            // Burnt: even the right exchange is refused now.
            assert!(state.redeem_code(&code, CLIENT_ID, uri, VERIFIER).is_err());
        }
    }

    #[test]
    fn loopback_redirects_only() {
        assert!(is_loopback_redirect("http://127.0.0.1:4000/callback"));
        assert!(is_loopback_redirect("http://127.0.0.1:65535/callback"));
        for bad in [
            "http://localhost:4000/callback",
            "http://0.0.0.0:4000/callback",
            "https://127.0.0.1:4000/callback",
            "http://127.0.0.1/callback",
            "http://127.0.0.1:4000/other",
            "http://127.0.0.1:4000/callback?x=1",
            "http://evil.example:4000/callback",
            "http://u:p@127.0.0.1:4000/callback",
            // Spellings a URL parser would accept and canonicalise (a19 #10).
            "http://127.1:4000/callback",
            "http://0x7f000001:4000/callback",
            "HTTP://127.0.0.1:4000/callback",
            "http://127.0.0.1:04000/callback",
            "http://127.0.0.1:0/callback",
            "http://127.0.0.1:65536/callback",
            "http://127.0.0.1:+4000/callback",
            "http://127.0.0.1:4000/callback#x",
            "http://127.0.0.1:4000/callback/",
            "http://127.0.0.1:4000/./callback",
            "http://127.0.0.1:4000/Callback",
            "http://127.0.0.1.:4000/callback",
            " http://127.0.0.1:4000/callback",
        ] {
            assert!(!is_loopback_redirect(bad), "{bad}");
        }
    }

    #[test]
    fn device_flow_pending_then_approved_once() {
        let mut state = OAuthState::new(true);
        let (device, user) = state.start_device();
        assert_eq!(
            state.poll_device(&device).unwrap_err().error,
            OAuthError::AuthorizationPending
        );
        assert!(state.decide_device(&user.to_lowercase().replace('-', " "), Some("bob")));
        assert_eq!(state.poll_device(&device), Ok("bob".to_owned()));
        assert_eq!(
            state.poll_device(&device).unwrap_err().error,
            OAuthError::InvalidGrant
        );
    }
}
