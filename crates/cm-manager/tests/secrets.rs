//! No secret leaves memory through the library: a run that signs in with a password and with
//! a token, adds servers, bookmarks and a discovery server whose URLs carry `user:password@`,
//! fails sign-ins on purpose and has an observer panic while credentials are in play. Every
//! piece of text the run produces is collected and searched for the secrets: Debug and
//! Display of every credential-carrying type and error, event payloads from the dispatcher,
//! every TRACE-level log line (ours and the dependencies'), the panic message, and
//! omniverse.toml.

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cm_discovery::{DiscoveryClient, HttpDiscoveryClient, HttpDiscoveryConfig};
use cm_events::Dispatcher;
use cm_manager::{
    AuthAnswer, HttpStorageClient, HttpStorageConfig, ManagerConfig, ManagerHandle, Reachable,
    Secret, StorageClient,
};
use cm_registry::RegistryConfig;
use cm_registry::events::ALL_EVENTS;
use cm_testkit::{Endpoint, TestServer, TestServerConfig};

const PASSWORD: &str = "pw-Lib-8f3e1c";
const WRONG_PASSWORD: &str = "pw-Wrong-77aa21";
const TOKEN: &str = "tok-Lib-5d9b02";
const URL_PASSWORD: &str = "urlpw-Lib-c4e7";

/// One output: where it came from, and its bytes.
type Output = (String, Vec<u8>);

/// Everything the run printed, logged or wrote, by source.
#[derive(Clone, Default)]
struct Collected(Arc<Mutex<Vec<Output>>>);

impl Collected {
    fn add(&self, source: &str, text: impl AsRef<[u8]>) {
        self.0
            .lock()
            .unwrap()
            .push((source.to_owned(), text.as_ref().to_vec()));
    }
    fn debug_and_display<T: std::fmt::Debug + std::fmt::Display>(&self, source: &str, value: &T) {
        self.add(&format!("{source} (Debug)"), format!("{value:?}"));
        self.add(&format!("{source} (Display)"), value.to_string());
    }
}

/// A `tracing` writer appending to a shared buffer.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const MODE_PASSWORD: u8 = 0;
const MODE_TOKEN: u8 = 1;
const MODE_WRONG: u8 = 2;

