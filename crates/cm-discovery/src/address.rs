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
    let reason = |key: &str| {
        format!(
            "it carries a credential (parameter {key:?}); a discovery answer must not hand out secrets"
        )
    };
    if let Some(key) = parsed.secret_param() {
        return Err(refuse(reason(key)));
    }
    if let Some(key) = hidden_secret_param(&parsed) {
        // `redact` hides values only where `secret_param` looks, so show the origin alone.
        return Err(RejectedAddress {
            address: origin_only(&parsed),
            reason: reason(&key),
        });
    }
    Ok(parsed.without_credentials())
}

/// A credential parameter [`cm_url::ServerUrl::secret_param`] does not see because it is
/// spelled the way lenient servers still read it: `;` as the separator (`?a=1;sig=…`), a
/// decorated key (`sig[]=`, `sig%20=`, ` sig=`), extra `?`s (`??sig=`), a matrix parameter in
/// a path segment (`/p;token=…`) or a query hidden behind an encoded `?` (`/%3Ftoken=…`).
///
/// Each candidate key is reduced to its plain form and then judged by cm-url's own key rule
/// (asked through `secret_param` on a probe URL), so the list of secret names stays one.
/// This lives here rather than in cm-url only because cm-url's redaction was being changed
/// in parallel; moving it into `secret_param` later keeps every caller on one rule.
fn hidden_secret_param(parsed: &cm_url::ServerUrl) -> Option<String> {
    let decoded_path = percent_encoding::percent_decode_str(parsed.path()).decode_utf8_lossy();
    // An encoded `?` or `#` in the path starts what a decoding server reads as a query.
    let (path, path_query) = match decoded_path.find(['?', '#']) {
        Some(at) => (&decoded_path[..at], Some(&decoded_path[at + 1..])),
        None => (&*decoded_path, None),
    };
    // Matrix parameters: every `;`-piece of a segment after its first.
    let matrix = path
        .split('/')
        .flat_map(|segment| segment.split(';').skip(1));
    let params = [parsed.query(), parsed.fragment(), path_query]
        .into_iter()
        .flatten()
        .flat_map(|params| params.split(['&', ';']));
    matrix
        .chain(params)
        .filter_map(|piece| piece.split_once('=').map(|(key, _)| key))
        .map(plain_key)
        .find(|key| is_secret_key(key))
}

/// `scheme://host[:port]/***`: the redacted address without anything after the authority.
fn origin_only(parsed: &cm_url::ServerUrl) -> String {
    let redacted = parsed.redacted();
    let authority = redacted.find("://").map_or(0, |i| i + 3);
    let end = redacted[authority..]
        .find('/')
        .map_or(redacted.len(), |i| authority + i);
    format!("{}/{}", &redacted[..end], cm_url::REDACTED)
}

/// `key` percent-decoded, without surrounding whitespace, leading `?`s or a trailing `[]`.
fn plain_key(key: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(key).decode_utf8_lossy();
    let mut key = decoded.trim().trim_start_matches('?').trim();
    while let Some(shorter) = key.strip_suffix("[]") {
        key = shorter.trim_end();
    }
    key.to_owned()
}

/// cm-url's rule for credential keys, asked through a probe URL carrying only `key`
/// (every byte percent-encoded, which cm-url decodes before it compares).
fn is_secret_key(key: &str) -> bool {
    if key.is_empty() {
        return false;
    }
    let encoded: String = key.bytes().map(|b| format!("%{b:02X}")).collect();
    cm_url::parse(&format!("omniverse://probe.invalid/?{encoded}=x"))
        .is_ok_and(|probe| probe.secret_param().is_some())
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

    /// Every spelling of a credential parameter a lenient server might read, the ones the
    /// first rule missed (issue 14 attack) and the ones it already caught.
    #[test]
    fn credentials_are_refused_however_they_are_spelled() {
        for raw in [
            // Caught from the start.
            "omniverse://a1.example/?token=SEKRIT",
            "omniverse://a1.example/?a=1&sig=SEKRIT",
            "omniverse://a1.example/?Sig=SEKRIT",
            "omniverse://a1.example/?%73ig=SEKRIT",
            "omniverse://a1.example/?sessionToken=SEKRIT",
            "omniverse://a1.example/#access_token=SEKRIT",
            // Missed before.
            "omniverse://a1.example/?a=1;sig=SEKRIT",
            "omniverse://a1.example/?sig%20=SEKRIT",
            "omniverse://a1.example/?%20sig=SEKRIT",
            "omniverse://a1.example/??sig=SEKRIT",
            "omniverse://a1.example/?sig[]=SEKRIT",
            "omniverse://a1.example/?sig%5B%5D=SEKRIT",
            "omniverse://a1.example/p;token=SEKRIT",
            "omniverse://a1.example/p;a=1;token=SEKRIT/q",
            "omniverse://a1.example/p%3Btoken=SEKRIT",
            "omniverse://a1.example/%3Ftoken=SEKRIT",
            "omniverse://a1.example/x%3Fa=1%26sig=SEKRIT",
            "omniverse://a1.example/%23token=SEKRIT",
        ] {
            let refused = storage_address(raw);
            let Err(refused) = refused else {
                panic!("{raw} was kept: {refused:?}");
            };
            let shown = format!("{} {}", refused.address, refused.reason);
            assert!(!shown.contains("SEKRIT"), "{raw}: shown as {shown}");
        }
        // Not credentials: kept as they were.
        for raw in [
            "omniverse://a1.example/p;v=2/?versionId=2;x=1",
            "omniverse://a1.example/tokens/?a[]=1",
            "omniverse://a1.example/?keyboard=1",
        ] {
            assert!(storage_address(raw).is_ok(), "{raw} was refused");
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
