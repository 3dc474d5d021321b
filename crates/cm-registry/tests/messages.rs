//! Every registry message, its answer and the exact events it emits.

mod common;

use cm_registry::{RegistryError, ServerMatch};
use common::{Recorder, start_in_memory, start_persisted, toml_path};

#[actix_rt::test]
async fn bookmark_messages_emit_their_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = toml_path(dir.path());
    let recorder = Recorder::new();
    let registry = start_persisted(&path, &recorder);

    registry
        .add_bookmark("Projects", "OMNIVERSE://My-Server/Projects/")
        .await
        .unwrap();
    registry
        .add_bookmark("Secret", "omniverse://alice:hunter2@my-server/Users/alice/")
        .await
        .unwrap();
    registry
        .rename_bookmark("Projects", "Work", "omniverse://my-server/Projects/")
        .await
        .unwrap();
    registry
        .rename_bookmark("Work", "Work", "omniverse://my-server/Work/")
        .await
        .unwrap();
    let removed = registry.remove_bookmark("Secret").await.unwrap();
    assert_eq!(&*removed.url, "omniverse://my-server/Users/alice/");

    insta::assert_snapshot!("bookmark_events", recorder.take());
    insta::assert_snapshot!("bookmark_file", std::fs::read_to_string(&path).unwrap());
    let names: Vec<_> = registry
        .bookmarks()
        .iter()
        .map(|b| b.name.to_string())
        .collect();
    assert_eq!(names, ["Work"]);
}

#[actix_rt::test]
async fn server_messages_emit_their_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = toml_path(dir.path());
    let recorder = Recorder::new();
    let registry = start_persisted(&path, &recorder);

    let nucleus = registry
        .add_manual_server("my-server", "omniverse://my-server/Projects/")
        .await
        .unwrap();
    let s3 = registry
        .add_manual_server("S3 Bucket", "https://mybucket.s3.amazonaws.com/")
        .await
        .unwrap();
    let discovery = registry
        .add_discovery_server("My Storage", "https://discovery.example.com/")
        .await
        .unwrap();
    assert_ne!(nucleus, s3);
    assert_eq!(discovery.to_string(), discovery.get().to_string());

    let snapshot = registry.snapshot();
    assert_eq!(snapshot.manual_servers().len(), 2);
    assert_eq!(snapshot.discovery_servers()[0].id, discovery);
    match registry.find_server_for_url("omniverse://MY-SERVER/Projects/a.usd") {
        Some(ServerMatch::Manual(server)) => assert_eq!(server.id, nucleus),
        other => panic!("unexpected {other:?}"),
    }
    assert!(registry.find_server_for_url("omniverse://other/").is_none());
    insta::assert_snapshot!("server_file", std::fs::read_to_string(&path).unwrap());

    registry.remove_manual_server(s3).await.unwrap();
    registry.remove_discovery_server(discovery).await.unwrap();
    insta::assert_snapshot!("server_events", recorder.take());
    assert!(registry.snapshot().discovery_servers().is_empty());
}

#[actix_rt::test]
async fn invalid_requests_return_typed_errors_and_emit_nothing() {
    let recorder = Recorder::new();
    let registry = start_in_memory(&recorder);
    registry
        .add_bookmark("a", "omniverse://h/a/")
        .await
        .unwrap();
    let id = registry
        .add_manual_server("H", "omniverse://h/")
        .await
        .unwrap();
    recorder.take();

    let errors = vec![
        registry
            .add_bookmark("a", "omniverse://h/other/")
            .await
            .unwrap_err(),
        registry
            .add_bookmark("b", "OMNIVERSE://H/a/")
            .await
            .unwrap_err(),
        registry.add_bookmark("c", "not a url").await.unwrap_err(),
        registry
            .add_bookmark("  ", "omniverse://h/c/")
            .await
            .unwrap_err(),
        registry.add_bookmark("d", "ftp://h/").await.unwrap_err(),
        registry.remove_bookmark("nope").await.unwrap_err(),
        registry
            .rename_bookmark("nope", "x", "omniverse://h/x/")
            .await
            .unwrap_err(),
        registry
            .add_manual_server("H", "omniverse://other/")
            .await
            .unwrap_err(),
        registry
            .add_manual_server("H2", "omniverse://h/deep/path")
            .await
            .unwrap_err(),
        registry
            .add_discovery_server("H", "https://d.example/")
            .await
            .unwrap_err(),
        registry
            .add_discovery_server("D", "omniverse://d.example/")
            .await
            .unwrap_err(),
        registry
            .remove_manual_server(cm_registry::ServerId(999))
            .await
            .unwrap_err(),
        registry.remove_discovery_server(id).await.unwrap_err(),
        registry
            .refresh_discovery(Some(cm_registry::ServerId(999)))
            .await
            .unwrap_err(),
        registry
            .add_bookmark(
                "signed",
                "https://b.s3.amazonaws.com/k.usd?X-Amz-Credential=AKIA&X-Amz-Signature=f00d",
            )
            .await
            .unwrap_err(),
        registry
            .rename_bookmark("a", "a", "omniverse://h/a/#access_token=t0k")
            .await
            .unwrap_err(),
        registry
            .add_discovery_server("S", "https://d.example/discovery?sig=abc")
            .await
            .unwrap_err(),
    ];
    assert!(errors.iter().all(|e| !e.change_applied()));
    assert!(matches!(
        errors[0],
        RegistryError::DuplicateBookmarkName { .. }
    ));
    assert!(matches!(
        errors[1],
        RegistryError::DuplicateBookmarkUrl { .. }
    ));
    assert!(matches!(errors[2], RegistryError::InvalidUrl { .. }));
    for signed in &errors[14..] {
        assert!(
            matches!(signed, RegistryError::CredentialInUrl { .. }),
            "{signed:?}"
        );
        let text = signed.to_string();
        assert!(
            !text.contains("f00d") && !text.contains("t0k") && !text.contains("abc"),
            "the credential is redacted: {text}"
        );
    }
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!("error_messages", messages.join("\n"));
    assert_eq!(recorder.take(), "");
    assert_eq!(registry.snapshot().bookmarks().len(), 1);
}

