//! Repainting when the connection manager changes something, instead of polling.
//!
//! egui only draws a new frame on input or when asked (`Context::request_repaint`). The
//! registry, the storage client and the dialog models change on the manager's thread (a file
//! edited by another process, a discovery answer, a server going down), so something has to
//! ask. [`LiveUpdates`] does: a small thread waits on the models' `watch` channels (the
//! registry's snapshot generation, every Nucleus server's connection status, the sign-in
//! prompt, the "connecting" progress and any alert models you add) and requests a repaint on
//! each change. The widgets then re-read the snapshot; they never cache it.

use std::collections::HashSet;
use std::thread::JoinHandle;

use cm_manager::ManagerHandle;
use cm_manager::dialogs::AlertModel;
use cm_registry::UrlKind;
use egui::Context;
use futures::channel::oneshot;
use futures::stream::{BoxStream, SelectAll, StreamExt};
use tokio::sync::watch;

/// What a wake-up was about.
enum Change {
    /// A new registry snapshot (servers may have appeared: subscribe to their status).
    Snapshot,
    /// Anything else: just repaint.
    Other,
}

/// Requests a repaint of an egui context whenever the manager's state changes; stops (and
/// joins its thread) on drop.
///
/// ```no_run
/// # fn demo(manager: &cm_manager::ManagerHandle, ctx: &egui::Context) {
/// let live = cm_egui::LiveUpdates::start(ctx, manager, &[]);
/// // ... keep `live` as long as the UI shows the manager's state ...
/// drop(live);
/// # }
/// ```
#[derive(Debug)]
pub struct LiveUpdates {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl LiveUpdates {
    /// Starts watching `manager` (and `alerts`) for `ctx`.
    pub fn start(ctx: &Context, manager: &ManagerHandle, alerts: &[AlertModel]) -> Self {
        let (stop, stopped) = oneshot::channel();
        let ctx = ctx.clone();
        let manager = manager.clone();
        let mut sources: SelectAll<BoxStream<'static, Change>> = SelectAll::new();
        sources.push(changes(manager.registry().reader().subscribe(), || {
            Change::Snapshot
        }));
        sources.push(changes(manager.auth_dialog().subscribe(), || Change::Other));
        sources.push(changes(manager.connecting_dialog().subscribe(), || {
            Change::Other
        }));
        for alert in alerts {
            sources.push(changes(alert.subscribe(), || Change::Other));
        }
        let spawned = std::thread::Builder::new()
            .name("cm-egui-live-updates".to_owned())
            .spawn(move || futures::executor::block_on(run(ctx, manager, sources, stopped)));
        let thread = match spawned {
            Ok(thread) => Some(thread),
            Err(error) => {
                tracing::warn!(%error, "cm-egui: no live updates (could not start a thread)");
                None
            }
        };
        Self {
            stop: Some(stop),
            thread,
        }
    }
}

impl Drop for LiveUpdates {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A stream yielding `what()` on every change of `rx`; ends when the sender is gone.
fn changes<T: Send + Sync + 'static>(
    rx: watch::Receiver<T>,
    what: fn() -> Change,
) -> BoxStream<'static, Change> {
    futures::stream::unfold(rx, move |mut rx| async move {
        rx.changed().await.ok()?;
        Some((what(), rx))
    })
    .boxed()
}

async fn run(
    ctx: Context,
    manager: ManagerHandle,
    mut sources: SelectAll<BoxStream<'static, Change>>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut watched = HashSet::new();
    watch_new_servers(&manager, &mut sources, &mut watched);
    loop {
        let next = futures::future::select(&mut stopped, sources.next()).await;
        match next {
            futures::future::Either::Left(_) => return,
            futures::future::Either::Right((None, _)) => return,
            futures::future::Either::Right((Some(change), _)) => {
                if let Change::Snapshot = change {
                    watch_new_servers(&manager, &mut sources, &mut watched);
                }
                ctx.request_repaint();
            }
        }
    }
}

/// Subscribes to the connection status of every Nucleus server not watched yet.
fn watch_new_servers(
    manager: &ManagerHandle,
    sources: &mut SelectAll<BoxStream<'static, Change>>,
    watched: &mut HashSet<String>,
) {
    let snapshot = manager.registry().snapshot();
    for server in snapshot.manual_servers() {
        if server.kind != UrlKind::Nucleus || watched.contains(&*server.url) {
            continue;
        }
        if let Some(rx) = manager.subscribe_status(&server.url) {
            watched.insert(server.url.to_string());
            sources.push(changes(rx, || Change::Other));
        }
    }
}
