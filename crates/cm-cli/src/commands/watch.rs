//! `cm watch`: print every connection-manager event as it happens, until interrupted.
//!
//! Runs the registry with the file watcher and discovery on and persistence off: a watcher
//! observes, it never writes the file (so two `cm watch` processes cannot race each other's
//! writes). Edits by other processes arrive through the watcher within the debounce and come
//! out as the events the reload diff produces; discovery of the configured discovery servers
//! comes out as `DISCOVERY_SERVER_UPDATED` events.
//!
//! What the watcher follows (see `cm_toml_store::TomlFileWatcher`): the file through a
//! symbolic link (and a link re-pointed at another file), and the config directory removed
//! and recreated. A config directory that does not exist yet is created, as every other
//! command that uses the file does.
//!
//! An edit that leaves the file unusable (invalid TOML, wrong shape) is reported, once per
//! distinct error: an `error:` line on stderr, and in `--json` mode also one
//! `{"error": MESSAGE, "path": FILE}` line on stdout. The watch carries on with the last good
//! content and reports the events of the next good edit.
//!
//! Once the watcher is live, `watching FILE` is printed on stderr: scripts and tests wait for
//! that line before editing the file. It comes before the first event: the events of the
//! first load (and of any discovery that finishes before the watcher is live) are held back
//! until it is printed, then printed in order. Each `--json` event carries `time`, when it
//! was dispatched (RFC 3339, UTC, milliseconds); the human form quotes string values
//! (`name="My Bookmark"`), so a value with spaces reads as one. SIGINT (Ctrl-C) and SIGTERM end the watch with exit 0,
//! and so does stdout's reader going away (`cm watch --json | head -n 1`).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use cm_events::{Dispatcher, ObserverGuard};
use cm_registry::events::{ALL_EVENTS, short_name};
use cm_registry::{ConnectionRegistry, RegistryConfig, RegistryHandle, RegistrySnapshot};
use serde_json::{Value, json};

use crate::cli::WatchArgs;
use crate::exit::CliError;
use crate::output::{Output, Style, exit_when_stdout_closes, terminal_safe};
use crate::session::{ConfigFile, close};

/// Runs `cm watch`.
pub(crate) fn run(args: WatchArgs, file: &ConfigFile, out: &Output) -> Result<(), CliError> {
    file.preflight(out)?;
    if args.debounce_ms > 60_000 {
        return Err(CliError::BadInput(format!(
            "--debounce-ms {}: expected at most 60000",
            args.debounce_ms
        )));
    }
    let dispatcher = Dispatcher::new();
    let started = Instant::now();
    let out = *out;
    let gate = Gate::closed();
    let _guards: Vec<ObserverGuard> = ALL_EVENTS
        .iter()
        .map(|name| {
            let gate = gate.clone();
            dispatcher.observe("cm watch", 0, *name, None, move |event| {
                let printed = Printed {
                    name,
                    payload: event.payload().to_json(),
                    at: SystemTime::now(),
                    elapsed: started.elapsed(),
                };
                gate.print_or_hold(&out, printed);
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
        exit_when_stdout_closes();
        actix::spawn(report_unusable_file(
            registry.clone(),
            out,
            file.path().to_owned(),
        ));
        gate.open_after(&out, || {
            out.note(&format!("watching {}", file.path().display()))
        });
        wait_for_interrupt().await?;
        tracing::debug!("interrupted; stopping the watch");
        Ok(())
    });
    close(system);
    result
}

/// Reports each distinct load error the registry records (the file edited into something it
/// cannot use), until the registry stops. A good reload clears the error, so the same
/// mistake made again later is reported again.
async fn report_unusable_file(registry: RegistryHandle, out: Output, path: PathBuf) {
    fn load_error(snapshot: &RegistrySnapshot) -> Option<String> {
        snapshot
            .storage()
            .last_load_error
            .as_ref()
            .map(ToString::to_string)
    }
    let mut shown: Option<String> = None;
    loop {
        let previous = shown.clone();
        let Some(snapshot) = registry.wait_for(move |s| load_error(s) != previous).await else {
            return;
        };
        shown = load_error(&snapshot);
        if let Some(message) = &shown {
            out.error(&format!(
                "{message} (still watching; the last good content stays in use)"
            ));
            if out.json {
                out.json_line(&json!({ "error": message, "path": path.display().to_string() }));
            }
        }
    }
}

/// One event, as it is printed.
struct Printed {
    name: &'static str,
    payload: Value,
    /// When it was dispatched (the `time` of `--json`).
    at: SystemTime,
    /// Since the watch started (the human form's `[   1.23s]`).
    elapsed: Duration,
}

/// Holds events back until the `watching FILE` line is out, so that line always comes first.
/// `None` once open; the lock also keeps the held events ahead of any later one.
#[derive(Clone)]
struct Gate(Arc<Mutex<Option<Vec<Printed>>>>);

impl Gate {
    fn closed() -> Self {
        Gate(Arc::new(Mutex::new(Some(Vec::new()))))
    }

    fn print_or_hold(&self, out: &Output, event: Printed) {
        let mut held = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match held.as_mut() {
            Some(queue) => queue.push(event),
            None => print_event(out, &event),
        }
    }

    /// Runs `announce` (the ready line), then prints what was held, and lets events through.
    fn open_after(&self, out: &Output, announce: impl FnOnce()) {
        let mut held = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        announce();
        for event in held.take().unwrap_or_default() {
            print_event(out, &event);
        }
    }
}

fn print_event(out: &Output, event: &Printed) {
    if out.json {
        let time = humantime::format_rfc3339_millis(event.at).to_string();
        out.json_line(&json!({ "event": event.name, "payload": event.payload, "time": time }));
        return;
    }
    // The human form leaves the common namespace out: `BOOKMARK_ADDED`.
    let short = short_name(event.name);
    let mut line = format!(
        "{} {}",
        out.paint(
            Style::Dim,
            &format!("[{:>7.2}s]", event.elapsed.as_secs_f64())
        ),
        out.paint(Style::Bold, short)
    );
    if let Value::Object(map) = &event.payload {
        for (key, value) in map {
            // JSON spelling: strings quoted (with `\"` and `\\` escaped), numbers and lists as
            // they are, so `name="a b"` cannot be read as two fields.
            line.push_str(&format!(
                " {}={}",
                terminal_safe(key),
                terminal_safe(&value.to_string())
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
