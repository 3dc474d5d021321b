//! `cm bookmark list | add | remove | rename`.
//!
//! `list` uses a read-only registry (no write, no network); the others a writing registry
//! without watcher or discovery (see [`crate::session`]).

use cm_registry::{RegistryError, RegistryHandle};
use serde_json::{Map, Value, json};

use super::suggest::with_suggestion;

use crate::cli::BookmarkCommand;
use crate::exit::CliError;
use crate::output::{Output, Style, table};
use crate::session::{ConfigFile, RegistryMode, mutate, with_registry};

/// Runs a `cm bookmark` subcommand.
pub(crate) fn run(
    command: BookmarkCommand,
    file: &ConfigFile,
    out: &Output,
) -> Result<(), CliError> {
    file.preflight(out)?;
    match command {
        BookmarkCommand::List => list(file, out),
        BookmarkCommand::Add { name, url, force } => {
            let file = &file.replacing_wrong_typed_entries(force);
            mutate(file, |registry| {
                let (name, url) = (name.clone(), url.clone());
                async move { Ok(registry.add_bookmark(&name, &url).await?) }
            })?;
            let url = stored_url(&url);
            done(
                out,
                json!({ "added": { "name": name, "url": url } }),
                || {
                    format!(
                        "added bookmark {} -> {}",
                        out.paint(Style::Bold, &name),
                        out.paint(Style::Cyan, &url)
                    )
                },
            );
            Ok(())
        }
        BookmarkCommand::Remove { name } => {
            let removed = mutate(file, |registry| {
                let name = name.clone();
                async move {
                    let removed = registry.remove_bookmark(&name).await;
                    removed.map_err(|e| unknown_bookmark(&registry, e))
                }
            })?;
            let url = cm_url::redact(&removed.url);
            done(
                out,
                json!({ "removed": { "name": name, "url": url } }),
                || {
                    format!(
                        "removed bookmark {} ({})",
                        out.paint(Style::Bold, &name),
                        out.paint(Style::Cyan, &url)
                    )
                },
            );
            Ok(())
        }
        BookmarkCommand::Rename { old, new, url } => {
            let url = mutate(file, |registry| {
                let (old, new, url) = (old.clone(), new.clone(), url.clone());
                async move {
                    // Without a URL the bookmark keeps the one it has (read in the same
                    // session that renames it).
                    let url = match url {
                        Some(url) => url,
                        None => match registry.snapshot().bookmark(&old) {
                            Some(bookmark) => bookmark.url.to_string(),
                            None => {
                                let unknown = RegistryError::UnknownBookmark { name: old };
                                return Err(unknown_bookmark(&registry, unknown));
                            }
                        },
                    };
                    let renamed = registry.rename_bookmark(&old, &new, &url).await;
                    renamed.map_err(|e| unknown_bookmark(&registry, e))?;
                    Ok(url)
                }
            })?;
            let url = stored_url(&url);
            done(
                out,
                json!({ "renamed": { "old_name": old, "new_name": new, "url": url } }),
                || {
                    format!(
                        "renamed bookmark {} to {} -> {}",
                        out.paint(Style::Bold, &old),
                        out.paint(Style::Bold, &new),
                        out.paint(Style::Cyan, &url)
                    )
                },
            );
            Ok(())
        }
    }
}

/// `error`, with a did-you-mean for a bookmark name that names nothing.
fn unknown_bookmark(registry: &RegistryHandle, error: RegistryError) -> CliError {
    let RegistryError::UnknownBookmark { name } = error else {
        return error.into();
    };
    let bookmarks = registry.bookmarks();
    CliError::Failed(with_suggestion(
        format!("no bookmark named {name:?}"),
        &name,
        bookmarks.iter().map(|b| &*b.name),
    ))
}

/// Prints a change's result (the change is in the file by now: a stdout failure from here
/// on says so): JSON, or a human line on stdout (unless `--quiet`).
pub(crate) fn done(out: &Output, value: Value, human: impl FnOnce() -> String) {
    crate::output::change_written();
    if out.json {
        out.json_value(&value);
    } else if !out.quiet {
        out.line(&human());
    }
}

/// A URL as the registry stores it (normalised, no user info), redacted for printing.
pub(crate) fn stored_url(url: &str) -> String {
    cm_url::redact(&cm_url::without_credentials(url).unwrap_or_else(|_| url.to_owned()))
}

fn list(file: &ConfigFile, out: &Output) -> Result<(), CliError> {
    let bookmarks = with_registry(file, RegistryMode::ReadOnly, |registry| async move {
        Ok(registry.bookmarks())
    })?;
    if out.json {
        let map: Map<String, Value> = bookmarks
            .iter()
            .map(|b| (b.name.to_string(), Value::from(cm_url::redact(&b.url))))
            .collect();
        out.json_value(&Value::Object(map));
        return Ok(());
    }
    if bookmarks.is_empty() {
        out.note(&format!("no bookmarks in {}", file.path().display()));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = bookmarks
        .iter()
        .map(|b| {
            vec![
                out.paint(Style::Bold, &b.name),
                out.paint(Style::Cyan, &cm_url::redact(&b.url)),
            ]
        })
        .collect();
    for line in table(&rows) {
        out.line(&line);
    }
    Ok(())
}
