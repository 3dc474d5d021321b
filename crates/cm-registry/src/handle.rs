//! [`RegistryHandle`]: what the rest of the program holds to use the registry.

use std::sync::Arc;

use actix::{Addr, MailboxError, Message};

use crate::actor::ConnectionRegistry;
use crate::error::RegistryError;
use crate::ids::ServerId;
use crate::messages::*;
use crate::snapshot::{RegistrySnapshot, SnapshotReader};
use crate::typed_event::RegistryEvents;
use crate::values::{Bookmark, DiscoveryServer, ManualServer, ServerMatch};
use cm_events::Dispatcher;

/// A cheap, cloneable handle to a running [`ConnectionRegistry`].
///
/// Reads ([`snapshot`](Self::snapshot), [`find_server_for_url`](Self::find_server_for_url),
/// [`bookmarks`](Self::bookmarks)) come from the published snapshot: they never
/// wait on the actor and work from any thread. Changes are `async` and answer
/// once the change is in memory, saved, published and announced.
///
/// ```
/// # actix::System::new().block_on(async {
/// use cm_registry::{ConnectionRegistry, RegistryConfig};
///
/// let registry = ConnectionRegistry::start(
///     RegistryConfig::in_memory().dispatcher(cm_events::Dispatcher::new()),
/// );
/// registry.add_bookmark("Projects", "omniverse://my-server/Projects/").await.unwrap();
/// let id = registry.add_manual_server("my-server", "omniverse://my-server/").await.unwrap();
///
/// let found = registry.find_server_for_url("omniverse://my-server/Projects/a.usd").unwrap();
/// assert_eq!(found.id(), id);
/// assert_eq!(registry.bookmarks()[0].url.as_ref(), "omniverse://my-server/Projects/");
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct RegistryHandle {
    addr: Addr<ConnectionRegistry>,
    reader: SnapshotReader,
    dispatcher: Dispatcher,
}

fn stopped(_: MailboxError) -> RegistryError {
    RegistryError::Stopped
}

impl RegistryHandle {
    pub(crate) fn new(
        addr: Addr<ConnectionRegistry>,
        reader: SnapshotReader,
        dispatcher: Dispatcher,
    ) -> Self {
        Self {
            addr,
            reader,
            dispatcher,
        }
    }

    /// The dispatcher the registry announces its changes on.
    pub fn dispatcher(&self) -> &Dispatcher {
        &self.dispatcher
    }

    /// Every change from now on, as typed [`RegistryEvent`](crate::events::RegistryEvent)s in
    /// the order they were made (see [`RegistryEvents`]), including
    /// `ConfigReloadFailed` when an edited file cannot be used.
    ///
    /// ```
    /// # actix::System::new().block_on(async {
    /// use futures::StreamExt;
    /// use cm_registry::{ConnectionRegistry, RegistryConfig, events::RegistryEvent};
    ///
    /// let registry = ConnectionRegistry::start(
    ///     RegistryConfig::in_memory().dispatcher(cm_events::Dispatcher::new()),
    /// );
    /// let mut events = registry.events();
    /// registry.add_bookmark("P", "omniverse://h/P/").await.unwrap();
    /// match events.next().await {
    ///     Some(RegistryEvent::BookmarkAdded { name, .. }) => assert_eq!(&*name, "P"),
    ///     other => panic!("{other:?}"),
    /// }
    /// # });
    /// ```
    pub fn events(&self) -> RegistryEvents {
        RegistryEvents::observe(&self.dispatcher)
    }

    /// The actor's address, for sending [`messages`](crate::messages) directly.
    pub fn addr(&self) -> &Addr<ConnectionRegistry> {
        &self.addr
    }

    /// The snapshot reader (cloneable; usable without the handle).
    pub fn reader(&self) -> &SnapshotReader {
        &self.reader
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<RegistrySnapshot> {
        self.reader.load()
    }

    /// The bookmarks, in display order.
    pub fn bookmarks(&self) -> Vec<Bookmark> {
        self.reader.with(|s| s.bookmarks().to_vec())
    }

    /// The server that owns `url` (see
    /// [`RegistrySnapshot::find_server_for_url`]); no actor round trip.
    pub fn find_server_for_url(&self, url: &str) -> Option<ServerMatch> {
        self.reader.with(|s| s.find_server_for_url(url))
    }

    /// Waits until a published snapshot satisfies `condition`; see
    /// [`SnapshotReader::wait_for`].
    pub async fn wait_for(
        &self,
        condition: impl FnMut(&RegistrySnapshot) -> bool,
    ) -> Option<Arc<RegistrySnapshot>> {
        self.reader.wait_for(condition).await
    }

    async fn call<M>(&self, msg: M) -> Result<M::Result, RegistryError>
    where
        M: Message + Send + 'static,
        M::Result: Send,
        ConnectionRegistry: actix::Handler<M>,
    {
        self.addr.send(msg).await.map_err(stopped)
    }

    /// Adds bookmark `name` pointing at `url`.
    pub async fn add_bookmark(&self, name: &str, url: &str) -> Result<(), RegistryError> {
        self.call(AddBookmark {
            name: name.to_owned(),
            url: url.to_owned(),
        })
        .await?
    }

    /// Removes the bookmark called `name`.
    pub async fn remove_bookmark(&self, name: &str) -> Result<Bookmark, RegistryError> {
        self.call(RemoveBookmark {
            name: name.to_owned(),
        })
        .await?
    }

    /// Renames `old_name` to `new_name`, pointing at `url`.
    pub async fn rename_bookmark(
        &self,
        old_name: &str,
        new_name: &str,
        url: &str,
    ) -> Result<(), RegistryError> {
        self.call(RenameBookmark {
            old_name: old_name.to_owned(),
            new_name: new_name.to_owned(),
            url: url.to_owned(),
        })
        .await?
    }

    /// Adds a discovery server and starts discovering it.
    pub async fn add_discovery_server(
        &self,
        name: &str,
        url: &str,
    ) -> Result<ServerId, RegistryError> {
        self.call(AddDiscoveryServer {
            name: name.to_owned(),
            url: url.to_owned(),
        })
        .await?
    }

    /// Removes a discovery server.
    pub async fn remove_discovery_server(
        &self,
        id: ServerId,
    ) -> Result<Arc<DiscoveryServer>, RegistryError> {
        self.call(RemoveDiscoveryServer { id }).await?
    }

    /// Adds a manual server.
    pub async fn add_manual_server(
        &self,
        name: &str,
        url: &str,
    ) -> Result<ServerId, RegistryError> {
        self.call(AddManualServer {
            name: name.to_owned(),
            url: url.to_owned(),
        })
        .await?
    }

    /// Removes a manual server.
    pub async fn remove_manual_server(
        &self,
        id: ServerId,
    ) -> Result<Arc<ManualServer>, RegistryError> {
        self.call(RemoveManualServer { id }).await?
    }

    /// Starts a new discovery round for `id`, or for every discovery server.
    pub async fn refresh_discovery(&self, id: Option<ServerId>) -> Result<(), RegistryError> {
        self.call(RefreshDiscovery { id }).await?
    }

    /// Re-reads `omniverse.toml` now and applies the difference.
    pub async fn reload(&self) -> Result<(), RegistryError> {
        self.call(Reload).await?
    }

    /// The snapshot after every message sent before this call was handled.
    pub async fn synced_snapshot(&self) -> Result<Arc<RegistrySnapshot>, RegistryError> {
        self.call(GetSnapshot).await
    }
}
