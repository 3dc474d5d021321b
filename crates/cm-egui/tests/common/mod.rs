//! Shared test helpers: a manager over a temp omniverse.toml with a private dispatcher, and a
//! harness wait that steps frames until a condition holds.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use cm_events::Dispatcher;
use cm_manager::{ManagerConfig, ManagerHandle};
use cm_registry::RegistryConfig;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// Generous deadline for conditions on a loaded CI machine.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// A running manager over `omniverse.toml` in a temp dir (or in memory).
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub manager: ManagerHandle,
    pub dispatcher: Dispatcher,
}

impl Fixture {
    /// A manager over `<tmp>/omniverse.toml` holding `toml` (none written when empty).
    pub fn with_file(toml: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("omniverse.toml");
        if !toml.is_empty() {
            std::fs::write(&path, toml).unwrap();
        }
        let registry = RegistryConfig::new(&path).debounce(Duration::from_millis(100));
        Self::start(dir, registry)
    }

    /// A manager with an in-memory registry.
    pub fn in_memory() -> Self {
        Self::start(tempfile::tempdir().unwrap(), RegistryConfig::in_memory())
    }

    fn start(dir: tempfile::TempDir, registry: RegistryConfig) -> Self {
        let dispatcher = Dispatcher::new();
        let config = ManagerConfig::new(registry)
            .dispatcher(dispatcher.clone())
            .retry_budget(Duration::from_millis(1500))
            .discovery_timeout(Duration::from_secs(10))
            // The panel shows the sign-in prompt.
            .interactive_sign_in(true);
        let manager = ManagerHandle::start(config).unwrap();
        Self {
            dir,
            manager,
            dispatcher,
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("omniverse.toml")
    }

    pub fn file(&self) -> String {
        std::fs::read_to_string(self.path()).unwrap_or_default()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.manager.shutdown();
    }
}

/// Steps the harness (one frame at a time, with a short pause so the manager's thread gets
/// the CPU) until `condition` holds; panics with `what` after [`DEADLINE`].
pub fn step_until<S>(
    harness: &mut Harness<'_, S>,
    what: &str,
    mut condition: impl FnMut(&Harness<'_, S>) -> bool,
) {
    let start = Instant::now();
    loop {
        harness.step();
        if condition(harness) {
            // Windows resize and re-centre a frame after their content changes: let the
            // layout settle so that the next click lands where the user would see the button.
            harness.run_steps(2);
            return;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "not within {DEADLINE:?}: {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits (stepping the harness) until `condition` on the outside world holds.
pub fn wait_for<S>(harness: &mut Harness<'_, S>, what: &str, mut condition: impl FnMut() -> bool) {
    step_until(harness, what, |_| condition());
}

/// Whether a node labelled exactly `label` is in the accessibility tree.
pub fn has_label<S>(harness: &Harness<'_, S>, label: &str) -> bool {
    harness.query_all_by_label(label).next().is_some()
}

/// Whether a node whose label contains `text` is in the tree.
pub fn has_text<S>(harness: &Harness<'_, S>, text: &str) -> bool {
    harness.query_all_by_label_contains(text).next().is_some()
}

/// Types `text` into the field labelled `label`, as a person would: click into it, select
/// what is there, type.
pub fn type_into<S>(harness: &mut Harness<'_, S>, label: &str, text: &str) {
    harness.get_by_label(label).click();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    harness.key_press(egui::Key::Backspace);
    harness.step();
    if !text.is_empty() {
        harness.get_by_label(label).type_text(text);
    }
    harness.run_steps(2);
}

/// Clicks the node labelled `label` and runs a frame.
pub fn click<S>(harness: &mut Harness<'_, S>, label: &str) {
    harness.get_by_label(label).click();
    harness.run_steps(3);
}
