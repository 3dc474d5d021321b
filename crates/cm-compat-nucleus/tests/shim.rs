//! The deprecated shim delegates to the process-wide manager, warns once per function, and
//! keeps delivering the old success event beside the new one. One test: the manager is
//! process-wide.
#![allow(deprecated)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use cm_events::Dispatcher;
use cm_manager::{ConnectionStatus, ManagerConfig};
use cm_testkit::{Endpoint, TestServer, TestServerConfig, wait};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn shim_delegates_warns_once_and_still_delivers_the_old_event() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let dispatcher = Dispatcher::new();
    let manager =
        cm_manager::startup(ManagerConfig::in_memory().dispatcher(dispatcher.clone())).unwrap();

    let old_events = Arc::new(Mutex::new(0));
    let sink = old_events.clone();
    let _old = dispatcher.observe(
        "old",
        0,
        cm_compat_nucleus::NUCLEUS_CONNECTION_SUCCEEDED_EVENT,
        None,
        move |_| {
            *sink.lock().unwrap() += 1;
        },
    );
    let new_events = Arc::new(Mutex::new(0));
    let sink = new_events.clone();
    let _new = dispatcher.observe(
        "new",
        0,
        cm_manager::CONNECTION_SUCCEEDED_EVENT,
        None,
        move |_| {
            *sink.lock().unwrap() += 1;
        },
    );

    // connect: delegates to ensure_connection; the old 3-argument callback gets "omniverse".
    let url = server.storage_url();
    let results = Arc::new(Mutex::new(Vec::<String>::new()));
    for _ in 0..2 {
        let sink = results.clone();
        assert!(cm_compat_nucleus::connect(
            "srv",
            &url,
            Some(cm_compat_nucleus::LegacySuccess::WithServerType(Box::new(
                move |n, u, t| {
                    sink.lock().unwrap().push(format!("{n}|{u}|{t}"));
                }
            ))),
            None,
        ));
        let expected = results.lock().unwrap().len() + 1;
        wait::until(wait::DEADLINE, "every result", || {
            results.lock().unwrap().len() >= expected
        });
    }
    assert_eq!(results.lock().unwrap()[0], format!("srv|{url}|omniverse"));
    assert_eq!(server.controls().request_count(Endpoint::Stat), 1);
    assert_eq!(*new_events.lock().unwrap(), 1);

    // connect to an unreachable URL calls on_failed(name, url).
    let failed = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = failed.clone();
    assert!(cm_compat_nucleus::connect(
        "bad",
        "omniverse://",
        None,
        Some(Box::new(move |n, u| sink
            .lock()
            .unwrap()
            .push(format!("{n}|{u}")))),
    ));
    wait::until(wait::DEADLINE, "the failure", || {
        !failed.lock().unwrap().is_empty()
    });
    assert_eq!(failed.lock().unwrap()[0], "bad|omniverse://");

    // disconnect signs out; reconnect reconnects and calls on_success(url).
    assert!(cm_compat_nucleus::disconnect(&url));
    assert_eq!(
        manager.connection_status(&url),
        Some(ConnectionStatus::SignedOut)
    );
    assert!(!cm_compat_nucleus::disconnect("https://example.com/"));
    let reconnected = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = reconnected.clone();
    assert!(cm_compat_nucleus::reconnect(
        &url,
        Some(Box::new(move |u| sink.lock().unwrap().push(u.to_owned()))),
        None,
    ));
    wait::until(wait::DEADLINE, "the reconnect", || {
        !reconnected.lock().unwrap().is_empty()
    });
    assert_eq!(
        manager.connection_status(&url),
        Some(ConnectionStatus::Connected)
    );
    assert!(!cm_compat_nucleus::reconnect(
        "https://example.com/",
        None,
        None
    ));

    // connect_with_dialog opens the Nucleus dialog; the old callback shape still works.
    let added = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = added.clone();
    let dialog = cm_compat_nucleus::connect_with_dialog(
        Some(cm_compat_nucleus::LegacySuccess::WithServerType(Box::new(
            move |n, _u, t| {
                sink.lock().unwrap().push(format!("{n}|{t}"));
            },
        ))),
        None,
    )
    .unwrap();
    assert_eq!(dialog.kind(), cm_manager::dialogs::ServerKind::Nucleus);
    dialog.set_name("Studio");
    dialog.set_url(&url);
    futures_lite_block_on(dialog.submit());
    assert_eq!(*added.lock().unwrap(), vec!["Studio|omniverse"]);
    let _ = cm_compat_nucleus::connect_with_dialog(None, None).map(|d| d.cancel());

    // The new event fired for each real connection, and the old one beside it.
    assert_eq!(*new_events.lock().unwrap(), 2);
    assert_eq!(*old_events.lock().unwrap(), 2);

    // One warning per function, however often it was called.
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    for function in ["connect", "connect_with_dialog", "reconnect", "disconnect"] {
        let needle = format!("cm_compat_nucleus::{function} is deprecated");
        assert_eq!(text.matches(&needle).count(), 1, "{function}:\n{text}");
    }
    let needle = "the event omni.kit.widget.nucleus_connector.CONNECTION_SUCCEEDED is deprecated";
    assert_eq!(text.matches(needle).count(), 1, "{text}");
    cm_manager::shutdown();
}

/// Drives a future on this thread (the manager answers from its own thread).
fn futures_lite_block_on<F: std::future::Future>(future: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(future)
}
