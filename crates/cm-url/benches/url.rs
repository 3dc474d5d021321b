//! Cost of normalising a URL and deriving its server root, per URL family.
//!
//! Ids: `cm_url/normalize/<case>`, `cm_url/server_root/<case>`, plus one `cm_url/redact/<case>`
//! and one `cm_url/is_under/<case>` for the log and lookup paths; `cm_url/url_crate_parse/<case>`
//! is the `url` crate's own parse of the same input, as a baseline. `normalize` and
//! `server_root` also time that parse in alternation inside their own samples
//! ([`cm_benchkit::Pair`]), which is what their ratio targets are read against.
//! Run: `cargo bench -p cm-url -- --warm-up-time 1 --measurement-time 2`.

use std::hint::black_box;

use cm_benchkit::Pair;
use criterion::Criterion;

include!("support/cases.rs");

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("cm_url");
    for (case, url) in CASES {
        let parse = || url::Url::parse(black_box(url));
        let peer = format!("cm_url/url_crate_parse/{case}");
        let mut pair = Pair::new(format!("cm_url/normalize/{case}"), &peer);
        group.bench_function(format!("normalize/{case}"), |b| {
            pair.iter(b, || cm_url::normalize(black_box(url)), parse)
        });
        let mut pair = Pair::new(format!("cm_url/server_root/{case}"), &peer);
        group.bench_function(format!("server_root/{case}"), |b| {
            pair.iter(b, || cm_url::server_root(black_box(url)), parse)
        });
        // Baseline: the `url` crate's parse alone, to read the figures above against when the
        // machine is loaded.
        group.bench_function(format!("url_crate_parse/{case}"), |b| {
            b.iter(|| url::Url::parse(black_box(url)))
        });
    }
    let presigned = CASES[4].1;
    group.bench_function("redact/s3_presigned", |b| {
        b.iter(|| cm_url::redact(black_box(presigned)))
    });
    group.bench_function("is_under/nucleus", |b| {
        b.iter(|| {
            cm_url::is_under(
                black_box("omniverse://nucleus.example.com:3009/Projects/Scene.usd"),
                black_box("omniverse://nucleus.example.com:3009/"),
            )
        })
    });
    group.finish();
}

// Written out instead of `criterion_group!`, whose generated `pub fn` trips `missing_docs`.
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    benches(&mut criterion);
    criterion.final_summary();
}
