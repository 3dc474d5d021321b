//! Migration of old-style files: a table of cases, idempotence, the store
//! entry point and foreign-section preservation.

mod common;

use std::fmt::Write as _;
use std::path::Path;

use cm_toml_store::plan_migration;
use common::{COMMENTED, read, store_with};

/// (case name, old-style file text)
const CASES: &[(&str, &str)] = &[
    (
        "nucleus_root_bookmark",
        "[bookmarks]\nmy-server = \"omniverse://my-server/\"\n",
    ),
    (
        "nucleus_root_without_slash",
        "[bookmarks]\nMain = \"omniverse://my-server\"\n",
    ),
    (
        "nucleus_deep_bookmark",
        "[bookmarks]\nProjects = \"omniverse://my-server/Projects/Thing/\"\n",
    ),
    (
        "nucleus_port_and_case",
        "[bookmarks]\nX = \"omniverse://My-Server.Example.com:3009/Users/x/\"\n",
    ),
    (
        "duplicates_one_server",
        "[bookmarks]\na = \"omniverse://s1/a/\"\nb = \"omniverse://s1/b/\"\nc = \"omniverse://S1/\"\n",
    ),
    (
        "s3_virtual_hosted",
        "[bookmarks]\nAstronaut = \"https://mybucket.s3.amazonaws.com/Samples/Astronaut/\"\n",
    ),
    (
        "s3_path_style",
        "[bookmarks]\nData = \"https://s3.us-east-1.amazonaws.com/bucket/data/x.usd\"\n",
    ),
    (
        "s3_scheme",
        "[bookmarks]\nRaw = \"s3://bucket/key/prefix/\"\n",
    ),
    (
        "azure_container",
        "[bookmarks]\nModels = \"https://acct.blob.core.windows.net/models/cars/\"\n",
    ),
    (
        "azure_root_bookmark",
        "[bookmarks]\nAzure = \"https://acct.blob.core.windows.net/models\"\n",
    ),
    (
        "gcs_path_style",
        "[bookmarks]\nG = \"https://storage.googleapis.com/bkt/a/b/\"\n",
    ),
    ("gcs_scheme", "[bookmarks]\nGS = \"gs://bkt/obj/\"\n"),
    (
        "plain_http",
        "[bookmarks]\nWeb = \"http://example.com:8080/files/\"\n",
    ),
    (
        "mixed_servers_keep_bookmark_order",
        "[bookmarks]\nz = \"https://b.s3.amazonaws.com/k/\"\na = \"omniverse://n/\"\nm = \"omniverse://n/deep/\"\n",
    ),
    (
        "invalid_url_skipped",
        "[bookmarks]\nbad = \"not a url\"\nok = \"omniverse://ok/x/\"\n",
    ),
    (
        "credentials_never_reach_servers",
        "[bookmarks]\nme = \"omniverse://alice:secret@host/Users/alice/\"\n",
    ),
    ("empty_bookmarks", "[bookmarks]\n"),
    (
        "already_migrated_servers",
        "[bookmarks]\na = \"omniverse://s/x/\"\n[servers]\n",
    ),
    (
        "already_migrated_discovery",
        "[bookmarks]\na = \"omniverse://s/x/\"\n[[discovery_servers]]\nname = \"d\"\nurl = \"https://d/\"\n",
    ),
    ("no_bookmarks_section", "[paths]\na = 1\n"),
    // Issue 23: the Azure container before `@` is an address, so two containers of one
    // account are two servers; the Hadoop/Spark schemes and OneLake derive their roots;
    // a folder name with a space is kept, percent-encoded.
    (
        "azure_container_in_userinfo",
        "[bookmarks]\nc = \"az://c@acct/x\"\nd = \"az://d@acct/y/\"\n",
    ),
    (
        "abfss_and_wasbs_containers",
        "[bookmarks]\nlake = \"abfss://fs@acct.dfs.core.windows.net/raw/\"\nblob = \"wasbs://media@acct.blob.core.windows.net/img/\"\n",
    ),
    (
        "abfs_short_form",
        "[bookmarks]\nshort = \"abfs://container/path/\"\n",
    ),
    (
        "hadoop_s3a_s3n_adl",
        "[bookmarks]\na = \"s3a://bucket/warehouse/\"\nn = \"s3n://bucket/logs/\"\nadl = \"adl://acct.azuredatalakestore.net/folder/\"\n",
    ),
    (
        "onelake_workspace",
        "[bookmarks]\nfabric = \"https://onelake.dfs.fabric.microsoft.com/workspace/lake.Lakehouse/Files/\"\n",
    ),
    (
        "space_in_a_folder_name",
        "[bookmarks]\nproject = \"omniverse://server/Projects/My Project/\"\n",
    ),
];

