//! The module-level API before, during and after the process-wide manager runs. One test, so
//! that nothing else touches the global in between.

use std::sync::{Arc, Mutex};

use cm_events::Dispatcher;
use cm_manager::{EnsureError, EnsureOptions, ManagerConfig, StartupError};

fn config() -> ManagerConfig {
    ManagerConfig::in_memory().dispatcher(Dispatcher::new())
}

fn failed_flag() -> (Arc<Mutex<u32>>, Option<cm_manager::dialogs::OnFailed>) {
    let count = Arc::new(Mutex::new(0));
    let sink = count.clone();
    (count, Some(Box::new(move || *sink.lock().unwrap() += 1)))
}

async fn assert_all_no_ops() {
    assert!(cm_manager::get_instance().is_none());
    assert_eq!(
        cm_manager::ensure_connection("https://example.com/").await,
        Err(EnsureError::NotRunning)
    );
    let options = EnsureOptions {
        show_connecting_dialog: true,
    };
    assert_eq!(
        cm_manager::ensure_connection_with("https://example.com/", options).await,
        Err(EnsureError::NotRunning)
    );
    assert_eq!(
        cm_manager::ensure_connection_blocking("https://example.com/"),
        Err(EnsureError::NotRunning)
    );
    assert!(!cm_manager::disconnect("omniverse://h/").await);
    assert!(!cm_manager::reconnect("omniverse://h/"));
    assert!(cm_manager::get_bookmarks().is_empty());
    assert!(!cm_manager::add_bookmark("a", "https://example.com/").await);
    assert!(!cm_manager::remove_bookmark("a").await);
    assert!(!cm_manager::rename_bookmark("a", "b", "https://example.com/").await);
    assert!(matches!(
        cm_manager::try_add_bookmark("a", "https://example.com/").await,
        Err(cm_manager::BookmarkChangeError::NotRunning)
    ));
    assert!(matches!(
        cm_manager::try_remove_bookmark("a").await,
        Err(cm_manager::BookmarkChangeError::NotRunning)
    ));
    let (failed, on_failed) = failed_flag();
    assert!(cm_manager::show_add_nucleus_server_dialog(None, on_failed).is_none());
    assert_eq!(*failed.lock().unwrap(), 1);
    assert!(!cm_manager::shutdown());
    // Pure helpers work without a manager.
    assert_eq!(
        cm_manager::fallback_name_for_url("omniverse://srv:3009/x"),
        "srv"
    );
}

#[test]
fn module_api_before_during_and_after_startup() {
    // No async runtime here: the handle's futures run on any executor.
    futures::executor::block_on(on_a_dedicated_thread());
    in_an_existing_actix_system();
}

async fn on_a_dedicated_thread() {
    assert_all_no_ops().await;

    let handle = cm_manager::startup(config()).unwrap();
    assert!(matches!(
        cm_manager::startup(config()),
        Err(StartupError::AlreadyRunning)
    ));
    assert!(cm_manager::get_instance().is_some());
    assert!(
        cm_manager::ensure_connection("https://example.com/")
            .await
            .is_ok()
    );
    assert!(cm_manager::ensure_connection("omniverse://").await.is_err());
    assert!(cm_manager::ensure_connection_blocking("s3://bucket/key").is_ok());

    assert!(cm_manager::add_bookmark("Proj", "omniverse://srv/Projects/").await);
    assert!(!cm_manager::add_bookmark("Proj", "omniverse://srv/Other/").await);
    // The try_ form says why Kit's `false` was answered.
    assert!(matches!(
        cm_manager::try_add_bookmark("Proj", "omniverse://srv/Other/").await,
        Err(cm_manager::BookmarkChangeError::Refused(_))
    ));
    assert!(cm_manager::rename_bookmark("Proj", "Projects", "omniverse://srv/Projects/").await);
    let bookmarks = cm_manager::get_bookmarks();
    assert_eq!(bookmarks.len(), 1);
    assert_eq!(&*bookmarks[0].name, "Projects");
    assert!(cm_manager::remove_bookmark("Projects").await);
    assert!(cm_manager::get_bookmarks().is_empty());

    let dialog = cm_manager::show_add_http_server_dialog(None, None).unwrap();
    let (failed, on_failed) = failed_flag();
    assert!(cm_manager::show_add_discovery_server_dialog(None, on_failed).is_none());
    assert_eq!(*failed.lock().unwrap(), 1);
    dialog.cancel();
    assert!(handle.registry().snapshot().manual_servers().is_empty());

    assert!(cm_manager::shutdown());
    assert_all_no_ops().await;
}

fn in_an_existing_actix_system() {
    // Inside an existing actix System, for actor users.
    actix::System::new().block_on(async {
        let handle = cm_manager::startup_in_system(config()).unwrap();
        assert!(
            cm_manager::ensure_connection("https://example.com/")
                .await
                .is_ok()
        );
        assert!(cm_manager::add_bookmark("x", "https://example.com/x").await);
        assert_eq!(handle.bookmarks().len(), 1);
        assert!(cm_manager::shutdown());
    });
    assert!(cm_manager::get_instance().is_none());
}
