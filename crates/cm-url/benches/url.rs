//! Cost of normalising a URL and deriving its server root, per URL family.
//!
//! Ids: `cm_url/normalize/<case>`, `cm_url/server_root/<case>`, plus one `cm_url/redact/<case>`
//! and one `cm_url/is_under/<case>` for the log and lookup paths; `cm_url/url_crate_parse/<case>`
//! is the `url` crate's own parse of the same input, as a baseline.
//! Run: `cargo bench -p cm-url -- --warm-up-time 1 --measurement-time 2`.

use std::hint::black_box;

use criterion::Criterion;

const CASES: &[(&str, &str)] = &[
    (
        "nucleus",
        "omniverse://Nucleus.Example.COM:3009/Projects//Scene.usd",
    ),
    (
        "http_userinfo",
        "https://alice:s3cret@example.com/a/b/c.usd?x=1",
    ),
    (
        "s3_virtual",
        "https://my-bucket.s3.us-west-2.amazonaws.com/scenes/car.usd",
    ),
    (
        "s3_path",
        "https://s3.us-east-1.amazonaws.com/my-bucket/scenes/car.usd",
    ),
    (
        "s3_presigned",
        "https://my-bucket.s3.amazonaws.com/key.usd?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=deadbeef",
    ),
    (
        "azure_blob",
        "https://acct.blob.core.windows.net/container/models/car.usd",
    ),
    ("gs_bucket", "gs://my-bucket/path/obj.usd"),
    ("idn_host", "omniverse://bücher.example/Projekte/"),
    ("ipv6", "omniverse://[2001:DB8::1]:3019/Library/"),
];

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("cm_url");
    for (case, url) in CASES {
        group.bench_function(format!("normalize/{case}"), |b| {
            b.iter(|| cm_url::normalize(black_box(url)))
        });
        group.bench_function(format!("server_root/{case}"), |b| {
            b.iter(|| cm_url::server_root(black_box(url)))
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