#[actix_rt::test]
async fn no_op_rename_emits_nothing_and_snapshot_messages_answer() {
    let recorder = Recorder::new();
    let registry = start_in_memory(&recorder);
    registry
        .add_bookmark("a", "omniverse://h/a/")
        .await
        .unwrap();
    let generation = registry.snapshot().generation();
    registry
        .rename_bookmark("a", "a", "OMNIVERSE://H/a/")
        .await
        .unwrap();
    assert_eq!(registry.snapshot().generation(), generation);
    let synced = registry.synced_snapshot().await.unwrap();
    assert_eq!(synced.generation(), generation);
    let found = registry
        .addr()
        .send(cm_registry::messages::FindServerForUrl {
            url: "omniverse://h/a/".into(),
        })
        .await
        .unwrap();
    assert!(found.is_none());
    assert_eq!(recorder.lines().len(), 1);
}

#[actix_rt::test]
async fn events_are_legacy_aliases_of_their_integer_types() {
    let recorder = Recorder::new();
    let _registry = start_in_memory(&recorder);
    for name in cm_registry::events::ALL_EVENTS {
        let ty = cm_events::type_from_string(name);
        let alias = recorder
            .dispatcher
            .event_alias(ty)
            .expect("alias registered");
        assert_eq!(alias.deferred.as_str(), name);
        assert!(name.starts_with(cm_registry::events::NAMESPACE));
    }
}

#[actix_rt::test]
async fn snapshot_queries_find_servers_by_url_name_and_id() {
    let recorder = Recorder::new();
    let registry = start_in_memory(&recorder);
    let m = registry
        .add_manual_server("Bucket", "https://s3.amazonaws.com/bucket/key")
        .await
        .unwrap();
    let d = registry
        .add_discovery_server("Disc", "HTTPS://D.example")
        .await
        .unwrap();
    let s = registry.snapshot();
    assert_eq!(
        s.manual_server_by_url("https://s3.amazonaws.com/bucket/other")
            .unwrap()
            .id,
        m
    );
    assert!(
        s.manual_server_by_url("https://s3.amazonaws.com/other/")
            .is_none()
    );
    assert_eq!(
        s.discovery_server_by_url("https://d.example/").unwrap().id,
        d
    );
    assert_eq!(s.server_id_by_name("Bucket"), Some(m));
    assert_eq!(s.server_id_by_name("Disc"), Some(d));
    assert_eq!(s.manual_server(m).unwrap().kind, cm_registry::UrlKind::S3);
    assert_eq!(
        &*s.manual_server(m).unwrap().url,
        "https://s3.amazonaws.com/bucket/"
    );
    assert!(s.discovery_server(m).is_none());
}

#[actix_rt::test]
async fn the_registry_can_run_and_dispatch_on_its_own_arbiter() {
    let recorder = Recorder::new();
    let arbiter = actix::Arbiter::new();
    let thread = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen = thread.clone();
    let _guard = recorder.dispatcher.observe(
        "thread",
        0,
        cm_registry::events::BOOKMARK_ADDED_EVENT,
        None,
        move |_| *seen.lock().unwrap() = Some(std::thread::current().id()),
    );
    let registry = cm_registry::ConnectionRegistry::start(
        cm_registry::RegistryConfig::in_memory()
            .discovery(false)
            .dispatcher(recorder.dispatcher.clone())
            .arbiter(arbiter.handle()),
    );
    registry
        .add_bookmark("a", "omniverse://h/a/")
        .await
        .unwrap();
    let dispatched_on = thread.lock().unwrap().expect("event dispatched");
    assert_ne!(dispatched_on, std::thread::current().id());
    assert_eq!(recorder.len(), 1);
    arbiter.stop();
}
