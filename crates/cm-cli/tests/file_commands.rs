//! `cm bookmark`, `cm server`, `cm discovery` (file-only subcommands) and `cm url`, end to end.

mod common;

use common::{Sandbox, cm_command};

const SEEDED: &str = r#"# my omniverse.toml
[paths]
cache = "/tmp/cache"

[bookmarks]
Astronaut = "https://bucket.s3.amazonaws.com/Samples/Astronaut/"
"user@example.com" = "omniverse://content.example.com/Users/user@example.com/"

[servers]
"omniverse://my-server" = "my-server"
"https://mybucket.s3.amazonaws.com" = "S3 Bucket"

[[discovery_servers]]
name = "My Storage"
url = "https://discovery.example.com/"
cached_addresses = ["omniverse://storage.example.com/", "https://bucket.s3.amazonaws.com/"]
"#;

#[test]
fn bookmark_list_json_is_an_object_of_name_to_url() {
    let sandbox = Sandbox::with_file(SEEDED);
    insta::assert_snapshot!(sandbox.ok(&["bookmark", "list", "--json"]));
    insta::assert_snapshot!("bookmark_list_human", sandbox.ok(&["bookmark", "list"]));
}

#[test]
fn bookmarks_are_added_renamed_and_removed_in_the_file() {
    let sandbox = Sandbox::with_file(SEEDED);
    let added = sandbox.ok(&[
        "bookmark",
        "add",
        "Projects",
        "OMNIVERSE://My-Server//Projects/",
        "--json",
    ]);
    insta::assert_snapshot!(added);
    assert!(
        sandbox
            .text()
            .contains(r#"Projects = "omniverse://my-server/Projects/""#)
    );

    let renamed = sandbox.ok(&[
        "bookmark",
        "rename",
        "Projects",
        "Work",
        "omniverse://my-server/Work/",
        "--json",
    ]);
    insta::assert_snapshot!(renamed);
    assert!(
        sandbox
            .text()
            .contains(r#"Work = "omniverse://my-server/Work/""#)
    );
    assert!(!sandbox.text().contains("Projects ="));

    let removed = sandbox.ok(&["bookmark", "remove", "Work", "--json"]);
    insta::assert_snapshot!(removed);
    // Everything else, comments and the foreign section included, is as it was.
    assert_eq!(sandbox.text(), SEEDED);
}

#[test]
fn a_bookmark_added_to_a_new_file_stays_a_bookmark() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["bookmark", "add", "Projects", "omniverse://srv/Projects/"]);
    // A second writing command would migrate a bookmarks-only file; cm keeps it new-style.
    sandbox.ok(&["bookmark", "add", "Root", "omniverse://srv/"]);
    assert_eq!(sandbox.ok(&["server", "list", "--json"]).trim(), "[]");
    insta::assert_snapshot!(sandbox.text());
}

#[test]
fn server_list_marks_discovery_provided_addresses() {
    let sandbox = Sandbox::with_file(SEEDED);
    insta::assert_snapshot!(sandbox.ok(&["server", "list", "--json"]));
    insta::assert_snapshot!("server_list_human", sandbox.ok(&["server", "list"]));
}

