//! The whole stack through the facade, against real loopback servers and a real file:
//! cm-url normalises, cm-toml-store persists (keeping what it does not own), cm-discovery
//! discovers over HTTP, cm-registry owns the state and emits the events, cm-manager connects,
//! and cm-events delivers it all to an observer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cm_testkit::{Endpoint, TestServer, TestServerConfig};
use connection_manager::events::{Dispatcher, ObserverGuard};
use connection_manager::manager::{ManagerConfig, ManagerHandle, Reachable};
use connection_manager::registry::{DiscoveryStatus, RegistryConfig, events};

const DEADLINE: Duration = Duration::from_secs(30);

const FOREIGN: &str = "# Settings another tool owns; they must survive byte for byte.\n\
[paths]\n\
root = \"/data\" # trailing comment\n";

type Recorded = Arc<Mutex<Vec<(String, String)>>>;

/// Records `(event name, payload url)` for every connection-manager event.
fn record_events(dispatcher: &Dispatcher) -> (Recorded, Vec<ObserverGuard>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let guards = events::ALL_EVENTS
        .iter()
        .map(|name| {
            let seen = Arc::clone(&seen);
            dispatcher.observe("end_to_end", 0, *name, None, move |event| {
                let url = event.get_str("url").unwrap_or_default().to_owned();
                seen.lock()
                    .unwrap()
                    .push((event.name().as_str().to_owned(), url));
            })
        })
        .collect();
    (seen, guards)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_then_ensure_connection_end_to_end() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("omniverse.toml");
    std::fs::write(&path, FOREIGN).unwrap();

    let dispatcher = Dispatcher::new();
    let (seen, _guards) = record_events(&dispatcher);
    let manager = ManagerHandle::start(
        ManagerConfig::new(RegistryConfig::new(&path).watch(false)).dispatcher(dispatcher.clone()),
    )
    .unwrap();

    let id = manager
        .registry()
        .add_discovery_server("Studio", &server.discovery_url())
        .await
        .unwrap();
    let ready = tokio::time::timeout(
        DEADLINE,
        manager.registry().wait_for(|snapshot| {
            snapshot
                .discovery_server(id)
                .is_some_and(|s| s.status == DiscoveryStatus::Ready)
        }),
    )
    .await
    .expect("discovery did not complete in time")
    .expect("registry stopped");
    let storage = server.storage_url();
    let discovered = ready.discovery_server(id).unwrap();
    assert_eq!(
        discovered
            .cached_addresses
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>(),
        vec![storage.clone()]
    );

    // A URL under the discovered storage address is answered by the discovery itself.
    let scene = format!("{storage}Projects/scene.usd");
    assert!(
        matches!(
            manager.ensure_connection(&scene).await,
            Ok(Reachable::Discovered { .. })
        ),
        "{scene} not answered by discovery"
    );

    // A Nucleus-style server added by hand is stat-ed for real, and its success announced.
    let nucleus = TestServer::start(TestServerConfig::default()).unwrap();
    manager
        .registry()
        .add_manual_server("Render farm", &nucleus.storage_url())
        .await
        .unwrap();
    let shot = format!("{}Shots/010.usd", nucleus.storage_url());
    assert!(
        matches!(
            manager.ensure_connection(&shot).await,
            Ok(Reachable::Connected { .. })
        ),
        "{shot} not connected"
    );
    assert!(nucleus.controls().request_count(Endpoint::Stat) >= 1);

    // The file holds our sections and still starts with the foreign ones, untouched.
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with(FOREIGN),
        "foreign section changed:\n{text}"
    );
    assert!(text.contains("[[discovery_servers]]"), "{text}");
    assert!(
        text.contains(&storage),
        "cached address not persisted:\n{text}"
    );

    let events = seen.lock().unwrap().clone();
    let names: Vec<&str> = events.iter().map(|(name, _)| name.as_str()).collect();
    let position = |name: &str| names.iter().position(|n| *n == name);
    let added = position(events::DISCOVERY_SERVER_ADDED_EVENT).expect("no added event");
    let updated = position(events::DISCOVERY_SERVER_UPDATED_EVENT).expect("no updated event");
    let connected = position(events::CONNECTION_SUCCEEDED_EVENT).expect("no connection event");
    assert!(added < updated && updated < connected, "order: {names:?}");
    assert!(
        events.iter().all(|(_, url)| !url.is_empty()),
        "every payload carries a url: {events:?}"
    );
    manager.shutdown();
}
