//! The panel's "last change" line: observes the registry's events on a dispatcher.

use std::sync::{Arc, Mutex, PoisonError};

use cm_events::{Dispatcher, ObserverGuard};
use cm_registry::events::{ALL_EVENTS, short_name};
use egui::Context;

/// The text of the latest event, and the context to wake when one arrives.
#[derive(Default)]
struct Shared {
    last: Option<String>,
    ctx: Option<Context>,
}

/// Observes every connection-manager event; keeps a one-line description of the latest.
pub(crate) struct EventFeed {
    shared: Arc<Mutex<Shared>>,
    _guards: Vec<ObserverGuard>,
}

impl std::fmt::Debug for EventFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventFeed")
            .field("last", &self.last())
            .finish_non_exhaustive()
    }
}

impl EventFeed {
    pub(crate) fn observe(dispatcher: &Dispatcher) -> Self {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let guards = ALL_EVENTS
            .iter()
            .map(|&event| {
                let shared = shared.clone();
                // Derived from the event's name: `BOOKMARK_ADDED` reads "bookmark added".
                let what = short_name(event).to_lowercase().replace('_', " ");
                dispatcher.observe("cm-egui panel", 0, event, None, move |e| {
                    let field = |key: &str| e.get(key).and_then(|v| v.as_str()).unwrap_or("");
                    let subject = match (field("name"), field("new_name")) {
                        ("", "") => String::new(),
                        ("", new_name) => format!(" {} to {new_name}", field("old_name")),
                        (name, _) => format!(" {name}"),
                    };
                    let line = format!("{what}{subject} ({})", field("url"));
                    let mut shared = shared.lock().unwrap_or_else(PoisonError::into_inner);
                    shared.last = Some(line);
                    if let Some(ctx) = &shared.ctx {
                        ctx.request_repaint();
                    }
                })
            })
            .collect();
        Self {
            shared,
            _guards: guards,
        }
    }

    /// Sets the context to repaint on each event.
    pub(crate) fn wake(&self, ctx: &Context) {
        let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        if shared.ctx.is_none() {
            shared.ctx = Some(ctx.clone());
        }
    }

    /// The latest event, described.
    pub(crate) fn last(&self) -> Option<String> {
        self.shared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last
            .clone()
    }
}
