//! The connections panel driven by its accessible labels over a real, watched omniverse.toml.

mod common;

use cm_egui::{ConnectionsPanel, labels};
use cm_manager::dialogs::ServerKind;
use cm_testkit::{TestServer, TestServerConfig};
use common::{Fixture, click, has_label, has_text, step_until, type_into, wait_for};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn harness(fixture: &Fixture) -> Harness<'static, ConnectionsPanel> {
    let panel = ConnectionsPanel::new(fixture.manager.clone()).observe_events(&fixture.dispatcher);
    Harness::builder()
        .with_size(egui::vec2(900.0, 700.0))
        .build_ui_state(|ui, panel: &mut ConnectionsPanel| panel.ui(ui), panel)
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
    // The registry announces the reload's difference as events, which the panel shows.
    step_until(&mut harness, "the event line", |h| {
        has_text(h, "Last change: bookmark added FromOutside")
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
    assert!(has_label(&harness, "Disconnected"), "never connected yet");
    assert!(
        has_label(&harness, "Reachable"),
        "HTTP servers are reachable at once"
    );

    step_until(&mut harness, "discovery of Lab", |h| {
        has_text(h, &format!("• {root}")) && has_label(h, "ready")
    });

    click(&mut harness, &labels::connect_server("Studio"));
    step_until(&mut harness, "Studio connected", |h| {
        has_label(h, "Connected")
    });
    assert!(has_label(&harness, &labels::sign_out_server("Studio")));

    click(&mut harness, &labels::sign_out_server("Studio"));
    step_until(&mut harness, "Studio signed out", |h| {
        has_label(h, "SignedOut")
    });

    click(&mut harness, &labels::remove_server("Bucket"));
    wait_for(&mut harness, "Bucket removed from the file", || {
        !fixture.file().contains("Bucket")
    });
    step_until(&mut harness, "Bucket gone from the panel", |h| {
        !has_label(h, &labels::remove_server("Bucket"))
    });
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
    assert!(has_text(&harness, "Sign in with your web browser"));
    assert!(has_text(&harness, &server.storage_url()));

    click(&mut harness, labels::CANCEL_SIGN_IN);
    step_until(
        &mut harness,
        "the prompt gone and the dialog's error",
        |h| !has_label(h, labels::CANCEL_SIGN_IN) && has_text(h, "Could not add the server:"),
    );
    assert_eq!(
        fixture.manager.connection_status(&server.storage_url()),
        Some(cm_manager::ConnectionStatus::AuthCancelled)
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
