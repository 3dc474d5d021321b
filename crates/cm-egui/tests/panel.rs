//! The connections panel driven by its accessible labels over a real, watched omniverse.toml.

mod common;

use cm_egui::{ConnectionsPanel, labels};
use cm_manager::ConnectionStatus;
use cm_manager::dialogs::ServerKind;
use cm_registry::DiscoveryStatus;
use cm_testkit::{TestServer, TestServerConfig};
use common::{Fixture, click, has_label, has_text, step_until, type_into, wait_for};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

fn harness(fixture: &Fixture) -> Harness<'static, ConnectionsPanel> {
    let panel = ConnectionsPanel::new(fixture.manager.clone()).observe_events(&fixture.dispatcher);
    Harness::builder()
        .with_size(egui::vec2(900.0, 700.0))
        .build_ui_state(|ui, panel: &mut ConnectionsPanel| panel.ui(ui), panel)
}

/// What a server row says for `status`.
fn status(status: ConnectionStatus) -> &'static str {
    labels::connection_status(status)
}

/// Where the button or field labelled `label` is drawn.
fn rect_of(harness: &Harness<'_, ConnectionsPanel>, label: &str) -> egui::Rect {
    harness.get_by_label(label).rect()
}

/// Whether the control labelled `label` is greyed out.
fn is_disabled(harness: &Harness<'_, ConnectionsPanel>, label: &str) -> bool {
    harness.get_by_label(label).accesskit_node().is_disabled()
}

const TWO_BOOKMARKS: &str = r#"# my bookmarks
[bookmarks]
Projects = "omniverse://studio.example.com/Projects/"
Scratch = "omniverse://studio.example.com/Scratch/"

[paths]
keep = "this foreign section"
"#;

