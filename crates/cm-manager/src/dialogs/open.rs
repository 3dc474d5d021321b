//! Opening add-server dialogs on a [`ManagerHandle`], and the backend that connects and adds
//! the server for them.

use std::sync::Arc;

use futures::future::BoxFuture;

use crate::dialogs::{AddServerBackend, AddServerDialog, OnFailed, OnSuccess, ServerKind};
use crate::error::EnsureError;
use crate::handle::ManagerHandle;

impl ManagerHandle {
    /// Opens an add-server dialog of `kind`. Only one may be open per manager: while one is,
    /// this logs a warning, calls `on_failed` at once and answers `None`.
    pub fn show_add_server_dialog(
        &self,
        kind: ServerKind,
        on_success: Option<OnSuccess>,
        on_failed: Option<OnFailed>,
    ) -> Option<AddServerDialog> {
        if !self.is_running() {
            tracing::warn!(kind = ?kind, "add-server dialog requested after shutdown");
            if let Some(on_failed) = on_failed {
                on_failed();
            }
            return None;
        }
        let slot = self.inner.dialog_slot.clone();
        if !slot.try_acquire() {
            tracing::warn!(kind = ?kind, "an add-server dialog is already open; refusing another");
            if let Some(on_failed) = on_failed {
                on_failed();
            }
            return None;
        }
        let backend: Arc<dyn AddServerBackend> = Arc::new(self.clone());
        Some(AddServerDialog::new(
            kind,
            backend,
            on_success,
            on_failed,
            Some(slot),
        ))
    }

    /// [`show_add_server_dialog`](Self::show_add_server_dialog) for a discovery server.
    pub fn show_add_discovery_server_dialog(
        &self,
        on_success: Option<OnSuccess>,
        on_failed: Option<OnFailed>,
    ) -> Option<AddServerDialog> {
        self.show_add_server_dialog(ServerKind::Discovery, on_success, on_failed)
    }

    /// [`show_add_server_dialog`](Self::show_add_server_dialog) for a Nucleus server.
    pub fn show_add_nucleus_server_dialog(
        &self,
        on_success: Option<OnSuccess>,
        on_failed: Option<OnFailed>,
    ) -> Option<AddServerDialog> {
        self.show_add_server_dialog(ServerKind::Nucleus, on_success, on_failed)
    }

    /// [`show_add_server_dialog`](Self::show_add_server_dialog) for an HTTP/S3/Azure/GCS server.
    pub fn show_add_http_server_dialog(
        &self,
        on_success: Option<OnSuccess>,
        on_failed: Option<OnFailed>,
    ) -> Option<AddServerDialog> {
        self.show_add_server_dialog(ServerKind::Http, on_success, on_failed)
    }

    /// Whether an add-server dialog is open.
    pub fn is_add_server_dialog_open(&self) -> bool {
        self.inner.dialog_slot.is_taken()
    }

    async fn add_server(&self, kind: ServerKind, name: String, url: String) -> Result<u64, String> {
        let registry = self.registry();
        match kind {
            ServerKind::Discovery => {
                let id = registry
                    .add_discovery_server(&name, &url)
                    .await
                    .map_err(|e| e.to_string())?;
                // Only keep a discovery server whose discovery works, as the original does.
                let wait = crate::actor::WaitForDiscovery {
                    id,
                    name: name.clone(),
                    timeout: self.discovery_timeout(),
                };
                let answer = self
                    .addr()
                    .send(wait)
                    .await
                    .unwrap_or(Err(EnsureError::NotRunning));
                match answer {
                    Ok(_) => Ok(id.get()),
                    Err(e) => {
                        let _ = registry.remove_discovery_server(id).await;
                        Err(e.to_string())
                    }
                }
            }
            ServerKind::Nucleus | ServerKind::Http => {
                // One plain line for the dialog; the whole chain goes to the log.
                self.ensure_connection(&url).await.map_err(|e| {
                    tracing::info!(error = %e, "adding the server failed");
                    e.cause()
                })?;
                registry
                    .add_manual_server(&name, &url)
                    .await
                    .map(|id| id.get())
                    .map_err(|e| e.to_string())
            }
        }
    }
}

impl AddServerBackend for ManagerHandle {
    fn add_server(
        &self,
        kind: ServerKind,
        name: String,
        url: String,
    ) -> BoxFuture<'static, Result<u64, String>> {
        let this = self.clone();
        Box::pin(async move { this.add_server(kind, name, url).await })
    }

    fn spawn(&self, task: BoxFuture<'static, ()>) -> bool {
        ManagerHandle::spawn(self, task)
    }
}
