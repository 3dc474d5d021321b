//! Shutting the manager down while network requests are in flight.

mod common;

use cm_events::Dispatcher;
use cm_manager::{ConnectionStatus, EnsureError, ManagerConfig, ManagerHandle, Reachable};
use cm_registry::RegistryConfig;
use cm_testkit::{Endpoint, TestServer, TestServerConfig};
use common::Fixture;
use futures::StreamExt;

/// A discovery request held open by the server is still in flight when the manager stops;
/// stopping must neither panic nor hang.
#[test]
fn shutdown_with_a_discovery_request_in_flight_is_clean() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    server.controls().hold(Endpoint::Discovery);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("omniverse.toml");
    std::fs::write(
        &path,
        format!(
            "[[discovery_servers]]\nname = \"Studio\"\nurl = \"{}\"\ncached_addresses = []\n",
            server.discovery_url()
        ),
    )
    .unwrap();
    let registry = RegistryConfig::new(&path).watch(false).persistence(false);
    let manager =
        ManagerHandle::start(ManagerConfig::new(registry).dispatcher(Dispatcher::new())).unwrap();
    server
        .controls()
        .wait_for_requests_blocking(Endpoint::Discovery, 1, common::DEADLINE)
        .unwrap();

    let panicked = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = panicked.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        seen.store(true, std::sync::atomic::Ordering::SeqCst);
        eprintln!("panic during shutdown: {info}");
    }));
    manager.shutdown();
    drop(manager);
    std::panic::set_hook(previous);
    assert!(
        !panicked.load(std::sync::atomic::Ordering::SeqCst),
        "a thread panicked while the manager shut down"
    );
    server.controls().release(Endpoint::Discovery);
}

/// Every call after `shutdown` answers as a stopped manager, including those otherwise
/// answered from snapshots and caches (a connected server, an https URL, the bookmarks), and
/// on every clone of the handle.
#[tokio::test]
async fn every_call_after_shutdown_answers_not_running() {
    let f = Fixture::new(TestServerConfig::default());
    let nucleus = f.nucleus("/Projects/a.usd");
    assert!(matches!(
        f.manager.ensure_connection(&nucleus).await,
        Ok(Reachable::Connected { .. })
    ));
    assert_eq!(
        f.manager.ensure_connection(&nucleus).await,
        Ok(Reachable::AlreadyConnected)
    );
    f.manager
        .registry()
        .add_bookmark("P", "omniverse://h/P/")
        .await
        .unwrap();
    assert_eq!(f.manager.bookmarks().len(), 1);
    let clone = f.manager.clone();

    f.manager.shutdown_async().await;

    for manager in [&f.manager, &clone] {
        assert!(!manager.is_running());
        for url in [
            nucleus.as_str(),
            "https://example.com/a.usd",
            "omniverse://",
        ] {
            assert_eq!(
                manager.ensure_connection(url).await,
                Err(EnsureError::NotRunning),
                "{url}"
            );
            assert_eq!(
                manager.reconnect_detailed(url).await,
                Err(EnsureError::NotRunning),
                "{url}"
            );
        }
        assert_eq!(
            manager.ensure_connection_blocking("https://example.com/a.usd"),
            Err(EnsureError::NotRunning)
        );
        assert_eq!(manager.connection_status(&nucleus), None);
        assert!(manager.subscribe_status(&nucleus).is_none());
        assert!(manager.bookmarks().is_empty());
        assert!(!manager.disconnect(&nucleus).await);
        assert!(!manager.reconnect(&nucleus));
        assert!(!manager.spawn(async {}));
        assert!(manager.show_add_http_server_dialog(None, None).is_none());
        assert!(manager.status_changes().next().await.is_none());
        assert!(
            manager.events().next().await.is_none(),
            "an events stream taken after shutdown has ended"
        );
    }
    // Idempotent, blocking or not.
    f.manager.shutdown();
    clone.shutdown_async().await;
}

/// `shutdown_async` inside a current-thread runtime does not block that runtime: a task on
/// it keeps running while the manager's thread is joined.
#[test]
fn shutdown_async_does_not_block_the_callers_runtime() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let manager =
            ManagerHandle::start(ManagerConfig::in_memory().dispatcher(Dispatcher::new())).unwrap();
        let ticks = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counter = ticks.clone();
        let ticker = tokio::spawn(async move {
            loop {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::task::yield_now().await;
            }
        });
        manager.shutdown_async().await;
        assert!(ticks.load(std::sync::atomic::Ordering::SeqCst) > 0);
        ticker.abort();
        assert_eq!(
            manager.ensure_connection("https://example.com/").await,
            Err(EnsureError::NotRunning)
        );
    });
}

/// `status_changes` streams every server's transitions; `events` streams the registry's
/// changes as typed values; `config_path` names the file.
#[tokio::test]
async fn status_changes_events_and_config_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("omniverse.toml");
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let manager = ManagerHandle::start(
        ManagerConfig::at_path(&path)
            .dispatcher(Dispatcher::new())
            .retry_budget(std::time::Duration::from_secs(10)),
    )
    .unwrap();
    assert_eq!(manager.config_path().as_deref(), Some(path.as_path()));

    let mut changes = manager.status_changes();
    let mut events = manager.events();
    let url = server.storage_url();
    assert!(manager.ensure_connection(&url).await.is_ok());
    let first = tokio::time::timeout(common::DEADLINE, changes.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.to, ConnectionStatus::Connecting);
    let second = tokio::time::timeout(common::DEADLINE, changes.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (second.from, second.to),
        (ConnectionStatus::Connecting, ConnectionStatus::Connected)
    );

    manager
        .registry()
        .add_bookmark("P", "omniverse://h/P/")
        .await
        .unwrap();
    match tokio::time::timeout(common::DEADLINE, events.next()).await {
        Ok(Some(cm_registry::events::RegistryEvent::BookmarkAdded { name, url })) => {
            assert_eq!((&*name, &*url), ("P", "omniverse://h/P/"));
        }
        other => panic!("{other:?}"),
    }
    manager.shutdown_async().await;
}