#[test]
fn rename_and_remove_a_bookmark_change_the_file() {
    let fixture = Fixture::with_file(TWO_BOOKMARKS);
    let mut harness = harness(&fixture);
    step_until(&mut harness, "the bookmarks from the file", |h| {
        has_label(h, &labels::rename_bookmark("Projects"))
    });
    assert!(has_text(
        &harness,
        "omniverse://studio.example.com/Scratch/"
    ));

    click(&mut harness, &labels::rename_bookmark("Projects"));
    let field = labels::new_name_for("Projects");
    assert_eq!(
        harness.get_by_label(&field).value().as_deref(),
        Some("Projects")
    );
    type_into(&mut harness, &field, "Assets");
    click(&mut harness, labels::SAVE_NAME);
    wait_for(&mut harness, "the rename in omniverse.toml", || {
        let file = fixture.file();
        file.contains(r#"Assets = "omniverse://studio.example.com/Projects/""#)
            && !file.contains("Projects = ")
    });
    step_until(&mut harness, "the renamed row", |h| {
        has_label(h, &labels::rename_bookmark("Assets"))
    });
    assert!(has_text(
        &harness,
        "Last change: bookmark renamed Projects to Assets"
    ));

    click(&mut harness, &labels::remove_bookmark("Scratch"));
    wait_for(&mut harness, "the removal in omniverse.toml", || {
        !fixture.file().contains("Scratch")
    });
    step_until(&mut harness, "the row gone", |h| {
        !has_label(h, &labels::remove_bookmark("Scratch"))
    });
    let file = fixture.file();
    assert!(
        file.starts_with("# my bookmarks"),
        "comments survive:\n{file}"
    );
    assert!(
        file.contains("keep = \"this foreign section\""),
        "foreign sections survive"
    );
}

#[test]
fn add_a_bookmark_from_the_panel() {
    let fixture = Fixture::with_file(TWO_BOOKMARKS);
    let mut harness = harness(&fixture);
    step_until(&mut harness, "the panel", |h| {
        has_label(h, labels::BOOKMARK_NAME)
    });
    type_into(&mut harness, labels::BOOKMARK_NAME, "Renders");
    type_into(
        &mut harness,
        labels::BOOKMARK_URL,
        "omniverse://studio.example.com/Renders/",
    );
    click(&mut harness, labels::ADD_BOOKMARK);
    wait_for(&mut harness, "the bookmark in omniverse.toml", || {
        fixture
            .file()
            .contains(r#"Renders = "omniverse://studio.example.com/Renders/""#)
    });
    step_until(&mut harness, "the new row", |h| {
        has_label(h, &labels::remove_bookmark("Renders"))
    });
    assert_eq!(
        harness
            .get_by_label(labels::BOOKMARK_NAME)
            .value()
            .as_deref(),
        Some(""),
        "the fields are cleared"
    );
}

#[test]
fn a_refused_bookmark_shows_an_error_alert() {
    let fixture = Fixture::with_file(TWO_BOOKMARKS);
    let mut harness = harness(&fixture);
    step_until(&mut harness, "the panel", |h| {
        has_label(h, labels::BOOKMARK_NAME)
    });
    type_into(&mut harness, labels::BOOKMARK_NAME, "Broken");
    type_into(&mut harness, labels::BOOKMARK_URL, "not a url at all");
    click(&mut harness, labels::ADD_BOOKMARK);
    step_until(&mut harness, "the error alert", |h| {
        has_text(h, "Could not add bookmark Broken")
    });
    click(&mut harness, labels::DISMISS_ALERT);
    assert!(
        fixture
            .manager
            .registry()
            .snapshot()
            .bookmark("Broken")
            .is_none()
    );
    step_until(&mut harness, "the alert dismissed", |h| {
        !has_text(h, "Could not add bookmark Broken")
    });
}

#[test]
fn an_outside_edit_of_the_file_appears_in_the_panel() {
    let fixture = Fixture::with_file(TWO_BOOKMARKS);
    let mut harness = harness(&fixture);
    step_until(&mut harness, "the first load", |h| {
        has_label(h, &labels::rename_bookmark("Projects"))
    });

    // Another process replaces one bookmark with another in the file as it is now.
    let edited = fixture.file().replace(
        "Scratch = \"omniverse://studio.example.com/Scratch/\"",
        "FromOutside = \"omniverse://other.example.com/x/\"",
    );
    assert!(edited.contains("FromOutside"));
    std::fs::write(fixture.path(), edited).unwrap();

    step_until(&mut harness, "the outside edit in the panel", |h| {
        has_label(h, &labels::rename_bookmark("FromOutside"))
            && !has_label(h, &labels::rename_bookmark("Scratch"))
    });
    assert!(has_text(&harness, "omniverse://other.example.com/x/"));
    // The registry announces the reload's difference as events, which the panel shows. One
    // entry replaced in place by another is what `rename_bookmark(old, new, url)` writes, so
    // the reload reports it as that rename (cm-registry's reconcile rule).
    step_until(&mut harness, "the event line", |h| {
        has_text(h, "Last change: bookmark renamed Scratch to FromOutside")
    });
}

#[test]
fn servers_show_live_status_and_discovery_addresses() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let root = server.storage_url();
    let toml = format!(
        "[servers]\n\"{}\" = \"Studio\"\n\"https://bucket.s3.amazonaws.com\" = \"Bucket\"\n\n\
         [[discovery_servers]]\nname = \"Lab\"\nurl = \"{}\"\ncached_addresses = []\n",
        root.trim_end_matches('/'),
        server.discovery_url()
    );
    let fixture = Fixture::with_file(&toml);
    let mut harness = harness(&fixture);

    step_until(&mut harness, "the servers from the file", |h| {
        has_label(h, &labels::connect_server("Studio"))
    });
    assert!(
        has_label(&harness, status(ConnectionStatus::Disconnected)),
        "never connected yet"
    );
    assert!(
        has_label(&harness, labels::REACHABLE),
        "HTTP servers are reachable at once"
    );

    step_until(&mut harness, "discovery of Lab", |h| {
        has_text(h, &format!("• {root}"))
            && has_label(h, labels::discovery_status(&DiscoveryStatus::Ready))
    });

    click(&mut harness, &labels::connect_server("Studio"));
    step_until(&mut harness, "Studio connected", |h| {
        has_label(h, status(ConnectionStatus::Connected))
    });
    assert!(has_label(&harness, &labels::sign_out_server("Studio")));

    click(&mut harness, &labels::sign_out_server("Studio"));
    step_until(&mut harness, "Studio signed out", |h| {
        has_label(h, status(ConnectionStatus::SignedOut))
    });
    assert!(!has_text(&harness, "SignedOut"), "no enum name on screen");

    click(&mut harness, &labels::remove_server("Bucket"));
    wait_for(&mut harness, "Bucket removed from the file", || {
        !fixture.file().contains("Bucket")
    });
    step_until(&mut harness, "Bucket gone from the panel", |h| {
        !has_label(h, &labels::remove_server("Bucket"))
    });
}

/// The double click the live run found: Connect stops applying while a sign-in is pending,
/// and the Remove button must not move under the pointer, nor when the status text changes
/// length (connected, waiting for sign-in, cancelled).
#[test]
fn a_server_rows_buttons_stay_in_their_columns_whatever_its_status() {
    let open = TestServer::start(TestServerConfig::default()).unwrap();
    let guarded = TestServer::start(TestServerConfig::default().with_required_token(true)).unwrap();
    let toml = format!(
        "[servers]\n\"{}\" = \"Open\"\n\"{}\" = \"Guarded\"\n\
         \"https://bucket.s3.amazonaws.com\" = \"Bucket\"\n",
        open.storage_url().trim_end_matches('/'),
        guarded.storage_url().trim_end_matches('/'),
    );
    let fixture = Fixture::with_file(&toml);
    let mut harness = harness(&fixture);
    step_until(&mut harness, "the servers from the file", |h| {
        has_label(h, &labels::connect_server("Guarded"))
            && has_label(h, &labels::remove_server("Bucket"))
    });
    let removes = |h: &Harness<'_, ConnectionsPanel>| {
        ["Open", "Guarded", "Bucket"].map(|name| rect_of(h, &labels::remove_server(name)))
    };
    let before = removes(&harness);
    assert_eq!(
        harness
            .query_all_by_label(status(ConnectionStatus::Disconnected))
            .count(),
        2
    );
    assert!(
        before.iter().all(|rect| rect.min.x == before[0].min.x),
        "one Remove column for every row, HTTP included: {before:?}"
    );
    assert!(is_disabled(&harness, &labels::sign_out_server("Open")));

    click(&mut harness, &labels::connect_server("Open"));
    step_until(&mut harness, "Open connected", |h| {
        has_label(h, status(ConnectionStatus::Connected))
    });
    assert!(!is_disabled(&harness, &labels::sign_out_server("Open")));
    assert_eq!(removes(&harness), before, "after connecting");

    click(&mut harness, &labels::connect_server("Guarded"));
    step_until(&mut harness, "Guarded waiting for its sign-in", |h| {
        has_label(h, labels::CANCEL_SIGN_IN) && has_label(h, status(ConnectionStatus::Connecting))
    });
    assert!(
        is_disabled(&harness, &labels::connect_server("Guarded")),
        "Connect does not apply while connecting, and stays in its place"
    );
    assert_eq!(removes(&harness), before, "while waiting for the sign-in");

    click(&mut harness, labels::CANCEL_SIGN_IN);
    step_until(&mut harness, "the sign-in cancelled", |h| {
        has_label(h, "Sign-in cancelled")
    });
    assert!(
        !has_text(&harness, "AuthCancelled"),
        "no enum name on screen"
    );
    assert!(!is_disabled(&harness, &labels::connect_server("Guarded")));
    assert_eq!(removes(&harness), before, "after the cancel");
}

