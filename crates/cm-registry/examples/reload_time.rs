//! Best-of-N wall time of the reload diff, for a machine too loaded for
//! criterion's medians: the `reload_diff` workload (a model holding `N`
//! bookmarks applies a file with 1 % of them renamed in place, on a fresh O(1)
//! clone, dropped inside the timing as in the benchmark), plus the unchanged
//! file at 10 000. The minimum of many runs is the run nothing interrupted.
//!
//! ```text
//! cargo run --release -p cm-registry --example reload_time -- 200
//! ```
use std::time::{Duration, Instant};

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

fn best(model: &RegistryModel, file: &Sections, runs: usize) -> Duration {
    (0..runs)
        .map(|_| {
            let mut m = model.clone();
            let start = Instant::now();
            std::hint::black_box(m.apply_sections(file).events.len());
            drop(m);
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    for n in [1_000usize, 10_000, 100_000] {
        let before = bookmarks(n, 0);
        let after = bookmarks(n, n / 100);
        let mut model = RegistryModel::new();
        model.apply_sections(&before);
        let runs = if n == 100_000 { runs / 4 } else { runs };
        println!(
            "{n}_bookmarks: {:?} (best of {runs})",
            best(&model, &after, runs)
        );
        if n == 10_000 {
            println!("{n}_bookmarks_unchanged: {:?}", best(&model, &before, runs));
        }
    }
}
