//! While the shim is in use, an observer registered on the old name
//! `omni.kit.widget.nucleus_connector.CONNECTION_SUCCEEDED` sees the event once per new
//! connection (whoever made it), with the old payload keys, by name and by its legacy integer
//! type; the first delivery logs the one deprecation warning. One test: the manager and the
//! tracing subscriber are process-wide.
#![allow(deprecated)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use cm_events::{Dispatcher, LegacySide, type_from_string};
use cm_manager::ManagerConfig;
use cm_testkit::{TestServer, TestServerConfig, wait};

const OLD_NAME: &str = "omni.kit.widget.nucleus_connector.CONNECTION_SUCCEEDED";
const WARNING: &str =
    "the event omni.kit.widget.nucleus_connector.CONNECTION_SUCCEEDED is deprecated";

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

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Every payload seen by one observer, as JSON text.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);

impl Seen {
    fn record(&self) -> impl Fn(&cm_events::Event<'_>) + Send + Sync + 'static {
        let sink = self.0.clone();
        move |event| {
            sink.lock()
                .unwrap()
                .push(event.payload().to_json().to_string())
        }
    }
    fn get(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// `{"url":"<url>"}`, the old event's whole payload.
fn old_payload(url: &str) -> String {
    serde_json::json!({ "url": url }).to_string()
}

#[test]
fn an_old_name_observer_sees_the_event_once_per_new_connection_through_the_shim() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let servers: Vec<TestServer> = (0..3)
        .map(|_| TestServer::start(TestServerConfig::default()).unwrap())
        .collect();
    let [before, first, second] = [0, 1, 2].map(|i| servers[i].storage_url());
    let dispatcher = Dispatcher::new();
    let manager =
        cm_manager::startup(ManagerConfig::in_memory().dispatcher(dispatcher.clone())).unwrap();
    assert!(manager.dispatcher().ptr_eq(&dispatcher));

    let old = Seen::default();
    let _old = dispatcher.observe("old", 0, OLD_NAME, None, old.record());
    let new = Seen::default();
    let _new = dispatcher.observe(
        "new",
        0,
        cm_manager::CONNECTION_SUCCEEDED_EVENT,
        None,
        new.record(),
    );
    // A new-style observer that consumes the event does not hide it from old observers.
    let _consumer = dispatcher.observe(
        "consumer",
        1,
        cm_manager::CONNECTION_SUCCEEDED_EVENT,
        None,
        |event| event.consume(),
    );

    // Before the shim is used nothing is dispatched under the old name.
    assert!(cm_manager::ensure_connection_blocking(&before).is_ok());
    assert_eq!(new.get().len(), 1);
    assert!(old.get().is_empty());

    // In use: enabling twice installs one forwarder, so each connection arrives once.
    assert!(cm_compat_nucleus::enable_legacy_success_event());
    assert!(cm_compat_nucleus::enable_legacy_success_event());
    let legacy = Seen::default();
    let _legacy = dispatcher
        .observe_legacy(
            "legacy",
            0,
            type_from_string(OLD_NAME),
            LegacySide::Pop,
            legacy.record(),
        )
        .expect("the old name is the alias of its integer type");
    assert_eq!(type_from_string(OLD_NAME).0, 12_539_978_195_413_966_289);
    assert!(
        !logs.text().contains(WARNING),
        "no delivery yet: {}",
        logs.text()
    );

    // A connection made by new code, then a cached answer (no new connection, no event).
    assert!(cm_manager::ensure_connection_blocking(&first).is_ok());
    assert!(cm_manager::ensure_connection_blocking(&first).is_ok());
    // A connection made through the shim's old API.
    let connected = Arc::new(Mutex::new(0));
    let sink = connected.clone();
    assert!(cm_compat_nucleus::connect(
        "second",
        &second,
        Some(cm_compat_nucleus::LegacySuccess::NameUrl(Box::new(
            move |_, _| *sink.lock().unwrap() += 1
        ))),
        None,
    ));
    wait::until(wait::DEADLINE, "the shim's connect", || {
        *connected.lock().unwrap() == 1
    });
    // A reconnect is a new connection.
    let reconnected = Arc::new(Mutex::new(0));
    let sink = reconnected.clone();
    assert!(cm_compat_nucleus::reconnect(
        &first,
        Some(Box::new(move |_| *sink.lock().unwrap() += 1)),
        None,
    ));
    wait::until(wait::DEADLINE, "the reconnect", || {
        *reconnected.lock().unwrap() == 1
    });

    // The old event fires after the new one within each dispatch, so it has arrived by now.
    let expected = [
        old_payload(&first),
        old_payload(&second),
        old_payload(&first),
    ];
    assert_eq!(old.get(), expected);
    assert_eq!(legacy.get(), expected);
    assert_eq!(new.get().len(), 4, "{:?}", new.get());
    assert!(
        new.get().iter().all(|p| p.contains("\"server_url\"")),
        "the new event keeps its own payload: {:?}",
        new.get()
    );

    // One warning, on the first delivery only.
    assert_eq!(logs.text().matches(WARNING).count(), 1, "{}", logs.text());
    cm_manager::shutdown();
}