/// A discovery row's buttons neither move when its status changes nor when a failure reason
/// appears: the reason goes on a line of its own.
#[test]
fn discovery_rows_keep_their_buttons_in_place_and_show_the_reason_below() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let toml = format!(
        "[[discovery_servers]]\nname = \"Lab\"\nurl = \"{}\"\ncached_addresses = []\n\n\
         [[discovery_servers]]\nname = \"Gone\"\nurl = \"http://127.0.0.1:{closed_port}/\"\n\
         cached_addresses = []\n",
        server.discovery_url()
    );
    let fixture = Fixture::with_file(&toml);
    let mut harness = harness(&fixture);
    let buttons =
        ["Lab", "Gone"].map(|name| [labels::refresh_discovery(name), labels::remove_server(name)]);
    step_until(&mut harness, "the discovery servers", |h| {
        buttons.iter().flatten().all(|label| has_label(h, label))
    });
    let columns = |h: &Harness<'_, ConnectionsPanel>| {
        buttons
            .each_ref()
            .map(|row| row.each_ref().map(|label| rect_of(h, label).x_range()))
    };
    let before = columns(&harness);
    assert_eq!(before[0], before[1], "the rows' buttons are in columns");

    let failed = |fixture: &Fixture| {
        fixture
            .manager
            .registry()
            .snapshot()
            .discovery_servers()
            .iter()
            .find(|server| &*server.name == "Gone")
            .and_then(|server| server.status.error().map(str::to_owned))
    };
    step_until(&mut harness, "Lab discovered and Gone failed", |h| {
        has_label(h, labels::discovery_status(&DiscoveryStatus::Ready))
            && failed(&fixture).is_some_and(|reason| has_label(h, &reason))
    });
    let reason = failed(&fixture).unwrap();
    assert!(
        !has_label(&harness, "ready") && !has_text(&harness, &format!("error: {reason}")),
        "no status by its event name"
    );
    assert_eq!(columns(&harness), before, "after the statuses changed");
}

