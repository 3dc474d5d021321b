//! Parsing and validating the discovery document (`docs/PROTOCOL.md`, "Discovery").

use serde::Deserialize;

use crate::address::{storage_address, warn_refused};
use crate::client::Discovered;
use crate::error::DiscoveryError;

/// The version of the stand-in protocol (`docs/PROTOCOL.md`) the clients speak: the discovery
/// document's `version` and the storage server's `GET /info` version are one number. The one
/// client-side copy (cm-manager's storage client uses it too); cm-testkit, the server side, keeps
/// its own and a test asserts the two are equal.
pub const PROTOCOL_VERSION: u32 = 1;

/// The version was checked before; unknown keys are ignored for forward compatibility.
#[derive(Debug, Deserialize)]
struct WireDocument {
    storage: Vec<WireEntry>,
}

/// An entry is `{"url": "..."}` (unknown keys ignored); a bare string is accepted too.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum WireEntry {
    Object { url: String },
    Bare(String),
}

/// Parses `body` (from `redacted_url`) into valid, normalised, de-duplicated addresses.
/// Each address goes through [`storage_address`]: addresses end up in `omniverse.toml` and
/// events, which never hold secrets.
pub(crate) fn parse_document(
    redacted_url: &str,
    body: &[u8],
) -> Result<Discovered, DiscoveryError> {
    let malformed = |reason: String| DiscoveryError::Malformed {
        url: redacted_url.to_owned(),
        reason,
    };
    // Check the version first so a future format fails as "unsupported", not "malformed".
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|err| malformed(err.to_string()))?;
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(version) if version == u64::from(PROTOCOL_VERSION) => {}
        Some(version) => {
            return Err(DiscoveryError::UnsupportedVersion {
                url: redacted_url.to_owned(),
                version,
            });
        }
        None => return Err(malformed("missing numeric `version`".to_owned())),
    }
    let document: WireDocument =
        serde_json::from_value(value).map_err(|err| malformed(err.to_string()))?;

    let mut discovered = Discovered::default();
    for entry in document.storage {
        let raw = match entry {
            WireEntry::Object { url } | WireEntry::Bare(url) => url,
        };
        match storage_address(&raw) {
            Ok(address) => {
                if !discovered.addresses.contains(&address) {
                    discovered.addresses.push(address);
                }
            }
            Err(refused) => discovered.rejected.push(refused),
        }
    }
    warn_refused(redacted_url, &discovered.rejected);
    if discovered.addresses.is_empty() && !discovered.rejected.is_empty() {
        return Err(DiscoveryError::NoValidAddresses {
            url: redacted_url.to_owned(),
            rejected: discovered.rejected.len(),
        });
    }
    Ok(discovered)
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "http://d.example/discovery";

    #[test]
    fn accepts_objects_and_bare_strings_normalises_and_dedupes() {
        let body = br#"{"version":1,"storage":[
            {"url":"omniverse://A.example/","name":"ignored"},
            "omniverse://a.example/",
            "https://bucket.s3.amazonaws.com/"
        ]}"#;
        let found = parse_document(URL, body).unwrap();
        assert_eq!(
            found.addresses,
            vec!["omniverse://a.example/", "https://bucket.s3.amazonaws.com/"]
        );
        assert!(found.rejected.is_empty());
    }

    #[test]
    fn reports_bad_entries_and_keeps_good_ones() {
        let body = br#"{"version":1,"storage":["not a url","omniverse://ok.example/"]}"#;
        let found = parse_document(URL, body).unwrap();
        assert_eq!(found.addresses, vec!["omniverse://ok.example/"]);
        assert_eq!(found.rejected.len(), 1);
        assert_eq!(found.rejected[0].address, "not a url");
    }

    #[test]
    fn only_bad_entries_is_an_error_but_an_empty_list_is_not() {
        let err = parse_document(URL, br#"{"version":1,"storage":["::"]}"#).unwrap_err();
        assert_eq!(err.kind(), "no-valid-addresses");
        let empty = parse_document(URL, br#"{"version":1,"storage":[]}"#).unwrap();
        assert!(empty.addresses.is_empty());
    }

    #[test]
    fn credentials_in_addresses_are_stripped() {
        let body = br#"{"version":1,"storage":["omniverse://alice:hunter2@host/"]}"#;
        let found = parse_document(URL, body).unwrap();
        assert_eq!(found.addresses, vec!["omniverse://host/"]);
    }

    #[test]
    fn rejected_addresses_are_redacted() {
        let body = br#"{"version":1,"storage":["bogus://al ice:hunter2@x", "omniverse://ok/"]}"#;
        let found = parse_document(URL, body).unwrap();
        assert!(!found.rejected[0].address.contains("hunter2"));
        assert!(!found.rejected[0].reason.contains("hunter2"));
    }

    #[test]
    fn version_and_shape_errors() {
        assert_eq!(
            parse_document(URL, br#"{"version":2,"storage":[]}"#).unwrap_err(),
            DiscoveryError::UnsupportedVersion {
                url: URL.to_owned(),
                version: 2
            }
        );
        assert_eq!(
            parse_document(URL, br#"{"storage":[]}"#)
                .unwrap_err()
                .kind(),
            "malformed"
        );
        assert_eq!(
            parse_document(URL, br#"{"version":1,"storage":{}}"#)
                .unwrap_err()
                .kind(),
            "malformed"
        );
        assert_eq!(
            parse_document(URL, b"<html>").unwrap_err().kind(),
            "malformed"
        );
    }
}
