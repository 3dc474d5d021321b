//! The alert pane, the progress bar and the sign-in prompt on their own.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cm_egui::{AlertPane, AuthDialogView, ProgressBarView, labels};
use cm_manager::dialogs::{AlertModel, AuthDialog, ProgressModel};
use cm_manager::{SignInHandle, SignInPrompt};
use common::{click, has_label, has_text};
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
