//! `cm migrate [--dry-run]`: the one-time migration of an old-style omniverse.toml.
//!
//! An old-style file has `[bookmarks]` but neither `[servers]` nor `[[discovery_servers]]`;
//! migration derives one server per distinct bookmark root and moves bookmarks that point
//! exactly at a root into `[servers]`. The change is shown as a unified diff of the file text:
//! with `--dry-run` the diff it would make, otherwise the diff it made (the file before and
//! after, read back from disk).

use cm_toml_store::MigrationReport;
use serde_json::{Value, json};
use similar::{ChangeTag, TextDiff};

use crate::cli::MigrateArgs;
use crate::exit::CliError;
use crate::output::{Output, Style};
use crate::session::ConfigFile;

/// Runs `cm migrate`.
pub(crate) fn run(args: MigrateArgs, file: &ConfigFile, out: &Output) -> Result<(), CliError> {
    let store = file.store();
    let Some(plan) = store.plan_migration()? else {
        if out.json {
            out.json_value(&result_json(
                file,
                args.dry_run,
                false,
                &MigrationReport::default(),
                "",
            ));
        } else if !out.quiet {
            out.line(&format!("{}: nothing to migrate", file.path().display()));
        }
        return Ok(());
    };
    let (before, after, report) = if args.dry_run {
        (plan.before, plan.after, plan.report)
    } else {
        let before = read_text(file)?;
        let report = store.migrate_if_needed()?.unwrap_or_default();
        (before, read_text(file)?, report)
    };
    // The diff shows the file's lines, context included: URLs in it may carry passwords and
    // tokens, which are redacted by cm-url's one rule before anything is printed.
    let before = cm_url::redact_urls_in_text(&before);
    let after = cm_url::redact_urls_in_text(&after);
    let name = file.path().display().to_string();
    let diff = TextDiff::from_lines(&before, &after)
        .unified_diff()
        .context_radius(3)
        .header(&name, &name)
        .to_string();
    if out.json {
        out.json_value(&result_json(
            file,
            args.dry_run,
            !args.dry_run,
            &report,
            &diff,
        ));
        return Ok(());
    }
    print_diff(out, &before, &after, &name);
    if !out.quiet {
        out.line(&summary(&report, args.dry_run));
        if args.dry_run {
            out.note("dry run: the file was not changed (run `cm migrate` to apply)");
        }
    }
    Ok(())
}

/// One line saying what a migration did (or, for a dry run, would do), naming what moved
/// and what was skipped: a bookmark whose URL has no server root stays in `[bookmarks]`
/// unchanged and adds no server.
pub(crate) fn summary(report: &MigrationReport, dry_run: bool) -> String {
    let names = |names: Vec<&str>| {
        if names.is_empty() {
            String::new()
        } else {
            format!(" ({})", names.join(", "))
        }
    };
    let (add, moved) = if dry_run {
        ("would add", "would move")
    } else {
        ("added", "moved")
    };
    let mut line = format!(
        "{add} {} server(s){}; {moved} {} root bookmark(s) to [servers]{}",
        report.servers_added.len(),
        names(
            report
                .servers_added
                .iter()
                .map(|s| s.name.as_str())
                .collect()
        ),
        report.bookmarks_removed.len(),
        names(
            report
                .bookmarks_removed
                .iter()
                .map(|b| b.name.as_str())
                .collect()
        ),
    );
    if !report.skipped.is_empty() {
        line.push_str(&format!(
            "; skipped {} bookmark(s) whose URL has no server root (kept unchanged, no server \
             added){}",
            report.skipped.len(),
            names(
                report
                    .skipped
                    .iter()
                    .map(|(b, _)| b.name.as_str())
                    .collect()
            ),
        ));
    }
    if !report.bookmarks_kept.is_empty() {
        line.push_str(&format!(
            "; kept {} root bookmark(s) in [bookmarks] (the server is named after another){}",
            report.bookmarks_kept.len(),
            names(
                report
                    .bookmarks_kept
                    .iter()
                    .map(|(b, _)| b.name.as_str())
                    .collect()
            ),
        ));
    }
    for (derived, given) in &report.names_changed {
        line.push_str(&format!(
            "; named a server {given:?} because {derived:?} was taken"
        ));
    }
    crate::output::terminal_safe(&line).into_owned()
}

fn read_text(file: &ConfigFile) -> Result<String, CliError> {
    match std::fs::read_to_string(file.path()) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(CliError::Failed(format!(
            "could not read {}: {e}",
            file.path().display()
        ))),
    }
}

fn print_diff(out: &Output, before: &str, after: &str, name: &str) {
    let diff = TextDiff::from_lines(before, after);
    out.line(&out.paint(Style::Bold, &format!("--- {name}")));
    out.line(&out.paint(Style::Bold, &format!("+++ {name}")));
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        out.line(&out.paint(Style::Cyan, &hunk.header().to_string()));
        for change in hunk.iter_changes() {
            let text = change.to_string_lossy();
            let text = text.trim_end_matches('\n');
            let line = match change.tag() {
                ChangeTag::Delete => out.paint(Style::Red, &format!("-{text}")),
                ChangeTag::Insert => out.paint(Style::Green, &format!("+{text}")),
                ChangeTag::Equal => format!(" {text}"),
            };
            out.line(&line);
        }
    }
}

fn result_json(
    file: &ConfigFile,
    dry_run: bool,
    migrated: bool,
    report: &MigrationReport,
    diff: &str,
) -> Value {
    json!({
        "path": file.path().display().to_string(),
        "dry_run": dry_run,
        "migrated": migrated,
        "servers_added": report.servers_added.iter()
            .map(|s| json!({ "name": s.name, "url": cm_url::redact(&s.url) }))
            .collect::<Vec<_>>(),
        "bookmarks_removed": report.bookmarks_removed.iter()
            .map(|b| json!({ "name": b.name, "url": cm_url::redact(&b.url) }))
            .collect::<Vec<_>>(),
        "skipped": report.skipped.iter()
            .map(|(b, reason)| json!({ "name": b.name, "url": cm_url::redact(&b.url), "reason": reason }))
            .collect::<Vec<_>>(),
        "bookmarks_kept": report.bookmarks_kept.iter()
            .map(|(b, reason)| json!({ "name": b.name, "url": cm_url::redact(&b.url), "reason": reason }))
            .collect::<Vec<_>>(),
        "names_changed": report.names_changed.iter()
            .map(|(derived, given)| json!({ "derived": derived, "name": given }))
            .collect::<Vec<_>>(),
        "diff": diff,
    })
}
