//! The name in `cm server add -i` (a18 findings 14, 15): a refused name is asked again at the
//! name question with a reason that fits (a tab is not "more than one line"), `[e]dit` keeps the
//! name shown when Enter is pressed, and an echoed name is terminal-safe (U+202E escaped).

mod common;

use cm_testkit::{TestServer, TestServerConfig};
use common::{Sandbox, stderr, stdout};

#[test]
fn a_refused_name_is_asked_again_at_the_name_question() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let sandbox = Sandbox::new();
    let out = sandbox
        .cm(&["server", "add", "-i"])
        .write_stdin(format!("Tab\there\nFixed\n{}\n", server.storage_url()))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("the name must not contain control characters (a tab"),
        "{err}"
    );
    assert!(!err.contains("one line of text"), "{err}");
    // Asked twice for a name, once for the URL.
    assert_eq!(
        err.matches("Name (empty: derived from the URL):").count(),
        2,
        "{err}"
    );
    assert_eq!(err.matches("URL:").count(), 1, "{err}");
    assert!(sandbox.text().contains("= \"Fixed\""), "{}", sandbox.text());
}

#[test]
fn edit_keeps_the_name_shown_on_enter() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let sandbox = Sandbox::new();
    let out = sandbox
        .cm(&["server", "add", "-i", "--timeout", "1"])
        .write_stdin(format!(
            "Ed\nomniverse://127.0.0.1:1/\ne\n\n{}\n",
            server.storage_url()
        ))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("Name (Ed):"), "{err}");
    assert!(sandbox.text().contains("= \"Ed\""), "{}", sandbox.text());
}

#[test]
fn an_echoed_name_is_terminal_safe() {
    let server = TestServer::start(TestServerConfig::default()).unwrap();
    let sandbox = Sandbox::new();
    let out = sandbox
        .cm(&["server", "add", "-i"])
        .write_stdin(format!("Ev\u{202e}X\n{}\n", server.storage_url()))
        .output()
        .unwrap();
    let err = stderr(&out);
    let result = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains('\u{202e}'), "{err:?}");
    assert!(!result.contains('\u{202e}'), "{result:?}");
    assert!(err.contains("Ev\\u{202e}X"), "{err}");
}