#[test]
fn servers_are_added_as_their_root_and_removed_by_any_url_under_them() {
    let sandbox = Sandbox::with_file(SEEDED);
    let added = sandbox.ok(&[
        "server",
        "add",
        "Azure",
        "https://acct.blob.core.windows.net/models/x.usd",
        "--json",
    ]);
    insta::assert_snapshot!(added);
    assert!(
        sandbox
            .text()
            .contains(r#""https://acct.blob.core.windows.net/models" = "Azure""#)
    );

    let removed = sandbox.ok(&[
        "server",
        "remove",
        "omniverse://my-server/deep/path.usd",
        "--json",
    ]);
    insta::assert_snapshot!(removed);
    assert!(!sandbox.text().contains("my-server\" = "));
    sandbox.ok(&[
        "server",
        "remove",
        "https://acct.blob.core.windows.net/models/",
    ]);
    assert!(!sandbox.text().contains("Azure"));
}

#[test]
fn discovery_servers_are_listed_added_and_removed_without_network() {
    let sandbox = Sandbox::with_file(SEEDED);
    insta::assert_snapshot!(sandbox.ok(&["discovery", "list", "--json"]));
    // An unroutable address: add and list must not touch the network.
    let added = sandbox.ok(&[
        "discovery",
        "add",
        "Lab",
        "http://10.255.255.1:9/discovery",
        "--json",
    ]);
    insta::assert_snapshot!(added);
    let list = sandbox.ok(&["discovery", "list"]);
    assert!(list.contains("Lab") && list.contains("pending"), "{list}");
    sandbox.ok(&["discovery", "remove", "http://10.255.255.1:9/discovery"]);
    sandbox.ok(&["discovery", "remove", "https://discovery.example.com/"]);
    assert!(
        !sandbox.text().contains("discovery_servers"),
        "{}",
        sandbox.text()
    );
}

#[test]
fn an_empty_config_lists_nothing() {
    let sandbox = Sandbox::new();
    assert_eq!(sandbox.ok(&["bookmark", "list", "--json"]).trim(), "{}");
    assert_eq!(sandbox.ok(&["server", "list", "--json"]).trim(), "[]");
    assert_eq!(sandbox.ok(&["discovery", "list", "--json"]).trim(), "[]");
    assert_eq!(sandbox.ok(&["bookmark", "list"]), "");
    assert!(
        !sandbox.config().exists(),
        "listing must not create the file"
    );
}

#[test]
fn the_config_location_comes_from_omni_config_path() {
    let sandbox = Sandbox::with_file(SEEDED);
    let out = cm_command()
        .env("OMNI_CONFIG_PATH", sandbox.dir.path())
        .args(["bookmark", "list", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Astronaut"));
}

#[test]
fn url_answers_for_scripts() {
    let run = |args: &[&str]| {
        let out = cm_command().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(
        run(&["url", "normalize", "HTTP://Example.com:80//a"]),
        "http://example.com/a\n"
    );
    assert_eq!(run(&["url", "root", "s3://bucket/key"]), "s3://bucket/\n");
    assert_eq!(run(&["url", "kind", "omniverse://host/x"]), "nucleus\n");
    insta::assert_snapshot!(run(&[
        "url",
        "normalize",
        "omniverse://Alice:hunter2@Server.:3009//a",
        "--json"
    ]));
    insta::assert_snapshot!(run(&[
        "url",
        "root",
        "https://acct.blob.core.windows.net/models/x.usd",
        "--json"
    ]));
    insta::assert_snapshot!(run(&["url", "kind", "gs://bucket/obj", "--json"]));
}

#[test]
fn help_is_complete() {
    let out = cm_command().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for command in [
        "bookmark",
        "server",
        "discovery",
        "ensure",
        "disconnect",
        "reconnect",
        "migrate",
        "url",
        "watch",
    ] {
        assert!(help.contains(command), "{command} missing from --help");
    }
    assert!(help.contains("EXIT STATUS"));
}

#[test]
fn a_wrong_typed_entry_is_replaced_only_with_force() {
    let text = "[bookmarks]\nA = 1 # typed by hand\n\n[servers]\n\"omniverse://h\" = 2\n";
    let sandbox = Sandbox::with_file(text);
    for args in [
        &["bookmark", "add", "A", "omniverse://h/a/"][..],
        &["server", "add", "h", "omniverse://h/"][..],
    ] {
        let out = sandbox.run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("which the loader skips") && err.contains("--force replaces it"),
            "{args:?}: {err}"
        );
        assert_eq!(sandbox.text(), text, "{args:?} changed the file");
    }
    sandbox.ok(&["bookmark", "add", "A", "omniverse://h/a/", "--force"]);
    sandbox.ok(&["server", "add", "h", "omniverse://h/", "--force"]);
    assert_eq!(
        sandbox.text(),
        "[bookmarks]\nA = \"omniverse://h/a/\" # typed by hand\n\n[servers]\n\"omniverse://h\" = \"h\"\n"
    );
}

#[test]
fn a_change_over_a_limit_exits_2_and_leaves_the_file_alone() {
    let text = "[bookmarks]\nA = \"omniverse://h/a/\"\n\n[servers]\n";
    let sandbox = Sandbox::with_file(text);
    let long_name = "n".repeat(100 * 1024);
    let out = sandbox.run(&["bookmark", "add", &long_name, "omniverse://h/b/"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("the bookmark name is 102400 bytes, over the limit of 1024 bytes"),
        "{err}"
    );
    assert_eq!(sandbox.text(), text);

    // A file just under the 16 MiB read limit: the add would push it over.
    let big = format!(
        "# {}\n{text}",
        "x".repeat(cm_toml_store::MAX_FILE_BYTES as usize - 300)
    );
    std::fs::write(sandbox.config(), &big).unwrap();
    let out = sandbox.run(&["bookmark", "add", &"n".repeat(1000), "omniverse://h/b/"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", &err[..err.len().min(500)]);
    assert!(
        err.contains("over the 16 MiB that omniverse.toml may hold"),
        "{}",
        &err[..err.len().min(500)]
    );
    assert!(std::fs::read_to_string(sandbox.config()).unwrap() == big);
}
