//! Which storage addresses from a discovery answer may be kept: the one rule for every
//! address a discovery server hands out, applied before anything stores or reports it.
//!
//! A discovery server is a remote party, and what it lists ends up in `omniverse.toml`
//! (`cached_addresses`), in events and in other applications' storage registration. So an
//! address is kept only when it is a remote storage service and carries no secret:
//!
//! * **user info** (`omniverse://alice:pw@host/`) is dropped and the address kept: without it
//!   the address names the same server;
//! * a **credential parameter** (`?token=`, `sig=`, `X-Amz-Signature=`, `X-Amz-Credential=`,
//!   … as [`cm_url::ServerUrl::secret_param`] recognises them) refuses the address: a signed
//!   URL is a secret in itself, and without its signature it is some other address;
//! * a **non-storage scheme** (`file:///etc/`) refuses the address: a remote answer must not
//!   point applications at local files.
//!
//! Refused addresses come back as [`RejectedAddress`] (redacted) and are logged as a warning
//! naming the discovery server, under the [`REFUSED_TARGET`] log target.
//!
//! ```
//! use cm_discovery::storage_address;
//!
//! assert_eq!(storage_address("omniverse://u:pw@H.example/").unwrap(), "omniverse://h.example/");
//! assert!(storage_address("https://b.s3.amazonaws.com/?X-Amz-Signature=abc").is_err());
//! assert!(storage_address("file:///etc/").is_err());
//! ```

use cm_url::UrlKind;

use crate::client::RejectedAddress;

/// The `tracing` target of the warning logged for each refused address, so that a tool can
/// show exactly these warnings (the `cm` command line does by default).
pub const REFUSED_TARGET: &str = "cm_discovery::refused_address";

/// The form of `raw` (one address from a discovery answer) to keep, or why it is refused.
pub fn storage_address(raw: &str) -> Result<String, RejectedAddress> {
    let refuse = |reason: String| RejectedAddress {
        address: cm_url::redact(raw),
        reason,
    };
    let parsed = cm_url::parse(raw).map_err(|err| refuse(err.to_string()))?;
    if parsed.kind() == UrlKind::File {
        return Err(refuse(format!(
            "scheme {:?} is not a remote storage scheme",
            parsed.scheme()
        )));
    }
    if let Some(key) = parsed.secret_param() {
        return Err(refuse(format!(
            "it carries a credential (parameter {:?}); a discovery answer must not hand out secrets",
            key
        )));
    }
    Ok(parsed.without_credentials())
}

/// Logs the warning for addresses `discovery_url` (redacted) listed that were refused.
pub(crate) fn warn_refused(discovery_url: &str, rejected: &[RejectedAddress]) {
    for rejected in rejected {
        tracing::warn!(
            target: REFUSED_TARGET,
            "discovery server {discovery_url} listed storage address {} which is not kept: {}",
            rejected.address,
            rejected.reason
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_and_local_schemes_are_refused_and_redacted() {
        for raw in [
            "omniverse://h2.example/?token=s3cr3t",
            "https://bucket.s3.amazonaws.com/?X-Amz-Signature=s3cr3t",
            "https://bucket.s3.amazonaws.com/?X-Amz-Credential=s3cr3t",
            "https://acct.blob.core.windows.net/c?sv=1&sig=s3cr3t",
            "https://h.example/#access_token=s3cr3t",
            "file:///etc/",
        ] {
            let refused = storage_address(raw).unwrap_err();
            assert!(!refused.address.contains("s3cr3t"), "{refused:?}");
            assert!(!refused.reason.contains("s3cr3t"), "{refused:?}");
        }
    }

    #[test]
    fn user_info_is_dropped_and_plain_addresses_kept() {
        assert_eq!(
            storage_address("omniverse://alice:s3cr3t@host/").unwrap(),
            "omniverse://host/"
        );
        assert_eq!(
            storage_address("https://bucket.s3.amazonaws.com/?versionId=2").unwrap(),
            "https://bucket.s3.amazonaws.com/?versionId=2"
        );
    }
}