#[test]
fn the_panel_opens_one_add_server_dialog_at_a_time() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let fixture = Fixture::with_file("");
    let mut harness = harness(&fixture);
    step_until(&mut harness, "the panel", |h| {
        has_label(h, labels::ADD_NUCLEUS_SERVER)
    });

    click(&mut harness, labels::ADD_NUCLEUS_SERVER);
    assert!(has_label(&harness, "Add Nucleus Server"));

    // A second request (here: another button) shows nothing new.
    click(&mut harness, labels::ADD_HTTP_SERVER);
    assert!(!has_label(&harness, "Add HTTP Server"));
    assert_eq!(harness.query_all_by_label(labels::SERVER_URL).count(), 1);
    assert!(has_text(&harness, "An add-server dialog is already open"));
    assert!(
        harness
            .state_mut()
            .open_add_server_dialog(&egui::Context::default(), ServerKind::Discovery, None, None)
            .eq(&false)
    );

    type_into(&mut harness, labels::SERVER_NAME, "Studio");
    type_into(&mut harness, labels::SERVER_URL, &server.storage_url());
    click(&mut harness, labels::ADD);
    step_until(&mut harness, "success", |h| has_text(h, "Added Studio"));
    step_until(&mut harness, "the new server in the list", |h| {
        has_label(h, &labels::remove_server("Studio")) && has_label(h, "Connected")
    });
    click(&mut harness, labels::CLOSE);
    assert!(!has_label(&harness, labels::SERVER_URL));
    assert!(harness.state().add_server_dialog().is_none());
    assert!(
        has_text(&harness, "Added server Studio"),
        "the panel's info alert"
    );
}

#[test]
fn cancelling_the_sign_in_prompt_ends_the_attempt() {
    let server = TestServer::start(TestServerConfig::default().with_required_token(true)).unwrap();
    let fixture = Fixture::in_memory();
    let mut harness = harness(&fixture);
    step_until(&mut harness, "the panel", |h| {
        has_label(h, labels::ADD_NUCLEUS_SERVER)
    });

    click(&mut harness, labels::ADD_NUCLEUS_SERVER);
    type_into(&mut harness, labels::SERVER_URL, &server.storage_url());
    click(&mut harness, labels::ADD);
    step_until(&mut harness, "the sign-in prompt", |h| {
        has_label(h, labels::CANCEL_SIGN_IN)
    });
    assert!(has_text(&harness, "Waiting for you to sign in to"));
    assert!(has_text(&harness, &server.storage_url()));

    click(&mut harness, labels::CANCEL_SIGN_IN);
    step_until(
        &mut harness,
        "the prompt gone and the dialog's error",
        |h| !has_label(h, labels::CANCEL_SIGN_IN) && has_text(h, "Could not add the server:"),
    );
    assert_eq!(
        fixture.manager.connection_status(&server.storage_url()),
        Some(ConnectionStatus::AuthCancelled)
    );
    assert!(
        fixture
            .manager
            .registry()
            .snapshot()
            .manual_servers()
            .is_empty()
    );
}

#[test]
fn the_panel_is_accessible() {
    let fixture = Fixture::with_file(TWO_BOOKMARKS);
    let mut harness = harness(&fixture);
    step_until(&mut harness, "the bookmarks", |h| {
        has_label(h, &labels::rename_bookmark("Projects"))
    });
    harness.check_accessibility();
    click(&mut harness, &labels::rename_bookmark("Projects"));
    harness.check_accessibility();
}
