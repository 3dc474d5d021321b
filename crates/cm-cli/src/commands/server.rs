//! `cm server list | add | remove | rename`: manual servers (`[servers] url = name`).
//!
//! `remove` and `rename` take the server's name or a URL under it (see [`find_server`]).
//! `rename` also renames a discovery server (names are unique across both kinds).
//!
//! `list` also shows the storage addresses that discovery servers provide (their cached
//! addresses in the file), marked `discovery`; it reads the file only and never touches the
//! network. `add` stores the server root of the URL given; `add --interactive` connects first
//! (see [`super::interactive`]).

use std::sync::Arc;

use cm_registry::{DiscoveryServer, ManualServer, RegistryError, RegistryHandle, RegistrySnapshot};
use cm_toml_store::{Change, DiscoveryEntry};
use serde_json::{Value, json};

use super::bookmark::done;
use super::interactive;
use super::suggest::with_suggestion;
use crate::cli::{ServerAddArgs, ServerCommand};
use crate::exit::CliError;
use crate::output::{Output, Style, table, terminal_safe};
use crate::session::{ConfigFile, RegistryMode, mutate, with_registry};

/// Runs a `cm server` subcommand.
pub(crate) fn run(command: ServerCommand, file: &ConfigFile, out: &Output) -> Result<(), CliError> {
    file.preflight(out)?;
    match command {
        ServerCommand::List => list(file, out),
        ServerCommand::Add(args) => add(args, file, out),
        ServerCommand::Remove { server } => remove(&server, file, out),
        ServerCommand::Rename { server, new } => rename(&server, &new, file, out),
    }
}

/// A server of either kind, as the snapshot holds it.
pub(crate) enum FoundServer {
    /// A `[servers]` entry.
    Manual(Arc<ManualServer>),
    /// A `[[discovery_servers]]` entry.
    Discovery(Arc<DiscoveryServer>),
}

/// The server `given` names: the server with that name, else (when `given` is a URL) the
/// manual server whose root it lies in, else the discovery server with that URL. Not found
/// is exit 1 with a did-you-mean among the server names; a URL that does not parse (and is no
/// server's name) is exit 2.
pub(crate) fn find_server(
    snapshot: &RegistrySnapshot,
    given: &str,
    file: &ConfigFile,
) -> Result<FoundServer, CliError> {
    let manual = || snapshot.manual_servers().iter();
    let discovery = || snapshot.discovery_servers().iter();
    if let Some(server) = manual().find(|s| &*s.name == given) {
        return Ok(FoundServer::Manual(server.clone()));
    }
    if let Some(server) = discovery().find(|s| &*s.name == given) {
        return Ok(FoundServer::Discovery(server.clone()));
    }
    // Blank is neither a name nor a URL: cm-url's "empty" error (exit 2) says so.
    let is_url = given.contains("://") || given.trim().is_empty();
    if is_url {
        cm_url::parse(given)?;
        if let Some(server) = snapshot.manual_server_by_url(given) {
            return Ok(FoundServer::Manual(server.clone()));
        }
        // A file server's root is a directory (cm_url::entry_root), deeper than the URL's
        // server root `file:///`: the deepest one the URL lies under.
        let under_file_root = manual()
            .filter(|s| s.url.starts_with("file:") && cm_url::is_under(given, &s.url))
            .max_by_key(|s| s.url.len());
        if let Some(server) = under_file_root {
            return Ok(FoundServer::Manual(server.clone()));
        }
        if let Some(server) = snapshot.discovery_server_by_url(given) {
            return Ok(FoundServer::Discovery(server.clone()));
        }
        return Err(CliError::Failed(format!(
            "no server for {:?} in {}",
            cm_url::redact(given),
            file.path().display()
        )));
    }
    let names = manual()
        .map(|s| &*s.name)
        .chain(discovery().map(|s| &*s.name));
    Err(CliError::Failed(with_suggestion(
        format!("no server named {given:?}"),
        given,
        names,
    )))
}

