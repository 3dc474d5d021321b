//! The alert pane, the progress bar and the sign-in prompt on their own.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cm_egui::{AlertPane, AuthDialogView, ProgressBarView, labels};
use cm_manager::dialogs::{AlertModel, AuthDialog, ProgressModel};
use cm_manager::{SignInHandle, SignInPrompt};
use common::{click, has_label, has_text};
use egui::OutputCommand;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

#[test]
fn alert_pane_shows_each_level_and_dismiss_clears_the_model() {
    let alert = AlertModel::new();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(500.0, 120.0))
        .build_ui_state(
            |ui, alert: &mut AlertModel| {
                AlertPane::new(alert).show(ui);
            },
            alert.clone(),
        );
    harness.run_steps(3);
    assert!(
        !has_label(&harness, labels::DISMISS_ALERT),
        "hidden while empty"
    );

    for (show, text) in [
        (
            AlertModel::info as fn(&AlertModel, &str),
            "just so you know",
        ),
        (AlertModel::warning, "look at this"),
        (AlertModel::error, "this failed"),
    ] {
        show(&alert, text);
        harness.run_steps(3);
        assert!(has_label(&harness, text), "{text}");
    }
    assert!(has_label(&harness, "⛔"), "the error icon");
    harness.check_accessibility();

    click(&mut harness, labels::DISMISS_ALERT);
    assert_eq!(alert.state(), None);
    harness.run_steps(3);
    assert!(!has_label(&harness, "this failed"));
}

#[test]
fn progress_bar_reports_its_fraction_and_hides() {
    let progress = ProgressModel::new();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(500.0, 120.0))
        .build_ui_state(
            |ui, progress: &mut ProgressModel| {
                ui.add(ProgressBarView::new(progress));
            },
            progress.clone(),
        );
    harness.run_steps(3);
    assert!(harness.query_by_role(Role::ProgressIndicator).is_none());

    progress.show("Connecting", "omniverse://studio.example.com/");
    progress.set_fraction(Some(0.4));
    harness.run_steps(3);
    let bar = harness.get_by_role(Role::ProgressIndicator);
    assert_eq!(bar.accesskit_node().label().as_deref(), Some("Connecting"));
    assert_eq!(bar.accesskit_node().numeric_value(), Some(40.0));
    assert!(has_text(&harness, "omniverse://studio.example.com/"));

    progress.set_fraction(None);
    harness.run_steps(3);
    let bar = harness.get_by_role(Role::ProgressIndicator);
    assert_eq!(bar.accesskit_node().numeric_value(), None, "indeterminate");

    progress.hide();
    harness.run_steps(3);
    assert!(harness.query_by_role(Role::ProgressIndicator).is_none());
}

#[test]
fn sign_in_prompt_shows_the_oldest_pending_sign_in_and_cancels_it() {
    let cancelled = Arc::new(AtomicU64::new(0));
    let seen = cancelled.clone();
    let auth = AuthDialog::new(move |handle: SignInHandle| {
        seen.store(handle.0, Ordering::SeqCst);
        true
    });
    let mut harness = Harness::builder()
        .with_size(egui::vec2(600.0, 300.0))
        .build_ui_state(
            |ui, auth: &mut AuthDialog| {
                AuthDialogView::new(auth).show(ui.ctx());
            },
            auth.clone(),
        );
    harness.run_steps(3);
    assert!(!has_label(&harness, labels::CANCEL_SIGN_IN), "hidden");

    for (handle, url) in [(7, "omniverse://a.example/"), (8, "omniverse://b.example/")] {
        auth.on_prompt(&SignInPrompt::Show {
            handle: SignInHandle(handle),
            server_url: url.to_owned(),
            sign_in_url: None,
            user_code: None,
        });
    }
    harness.run_steps(3);
    assert!(has_label(&harness, "omniverse://a.example/"));
    assert!(has_label(&harness, "1 more sign-in waiting"));
    harness.check_accessibility();

    click(&mut harness, labels::CANCEL_SIGN_IN);
    assert_eq!(
        cancelled.load(Ordering::SeqCst),
        7,
        "cancel names the shown sign-in"
    );

    // The storage client answers a cancel with Hide; the next pending one shows.
    auth.on_prompt(&SignInPrompt::Hide {
        handle: SignInHandle(7),
    });
    harness.run_steps(3);
    assert!(has_label(&harness, "omniverse://b.example/"));
    auth.on_prompt(&SignInPrompt::Hide {
        handle: SignInHandle(8),
    });
    harness.run_steps(3);
    assert!(!has_label(&harness, labels::CANCEL_SIGN_IN));
}

