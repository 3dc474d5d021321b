//! The `serde` feature: every public value type serializes and reads back to an equal value.
//! Built and run by `cargo xtask ci` with `--features serde` (without the feature this file is
//! empty).
#![cfg(feature = "serde")]

use std::fmt::Debug;
use std::sync::Arc;

use connection_manager::manager::{ConnectionStatus, Reachable};
use connection_manager::registry::events::RegistryEvent;
use connection_manager::registry::{
    Bookmark, DiscoveryServer, DiscoveryStatus, ManualServer, ServerId, UrlKind,
};
use connection_manager::toml_store::Sections;
use serde::{Serialize, de::DeserializeOwned};

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: T) -> String {
    let json = serde_json::to_string(&value).unwrap();
    let back: T = serde_json::from_str(&json).unwrap();
    assert_eq!(back, value, "{json}");
    json
}

#[test]
fn every_public_value_type_round_trips_through_json() {
    round_trip(Bookmark::new("Projects", "omniverse://h/Projects/"));
    let addresses: Arc<[Arc<str>]> = vec![Arc::from("omniverse://a/")].into();
    round_trip(DiscoveryServer {
        id: ServerId(3),
        name: "Studio".into(),
        url: "https://d.example/".into(),
        cached_addresses: addresses.clone(),
        status: DiscoveryStatus::Error {
            reason: "refused".into(),
            will_retry: true,
        },
    });
    round_trip(ManualServer {
        id: ServerId(4),
        name: "bucket".into(),
        url: "s3://bucket/".into(),
        kind: UrlKind::S3,
    });
    for kind in UrlKind::ALL {
        round_trip(kind);
    }
    for status in ConnectionStatus::ALL {
        round_trip(status);
    }
    round_trip(Reachable::Connected { attempts: 2 });
    round_trip(Reachable::Discovered {
        server: "Studio".into(),
    });
    round_trip(RegistryEvent::DiscoveryServerUpdated {
        id: ServerId(3),
        name: "Studio".into(),
        url: "https://d.example/".into(),
        status: DiscoveryStatus::Ready,
        addresses,
    });
    use connection_manager::toml_store::{BookmarkEntry as Entry, DiscoveryEntry, ServerEntry};
    round_trip(Sections {
        bookmarks: vec![Entry {
            name: "P".into(),
            url: "omniverse://h/P/".into(),
        }],
        servers: vec![ServerEntry {
            url: "omniverse://h".into(),
            name: "h".into(),
        }],
        discovery_servers: vec![DiscoveryEntry {
            name: "D".into(),
            url: "https://d.example/".into(),
            cached_addresses: vec!["omniverse://a/".into()],
        }],
    });
}
