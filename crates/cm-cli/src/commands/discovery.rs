//! `cm discovery list | add | remove | refresh`: discovery servers (`[[discovery_servers]]`).
//!
//! `list`, `add` and `remove` work on the file only (no network, so they cannot hang).
//! `refresh` runs discovery now, waits for it to settle (or `--timeout`), and saves the
//! addresses found as `cached_addresses`. `add --interactive` adds a server only if its
//! discovery works (see [`super::interactive`]).

use std::sync::Arc;

use cm_manager::plain_cause;
use cm_registry::{DiscoveryServer, DiscoveryStatus};
use serde_json::{Value, json};

use super::bookmark::{done, stored_url};
use super::interactive;
use crate::cli::{DiscoveryAddArgs, DiscoveryCommand};
use crate::exit::CliError;
use crate::output::{Output, Style, table, terminal_safe};
use crate::session::{ConfigFile, RegistryMode, mutate, seconds, with_registry};

/// Runs a `cm discovery` subcommand.
pub(crate) fn run(
    command: DiscoveryCommand,
    file: &ConfigFile,
    out: &Output,
) -> Result<(), CliError> {
    file.preflight(out)?;
    match command {
        DiscoveryCommand::List => {
            let servers = with_registry(file, RegistryMode::ReadOnly, |registry| async move {
                Ok(registry.snapshot().discovery_servers().to_vec())
            })?;
            print_servers(&servers, None, file, out);
            Ok(())
        }
        DiscoveryCommand::Add(args) => add(args, file, out),
        DiscoveryCommand::Remove { url } => remove(&url, file, out),
        DiscoveryCommand::Refresh { url, timeout } => refresh(url.as_deref(), timeout, file, out),
    }
}

fn add(args: DiscoveryAddArgs, file: &ConfigFile, out: &Output) -> Result<(), CliError> {
    let (Some(name), Some(url)) = (args.name, args.url) else {
        return interactive::add_discovery_server(args.options.timeout, file, out);
    };
    cm_url::parse(&url)?;
    mutate(file, |registry| {
        let (name, url) = (name.clone(), url.clone());
        async move {
            let added = registry.add_discovery_server(&name, &url).await;
            added.map_err(|e| super::server::name_the_server(&registry, e))
        }
    })?;
    let url = stored_url(&url);
    done(
        out,
        json!({ "added": { "name": name, "url": url, "kind": "discovery" } }),
        || {
            format!(
                "added discovery server {} -> {} (run `cm discovery refresh` to discover its storage)",
                out.paint(Style::Bold, &name),
                out.paint(Style::Cyan, &url)
            )
        },
    );
    Ok(())
}

fn remove(url: &str, file: &ConfigFile, out: &Output) -> Result<(), CliError> {
    cm_url::parse(url)?;
    let removed = mutate(file, |registry| {
        let url = url.to_owned();
        async move {
            let id = find(&registry.snapshot(), &url, file)?.id;
            Ok(registry.remove_discovery_server(id).await?)
        }
    })?;
    let url = cm_url::redact(&removed.url);
    done(
        out,
        json!({ "removed": { "name": &*removed.name, "url": url, "kind": "discovery" } }),
        || {
            format!(
                "removed discovery server {} ({})",
                out.paint(Style::Bold, &removed.name),
                out.paint(Style::Cyan, &url)
            )
        },
    );
    Ok(())
}

fn find(
    snapshot: &cm_registry::RegistrySnapshot,
    url: &str,
    file: &ConfigFile,
) -> Result<Arc<DiscoveryServer>, CliError> {
    snapshot
        .discovery_server_by_url(url)
        .cloned()
        .ok_or_else(|| {
            CliError::Failed(format!(
                "no discovery server with URL {:?} in {}",
                cm_url::redact(url),
                file.path().display()
            ))
        })
}

