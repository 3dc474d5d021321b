//! Typed registry events: every change decodes from its dispatched form back to the value
//! that was announced, the `events()` stream yields them in order, a reload of a broken file
//! is announced, and the registry starts (or refuses clearly) outside an actix System.

mod common;

use std::sync::{Arc, Mutex};

use cm_events::{Dispatcher, Payload};
use cm_registry::events::RegistryEvent;
use cm_registry::typed_event::{CONFIG_RELOAD_FAILED_EVENT, NotARegistryEvent, STREAMED_EVENTS};
use cm_registry::{ConnectionRegistry, DiscoveryStatus, RegistryConfig, ServerId, StartError};
use common::{DEADLINE, toml_path};
use futures::StreamExt;

/// Dispatches `event` the way the registry does and decodes what an observer sees.
fn round_trip(event: &RegistryEvent) -> Result<RegistryEvent, NotARegistryEvent> {
    let dispatcher = Dispatcher::new();
    let seen = Arc::new(Mutex::new(None));
    let sink = seen.clone();
    let _guard = dispatcher.observe("test", 0, event.name(), None, move |e| {
        *sink.lock().unwrap() = Some(RegistryEvent::try_from(e));
    });
    dispatcher.dispatch(
        event.name(),
        Payload::from_json(&event.payload_json()).unwrap(),
    );
    let decoded = seen.lock().unwrap().take();
    decoded.expect("the observer saw nothing")
}

fn every_kind_of_event() -> Vec<RegistryEvent> {
    let id = ServerId(7);
    let addresses: Arc<[Arc<str>]> =
        vec![Arc::from("omniverse://a/"), Arc::from("omniverse://b/")].into();
    vec![
        RegistryEvent::BookmarkAdded {
            name: "P".into(),
            url: "omniverse://h/P/".into(),
        },
        RegistryEvent::BookmarkDeleted {
            name: "P".into(),
            url: "omniverse://h/P/".into(),
        },
        RegistryEvent::BookmarkRenamed {
            old_name: "P".into(),
            new_name: "Q".into(),
            url: "omniverse://h/Q/".into(),
        },
        RegistryEvent::DiscoveryServerAdded {
            id,
            name: "D".into(),
            url: "https://d.example/".into(),
        },
        RegistryEvent::DiscoveryServerRemoved {
            id,
            name: "D".into(),
            url: "https://d.example/".into(),
        },
        RegistryEvent::DiscoveryServerUpdated {
            id,
            name: "D".into(),
            url: "https://d.example/".into(),
            status: DiscoveryStatus::Ready,
            addresses: addresses.clone(),
        },
        RegistryEvent::DiscoveryServerUpdated {
            id,
            name: "D".into(),
            url: "https://d.example/".into(),
            status: DiscoveryStatus::Error {
                reason: "refused".into(),
                will_retry: false,
            },
            addresses: Arc::from(Vec::new()),
        },
        RegistryEvent::ManualServerAdded {
            id,
            name: "bucket".into(),
            url: "s3://bucket/".into(),
            kind: cm_registry::UrlKind::S3,
        },
        RegistryEvent::ManualServerRemoved {
            id,
            name: "h".into(),
            url: "omniverse://h/".into(),
            kind: cm_registry::UrlKind::Nucleus,
        },
        RegistryEvent::ConfigReloadFailed {
            url: "file:///tmp/omniverse.toml".into(),
            error: "line 1".into(),
        },
    ]
}

#[test]
fn every_event_decodes_back_to_what_was_announced() {
    let events = every_kind_of_event();
    let names: std::collections::BTreeSet<_> = events.iter().map(|e| e.name()).collect();
    assert_eq!(
        names.len(),
        STREAMED_EVENTS.len(),
        "a streamed event has no case here"
    );
    for event in events {
        assert_eq!(round_trip(&event), Ok(event.clone()), "{}", event.name());
    }
}

#[test]
fn foreign_and_malformed_events_are_refused_with_the_reason() {
    let dispatcher = Dispatcher::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    for name in [
        "some.other.event",
        cm_registry::events::BOOKMARK_ADDED_EVENT,
    ] {
        let sink = seen.clone();
        let guard = dispatcher.observe("test", 0, name, None, move |e| {
            sink.lock().unwrap().push(RegistryEvent::try_from(e));
        });
        dispatcher.dispatch(name, Payload::new().with("name", "P"));
        drop(guard);
    }
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen[0],
        Err(NotARegistryEvent::UnknownName("some.other.event".into()))
    );
    assert!(matches!(
        &seen[1],
        Err(NotARegistryEvent::BadPayload { key: "url", .. })
    ));
}

#[actix_rt::test]
async fn the_events_stream_yields_changes_in_order_and_a_failed_reload() {
    let dir = tempfile::tempdir().unwrap();
    let path = toml_path(dir.path());
    let registry = ConnectionRegistry::start(
        RegistryConfig::new(&path)
            .watch(false)
            .discovery(false)
            .dispatcher(Dispatcher::new()),
    );
    let mut events = registry.events();
    registry
        .add_bookmark("P", "omniverse://h/P/")
        .await
        .unwrap();
    registry
        .rename_bookmark("P", "Q", "omniverse://h/P/")
        .await
        .unwrap();
    std::fs::write(&path, "[bookmarks\nbroken = ").unwrap();
    assert!(registry.reload().await.is_err());
    // Still there: the broken file changed nothing.
    assert_eq!(registry.bookmarks().len(), 1);

    let mut next = async || {
        tokio::time::timeout(DEADLINE, events.next())
            .await
            .expect("no event in time")
            .expect("the stream ended")
    };
    assert!(matches!(next().await, RegistryEvent::BookmarkAdded { name, .. } if &*name == "P"));
    assert!(
        matches!(next().await, RegistryEvent::BookmarkRenamed { new_name, .. } if &*new_name == "Q")
    );
    match next().await {
        RegistryEvent::ConfigReloadFailed { url, error } => {
            assert!(
                url.starts_with("file://") && url.ends_with("omniverse.toml"),
                "{url}"
            );
            assert!(!error.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        RegistryEvent::ConfigReloadFailed {
            url: "".into(),
            error: "".into()
        }
        .name(),
        CONFIG_RELOAD_FAILED_EVENT
    );
}

/// Under a plain tokio runtime (as `#[tokio::main]`) there is no actix System: `try_start`
/// says so instead of panicking, and `start_on_own_thread` works.
#[tokio::test]
async fn outside_an_actix_system_try_start_refuses_and_own_thread_works() {
    let config = RegistryConfig::in_memory().dispatcher(Dispatcher::new());
    let refused = ConnectionRegistry::try_start(config.clone());
    assert!(matches!(refused, Err(StartError::NoActixSystem)));
    let message = refused.unwrap_err().to_string();
    assert!(message.contains("start_on_own_thread"), "{message}");

    let registry = ConnectionRegistry::start_on_own_thread(config).unwrap();
    let mut events = registry.events();
    registry
        .add_bookmark("P", "omniverse://h/P/")
        .await
        .unwrap();
    assert_eq!(registry.bookmarks().len(), 1);
    assert!(matches!(
        tokio::time::timeout(DEADLINE, events.next()).await,
        Ok(Some(RegistryEvent::BookmarkAdded { .. }))
    ));
    let handle = registry.handle().clone();
    registry.shutdown_async().await;
    assert!(matches!(
        handle.add_bookmark("Q", "omniverse://h/Q/").await,
        Err(cm_registry::RegistryError::Stopped)
    ));
}
