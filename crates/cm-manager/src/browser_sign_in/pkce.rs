//! PKCE (RFC 7636) and the `state` value: fresh random secrets for each sign-in.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::auth::Secret;

/// `bytes` random bytes from the OS-seeded generator, as base64url without padding.
pub(super) fn random_text(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

/// A code verifier and its S256 challenge.
pub(super) struct Pkce {
    /// 32 random bytes as base64url: 43 characters of the unreserved set (RFC 7636 §4.1).
    pub(super) verifier: Secret,
    /// `BASE64URL(SHA256(verifier))` (RFC 7636 §4.2).
    pub(super) challenge: String,
}

impl Pkce {
    pub(super) fn new() -> Self {
        let verifier = random_text(32);
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Self {
            verifier: Secret::new(verifier),
            challenge,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verifier_is_43_unreserved_characters_and_the_challenge_its_s256() {
        let pkce = Pkce::new();
        let verifier = pkce.verifier.expose();
        assert_eq!(verifier.len(), 43);
        assert!(
            verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(
            pkce.challenge,
            URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
        );
        assert_ne!(Pkce::new().verifier, pkce.verifier);
    }
}
