//! Readers on other threads never wait on the actor and always see a
//! consistent snapshot, while the actor applies 10 000 changes.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use common::{Recorder, start_in_memory};

#[actix_rt::test]
async fn eight_readers_see_consistent_snapshots_during_ten_thousand_changes() {
    let recorder = Recorder::new();
    let registry = start_in_memory(&recorder);
    let start_generation = registry.snapshot().generation();
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicU64::new(0));

    let readers: Vec<_> = (0..8)
        .map(|_| {
            let reader = registry.reader().clone();
            let stop = stop.clone();
            let reads = reads.clone();
            std::thread::spawn(move || {
                let mut last_generation = 0;
                while !stop.load(Ordering::Relaxed) {
                    let snapshot = reader.load();
                    assert!(
                        snapshot.generation() >= last_generation,
                        "generation went back"
                    );
                    last_generation = snapshot.generation();
                    // The index always matches the server list of the same snapshot.
                    for server in snapshot.manual_servers() {
                        let found = snapshot
                            .find_server_for_url(&format!("{}x", server.url))
                            .expect("indexed");
                        assert_eq!(found.id(), server.id);
                    }
                    let mut names: Vec<&str> =
                        snapshot.bookmarks().iter().map(|b| &*b.name).collect();
                    names.sort_unstable();
                    names.dedup();
                    assert_eq!(
                        names.len(),
                        snapshot.bookmarks().len(),
                        "duplicate bookmark"
                    );
                    reads.fetch_add(1, Ordering::Relaxed);
                    std::thread::yield_now();
                }
                last_generation
            })
        })
        .collect();

    for i in 0..2_000 {
        let n = i % 50;
        registry
            .add_bookmark(&format!("b{n}"), &format!("omniverse://h/{n}/"))
            .await
            .unwrap();
        registry
            .rename_bookmark(
                &format!("b{n}"),
                &format!("r{n}"),
                &format!("omniverse://h/{n}/"),
            )
            .await
            .unwrap();
        let id = registry
            .add_manual_server(&format!("m{n}"), &format!("https://m{n}.example/"))
            .await
            .unwrap();
        registry.remove_bookmark(&format!("r{n}")).await.unwrap();
        registry.remove_manual_server(id).await.unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let final_generation = registry.snapshot().generation();
    for reader in readers {
        let seen = reader.join().expect("reader panicked");
        assert!(seen <= final_generation);
    }
    assert_eq!(final_generation - start_generation, 10_000);
    assert!(reads.load(Ordering::Relaxed) > 8, "readers made progress");
    assert_eq!(recorder.len(), 10_000);
}
