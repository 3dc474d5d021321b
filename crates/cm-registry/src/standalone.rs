//! [`RegistryModel`]: the registry's state and reload diff as plain Rust,
//! without the actor, the file or the dispatcher.

use std::sync::Arc;

use cm_toml_store::Sections;

use crate::bookmarks::Bookmarks;
use crate::diff::reconcile;
use crate::events::RegistryEvent;
use crate::file_load::from_sections;
use crate::state::RegistryState;
use crate::values::{DiscoveryServer, ManualServer};

/// What applying file content to a [`RegistryModel`] changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SectionsApplied {
    /// The events for the difference, in the order the registry emits them.
    pub events: Vec<RegistryEvent>,
    /// Entries that were not used as written (one line each).
    pub warnings: Vec<String>,
}

/// The registry's state without the actor: what
/// [`ConnectionRegistry`](crate::ConnectionRegistry) holds, and the diff it runs when
/// `omniverse.toml` changes. Use it to compute what an edit of the file
/// means (tools, tests, benchmarks) without starting anything.
///
/// ```
/// use cm_registry::RegistryModel;
/// use cm_toml_store::{BookmarkEntry, Sections};
///
/// let file = |name: &str| Sections {
///     bookmarks: vec![BookmarkEntry { name: name.into(), url: "omniverse://h/p/".into() }],
///     ..Sections::default()
/// };
/// let mut model = RegistryModel::new();
/// model.apply_sections(&file("Projects"));
/// let applied = model.apply_sections(&file("Work"));
/// assert_eq!(applied.events.len(), 1);
/// assert_eq!(applied.events[0].name(), cm_registry::events::BOOKMARK_RENAMED_EVENT);
/// assert_eq!(&*model.bookmarks().first().unwrap().name, "Work");
/// ```
#[derive(Clone, Debug, Default)]
pub struct RegistryModel {
    state: RegistryState,
}

impl RegistryModel {
    /// An empty model.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the model equal to `sections` (normalising URLs, skipping
    /// unusable entries) and returns the events for the difference.
    pub fn apply_sections(&mut self, sections: &Sections) -> SectionsApplied {
        let mut warnings = Vec::new();
        let model = from_sections(sections, &self.state, &mut warnings);
        let events = reconcile(&mut self.state, model).events;
        SectionsApplied { events, warnings }
    }

    /// Bookmarks in file order.
    pub fn bookmarks(&self) -> &Bookmarks {
        &self.state.bookmarks
    }

    /// Discovery servers in file order.
    pub fn discovery_servers(&self) -> impl Iterator<Item = &Arc<DiscoveryServer>> {
        self.state.discovery.iter().map(|s| &s.server)
    }

    /// Manual servers in file order.
    pub fn manual_servers(&self) -> impl Iterator<Item = &Arc<ManualServer>> {
        self.state.manual.iter().map(|s| &s.server)
    }
}