fn refresh(
    url: Option<&str>,
    timeout: f64,
    file: &ConfigFile,
    out: &Output,
) -> Result<(), CliError> {
    let limit = seconds("--timeout", timeout)?;
    if let Some(url) = url {
        cm_url::parse(url)?;
    }
    // The wait can be long (a dead server is retried until the budget is spent): a spinner
    // says so on a terminal.
    let bar = out
        .show_progress()
        .then(|| super::ensure::spinner(out, "running discovery"));
    let outcome = with_registry(
        file,
        // Retries stop a little before the wait does, so a failure is reported as final.
        RegistryMode::WriteAndDiscover {
            budget: limit.mul_f64(0.8),
        },
        |registry| async move {
            let snapshot = registry.snapshot();
            let targets: Vec<_> = match url {
                Some(url) => vec![find(&snapshot, url, file)?.id],
                None => snapshot.discovery_servers().iter().map(|s| s.id).collect(),
            };
            let settled = |s: &cm_registry::RegistrySnapshot| {
                targets.iter().all(|id| {
                    s.discovery_server(*id)
                        .is_none_or(|d| d.status.is_settled())
                })
            };
            let timed_out = tokio::time::timeout(limit, registry.wait_for(settled))
                .await
                .is_err();
            // Let the last status change reach the file before the System stops.
            let snapshot = registry.synced_snapshot().await?;
            let servers: Vec<_> = targets
                .iter()
                .filter_map(|id| snapshot.discovery_server(*id).cloned())
                .collect();
            // The registry records the last save's error (cleared by a later successful one):
            // a discovery result it could not save is a failed refresh, not a quiet warning.
            let not_saved = snapshot.storage().last_save_error.clone();
            Ok((servers, timed_out, not_saved))
        },
    );
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let (servers, timed_out, not_saved) = outcome?;
    if servers.is_empty() {
        out.note(&format!(
            "no discovery servers in {}",
            file.path().display()
        ));
        if out.json {
            out.json_value(&Value::Array(Vec::new()));
        }
        return Ok(());
    }
    let timeout_note = timed_out.then(|| format!("did not finish within {timeout} s"));
    print_servers(&servers, timeout_note.as_deref(), file, out);
    if !out.json {
        // Below the table, one line each, so the table stays narrow.
        for s in &servers {
            if let Some(reason) = s.status.error() {
                out.note(&format!("{}: {}", s.name, plain_cause(None, reason)));
            }
        }
    }
    if let Some(error) = not_saved {
        out.warn(&format!(
            "the discovered addresses were not saved to {}",
            file.path().display()
        ));
        // Exit 2 for a change the store refused (a limit), 1 for a failed write.
        return Err(CliError::Store(error));
    }
    let failed = servers.iter().any(|s| s.status != DiscoveryStatus::Ready);
    if failed {
        let names: Vec<&str> = servers
            .iter()
            .filter(|s| s.status != DiscoveryStatus::Ready)
            .map(|s| &*s.name)
            .collect();
        return Err(CliError::Failed(format!(
            "discovery failed for {}",
            names.join(", ")
        )));
    }
    Ok(())
}

/// Prints discovery servers as a table or a JSON array. `unsettled` explains a status that
/// is not final (a timeout).
fn print_servers(
    servers: &[Arc<DiscoveryServer>],
    unsettled: Option<&str>,
    file: &ConfigFile,
    out: &Output,
) {
    if out.json {
        let items: Vec<Value> = servers.iter().map(|s| server_json(s, unsettled)).collect();
        out.json_value(&Value::Array(items));
        return;
    }
    if servers.is_empty() {
        out.note(&format!(
            "no discovery servers in {}",
            file.path().display()
        ));
        return;
    }
    let mut cells = vec![vec![
        out.paint(Style::Dim, "NAME"),
        out.paint(Style::Dim, "STATUS"),
        out.paint(Style::Dim, "URL"),
        out.paint(Style::Dim, "ADDRESSES"),
    ]];
    for s in servers {
        let status = match &s.status {
            DiscoveryStatus::Ready => out.paint(Style::Green, "ready"),
            // The reason goes below the table (`refresh`) or into --json's `error`.
            DiscoveryStatus::Error { .. } => out.paint(Style::Red, "error"),
            other if other.is_settled() => other.to_string(),
            // Loaded from the file and not discovered in this run: what is shown is the
            // cache of an earlier discovery.
            DiscoveryStatus::Pending if !s.cached_addresses.is_empty() && unsettled.is_none() => {
                out.paint(Style::Dim, "cached")
            }
            other => match unsettled {
                Some(note) => out.paint(Style::Yellow, &format!("{} ({note})", other.as_str())),
                None => other.as_str().to_owned(),
            },
        };
        let addresses: Vec<String> = s
            .cached_addresses
            .iter()
            .map(|a| terminal_safe(&cm_url::redact(a)).into_owned())
            .collect();
        let addresses = if addresses.is_empty() {
            "-".to_owned()
        } else {
            addresses.join(" ")
        };
        cells.push(vec![
            out.paint(Style::Bold, &s.name),
            status,
            out.paint(Style::Cyan, &cm_url::redact(&s.url)),
            addresses,
        ]);
    }
    for line in table(&cells) {
        out.line(&line);
    }
}

fn server_json(s: &DiscoveryServer, unsettled: Option<&str>) -> Value {
    let mut item = json!({
        "name": &*s.name,
        "url": cm_url::redact(&s.url),
        "kind": "discovery",
        "status": s.status.as_str(),
        "addresses": s.cached_addresses.iter().map(|a| terminal_safe(&cm_url::redact(a)).into_owned()).collect::<Vec<_>>(),
        // The addresses come from the file's cache: no discovery answered them in this run.
        "cached": s.status == DiscoveryStatus::Pending && !s.cached_addresses.is_empty(),
    });
    if let Some(reason) = s.status.error() {
        item["error"] = Value::from(reason);
    } else if let (Some(note), false) = (unsettled, s.status.is_settled()) {
        item["error"] = Value::from(note);
    }
    item
}
