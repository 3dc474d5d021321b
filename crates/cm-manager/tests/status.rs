//! The connection status transition table, and the sequences a real client goes through.

mod common;

use cm_manager::{
    AuthAnswer, ConnectionStatus, HttpStorageClient, HttpStorageConfig, ResultCode, Secret,
    StatusBoard, StorageClient,
};
use cm_testkit::{TestServer, TestServerConfig};

#[test]
fn transition_table() {
    // Columns are numbered like the rows; x = allowed.
    let mut table = format!("{:<21}", "from \\ to");
    for i in 0..ConnectionStatus::ALL.len() {
        table.push_str(&format!("{i:>3}"));
    }
    for (i, from) in ConnectionStatus::ALL.into_iter().enumerate() {
        table.push_str(&format!("\n{i:>2} {:<18}", from.as_str()));
        for to in ConnectionStatus::ALL {
            table.push_str(if from.can_transition_to(to) {
                "  x"
            } else {
                "  ."
            });
        }
    }
    insta::assert_snapshot!(table);
}

#[test]
fn the_board_refuses_invalid_transitions_and_reports_valid_ones() {
    let board = StatusBoard::new();
    let mut changes = board.changes();
    let server = "omniverse://h/";
    for from in ConnectionStatus::ALL {
        for to in ConnectionStatus::ALL {
            // Walk to `from` by a valid path first: Disconnected -> Connecting -> from.
            let board = StatusBoard::new();
            let _ = board.transition(server, ConnectionStatus::Connecting);
            if from != ConnectionStatus::Connecting {
                let _ = board.transition(server, ConnectionStatus::Connected);
                let _ = board.transition(server, ConnectionStatus::Connecting);
                let _ = board.transition(server, from);
            }
            assert_eq!(board.get(server), from);
            let result = board.transition(server, to);
            match (from == to, from.can_transition_to(to)) {
                (true, _) => assert_eq!(result, Ok(false)),
                (false, true) => assert_eq!(result, Ok(true)),
                (false, false) => {
                    assert!(result.is_err(), "{from} -> {to}");
                    assert_eq!(board.get(server), from);
                }
            }
        }
    }
    board
        .transition(server, ConnectionStatus::Connecting)
        .unwrap();
    assert_eq!(changes.try_recv().unwrap().to, ConnectionStatus::Connecting);
}

async fn statuses_of(client: &HttpStorageClient, action: impl std::future::Future) -> Vec<String> {
    let mut changes = client.board().changes();
    action.await;
    let mut seen = Vec::new();
    while let Ok(change) = changes.try_recv() {
        seen.push(format!("{} -> {}", change.from, change.to));
    }
    seen
}

#[tokio::test]
async fn http_client_status_sequences() {
    let server = TestServer::start(
        TestServerConfig::default()
            .with_required_token(true)
            .with_user("alice", "secret"),
    )
    .unwrap();
    let client = HttpStorageClient::new(HttpStorageConfig::default()).unwrap();
    let root = server.storage_url();
    let mut sequences = Vec::new();

    client.auth().register_auth_callback("", |r| {
        if r.attempt == 1 {
            AuthAnswer::Abort
        } else {
            AuthAnswer::Token(Secret::new("unused"))
        }
    });
    sequences.push(("abort", statuses_of(&client, client.stat(&root)).await));

    let client = HttpStorageClient::new(HttpStorageConfig::default()).unwrap();
    client
        .auth()
        .register_auth_callback("", |_| AuthAnswer::UserPassword {
            username: "alice".into(),
            password: Secret::new("secret"),
        });
    sequences.push(("sign in", statuses_of(&client, client.stat(&root)).await));
    sequences.push((
        "sign out",
        statuses_of(&client, client.sign_out(&root)).await,
    ));
    sequences.push((
        "sign in again",
        statuses_of(&client, client.stat(&root)).await,
    ));
    server.controls().go_down().unwrap();
    let failed = client.stat(&root).await.unwrap_err();
    assert_eq!(failed.code, ResultCode::Connection);
    assert_eq!(client.status(&root), ConnectionStatus::Disconnected);
    sequences.push(("server gone", vec![format!("{:?}", failed.status)]));
    sequences.push(("still down", statuses_of(&client, client.stat(&root)).await));
    server.controls().go_up().unwrap();
    sequences.push((
        "reconnect",
        statuses_of(&client, client.reconnect(&root)).await,
    ));

    insta::assert_yaml_snapshot!(sequences);
}

#[tokio::test]
async fn not_found_still_proves_the_server_reachable() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let client = HttpStorageClient::new(HttpStorageConfig::default()).unwrap();
    let url = format!("{}missing.usd", server.storage_url());
    let error = client.stat(&url).await.unwrap_err();
    assert_eq!(error.code, ResultCode::NotFound);
    assert_eq!(
        client.status(&server.storage_url()),
        ConnectionStatus::Connected
    );
}

#[tokio::test]
async fn bad_answers_are_incompatible_and_never_buffered_whole() {
    use cm_testkit::{Endpoint, Fault, Times};
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let client = HttpStorageClient::new(HttpStorageConfig::default()).unwrap();
    let root = server.storage_url();
    server
        .controls()
        .inject(Endpoint::Stat, Fault::MalformedBody, Times::Next(1));
    let error = client.stat(&root).await.unwrap_err();
    assert_eq!(error.code, ResultCode::ServerIncompatible);
    assert_eq!(error.status, ConnectionStatus::ServerIncompatible);

    server.controls().inject(
        Endpoint::Stat,
        Fault::OversizedBody {
            bytes: 100 * 1024 * 1024,
        },
        Times::Next(1),
    );
    let started = std::time::Instant::now();
    let error = client.stat(&root).await.unwrap_err();
    assert_eq!(error.code, ResultCode::ServerIncompatible);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[tokio::test]
async fn forbidden_is_not_retried_with_other_credentials() {
    use cm_testkit::{Endpoint, Times};
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let client = HttpStorageClient::new(HttpStorageConfig::default()).unwrap();
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counter = asked.clone();
    client.auth().register_auth_callback("", move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        AuthAnswer::Abort
    });
    server.controls().fail(Endpoint::Stat, 403, Times::Next(1));
    let error = client.stat(&server.storage_url()).await.unwrap_err();
    assert_eq!(error.code, ResultCode::AccessDenied);
    assert_eq!(error.status, ConnectionStatus::AuthFailed);
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 0);
}