/// A prompt harness showing one pending sign-in (handle 3) with `sign_in_url` and `user_code`;
/// also the handle its canceller was last called with (0 before).
fn prompt_showing(
    sign_in_url: Option<&str>,
    user_code: Option<&str>,
) -> (Harness<'static, AuthDialog>, Arc<AtomicU64>) {
    let cancelled = Arc::new(AtomicU64::new(0));
    let seen = cancelled.clone();
    let auth = AuthDialog::new(move |handle: SignInHandle| {
        seen.store(handle.0, Ordering::SeqCst);
        true
    });
    auth.on_prompt(&SignInPrompt::Show {
        handle: SignInHandle(3),
        server_url: "omniverse://studio.example.com/".to_owned(),
        sign_in_url: sign_in_url.map(str::to_owned),
        user_code: user_code.map(str::to_owned),
    });
    let mut harness = Harness::builder()
        .with_size(egui::vec2(600.0, 400.0))
        .build_ui_state(
            |ui, auth: &mut AuthDialog| {
                AuthDialogView::new(auth).show(ui.ctx());
            },
            auth,
        );
    harness.run_steps(3);
    (harness, cancelled)
}

/// Clicks the control labelled `label` and answers the commands (open a URL, copy) that frame
/// sent to the host application.
fn click_for_commands(harness: &mut Harness<'_, AuthDialog>, label: &str) -> Vec<OutputCommand> {
    harness.get_by_label(label).click();
    harness.step();
    let commands = harness.output().platform_output.commands.clone();
    harness.run_steps(2);
    commands
}

fn opens(url: &str) -> impl Fn(&OutputCommand) -> bool + '_ {
    move |command| matches!(command, OutputCommand::OpenUrl(open) if open.url == url)
}

fn copies(text: &str) -> impl Fn(&OutputCommand) -> bool + '_ {
    move |command| matches!(command, OutputCommand::CopyText(copied) if copied == text)
}

const SIGN_IN_PAGE: &str = "http://127.0.0.1:4100/auth/authorize?response_type=code&client_id=cm\
    &redirect_uri=http%3A%2F%2F127.0.0.1%3A51234%2Fcallback&state=Zm9vYmFy\
    &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";

#[test]
fn sign_in_prompt_offers_its_page_as_a_link_to_open_again_and_copy() {
    let (mut harness, _) = prompt_showing(Some(SIGN_IN_PAGE), None);
    assert!(has_text(
        &harness,
        "Sign in on the page your web browser opened"
    ));
    let link = harness.get_by_label(labels::SIGN_IN_LINK);
    assert_eq!(link.accesskit_node().role(), Role::Link);
    assert!(
        link.rect().width() <= 400.0,
        "the long URL is cut to the dialog's width"
    );
    assert!(has_label(&harness, labels::CANCEL_SIGN_IN));
    harness.check_accessibility();

    let commands = click_for_commands(&mut harness, labels::OPEN_SIGN_IN_PAGE);
    assert!(commands.iter().any(opens(SIGN_IN_PAGE)), "{commands:?}");
    let commands = click_for_commands(&mut harness, labels::SIGN_IN_LINK);
    assert!(commands.iter().any(opens(SIGN_IN_PAGE)), "{commands:?}");

    assert!(!has_label(&harness, "Copied"));
    let commands = click_for_commands(&mut harness, labels::COPY_SIGN_IN_LINK);
    assert!(
        commands.iter().any(copies(SIGN_IN_PAGE)),
        "the whole URL: {commands:?}"
    );
    assert!(has_label(&harness, "Copied"));
}

#[test]
fn sign_in_prompt_shows_the_device_code_to_enter_and_copy() {
    let page = "http://127.0.0.1:4100/auth/device";
    let (mut harness, _) = prompt_showing(Some(page), Some("WDJB-MJHT"));
    assert!(has_label(&harness, "WDJB-MJHT"));
    assert!(has_text(&harness, "enter the code below"));
    harness.check_accessibility();
    let commands = click_for_commands(&mut harness, labels::COPY_USER_CODE);
    assert!(commands.iter().any(copies("WDJB-MJHT")), "{commands:?}");
    let commands = click_for_commands(&mut harness, labels::OPEN_SIGN_IN_PAGE);
    assert!(commands.iter().any(opens(page)), "{commands:?}");
}

#[test]
fn sign_in_prompt_without_a_page_says_what_to_do_instead() {
    let (mut harness, cancelled) = prompt_showing(None, None);
    assert!(has_text(&harness, "gave no sign-in page"));
    assert!(has_text(
        &harness,
        "connect with a user name and password or an access token"
    ));
    for absent in [
        labels::SIGN_IN_LINK,
        labels::OPEN_SIGN_IN_PAGE,
        labels::COPY_SIGN_IN_LINK,
    ] {
        assert!(!has_label(&harness, absent), "{absent}: nothing to open");
    }
    harness.check_accessibility();
    click(&mut harness, labels::CANCEL_SIGN_IN);
    assert_eq!(cancelled.load(Ordering::SeqCst), 3, "Cancel is the way out");
}
