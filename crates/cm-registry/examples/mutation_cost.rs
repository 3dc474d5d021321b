//! A fixed workload for instruction-count profiling (callgrind) of one
//! registry mutation: an in-memory registry holding `N` bookmarks renames one
//! of them `K` times, back and forth, like the `mutation_round_trip` benchmarks.
//!
//! Run it twice under callgrind, with `K` and with 0 renames, and divide the
//! difference in instructions by `K`: that is the cost of one mutation at size
//! `N`, free of the setup (file parse, first load):
//!
//! ```text
//! cargo build --release -p cm-registry --example mutation_cost
//! valgrind --tool=callgrind target/release/examples/mutation_cost 10000 1000
//! valgrind --tool=callgrind target/release/examples/mutation_cost 10000 0
//! ```

use std::fmt::Write as _;

use cm_registry::{ConnectionRegistry, RegistryConfig};

fn main() {
    let mut args = std::env::args().skip(1);
    let bookmarks: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let renames: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);

    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("omniverse.toml");
    let mut text = String::from("[bookmarks]\n\"a\" = \"omniverse://bench/p/\"\n");
    for i in 1..bookmarks {
        writeln!(
            text,
            "\"bookmark {i}\" = \"omniverse://server-{}.example.com/Projects/{i}/\"",
            i % 50
        )
        .expect("writing to a String");
    }
    std::fs::write(&path, text).expect("the fixture file");

    actix::System::new().block_on(async move {
        let registry = ConnectionRegistry::start(
            RegistryConfig::new(&path)
                .persistence(false)
                .watch(false)
                .discovery(false)
                .dispatcher(cm_events::Dispatcher::new()),
        );
        assert_eq!(registry.snapshot().bookmarks().len(), bookmarks);
        for i in 0..renames {
            let (from, to) = if i % 2 == 0 { ("a", "b") } else { ("b", "a") };
            registry
                .rename_bookmark(from, to, "omniverse://bench/p/")
                .await
                .expect("the rename");
        }
        println!(
            "{bookmarks} bookmarks, {renames} renames, generation {}",
            registry.snapshot().generation()
        );
    });
}
