//! The [`ConnectionRegistry`] actor: the one owner of all connection state.
//!
//! Every change takes the same path on the actor's thread: validate and apply
//! to [`RegistryState`], write the file edits in one save, publish a new
//! snapshot, then dispatch the events. Background parts (the file watcher, the
//! discovery actors) only send messages here; they never touch the state.

use actix::prelude::*;
use cm_events::Dispatcher;
use cm_toml_store::{FileChanged, Loaded, StoreError, TomlFileWatcher, WatchConfig};

use crate::config::RegistryConfig;
use crate::diff::reconcile;
use crate::discovery::DiscoveryRunner;
use crate::error::RegistryError;
use crate::event_dispatch::{emit, register_event_aliases_on};
use crate::events::RegistryEvent;
use crate::file_load::from_loaded;
use crate::file_save::Persistence;
use crate::handle::RegistryHandle;
use crate::ids::ServerId;
use crate::snapshot::Publisher;
use crate::state::{Outcome, RegistryState};
use crate::system_thread::{OwnedRegistry, StartError};
use crate::values::DiscoveryServer;

/// The actor that owns bookmarks, discovery servers and manual servers.
///
/// Start it with [`ConnectionRegistry::start`] and talk to it through the
/// returned [`RegistryHandle`]. See the crate docs for the guarantees.
pub struct ConnectionRegistry {
    state: RegistryState,
    publisher: Publisher,
    persistence: Persistence,
    discovery: DiscoveryRunner,
    dispatcher: Dispatcher,
    watch: Option<WatchConfig>,
    watcher: Option<TomlFileWatcher>,
}

impl std::fmt::Debug for ConnectionRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionRegistry")
            .field("path", &self.persistence.path())
            .field("bookmarks", &self.state.bookmarks.len())
            .field("discovery_servers", &self.state.discovery.len())
            .field("manual_servers", &self.state.manual.len())
            .finish_non_exhaustive()
    }
}

impl ConnectionRegistry {
    /// Loads the file (migrating an old-style one first), publishes the first
    /// snapshot and starts the actor, its watcher and one discovery actor per
    /// discovery server. Must be called inside a running actix system.
    ///
    /// The initial load is synchronous, so the handle's snapshot holds the
    /// file's content as soon as this returns; it announces nothing (there is
    /// no change yet). A file that cannot be read leaves the registry empty,
    /// with the error in `snapshot().storage().last_load_error`; the registry
    /// then fills in when the file is repaired (the watcher reloads it).
    ///
    /// # Panics
    ///
    /// Without a running actix System on this thread (and no
    /// [`arbiter`](RegistryConfig::arbiter) set), as actix does: use
    /// [`try_start`](Self::try_start) for an error instead, or
    /// [`start_on_own_thread`](Self::start_on_own_thread) under `#[tokio::main]`.
    pub fn start(config: RegistryConfig) -> RegistryHandle {
        match Self::try_start(config) {
            Ok(handle) => handle,
            Err(error) => panic!("{error}"),
        }
    }

    /// [`start`](Self::start), answering [`StartError::NoActixSystem`] instead of panicking
    /// when no actix System runs on this thread (for example under `#[tokio::main]`).
    ///
    /// ```
    /// use cm_registry::{ConnectionRegistry, RegistryConfig, StartError};
    ///
    /// let config = RegistryConfig::in_memory().dispatcher(cm_events::Dispatcher::new());
    /// let refused = ConnectionRegistry::try_start(config);
    /// assert!(matches!(refused, Err(StartError::NoActixSystem)));
    /// ```
    pub fn try_start(config: RegistryConfig) -> Result<RegistryHandle, StartError> {
        if config.arbiter.is_none() && actix::Arbiter::try_current().is_none() {
            return Err(StartError::NoActixSystem);
        }
        Ok(Self::start_here(config))
    }

    /// Starts the registry on a thread of its own running an actix System (what a program
    /// without one uses, e.g. under `#[tokio::main]`). The [`OwnedRegistry`] derefs to its
    /// handle; dropping it stops the thread.
    ///
    /// ```
    /// use cm_registry::{ConnectionRegistry, RegistryConfig};
    ///
    /// # fn main() -> Result<(), cm_registry::StartError> {
    /// let registry = ConnectionRegistry::start_on_own_thread(
    ///     RegistryConfig::in_memory().dispatcher(cm_events::Dispatcher::new()),
    /// )?;
    /// assert!(registry.bookmarks().is_empty());
    /// registry.shutdown();
    /// # Ok(()) }
    /// ```
    pub fn start_on_own_thread(config: RegistryConfig) -> Result<OwnedRegistry, StartError> {
        OwnedRegistry::start(config)
    }