#[test]
fn no_secret_reaches_debug_display_events_logs_panics_or_the_file() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();
    let out = Collected::default();

    let server = TestServer::start(
        TestServerConfig::default()
            .with_user("alice", PASSWORD)
            .with_token(TOKEN)
            .with_required_token(true)
            .with_path("/Projects/a.usd")
            .with_storage_addresses(["omniverse://discovered.invalid/"]),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("omniverse.toml");
    let dispatcher = Dispatcher::new();
    let config = ManagerConfig::new(RegistryConfig::new(&path).watch(false))
        .retry_budget(Duration::from_secs(2))
        .dispatcher(dispatcher.clone());
    out.add("ManagerConfig", format!("{config:?}"));
    let manager = ManagerHandle::start(config).unwrap();

    // Every event payload, as JSON.
    let mut guards = Vec::new();
    assert!(ALL_EVENTS.contains(&cm_manager::CONNECTION_SUCCEEDED_EVENT));
    for name in ALL_EVENTS.iter().copied() {
        let sink = out.clone();
        guards.push(dispatcher.observe("secrets-test", 0, name, None, move |e| {
            sink.add(
                "event payload",
                format!("{} {} {:?}", e.name().as_str(), e.payload().to_json(), e),
            );
        }));
    }
    // A panicking observer while a signed-in connection is announced: its message (which
    // quotes the payload) and the dispatcher's report of it are collected.
    let panics = Arc::new(Mutex::new(Vec::new()));
    let sink = panics.clone();
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        sink.lock().unwrap().push(info.to_string());
    }));
    guards.push(dispatcher.observe(
        "panicking-observer",
        1,
        cm_manager::CONNECTION_SUCCEEDED_EVENT,
        None,
        |e| panic!("observer gave up on {}", e.payload().to_json()),
    ));

    let mode = Arc::new(AtomicU8::new(MODE_PASSWORD));
    let asked = Arc::new(Mutex::new(Vec::new()));
    {
        let mode = mode.clone();
        let asked = asked.clone();
        manager
            .storage()
            .auth()
            .register_auth_callback("", move |request| {
                asked.lock().unwrap().push(format!("{request:?}"));
                match mode.load(Ordering::SeqCst) {
                    MODE_PASSWORD => AuthAnswer::UserPassword {
                        username: "alice".into(),
                        password: Secret::new(PASSWORD),
                    },
                    MODE_TOKEN => AuthAnswer::Token(Secret::new(TOKEN)),
                    _ => AuthAnswer::UserPassword {
                        username: "alice".into(),
                        password: Secret::new(WRONG_PASSWORD),
                    },
                }
            });
    }
    let with_userinfo = format!(
        "omniverse://alice:{URL_PASSWORD}@127.0.0.1:{}/Projects/a.usd",
        server.port()
    );

    // 1. Password sign-in, through a URL that itself carries a password.
    let result = manager.ensure_connection_blocking(&with_userinfo);
    assert!(
        matches!(result, Ok(Reachable::Connected { .. })),
        "{result:?}"
    );
    out.add("ensure result (password)", format!("{result:?}"));
    assert_eq!(server.controls().request_count(Endpoint::Token), 1);
    assert_eq!(
        panics.lock().unwrap().len(),
        1,
        "the observer panicked once"
    );

    // 2. Sign out, then sign in with a token.
    assert!(manager.disconnect_blocking(&with_userinfo));
    mode.store(MODE_TOKEN, Ordering::SeqCst);
    let result = manager.ensure_connection_blocking(&with_userinfo);
    assert!(
        matches!(result, Ok(Reachable::Connected { .. })),
        "{result:?}"
    );
    out.add("ensure result (token)", format!("{result:?}"));
    let bearers: Vec<String> = server
        .controls()
        .requests()
        .into_iter()
        .filter_map(|r| r.bearer_token)
        .collect();
    assert!(
        bearers.iter().any(|t| t == TOKEN),
        "the token was used: {bearers:?}"
    );

    // 3. Rejected credentials: the error names the server, not the password.
    assert!(manager.disconnect_blocking(&with_userinfo));
    mode.store(MODE_WRONG, Ordering::SeqCst);
    let failed = manager
        .ensure_connection_blocking(&with_userinfo)
        .unwrap_err();
    out.debug_and_display("EnsureError (rejected password)", &failed);

    // The storage client directly: its errors and its Debug.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = HttpStorageClient::new(HttpStorageConfig::default()).unwrap();
    client
        .auth()
        .register_auth_callback("", |_| AuthAnswer::Token(Secret::new(WRONG_PASSWORD)));
    let storage_error = runtime.block_on(client.stat(&with_userinfo)).unwrap_err();
    out.debug_and_display("StorageError", &storage_error);
    out.add("HttpStorageClient", format!("{client:?}"));
    out.add("ManagerHandle", format!("{manager:?}"));

    // 4. Discovery: a URL with a password and a token-like query, and an unreachable one.
    let discovery = HttpDiscoveryClient::new(HttpDiscoveryConfig::default()).unwrap();
    let discovery_error = runtime
        .block_on(discovery.discover(&format!(
            "http://alice:{URL_PASSWORD}@127.0.0.1:9/discovery?token={TOKEN}"
        )))
        .unwrap_err();
    out.debug_and_display("DiscoveryError", &discovery_error);
    let registry = manager.registry();
    let discovery_url = format!(
        "http://alice:{URL_PASSWORD}@127.0.0.1:{}/discovery",
        server.port()
    );
    let id = futures::executor::block_on(registry.add_discovery_server("Studio", &discovery_url))
        .unwrap();
    let settled = futures::executor::block_on(registry.wait_for(|s| {
        s.discovery_server(id)
            .is_some_and(|d| d.status.is_settled())
    }))
    .unwrap();
    out.add("RegistrySnapshot", format!("{settled:?}"));

    // 5. Servers and bookmarks with credentials in their URLs.
    let with_password = |host: &str| format!("omniverse://bob:{URL_PASSWORD}@{host}/");
    futures::executor::block_on(
        registry.add_manual_server("Other", &with_password("other.example:3009")),
    )
    .unwrap();
    futures::executor::block_on(registry.add_bookmark(
        "Project",
        &format!("{}Projects/", with_password("other.example:3009")),
    ))
    .unwrap();
    let duplicate = futures::executor::block_on(
        registry.add_manual_server("Again", &with_password("other.example:3009")),
    )
    .unwrap_err();
    out.debug_and_display("RegistryError (duplicate)", &duplicate);
    let invalid = futures::executor::block_on(
        registry.add_bookmark("Broken", &format!("omniverse://bob:{URL_PASSWORD}@/x")),
    )
    .unwrap_err();
    out.debug_and_display("RegistryError (invalid URL)", &invalid);
    out.add("bookmarks", format!("{:?}", manager.bookmarks()));
    out.add("snapshot", format!("{:?}", registry.snapshot()));
    let parsed = cm_url::parse(&with_userinfo).unwrap();
    out.add("cm_url::ServerUrl", format!("{parsed:?}"));
    out.add("cm_url::redact", cm_url::redact(&with_userinfo));

    // Secrets as credential types print them.
    out.add("Secret", format!("{:?}", Secret::new(PASSWORD)));
    out.add(
        "AuthAnswer",
        format!(
            "{:?} {:?}",
            AuthAnswer::Token(Secret::new(TOKEN)),
            AuthAnswer::UserPassword {
                username: "alice".into(),
                password: Secret::new(PASSWORD)
            }
        ),
    );
    out.add("AuthRequest", asked.lock().unwrap().join("\n"));

    manager.shutdown();
    std::panic::set_hook(previous_hook);
    drop(guards);
    out.add("panic messages", panics.lock().unwrap().join("\n"));
    out.add("omniverse.toml", std::fs::read(&path).unwrap());
    out.add("logs (TRACE)", logs.0.lock().unwrap().clone());

    // Every token the server issued for the password is a secret too.
    let mut secrets: Vec<String> = vec![
        PASSWORD.into(),
        WRONG_PASSWORD.into(),
        TOKEN.into(),
        URL_PASSWORD.into(),
    ];
    secrets.extend(
        server
            .controls()
            .requests()
            .into_iter()
            .filter_map(|r| r.bearer_token),
    );
    secrets.sort();
    secrets.dedup();

    let collected = out.0.lock().unwrap();
    if std::env::var_os("CM_SECRETS_DUMP").is_some() {
        for (source, text) in collected.iter() {
            eprintln!("=== {source}\n{}", String::from_utf8_lossy(text));
        }
    }
    let bytes: usize = collected.iter().map(|(_, b)| b.len()).sum();
    let mut hits = Vec::new();
    for (source, text) in collected.iter() {
        let text = String::from_utf8_lossy(text);
        for secret in &secrets {
            for line in text.lines().filter(|l| l.contains(secret.as_str())) {
                hits.push(format!("{source}: {line}"));
            }
        }
    }
    println!(
        "stress-result: secrets-lib outputs_checked={} bytes_checked={bytes} secret_hits={}",
        collected.len(),
        hits.len()
    );
    // The checks saw real traffic: the logs mention the server, the file holds the servers.
    let logs = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(logs.contains("127.0.0.1"), "TRACE logs were captured");
    assert!(hits.is_empty(), "secrets leaked:\n{}", hits.join("\n"));
}
