//! The one-time migration of old-style files.
//!
//! Before `[servers]` existed, the server list was derived from bookmarks:
//! a bookmark pointing at a server root showed up as a server. A file with
//! `[bookmarks]` but neither `[servers]` nor `[[discovery_servers]]` is
//! migrated once:
//!
//! 1. every bookmark URL's server root (`cm_url::server_root`: scheme://host,
//!    plus the container or bucket for Azure, GCS and path-style S3/R2)
//!    becomes one `[servers]` entry, keyed by `cm_url::server_key` (the root
//!    without its trailing slash, `"omniverse://my-server" = "my-server"`; a
//!    file root keeps it, `"file:///"`), the rule `cm server add` uses too;
//! 2. the server is named after the bookmark that pointed exactly at the root
//!    if there was one (keeping the name the user chose), otherwise with
//!    `cm_url::fallback_name_for_url`;
//! 3. the bookmark a server was named after is removed from `[bookmarks]`; nothing else is:
//!    a second bookmark on the same root stays, and a derived name another server already
//!    has gets a ` (2)` suffix (both listed in the report).
//!
//! The result always has a `[servers]` table (possibly empty), so running the
//! migration again changes nothing. Bookmarks whose URL does not parse are
//! left alone and listed in the report.

use std::path::Path;

use toml_edit::DocumentMut;

use crate::change::{Change, apply_change, ensure_section};
use crate::document::{Depth, parse_framed};
use crate::render::{Framed, merge_untouched, render};
use crate::url_rules::{comparison_key, fallback_name, is_server_root, server_root};
use crate::{BookmarkEntry, Loaded, Section, Sections, ServerEntry, StoreError, TomlStore};

/// What a migration did (or would do).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MigrationReport {
    /// `[servers]` entries created, in bookmark order.
    pub servers_added: Vec<ServerEntry>,
    /// Bookmarks removed because they pointed exactly at a server root.
    pub bookmarks_removed: Vec<BookmarkEntry>,
    /// Bookmarks left alone because their URL has no server root, with the reason.
    pub skipped: Vec<(BookmarkEntry, String)>,
    /// Root bookmarks kept in `[bookmarks]` because another bookmark on the same root
    /// already gave the server its name, with the reason.
    pub bookmarks_kept: Vec<(BookmarkEntry, String)>,
    /// Derived server names another server already had: (derived name, name given).
    pub names_changed: Vec<(String, String)>,
}

/// A migration computed without writing anything: the file text before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationPlan {
    /// The file as it is.
    pub before: String,
    /// The file as the migration would write it.
    pub after: String,
    /// What changes.
    pub report: MigrationReport,
}

/// Computes the migration of `text` (the content of `origin`, named in
/// errors) without touching any file; `None` when the file is not old-style.
///
/// ```
/// use std::path::Path;
/// let old = "[bookmarks]\nserver = \"omniverse://my-server/\"\n";
/// let plan = cm_toml_store::plan_migration(old, Path::new("omniverse.toml"))
///     .unwrap()
///     .expect("old-style file");
/// assert!(plan.after.contains("[servers]"));
/// // Migrating the result again does nothing.
/// assert!(cm_toml_store::plan_migration(&plan.after, Path::new("omniverse.toml")).unwrap().is_none());
/// ```
pub fn plan_migration(text: &str, origin: &Path) -> Result<Option<MigrationPlan>, StoreError> {
    let framed = Framed::new(text);
    let body = framed.body();
    let parsed = parse_framed(origin, text, &framed, Depth::Entries)?;
    let mut doc = parsed.doc;
    let before = render(&doc, body);
    Ok(
        migrate_document(&mut doc, &parsed.loaded.sections).map(|report| MigrationPlan {
            before: text.to_string(),
            after: framed.finish(merge_untouched(body, &before, render(&doc, body))),
            report,
        }),
    )
}

/// Whether `doc` has the old layout: `[bookmarks]` with neither `[servers]` nor
/// `[[discovery_servers]]`.
pub(crate) fn is_old_style(doc: &toml_edit::Table) -> bool {
    doc.contains_key(Section::Bookmarks.key())
        && !doc.contains_key(Section::Servers.key())
        && !doc.contains_key(Section::DiscoveryServers.key())
}

/// Gives `doc` an empty `[servers]` table, so that it no longer reads as old-style.
pub(crate) fn mark_new_style(doc: &mut DocumentMut) {
    doc.insert(
        Section::Servers.key(),
        toml_edit::Item::Table(toml_edit::Table::new()),
    );
}