    fn start_here(config: RegistryConfig) -> RegistryHandle {
        let dispatcher = config
            .dispatcher
            .clone()
            .unwrap_or_else(|| cm_events::dispatcher().clone());
        register_event_aliases_on(&dispatcher);
        let self_dispatcher = dispatcher.clone();
        let persistence = Persistence::new(config.store.clone(), config.persist);
        let (publisher, reader) = Publisher::new();
        let mut registry = ConnectionRegistry {
            state: RegistryState::default(),
            publisher,
            persistence,
            discovery: DiscoveryRunner::new(
                config.discovery,
                config.discovery_client.clone(),
                config.retry,
            ),
            dispatcher,
            watch: config.watch,
            watcher: None,
        };
        registry.initial_load();
        let addr = match &config.arbiter {
            Some(arbiter) => ConnectionRegistry::start_in_arbiter(arbiter, |_| registry),
            None => registry.start(),
        };
        RegistryHandle::new(addr, reader, self_dispatcher)
    }

    fn initial_load(&mut self) {
        let path = self.persistence.path().map(Into::into);
        self.publisher.update_storage(|s| s.path = path);
        match self.persistence.load_at_startup() {
            Some((Ok(loaded), migrated)) => {
                if let Some(report) = migrated {
                    tracing::info!(
                        servers = report.servers_added.len(),
                        bookmarks_removed = report.bookmarks_removed.len(),
                        "migrated old-style omniverse.toml"
                    );
                }
                // Nothing was announced before, so the difference is not news.
                let _ = self.take_file(&loaded);
            }
            Some((Err(e), _)) => {
                tracing::warn!(error = %e, "could not load omniverse.toml; starting empty");
                self.publisher
                    .update_storage(|s| s.last_load_error = Some(e));
            }
            None => {}
        }
        self.publisher.publish(&mut self.state, true);
    }

    /// Makes memory equal to `loaded`; returns the events and the discovery
    /// servers to start / stop. Does not publish.
    fn take_file(
        &mut self,
        loaded: &Loaded,
    ) -> (
        Vec<RegistryEvent>,
        Vec<std::sync::Arc<DiscoveryServer>>,
        Vec<ServerId>,
    ) {
        let (model, warnings) = from_loaded(loaded, &self.state);
        for w in &warnings {
            tracing::warn!(warning = %w, "omniverse.toml entry not used as written");
        }
        let out = reconcile(&mut self.state, model);
        self.publisher.update_storage(|s| {
            s.last_load_error = None;
            s.load_warnings = warnings.into();
        });
        (out.events, out.discovery_added, out.discovery_removed)
    }

    fn start_discovery(&mut self, server: &DiscoveryServer, ctx: &mut Context<Self>) {
        if let Some(status) = self.discovery.start(server, ctx.address().recipient())
            && let Some(outcome) = self.state.update_discovery(server.id, status, None)
        {
            // A status change writes nothing, so there is no save to fail.
            let _ = self.commit(outcome);
        }
    }

    /// Saves, publishes and announces a successful mutation; the save error,
    /// if any, is returned (the change stays in memory).
    /// The state before a mutation, kept only while the mutation may still be refused by the
    /// store (persistence on): a refused change is undone, not kept in memory and re-sent with
    /// every later save (which would then all fail).
    fn checkpoint(&self) -> Option<RegistryState> {
        self.persistence.writes().then(|| self.state.clone())
    }

    fn commit<T>(&mut self, outcome: Outcome<T>) -> (T, Result<(), StoreError>) {
        self.commit_or_undo(outcome, None)
    }