#[test]
fn migration_table() {
    let mut table = String::new();
    for (name, text) in CASES {
        let plan = plan_migration(text, Path::new("omniverse.toml")).unwrap();
        writeln!(table, "## {name}").unwrap();
        match plan {
            None => writeln!(table, "(not old-style: unchanged)\n").unwrap(),
            Some(plan) => {
                assert_eq!(plan.before, *text);
                writeln!(table, "{}", plan.after).unwrap();
                for (b, reason) in &plan.report.skipped {
                    writeln!(table, "skipped {:?}: {reason}", b.name).unwrap();
                }
                for server in &plan.report.servers_added {
                    assert!(
                        !server.url.contains("secret") && !server.name.contains("secret"),
                        "{name}: a password reached [servers]"
                    );
                }
                // Idempotent: the result is not old-style any more.
                assert!(
                    plan_migration(&plan.after, Path::new("x"))
                        .unwrap()
                        .is_none(),
                    "{name}"
                );
            }
        }
    }
    insta::assert_snapshot!(table);
}

#[test]
fn migrate_if_needed_writes_once_and_keeps_foreign_sections() {
    let old = COMMENTED.split("[servers]").next().unwrap().to_string()
        + "[zzz.nested]\nkey = 'value'\n# trailing comment at end of file\n";
    let (_dir, store) = store_with(Some(&old));
    let report = store.migrate_if_needed().unwrap().expect("old-style file");
    assert_eq!(report.servers_added.len(), 3, "{report:?}");
    let migrated = read(store.path());
    insta::assert_snapshot!(migrated);
    assert!(store.migrate_if_needed().unwrap().is_none());
    assert_eq!(read(store.path()), migrated, "second run changed the file");
    assert!(store.plan_migration().unwrap().is_none());
}

#[test]
fn root_bookmark_name_becomes_the_server_name() {
    let plan = plan_migration(
        "[bookmarks]\n\"Studio Nucleus\" = \"omniverse://studio/\"\nwork = \"omniverse://studio/Projects/\"\n",
        Path::new("omniverse.toml"),
    )
    .unwrap()
    .unwrap();
    assert_eq!(plan.report.servers_added.len(), 1);
    assert_eq!(plan.report.servers_added[0].url, "omniverse://studio");
    assert_eq!(plan.report.servers_added[0].name, "Studio Nucleus");
    assert_eq!(plan.report.bookmarks_removed.len(), 1);
}

#[test]
fn load_migrating_migrates_an_old_style_file_once_and_reads_a_new_one_as_is() {
    let (_dir, store) = store_with(Some("[bookmarks]\nMain = \"omniverse://my-server/\"\n"));
    let (loaded, report) = store.load_migrating().unwrap();
    let report = report.expect("an old-style file is migrated");
    assert_eq!(report.servers_added.len(), 1);
    assert_eq!(
        loaded.sections.servers.len(),
        1,
        "the entries are read after migrating"
    );
    assert!(read(store.path()).contains("[servers]"));

    let text_after = read(store.path());
    let (again, report) = store.load_migrating().unwrap();
    assert!(report.is_none(), "a new-style file is not migrated again");
    assert_eq!(again.sections, loaded.sections);
    assert_eq!(
        read(store.path()),
        text_after,
        "a new-style file is not written"
    );
}

#[test]
fn load_if_changed_parses_only_content_it_has_not_seen() {
    let (_dir, store) = store_with(Some("[bookmarks]\nA = \"omniverse://a/\"\n[servers]\n"));
    store.load().unwrap();
    assert!(
        store.load_if_changed().unwrap().is_none(),
        "unchanged since load"
    );

    std::fs::write(
        store.path(),
        "[bookmarks]\nA = \"omniverse://a/\"\nB = \"omniverse://b/\"\n[servers]\n",
    )
    .unwrap();
    let loaded = store
        .load_if_changed()
        .unwrap()
        .expect("an outside edit is read");
    assert_eq!(loaded.sections.bookmarks.len(), 2);
    assert!(
        store.load_if_changed().unwrap().is_none(),
        "and then remembered"
    );
}

/// Issue 23: a bookmark under `az://c@acct/x` derives the server `az://c@acct/` (the
/// container is an address, not a user name), and a second container of the same account
/// derives a second server.
#[test]
fn a_bookmark_under_an_azure_container_derives_that_container() {
    let text = "[bookmarks]\nc = \"az://c@acct/x\"\nd = \"az://d@acct/x\"\n";
    let plan = plan_migration(text, Path::new("omniverse.toml"))
        .unwrap()
        .unwrap();
    let servers: Vec<&str> = plan
        .report
        .servers_added
        .iter()
        .map(|s| s.url.as_ref())
        .collect();
    assert_eq!(servers.len(), 2, "{servers:?}");
    let roots: Vec<String> = servers
        .iter()
        .map(|url| cm_url::server_root(url).unwrap())
        .collect();
    assert_eq!(roots, ["az://c@acct/", "az://d@acct/"]);
    assert!(plan.report.skipped.is_empty());
}