/// Migrates `doc` in place; `None` (and no edit) when it is not old-style.
///
/// Nothing is dropped: a root bookmark is removed only when its name became its server's
/// name. A second root bookmark on the same root keeps its place in `[bookmarks]`
/// ([`MigrationReport::bookmarks_kept`]), and a derived server name that another server already
/// has gets a ` (2)`, ` (3)`, … suffix ([`MigrationReport::names_changed`]), so server names
/// stay unique.
fn migrate_document(doc: &mut DocumentMut, sections: &Sections) -> Option<MigrationReport> {
    if !is_old_style(doc.as_table()) {
        return None;
    }
    let mut report = MigrationReport::default();
    // One per root, in first-seen order: (comparison key, root, the root bookmark naming it).
    let mut servers: Vec<(String, String, Option<BookmarkEntry>)> = Vec::new();
    for bookmark in &sections.bookmarks {
        let root = match server_root(&bookmark.url) {
            Ok(root) => root,
            Err(reason) => {
                report.skipped.push((bookmark.clone(), reason));
                continue;
            }
        };
        let key = comparison_key(&root);
        // A file bookmark at a directory is that directory's entry root.
        let is_root_bookmark =
            is_server_root(&bookmark.url) || comparison_key(&bookmark.url) == key;
        let index = match servers.iter().position(|(k, _, _)| *k == key) {
            Some(index) => index,
            None => {
                servers.push((key, root, None));
                servers.len() - 1
            }
        };
        if !is_root_bookmark {
            continue;
        }
        match &servers[index].2 {
            None => servers[index].2 = Some(bookmark.clone()),
            Some(naming) => report.bookmarks_kept.push((
                bookmark.clone(),
                format!(
                    "its server is named after bookmark {:?}, on the same root",
                    naming.name
                ),
            )),
        }
    }
    // Names the user chose (root bookmarks) first; they are unique, being TOML keys.
    let mut taken: Vec<String> = servers
        .iter()
        .filter_map(|(_, _, naming)| naming.as_ref().map(|b| b.name.clone()))
        .collect();
    ensure_section(doc, Section::Servers);
    for (_, root, naming) in servers {
        let name = match naming {
            Some(bookmark) => {
                report.bookmarks_removed.push(bookmark.clone());
                bookmark.name
            }
            None => {
                let derived = fallback_name(&root);
                let name = unique_name(&derived, &taken);
                if name != derived {
                    report.names_changed.push((derived, name.clone()));
                }
                taken.push(name.clone());
                name
            }
        };
        let server = ServerEntry {
            url: cm_url::server_key(&root),
            name,
        };
        apply_change(
            doc,
            &Change::SetServer {
                url: server.url.clone(),
                name: server.name.clone(),
            },
        );
        report.servers_added.push(server);
    }
    for bookmark in &report.bookmarks_removed {
        apply_change(
            doc,
            &Change::RemoveBookmark {
                name: bookmark.name.clone(),
            },
        );
    }
    Some(report)
}

/// `name`, or `name (2)`, `name (3)`, … : the first that is not in `taken`.
fn unique_name(name: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == name) {
        return name.to_owned();
    }
    (2..)
        .map(|n| format!("{name} ({n})"))
        .find(|candidate| !taken.iter().any(|t| t == candidate))
        .unwrap_or_else(|| name.to_owned())
}

impl TomlStore {
    /// Migrates an old-style file (`[bookmarks]` without `[servers]` and
    /// `[[discovery_servers]]`) once, atomically, under the lock: every
    /// bookmark's server root becomes a `[servers]` entry and bookmarks that
    /// point exactly at a root are removed. `Ok(None)` when there is nothing
    /// to migrate, so it is safe to call on every start.
    pub fn migrate_if_needed(&self) -> Result<Option<MigrationReport>, StoreError> {
        let (_, report) = self.edit(Depth::Entries, |doc, loaded| {
            let report = migrate_document(doc, &loaded.sections);
            let changed = report.is_some();
            Ok((report, changed))
        })?;
        if let Some(report) = &report {
            tracing::info!(
                path = %self.path().display(),
                servers = report.servers_added.len(),
                removed_bookmarks = report.bookmarks_removed.len(),
                "migrated old-style omniverse.toml"
            );
        }
        Ok(report)
    }

    /// Reads the file like [`TomlStore::load`], migrating it first when it is old-style,
    /// like [`TomlStore::migrate_if_needed`]: what a writing process runs at start-up.
    ///
    /// A new-style file (the usual case) is read and parsed once, without the lock. A
    /// migration that fails (a read-only file, say) is logged and the file is read as it
    /// is: the entries are still usable, and the next start tries again.
    ///
    /// The first read waits, like [`TomlStore::load`], while the file may be caught half way
    /// through someone's in-place save: the old-style test must not be made on the first piece
    /// of a new-style file.
    pub fn load_migrating(&self) -> Result<(Loaded, Option<MigrationReport>), StoreError> {
        let read = self.read_settled()?;
        let text = crate::document::decode(self.path(), &read.bytes)?;
        let (doc, loaded) = crate::document::parse_spanned(self.path(), text)?;
        // A file still changing when the read gave up waiting is not migrated on this start:
        // its old style may be the first piece of a new-style save (and the migration's own
        // wait would only add another 5 s).
        if !is_old_style(doc.as_table()) || !read.settled {
            self.record_read(&read);
            return Ok((loaded, None));
        }
        match self.migrate_if_needed() {
            Ok(report) => Ok((self.load()?, report)),
            Err(e) => {
                tracing::warn!(error = %e, "omniverse.toml migration skipped");
                self.record_read(&read);
                Ok((loaded, None))
            }
        }
    }

    /// The migration [`TomlStore::migrate_if_needed`] would perform, without writing.
    ///
    /// Like [`TomlStore::load`], it first waits while the file may be caught half way through
    /// someone's in-place save.
    pub fn plan_migration(&self) -> Result<Option<MigrationPlan>, StoreError> {
        let bytes = self.read_settled()?.bytes;
        let text = crate::document::decode(self.path(), &bytes)?;
        plan_migration(text, self.path())
    }
}