    /// Saves, publishes and announces `outcome`; when the store refuses the change outright
    /// (`StoreError::Refused`: a limit, a wrong-typed entry), the state goes back to `before`
    /// and nothing is published or announced.
    fn commit_or_undo<T>(
        &mut self,
        outcome: Outcome<T>,
        before: Option<RegistryState>,
    ) -> (T, Result<(), StoreError>) {
        let Outcome { value, events, ops } = outcome;
        let had_ops = !ops.is_empty();
        let saved = self.persistence.save(ops);
        if let (Err(e), Some(before)) = (&saved, before)
            && e.is_refused_change()
        {
            tracing::warn!(error = %e, "the store refused the change; undone");
            self.state = before;
            return (value, saved);
        }
        let unsaved = self.persistence.unsaved();
        let storage_changed = had_ops && {
            let now = self.publisher.storage();
            saved.is_err() || now.last_save_error.is_some() || now.unsaved_changes != unsaved
        };
        if storage_changed {
            let error = saved.as_ref().err().cloned();
            self.publisher.update_storage(|s| {
                s.last_save_error = error;
                s.unsaved_changes = unsaved;
            });
        }
        self.publisher.publish(&mut self.state, storage_changed);
        emit(&self.dispatcher, &events);
        (value, saved)
    }

    fn finish<T>(
        &mut self,
        outcome: Outcome<T>,
        created: Option<ServerId>,
        before: Option<RegistryState>,
    ) -> Result<T, RegistryError> {
        match self.commit_or_undo(outcome, before) {
            (value, Ok(())) => Ok(value),
            (_, Err(source)) => Err(RegistryError::NotSaved {
                server_id: created,
                source,
            }),
        }
    }

    /// Applies a reload result (from the watcher or an explicit reload).
    fn apply_reload(
        &mut self,
        result: Result<Loaded, StoreError>,
        ctx: &mut Context<Self>,
    ) -> Result<(), RegistryError> {
        let loaded = match result {
            Ok(loaded) => loaded,
            Err(e) => {
                tracing::warn!(error = %e, "omniverse.toml changed but cannot be used; keeping the current state");
                self.publisher
                    .update_storage(|s| s.last_load_error = Some(e.clone()));
                self.publisher.publish(&mut self.state, true);
                let url = self
                    .persistence
                    .path()
                    .map(|p| format!("file://{}", p.display()))
                    .unwrap_or_default();
                emit(
                    &self.dispatcher,
                    &[RegistryEvent::ConfigReloadFailed {
                        url: url.into(),
                        error: e.to_string().into(),
                    }],
                );
                return Err(RegistryError::LoadFailed { source: e });
            }
        };
        // Our own unsaved edits go to the file first, so the diff does not
        // take their absence for another process's deletions.
        let loaded = match self.persistence.flush_unsaved() {
            Ok(Some(after)) => after,
            Ok(None) => loaded,
            Err(e) => {
                tracing::warn!(error = %e, "could not write unsaved changes; reload postponed");
                self.publisher.update_storage(|s| {
                    s.last_save_error = Some(e.clone());
                });
                self.publisher.publish(&mut self.state, true);
                return Err(RegistryError::NotSaved {
                    server_id: None,
                    source: e,
                });
            }
        };
        let (events, added, removed) = self.take_file(&loaded);
        let unsaved = self.persistence.unsaved();
        self.publisher.update_storage(|s| {
            if unsaved == 0 {
                s.last_save_error = None;
            }
            s.unsaved_changes = unsaved;
        });
        for id in removed {
            self.discovery.stop(id);
        }
        self.publisher.publish(&mut self.state, true);
        emit(&self.dispatcher, &events);
        for server in added {
            self.start_discovery(&server, ctx);
        }
        Ok(())
    }
}

impl Actor for ConnectionRegistry {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        if let (Some(config), Some(store)) = (self.watch, self.persistence.store()) {
            match store.watch(config, ctx.address().recipient::<FileChanged>()) {
                Ok(watcher) => self.watcher = Some(watcher),
                Err(e) => {
                    tracing::error!(error = %e, "cannot watch omniverse.toml; external edits will not be seen")
                }
            }
            // An edit between the initial load and the watch went unseen; read once more
            // if the content changed since.
            if self.watcher.is_some()
                && let Some(store) = self.persistence.store()
            {
                match store.load_if_changed() {
                    Ok(None) => {}
                    Ok(Some(loaded)) => {
                        let _ = self.apply_reload(Ok(loaded), ctx);
                    }
                    Err(e) => {
                        let _ = self.apply_reload(Err(e), ctx);
                    }
                }
            }
        }
        let servers: Vec<_> = self
            .state
            .discovery
            .iter()
            .map(|s| s.server.clone())
            .collect();
        for server in servers {
            self.start_discovery(&server, ctx);
        }
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        self.watcher = None;
        self.discovery.stop_all();
    }
}

mod handlers;
