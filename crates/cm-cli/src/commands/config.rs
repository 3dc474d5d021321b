//! `cm config path | show`: which omniverse.toml, and what cm reads in it.
//!
//! `path` answers the first question of every "why does cm not see my bookmark": the file,
//! and which rule chose it (`--config`, `$OMNI_CONFIG_PATH`, or the home default). `show`
//! prints the state a read-only registry loads from it (no write, no network), with one
//! warning per entry the loader skipped, so a hand edit that did not take can be told from
//! one that did.

use serde_json::{Map, Value, json};

use crate::cli::ConfigCommand;
use crate::exit::CliError;
use crate::output::{Output, Style, table};
use crate::session::{ConfigFile, RegistryMode, with_registry};

/// Which rule chose the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// `--config FILE`.
    Flag,
    /// `$OMNI_CONFIG_PATH/omniverse.toml`.
    Env,
    /// `$HOME/.nvidia-omniverse/config/omniverse.toml`.
    Default,
}

impl Source {
    /// The rule cm-toml-store's resolver applied, in the same order it applies them.
    fn of(explicit: bool) -> Self {
        let env_set =
            std::env::var_os(cm_toml_store::CONFIG_DIR_VAR).is_some_and(|v| !v.is_empty());
        match (explicit, env_set) {
            (true, _) => Source::Flag,
            (false, true) => Source::Env,
            (false, false) => Source::Default,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Source::Flag => "flag",
            Source::Env => "env",
            Source::Default => "default",
        }
    }

    fn explain(self) -> String {
        match self {
            Source::Flag => "chosen by --config".to_owned(),
            Source::Env => format!("chosen by ${}", cm_toml_store::CONFIG_DIR_VAR),
            Source::Default => format!(
                "the default: no --config, ${} not set",
                cm_toml_store::CONFIG_DIR_VAR
            ),
        }
    }
}

/// Runs a `cm config` subcommand; `explicit` is whether `--config` was given.
pub(crate) fn run(
    command: &ConfigCommand,
    explicit: bool,
    file: &ConfigFile,
    out: &Output,
) -> Result<(), CliError> {
    match command {
        ConfigCommand::Path => path(Source::of(explicit), file, out),
        ConfigCommand::Show => show(Source::of(explicit), file, out),
    }
}

fn path(source: Source, file: &ConfigFile, out: &Output) -> Result<(), CliError> {
    let exists = file.path().exists();
    if out.json {
        out.json_value(&json!({
            "path": file.path().display().to_string(),
            "source": source.as_str(),
            "exists": exists,
        }));
        return Ok(());
    }
    // The path alone on stdout, so `$(cm config path)` is the path; the why on stderr.
    out.line(&file.path().display().to_string());
    let missing = if exists {
        ""
    } else {
        "; it does not exist yet (the first change creates it)"
    };
    out.note(&format!("{}{missing}", source.explain()));
    Ok(())
}

fn show(source: Source, file: &ConfigFile, out: &Output) -> Result<(), CliError> {
    let store = file.store();
    let loaded = store.load()?;
    let old_style = store.plan_migration()?.is_some();
    let snapshot = with_registry(file, RegistryMode::ReadOnly, |registry| async move {
        Ok(registry.snapshot())
    })?;
    let path = file.path().display().to_string();
    let exists = file.path().exists();
    if out.json {
        let bookmarks: Map<String, Value> = snapshot
            .bookmarks()
            .iter()
            .map(|b| (b.name.to_string(), Value::from(cm_url::redact(&b.url))))
            .collect();
        let servers: Vec<Value> = snapshot
            .manual_servers()
            .iter()
            .map(|s| json!({ "name": &*s.name, "url": cm_url::redact(&s.url), "kind": s.kind.as_str() }))
            .collect();
        let discovery: Vec<Value> = snapshot
            .discovery_servers()
            .iter()
            .map(|s| {
                let addresses: Vec<String> =
                    s.cached_addresses.iter().map(|a| cm_url::redact(a)).collect();
                json!({ "name": &*s.name, "url": cm_url::redact(&s.url), "cached_addresses": addresses })
            })
            .collect();
        let warnings: Vec<Value> = loaded
            .warnings
            .iter()
            .map(|w| {
                json!({
                    "line": w.line,
                    "column": w.column,
                    "section": w.section.key(),
                    "entry": w.entry,
                    "message": w.to_string(),
                })
            })
            .collect();
        out.json_value(&json!({
            "path": path,
            "source": source.as_str(),
            "exists": exists,
            "old_style": old_style,
            "bookmarks": bookmarks,
            "servers": servers,
            "discovery_servers": discovery,
            "warnings": warnings,
        }));
    } else {
        out.line(&format!(
            "{} {} ({})",
            out.paint(Style::Dim, "file:"),
            path,
            source.explain()
        ));
        if !exists {
            out.line("(does not exist yet: reads as empty)");
        }
        if old_style {
            out.line("(old-style: bookmarks only; the next change migrates it, see `cm migrate`)");
        }
        let heading = |title: &str, count: usize| {
            out.line(&out.paint(Style::Bold, &format!("{title} ({count})")));
        };
        let indent = |rows: Vec<Vec<String>>| {
            for line in table(&rows) {
                out.line(&format!("  {line}"));
            }
        };
        heading("bookmarks", snapshot.bookmarks().len());
        indent(
            snapshot
                .bookmarks()
                .iter()
                .map(|b| {
                    vec![
                        out.paint(Style::Bold, &b.name),
                        out.paint(Style::Cyan, &cm_url::redact(&b.url)),
                    ]
                })
                .collect(),
        );
        heading("servers", snapshot.manual_servers().len());
        indent(
            snapshot
                .manual_servers()
                .iter()
                .map(|s| {
                    vec![
                        out.paint(Style::Bold, &s.name),
                        s.kind.as_str().to_owned(),
                        out.paint(Style::Cyan, &cm_url::redact(&s.url)),
                    ]
                })
                .collect(),
        );
        heading("discovery servers", snapshot.discovery_servers().len());
        indent(
            snapshot
                .discovery_servers()
                .iter()
                .map(|s| {
                    vec![
                        out.paint(Style::Bold, &s.name),
                        out.paint(Style::Cyan, &cm_url::redact(&s.url)),
                        format!("{} cached address(es)", s.cached_addresses.len()),
                    ]
                })
                .collect(),
        );
    }
    for warning in &loaded.warnings {
        out.warn(&format!("{path}:{warning}"));
    }
    Ok(())
}
