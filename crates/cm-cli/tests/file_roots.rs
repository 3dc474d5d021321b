//! One file-root rule across `cm url root`, `cm server add|remove` and the migration (the real
//! `cm` binary): what `url root` prints is what `server add` stores, a UNC path stays UNC
//! however it is spelled, and `c:` and `C:` are one root.

mod common;

use common::{Sandbox, stderr};

#[test]
fn url_root_is_what_server_add_stores() {
    for (given, root) in [
        ("file:///mnt/share/", "file:///mnt/share/"),
        ("file:///mnt/share/sub/x.usd", "file:///mnt/share/sub/"),
        ("file://srv/share/", "file://srv/share/"),
        ("file:////srv/share/", "file://srv/share/"),
        ("file://///srv/share/", "file://srv/share/"),
        ("file:///c:/lower/", "file:///C:/lower/"),
        ("omniverse://Host:3009/a/b.usd", "omniverse://host:3009/"),
    ] {
        let sandbox = Sandbox::with_file("[servers]\n");
        assert_eq!(
            sandbox.ok(&["url", "root", given]),
            format!("{root}\n"),
            "{given}"
        );
        let added = sandbox.run(&["server", "add", "S", given]);
        assert_eq!(added.status.code(), Some(0), "{given}: {}", stderr(&added));
        assert!(
            String::from_utf8_lossy(&added.stdout)
                .trim_end()
                .trim_end_matches('/')
                .ends_with(root.trim_end_matches('/')),
            "{given}: {}",
            String::from_utf8_lossy(&added.stdout)
        );
    }
}

#[test]
fn file_servers_are_found_by_a_url_under_them_and_drive_case_is_one_root() {
    let sandbox = Sandbox::with_file("[servers]\n");
    sandbox.ok(&["server", "add", "Share", "file:///mnt/share/"]);
    sandbox.ok(&["server", "add", "Unc", "file://///srv/share/"]);
    sandbox.ok(&["server", "add", "Drive", "file:///c:/x/"]);
    let twice = sandbox.run(&["server", "add", "Drive2", "file:///C:/x/"]);
    assert_eq!(twice.status.code(), Some(1), "c: and C: must be one root");
    let text = sandbox.text();
    assert!(text.contains("\"file://srv/share/\" = \"Unc\""), "{text}");
    assert!(text.contains("\"file:///C:/x/\" = \"Drive\""), "{text}");
    sandbox.ok(&["server", "remove", "file:///mnt/share/sub/x.usd"]);
    sandbox.ok(&["server", "remove", "file:////srv/share/a.usd"]);
    let text = sandbox.text();
    assert!(!text.contains("Share") && !text.contains("Unc"), "{text}");
}
