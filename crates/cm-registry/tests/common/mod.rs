//! Helpers shared by the integration tests: an event recorder on a private
//! dispatcher, condition waits with generous deadlines, and registry set-ups.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cm_events::{Dispatcher, ObserverGuard};
use cm_registry::events::ALL_EVENTS;
use cm_registry::{ConnectionRegistry, RegistryConfig, RegistryHandle};

/// Generous: CI is a loaded 2-core machine.
pub const DEADLINE: Duration = cm_testkit::wait::DEADLINE;

/// Records every registry event dispatched on a private dispatcher, in order,
/// as `name payload-json` lines.
pub struct Recorder {
    pub dispatcher: Dispatcher,
    lines: Arc<Mutex<Vec<String>>>,
    replacements: Arc<Mutex<Vec<(String, String)>>>,
    _guards: Vec<ObserverGuard>,
}

impl Recorder {
    pub fn new() -> Self {
        let dispatcher = Dispatcher::new();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let replacements: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let guards = ALL_EVENTS
            .iter()
            .map(|name| {
                let lines = lines.clone();
                let replacements = replacements.clone();
                dispatcher.observe("test-recorder", 0, *name, None, move |e| {
                    let mut line = format!("{} {}", e.name().as_str(), e.payload().to_json());
                    for (from, to) in replacements.lock().unwrap().iter() {
                        line = line.replace(from, to);
                    }
                    lines.lock().unwrap().push(line);
                })
            })
            .collect();
        Self {
            dispatcher,
            lines,
            replacements,
            _guards: guards,
        }
    }

    /// Replaces `from` with `to` in recorded lines (e.g. a random port).
    pub fn replace(&self, from: impl Into<String>, to: impl Into<String>) {
        self.replacements
            .lock()
            .unwrap()
            .push((from.into(), to.into()));
    }

    pub fn len(&self) -> usize {
        self.lines.lock().unwrap().len()
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Takes the recorded lines, joined by newlines.
    pub fn take(&self) -> String {
        std::mem::take(&mut *self.lines.lock().unwrap()).join("\n")
    }
}

/// Waits `quiet` and asserts that the recorder got nothing new meanwhile.
pub async fn assert_quiet(recorder: &Recorder, quiet: Duration) {
    let before = recorder.len();
    actix_rt::time::sleep(quiet).await;
    assert_eq!(
        recorder.lines()[before..],
        [] as [String; 0],
        "unexpected events"
    );
}

pub fn toml_path(dir: &Path) -> PathBuf {
    dir.join("omniverse.toml")
}

/// A registry on `path` with a 200 ms debounce, events on `recorder`.
pub fn start_persisted(path: &Path, recorder: &Recorder) -> RegistryHandle {
    ConnectionRegistry::start(
        RegistryConfig::new(path)
            .debounce(Duration::from_millis(200))
            .discovery(false)
            .dispatcher(recorder.dispatcher.clone()),
    )
}

/// An in-memory registry (no file), events on `recorder`.
pub fn start_in_memory(recorder: &Recorder) -> RegistryHandle {
    ConnectionRegistry::start(
        RegistryConfig::in_memory()
            .discovery(false)
            .dispatcher(recorder.dispatcher.clone()),
    )
}
