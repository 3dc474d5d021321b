//! A fixed workload for instruction-count profiling (callgrind) of the reload
//! diff: a model holding `N` bookmarks applies `K` times (each on a fresh O(1)
//! clone) the same file with 1 % of them renamed, like the `reload_diff`
//! benchmarks. Run it with `K` and with 0 and divide the difference by `K`:
//!
//! ```text
//! cargo build --profile bench -p cm-registry --example reload_cost
//! valgrind --tool=callgrind target/release/examples/reload_cost 10000 4
//! valgrind --tool=callgrind target/release/examples/reload_cost 10000 0
//! ```
//!
//! A third argument picks another file: `same` (the file memory holds, as in
//! `reload_diff/10000_bookmarks_unchanged`) or `delete` (one bookmark removed
//! from the middle, which shifts every later position).
use cm_registry::RegistryModel;
use cm_toml_store::{BookmarkEntry, Sections};
fn bookmarks(n: usize, renamed: usize) -> Sections {
    Sections {
        bookmarks: (0..n)
            .map(|i| BookmarkEntry {
                name: if i < renamed {
                    format!("renamed {i}")
                } else {
                    format!("bookmark {i}")
                },
                url: format!("omniverse://server-{}.example.com/Projects/{i}/", i % 50),
            })
            .collect(),
        ..Sections::default()
    }
}
fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let reps: usize = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    let before = bookmarks(n, 0);
    let after = match std::env::args().nth(3).as_deref() {
        Some("same") => before.clone(),
        Some("delete") => {
            let mut file = before.clone();
            file.bookmarks.remove(n / 2);
            file
        }
        _ => bookmarks(n, n / 100),
    };
    let mut model = RegistryModel::new();
    model.apply_sections(&before);
    for _ in 0..reps {
        let mut m = model.clone();
        std::hint::black_box(m.apply_sections(&after).events.len());
    }
}