/// `error` with the server it names by id named by its name instead: ids are the process's
/// own bookkeeping, and mean nothing to whoever reads the message.
pub(crate) fn name_the_server(registry: &RegistryHandle, error: RegistryError) -> CliError {
    let RegistryError::DuplicateServerUrl { url, existing } = &error else {
        return error.into();
    };
    let snapshot = registry.snapshot();
    let name = snapshot
        .manual_server(*existing)
        .map(|s| s.name.clone())
        .or_else(|| snapshot.discovery_server(*existing).map(|s| s.name.clone()));
    match name {
        Some(name) => CliError::Failed(format!("server {name:?} already has the URL {url:?}")),
        None => error.into(),
    }
}

fn add(args: ServerAddArgs, file: &ConfigFile, out: &Output) -> Result<(), CliError> {
    let (Some(name), Some(url)) = (args.name, args.url) else {
        return interactive::add_server(args.options.timeout, args.credentials, file, out);
    };
    if args.credentials.token_env.is_some() || args.credentials.user.is_some() {
        out.warn("credentials are only used with --interactive (which connects); ignoring them");
    }
    let parsed = cm_url::parse(&url)?;
    let file = &file.replacing_wrong_typed_entries(args.options.force);
    mutate(file, |registry| {
        let (name, url) = (name.clone(), url.clone());
        async move {
            let added = registry.add_manual_server(&name, &url).await;
            added.map_err(|e| name_the_server(&registry, e))
        }
    })?;
    // What was stored: the entry root, under its `[servers]` key (cm-url's one rule).
    let root = cm_url::entry_root(&url).unwrap_or_else(|_| parsed.server_root());
    // Redacted before it is keyed: redaction re-serialises, which would put the slash back.
    let root = cm_url::redact(&root);
    let key = cm_url::server_key(&root);
    let kind = parsed.kind().as_str();
    done(
        out,
        json!({ "added": { "name": name, "url": root, "key": key, "kind": kind } }),
        || {
            format!(
                "added {kind} server {} -> {}",
                out.paint(Style::Bold, &name),
                out.paint(Style::Cyan, &key)
            )
        },
    );
    Ok(())
}

fn remove(given: &str, file: &ConfigFile, out: &Output) -> Result<(), CliError> {
    let removed = mutate(file, |registry| {
        let given = given.to_owned();
        async move {
            let id = match find_server(&registry.snapshot(), &given, file)? {
                FoundServer::Manual(server) => server.id,
                FoundServer::Discovery(server) => {
                    return Err(CliError::Failed(format!(
                        "{:?} is a discovery server; remove it with `cm discovery remove {}`",
                        &*server.name,
                        cm_url::redact(&server.url)
                    )));
                }
            };
            Ok(registry.remove_manual_server(id).await?)
        }
    })?;
    let root = cm_url::redact(&removed.url);
    done(
        out,
        json!({ "removed": { "name": &*removed.name, "url": root, "kind": removed.kind.as_str() } }),
        || {
            format!(
                "removed server {} ({})",
                out.paint(Style::Bold, &removed.name),
                out.paint(Style::Cyan, &root)
            )
        },
    );
    Ok(())
}

