//! Message handlers of [`ConnectionRegistry`]: each one a thin call into the
//! state followed by `commit`.

use std::sync::Arc;

use actix::prelude::*;
use cm_discovery::DiscoveryUpdate;
use cm_toml_store::FileChanged;

use super::ConnectionRegistry;
use crate::discovery::read_update;
use crate::error::RegistryError;
use crate::ids::ServerId;
use crate::messages::*;
use crate::values::{Bookmark, DiscoveryServer, ManualServer, ServerMatch};

impl Handler<AddBookmark> for ConnectionRegistry {
    type Result = Result<(), RegistryError>;

    fn handle(&mut self, msg: AddBookmark, _: &mut Context<Self>) -> Self::Result {
        let before = self.checkpoint();
        let outcome = self.state.add_bookmark(&msg.name, &msg.url)?;
        self.finish(outcome, None, before)
    }
}

impl Handler<RemoveBookmark> for ConnectionRegistry {
    type Result = Result<Bookmark, RegistryError>;

    fn handle(&mut self, msg: RemoveBookmark, _: &mut Context<Self>) -> Self::Result {
        let before = self.checkpoint();
        let outcome = self.state.remove_bookmark(&msg.name)?;
        self.finish(outcome, None, before)
    }
}

impl Handler<RenameBookmark> for ConnectionRegistry {
    type Result = Result<(), RegistryError>;

    fn handle(&mut self, msg: RenameBookmark, _: &mut Context<Self>) -> Self::Result {
        let before = self.checkpoint();
        let outcome = self
            .state
            .rename_bookmark(&msg.old_name, &msg.new_name, &msg.url)?;
        if outcome.events.is_empty() {
            return Ok(());
        }
        self.finish(outcome, None, before)
    }
}

impl Handler<AddDiscoveryServer> for ConnectionRegistry {
    type Result = Result<ServerId, RegistryError>;

    fn handle(&mut self, msg: AddDiscoveryServer, ctx: &mut Context<Self>) -> Self::Result {
        let before = self.checkpoint();
        let outcome = self.state.add_discovery_server(&msg.name, &msg.url)?;
        let id = outcome.value;
        let result = self.finish(outcome, Some(id), before);
        // Discovery starts after the add is announced, so observers see
        // `added` before the first `updated`.
        if let Some(server) = self.state.discovery.iter().find(|s| s.server.id == id) {
            let server = server.server.clone();
            self.start_discovery(&server, ctx);
        }
        result
    }
}

impl Handler<RemoveDiscoveryServer> for ConnectionRegistry {
    type Result = Result<Arc<DiscoveryServer>, RegistryError>;

    fn handle(&mut self, msg: RemoveDiscoveryServer, _: &mut Context<Self>) -> Self::Result {
        let before = self.checkpoint();
        let outcome = self.state.remove_discovery_server(msg.id)?;
        self.discovery.stop(msg.id);
        self.finish(outcome, None, before)
    }
}

impl Handler<AddManualServer> for ConnectionRegistry {
    type Result = Result<ServerId, RegistryError>;

    fn handle(&mut self, msg: AddManualServer, _: &mut Context<Self>) -> Self::Result {
        let before = self.checkpoint();
        let outcome = self.state.add_manual_server(&msg.name, &msg.url)?;
        let id = outcome.value;
        self.finish(outcome, Some(id), before)
    }
}

impl Handler<RemoveManualServer> for ConnectionRegistry {
    type Result = Result<Arc<ManualServer>, RegistryError>;

    fn handle(&mut self, msg: RemoveManualServer, _: &mut Context<Self>) -> Self::Result {
        let before = self.checkpoint();
        let outcome = self.state.remove_manual_server(msg.id)?;
        self.finish(outcome, None, before)
    }
}

impl Handler<RefreshDiscovery> for ConnectionRegistry {
    type Result = Result<(), RegistryError>;

    fn handle(&mut self, msg: RefreshDiscovery, _: &mut Context<Self>) -> Self::Result {
        if let Some(id) = msg.id
            && !self.state.discovery.iter().any(|s| s.server.id == id)
        {
            return Err(RegistryError::UnknownDiscoveryServer { id });
        }
        self.discovery.refresh(msg.id);
        Ok(())
    }
}

impl Handler<Reload> for ConnectionRegistry {
    type Result = Result<(), RegistryError>;

    fn handle(&mut self, _: Reload, ctx: &mut Context<Self>) -> Self::Result {
        let Some(store) = self.persistence.store() else {
            return Ok(());
        };
        let result = store.load();
        self.apply_reload(result, ctx)
    }
}

impl Handler<FindServerForUrl> for ConnectionRegistry {
    type Result = Option<ServerMatch>;

    fn handle(&mut self, msg: FindServerForUrl, _: &mut Context<Self>) -> Self::Result {
        self.publisher.current().find_server_for_url(&msg.url)
    }
}

impl Handler<GetSnapshot> for ConnectionRegistry {
    type Result = MessageResult<GetSnapshot>;

    fn handle(&mut self, _: GetSnapshot, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.publisher.current())
    }
}

impl Handler<FileChanged> for ConnectionRegistry {
    type Result = ();

    fn handle(&mut self, msg: FileChanged, ctx: &mut Context<Self>) {
        tracing::debug!(path = %msg.path.display(), ok = msg.result.is_ok(), "omniverse.toml changed");
        // Errors are recorded in the snapshot and logged by apply_reload.
        let _ = self.apply_reload(msg.result, ctx);
    }
}

impl Handler<DiscoveryUpdate> for ConnectionRegistry {
    type Result = ();

    fn handle(&mut self, update: DiscoveryUpdate, _: &mut Context<Self>) {
        let (status, addresses) = read_update(&update);
        let id = ServerId(update.server_id);
        // None: a late report for a removed server, or nothing new.
        if let Some(outcome) = self.state.update_discovery(id, status, addresses) {
            let (_, saved) = self.commit(outcome);
            if let Err(e) = saved {
                tracing::warn!(server_id = %id, error = %e, "discovered addresses not saved");
            }
        }
    }
}
