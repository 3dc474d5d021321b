// The URL families measured by `benches/url.rs` and looped by `examples/bench_loop.rs`
// (one list, so the profiles and the benchmark see the same inputs).

/// (case name, URL as a user might type it)
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
    // The ecosystem's storage spellings (issue 23).
    (
        "abfss_container",
        "abfss://Raw-Data@MyAccount.dfs.core.windows.net/events/2024/part-0.parquet",
    ),
    ("s3a_bucket", "s3a://my-bucket/warehouse/db/table/part-0.parquet"),
    (
        "path_space",
        "omniverse://nucleus.example.com/Projects/My Project/Scene.usd",
    ),
];
