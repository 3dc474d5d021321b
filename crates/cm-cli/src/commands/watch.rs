//! `cm watch`: print every connection-manager event as it happens, until interrupted.
//!
//! Runs the registry with the file watcher and discovery on and persistence off: a watcher
//! observes, it never writes the file (so two `cm watch` processes cannot race each other's
//! writes). Edits by other processes arrive through the watcher within the debounce and come
//! out as the events the reload diff produces; discovery of the configured discovery servers
//! comes out as `discovery_server_updated` events.
//!
//! Once the watcher is live, `watching FILE` is printed on stderr: scripts and tests wait for
//! that line before editing the file. SIGINT (Ctrl-C) and SIGTERM end the watch with exit 0.

use std::time::{Duration, Instant};

use cm_events::{Dispatcher, ObserverGuard};
use cm_registry::{ConnectionRegistry, RegistryConfig, events::ALL_EVENTS};
use serde_json::{Value, json};

use crate::cli::WatchArgs;
use crate::exit::CliError;
use crate::output::{Output, Style, terminal_safe};
use crate::session::{ConfigFile, close};

/// The common prefix of the event names, left out of the human output.
const NAMESPACE: &str = "omni.kit.widget.connection_manager.";

/// Runs `cm watch`.
pub(crate) fn run(args: WatchArgs, file: &ConfigFile, out: &Output) -> Result<(), CliError> {
    file.preflight(out)?;
    let dir = file
        .path()
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| std::path::Path::new("."));
    if !dir.is_dir() {
        return Err(CliError::Failed(format!(
            "cannot watch {}: directory {} does not exist",
            file.path().display(),
            dir.display()
        )));
    }
    if args.debounce_ms > 60_000 {
        return Err(CliError::BadInput(format!(
            "--debounce-ms {}: expected at most 60000",
            args.debounce_ms
        )));
    }
    let dispatcher = Dispatcher::new();
    let started = Instant::now();
    let out = *out;
    let _guards: Vec<ObserverGuard> = ALL_EVENTS
        .iter()
        .map(|name| {
            dispatcher.observe("cm watch", 0, *name, None, move |event| {
                print_event(&out, started, name, event.payload().to_json());
            })
        })
        .collect();
    let config = RegistryConfig::new(file.path())
        .persistence(false)
        .debounce(Duration::from_millis(args.debounce_ms))
        .dispatcher(dispatcher.clone());
    let system = actix::System::new();
    let result = system.block_on(async move {
        let registry = ConnectionRegistry::start(config);
        // Answered after the actor's `started`, which starts the watcher.
        let snapshot = registry.synced_snapshot().await?;
        if let Some(error) = &snapshot.storage().last_load_error {
            return Err(CliError::Store(error.clone()));
        }
        out.note(&format!("watching {}", file.path().display()));
        wait_for_interrupt().await?;
        tracing::debug!("interrupted; stopping the watch");
        Ok(())
    });
    close(system);
    result
}

fn print_event(out: &Output, started: Instant, name: &str, payload: Value) {
    if out.json {
        out.json_line(&json!({ "event": name, "payload": payload }));
        return;
    }
    let short = name.strip_prefix(NAMESPACE).unwrap_or(name);
    let mut line = format!(
        "{} {}",
        out.paint(
            Style::Dim,
            &format!("[{:>7.2}s]", started.elapsed().as_secs_f64())
        ),
        out.paint(Style::Bold, short)
    );
    if let Value::Object(map) = payload {
        for (key, value) in map {
            let value = match value {
                Value::String(s) => s,
                other => other.to_string(),
            };
            line.push_str(&format!(
                " {}={}",
                terminal_safe(&key),
                terminal_safe(&value)
            ));
        }
    }
    out.line(&line);
}

/// Waits for SIGINT or SIGTERM.
async fn wait_for_interrupt() -> Result<(), CliError> {
    let failed = |e: std::io::Error| CliError::Failed(format!("cannot listen for signals: {e}"));
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate()).map_err(failed)?;
        let mut interrupt = signal(SignalKind::interrupt()).map_err(failed)?;
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(failed)
    }
}
