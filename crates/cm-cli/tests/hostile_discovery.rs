//! A discovery server is a remote party: what it lists must not put a secret or a local path
//! into omniverse.toml. A real cm-testkit discovery server answers with addresses carrying
//! `?token=`, `X-Amz-Signature`, `X-Amz-Credential`, `sig=`, user info, and a `file:` URL; the
//! real `cm discovery refresh` stores only what is safe, warns on stderr for each refused
//! address naming the discovery server, and the file is grepped for every secret.

mod common;

use cm_testkit::{TestServer, TestServerConfig};
use common::{Sandbox, stderr};

const SECRETS: [&str; 5] = [
    "tok-Disc-81a3",
    "amzsig-Disc-22b7",
    "amzcred-Disc-9e04",
    "sas-Disc-c5d1",
    "pw-Disc-7f60",
];

fn hostile_addresses() -> Vec<String> {
    vec![
        format!("omniverse://h2.example/?token={}", SECRETS[0]),
        format!(
            "https://bucket.s3.amazonaws.com/?X-Amz-Signature={}",
            SECRETS[1]
        ),
        format!(
            "https://bucket.s3.amazonaws.com/key?X-Amz-Credential={}",
            SECRETS[2]
        ),
        format!(
            "https://acct.blob.core.windows.net/c?sv=1&sig={}",
            SECRETS[3]
        ),
        format!("omniverse://alice:{}@h3.example/", SECRETS[4]),
        "file:///etc/".to_owned(),
        "omniverse://good.example/".to_owned(),
    ]
}

fn assert_no_secret(text: &str, what: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} holds {secret}:\n{text}");
    }
}

#[test]
fn addresses_with_credentials_or_local_schemes_never_reach_the_file() {
    let server =
        TestServer::start(TestServerConfig::default().with_storage_addresses(hostile_addresses()))
            .unwrap();
    let sandbox = Sandbox::new();
    sandbox.ok(&["discovery", "add", "Studio", &server.discovery_url()]);
    let out = sandbox.run(&["discovery", "refresh", "--timeout", "20"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");

    let text = sandbox.text();
    assert_no_secret(&text, "omniverse.toml");
    assert_no_secret(&err, "stderr");
    assert_no_secret(&String::from_utf8_lossy(&out.stdout), "stdout");
    assert!(!text.contains("file:"), "{text}");
    // Kept: the plain address, and the one whose user info was dropped.
    assert!(text.contains("\"omniverse://good.example/\""), "{text}");
    assert!(text.contains("\"omniverse://h3.example/\""), "{text}");
    assert!(!text.contains("h2.example"), "{text}");
    assert!(!text.contains("amazonaws"), "{text}");

    // One warning per refused address, naming the discovery server.
    let warnings: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("which is not kept"))
        .collect();
    assert_eq!(warnings.len(), 5, "{err}");
    for line in &warnings {
        assert!(
            line.contains(&format!("discovery server {}", server.discovery_url())),
            "{line}"
        );
    }
    assert!(
        warnings
            .iter()
            .any(|l| l.contains("file:///etc/") && l.contains("not a remote storage scheme")),
        "{err}"
    );
    assert!(
        warnings
            .iter()
            .any(|l| l.contains("X-Amz-Credential") && l.contains("carries a credential")),
        "{err}"
    );
}

#[test]
fn an_answer_with_only_refused_addresses_stores_nothing() {
    let addresses: Vec<String> = hostile_addresses()
        .into_iter()
        .filter(|a| !a.contains("good.example") && !a.contains("h3.example"))
        .collect();
    let server =
        TestServer::start(TestServerConfig::default().with_storage_addresses(addresses)).unwrap();
    let sandbox = Sandbox::new();
    sandbox.ok(&["discovery", "add", "Studio", &server.discovery_url()]);
    let out = sandbox.run(&["discovery", "refresh", "--timeout", "20", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = sandbox.text();
    assert_no_secret(&text, "omniverse.toml");
    assert_no_secret(&stderr(&out), "stderr");
    assert!(!text.contains("cached_addresses = [\""), "{text}");
    assert!(!text.contains("file:"), "{text}");
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(json.contains("lists no valid storage address"), "{json}");
    assert_eq!(
        stderr(&out).matches("which is not kept").count(),
        5,
        "{}",
        stderr(&out)
    );
}

/// An answer whose addresses would grow the file over the 16 MiB limit is a failed refresh
/// (exit 2, the reason on stderr without `-v`), not a "ready" that saved nothing.
#[test]
fn a_refresh_whose_result_cannot_be_saved_fails() {
    let addresses: Vec<String> = (0..200)
        .map(|i| format!("omniverse://big.example/{}/{i}/", "p".repeat(400)))
        .collect();
    let server =
        TestServer::start(TestServerConfig::default().with_storage_addresses(addresses)).unwrap();
    // Padded with comment lines to 32 KiB under the limit; the answer is about 80 KiB.
    let limit = usize::try_from(cm_toml_store::MAX_FILE_BYTES).unwrap();
    let head = "[bookmarks]\n[servers]\n";
    let line = format!("# {}\n", "x".repeat(1021));
    let mut text = head.to_owned();
    while text.len() + line.len() < limit - 32 * 1024 {
        text.push_str(&line);
    }
    let sandbox = Sandbox::with_file(&text);
    sandbox.ok(&["discovery", "add", "Big", &server.discovery_url()]);
    let before = sandbox.text();
    let out = sandbox.run(&["discovery", "refresh", "--timeout", "20"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("were not saved"), "{err}");
    assert!(err.contains("16 MiB"), "{err}");
    assert_eq!(sandbox.text(), before, "the file changed");
}
