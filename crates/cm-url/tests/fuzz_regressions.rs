//! Inputs the cm-reliability fuzzer (`fuzz/fuzz_targets/url.rs`) found, kept as plain tests.
//! The raw inputs also live in `fuzz/regressions/url/` and are replayed there.

/// `https://4.../` normalised to `https://4/`, which the host parser reads as the IPv4
/// number 4, so a second normalisation gave `https://0.0.0.4/`: not idempotent.
#[test]
fn a_host_that_becomes_a_number_without_its_trailing_dots_is_normalised_once() {
    for (input, expected) in [
        ("https://4./", "https://0.0.0.4/"),
        ("omniverse://4.:3009/x", "omniverse://0.0.0.4:3009/x"),
        ("http://0x7f.1./", "http://127.0.0.1/"),
        ("https://example.com./", "https://example.com/"),
        ("s3://4./key", "s3://4/key"),
    ] {
        let once = cm_url::normalize(input).unwrap();
        assert_eq!(once, expected, "{input}");
        assert_eq!(cm_url::normalize(&once).unwrap(), once, "{input}");
    }
    // Without its dot the host is an invalid IPv4 address: rejected, not silently changed.
    let err = cm_url::normalize("http://1.2.3.999./").unwrap_err();
    assert!(matches!(err, cm_url::UrlError::BadHost { .. }), "{err}");
    // The fuzzer's own inputs had a run of trailing dots: an empty label, refused since
    // issue 23 (one trailing dot, the DNS root, is the only empty label allowed).
    for input in ["https://4.../", "omniverse://4..:3009/x", "s3://4../key"] {
        let err = cm_url::normalize(input).unwrap_err();
        assert!(err.to_string().contains("empty label"), "{input}: {err}");
    }
}
