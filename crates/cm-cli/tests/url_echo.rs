//! `cm url normalize|root|kind --json`: `input` is the text given, with only its secrets
//! replaced (not the normalised URL), and every credential-looking query key is hidden
//! (the real `cm` binary).

mod common;

use common::Sandbox;

const GIVEN: &str = "https://bob:hunter2@Example.COM:443/X/y.usd?token=abc&x=1";

#[test]
fn json_input_is_the_given_text_with_only_its_secrets_redacted() {
    let sandbox = Sandbox::new();
    for command in ["normalize", "root", "kind"] {
        let out = sandbox.ok(&["url", command, "--json", GIVEN]);
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            value["input"], "https://bob:REDACTED@Example.COM:443/X/y.usd?token=REDACTED&x=1",
            "{command}: {out}"
        );
        assert_eq!(value["redacted"], true, "{command}: {out}");
    }
    // Only `normalize` has --show-secrets: then `input` is exactly the text given.
    let shown = sandbox.ok(&["url", "normalize", "--json", "--show-secrets", GIVEN]);
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["input"], GIVEN);
}

#[test]
fn credential_query_keys_are_redacted_whatever_their_case() {
    let sandbox = Sandbox::new();
    for key in [
        "auth",
        "jwt",
        "Authorization",
        "x-api-key",
        "X-Api-Key",
        "session",
        "Session",
        "pass",
        "PASS",
    ] {
        let url = format!("https://h.example/x?{key}=SECRET-{key}&v=1");
        for args in [
            vec!["url", "normalize", url.as_str()],
            vec!["url", "normalize", "--json", url.as_str()],
        ] {
            let out = sandbox.ok(&args);
            assert!(!out.contains("SECRET"), "{args:?}: {out}");
            assert!(out.contains(&format!("{key}=REDACTED")), "{args:?}: {out}");
        }
    }
}
