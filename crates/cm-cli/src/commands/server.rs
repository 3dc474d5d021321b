//! `cm server list | add | remove`: manual servers (`[servers] url = name`).
//!
//! `list` also shows the storage addresses that discovery servers provide (their cached
//! addresses in the file), marked `discovery`; it reads the file only and never touches the
//! network. `add` stores the server root of the URL given; `add --interactive` connects first
//! (see [`super::interactive`]).

use serde_json::{Value, json};

use super::bookmark::done;
use super::interactive;
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
        ServerCommand::Remove { url } => remove(&url, file, out),
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
        async move { Ok(registry.add_manual_server(&name, &url).await?) }
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

fn remove(url: &str, file: &ConfigFile, out: &Output) -> Result<(), CliError> {
    cm_url::parse(url)?;
    let removed = mutate(file, |registry| {
        let url = url.to_owned();
        async move {
            let id = registry
                .snapshot()
                .manual_server_by_url(&url)
                .map(|s| s.id)
                .ok_or_else(|| {
                    CliError::Failed(format!(
                        "no manual server for {:?} in {}",
                        cm_url::redact(&url),
                        file.path().display()
                    ))
                })?;
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