/// Renames the server `given` names to `new`: one locked, atomic edit of its entry in place
/// (`[servers]` value, or the discovery table's `name`), so it keeps its URL, its place in
/// the file and, for a discovery server, its cached addresses. A registry watching the file
/// announces it as the reload diff announces every server rename: removed, then added under
/// the same id (Kit has no "server renamed" event).
fn rename(given: &str, new: &str, file: &ConfigFile, out: &Output) -> Result<(), CliError> {
    let found = with_registry(file, RegistryMode::ReadOnly, |registry| async move {
        let snapshot = registry.snapshot();
        let found = find_server(&snapshot, given, file)?;
        let old_name = match &found {
            FoundServer::Manual(s) => s.name.clone(),
            FoundServer::Discovery(s) => s.name.clone(),
        };
        if *old_name != *new {
            check_new_server_name(&snapshot, new)?;
        }
        Ok(found)
    })?;
    let (old_name, url, kind, change) = match &found {
        FoundServer::Manual(s) => (
            s.name.clone(),
            s.url.clone(),
            s.kind.as_str(),
            Change::SetServer {
                url: s.url.to_string(),
                name: new.to_owned(),
            },
        ),
        FoundServer::Discovery(s) => (
            s.name.clone(),
            s.url.clone(),
            "discovery",
            Change::SetDiscoveryServer(DiscoveryEntry {
                name: new.to_owned(),
                url: s.url.to_string(),
                cached_addresses: s.cached_addresses.iter().map(|a| a.to_string()).collect(),
            }),
        ),
    };
    if *old_name != *new {
        let store = file.store();
        if store.plan_migration()?.is_some() {
            // An old-style file gets its one-time migration first, as every change does.
            mutate(file, |_registry| async { Ok(()) })?;
        }
        store.apply(&[change])?;
    }
    let root = cm_url::redact(&url);
    done(
        out,
        json!({ "renamed": { "old_name": &*old_name, "new_name": new, "url": root, "kind": kind } }),
        || {
            format!(
                "renamed server {} to {} ({})",
                out.paint(Style::Bold, &old_name),
                out.paint(Style::Bold, new),
                out.paint(Style::Cyan, &root)
            )
        },
    );
    Ok(())
}

/// A new server name must be a usable name (the registry's rule: something visible, no
/// control characters) that no server of either kind has yet.
fn check_new_server_name(snapshot: &RegistrySnapshot, new: &str) -> Result<(), CliError> {
    if new.trim().is_empty() || new.chars().any(char::is_control) {
        return Err(CliError::BadInput(format!(
            "invalid name {new:?}: a name must contain a visible character and no control characters"
        )));
    }
    if snapshot.server_id_by_name(new).is_some() {
        return Err(CliError::Failed(format!(
            "a server named {new:?} already exists"
        )));
    }
    Ok(())
}

/// One row of `server list`.
struct Row {
    name: String,
    url: String,
    kind: &'static str,
    discovery_url: Option<String>,
}

fn list(file: &ConfigFile, out: &Output) -> Result<(), CliError> {
    let rows = with_registry(file, RegistryMode::ReadOnly, |registry| async move {
        let snapshot = registry.snapshot();
        let mut rows: Vec<Row> = snapshot
            .manual_servers()
            .iter()
            .map(|s| Row {
                name: s.name.to_string(),
                url: cm_url::redact(&s.url),
                kind: s.kind.as_str(),
                discovery_url: None,
            })
            .collect();
        for server in snapshot.discovery_servers() {
            for address in server.cached_addresses.iter() {
                rows.push(Row {
                    name: server.name.to_string(),
                    url: cm_url::redact(address),
                    kind: cm_url::kind(address).map_or("unknown", |k| k.as_str()),
                    discovery_url: Some(cm_url::redact(&server.url)),
                });
            }
        }
        Ok(rows)
    })?;
    if out.json {
        let items: Vec<Value> = rows
            .iter()
            .map(|r| {
                let mut item = json!({
                    "name": r.name,
                    "url": r.url,
                    "kind": r.kind,
                    "source": if r.discovery_url.is_some() { "discovery" } else { "manual" },
                });
                if let Some(d) = &r.discovery_url {
                    item["discovery_url"] = Value::from(d.as_str());
                }
                item
            })
            .collect();
        out.json_value(&Value::Array(items));
        return Ok(());
    }
    if rows.is_empty() {
        out.note(&format!("no servers in {}", file.path().display()));
        return Ok(());
    }
    let mut cells = vec![vec![
        out.paint(Style::Dim, "NAME"),
        out.paint(Style::Dim, "KIND"),
        out.paint(Style::Dim, "SOURCE"),
        out.paint(Style::Dim, "URL"),
    ]];
    cells.extend(rows.iter().map(|r| {
        let source = match &r.discovery_url {
            Some(d) => format!("discovery ({})", terminal_safe(d)),
            None => "manual".to_owned(),
        };
        vec![
            out.paint(Style::Bold, &r.name),
            r.kind.to_owned(),
            source,
            out.paint(Style::Cyan, &r.url),
        ]
    }));
    for line in table(&cells) {
        out.line(&line);
    }
    Ok(())
}
