//! Mapping between the TOML document and the typed [`Sections`].
//!
//! The document is parsed once with spans (for line/column in errors and
//! warnings) and then turned into a [`DocumentMut`] for editing, so every byte
//! we do not touch is rendered back exactly as it was read.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::Path;

use toml_edit::{Document, DocumentMut, Item, Table, TableLike, Value};

use crate::position::line_col;
use crate::render::Framed;
use crate::splice::EntrySpans;
use crate::url_rules::comparison_key;
use crate::{
    BookmarkEntry, DiscoveryEntry, LoadWarning, Loaded, Section, Sections, ServerEntry, StoreError,
    WarningKind,
};

/// A parsed file: the editable document and what it contains.
pub(crate) struct ParsedFile {
    /// The editable document; renders back to the input byte for byte.
    pub(crate) doc: DocumentMut,
    /// The typed sections and warnings.
    pub(crate) loaded: Loaded,
    /// Where the `[bookmarks]` entries end in the parsed text, when an edit can splice them.
    pub(crate) spans: Option<EntrySpans>,
}

/// Decodes file bytes as UTF-8, reporting the first invalid byte's position.
pub(crate) fn decode<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, StoreError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        // The prefix is valid by construction.
        let text = std::str::from_utf8(valid).unwrap_or_default();
        let (line, column) = line_col(text, text.len());
        StoreError::Encoding {
            path: path.to_path_buf(),
            line,
            column,
        }
    })
}

/// How much of our sections a read extracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Depth {
    /// Only check that the sections have the right type (enough before an edit).
    Shape,
    /// Entries and wrong-type warnings, no URL checks.
    Entries,
    /// Everything, including URL warnings.
    Full,
}

/// Parses `text` (the content of `path`) for editing and reads our sections
/// from it to `depth`. Shape errors are reported at every depth.
pub(crate) fn parse(path: &Path, text: &str, depth: Depth) -> Result<ParsedFile, StoreError> {
    let (doc, loaded) = parse_spanned_with(path, text, depth)?;
    let spans = EntrySpans::of_parsed(&doc, text);
    Ok(ParsedFile {
        doc: doc.into_mut(),
        loaded,
        spans,
    })
}

/// Parses a [`Framed`] file text for editing. A text that does not parse is reported with
/// the error [`parse`] gives for the file as it is, so an error names the same line and
/// column whether it comes from a load or a write.
pub(crate) fn parse_framed(
    path: &Path,
    original: &str,
    framed: &Framed<'_>,
    depth: Depth,
) -> Result<ParsedFile, StoreError> {
    parse(path, framed.body(), depth).map_err(|framed_error| match parse(path, original, depth) {
        Err(error) => error,
        Ok(_) => framed_error,
    })
}

/// Reads our sections from an edited document to `depth`. Warnings from an edited
/// document carry no position (line 1, column 1); callers that find warnings
/// re-parse the rendered text to place them.
pub(crate) fn read_edited(doc: &DocumentMut, depth: Depth) -> Loaded {
    let mut reader = Reader {
        path: Path::new(""),
        text: "",
        depth,
        warnings: Vec::new(),
    };
    // Edits only ever produce section shapes that read back.
    let sections = reader.sections(doc.as_table()).unwrap_or_default();
    Loaded {
        sections,
        warnings: reader.warnings,
    }
}

/// Parses `text` (the content of `path`), keeping spans, and reads our sections from it.
pub(crate) fn parse_spanned<'t>(
    path: &Path,
    text: &'t str,
) -> Result<(Document<&'t str>, Loaded), StoreError> {
    parse_spanned_with(path, text, Depth::Full)
}

fn parse_spanned_with<'t>(
    path: &Path,
    text: &'t str,
    depth: Depth,
) -> Result<(Document<&'t str>, Loaded), StoreError> {
    let doc = Document::parse(text).map_err(|e| {
        let (line, column) = line_col(text, e.span().map_or(0, |s| s.start));
        StoreError::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })?;
    let mut reader = Reader {
        path,
        text,
        depth,
        warnings: Vec::new(),
    };
    let sections = reader.sections(doc.as_table())?;
    Ok((
        doc,
        Loaded {
            sections,
            warnings: reader.warnings,
        },
    ))
}

/// The TOML type name used in messages.
pub(crate) fn type_name(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Value(v) => value_type_name(v),
        Item::Table(_) => "table",
        Item::ArrayOfTables(_) => "array of tables",
    }
}

fn value_type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Integer(_) => "integer",
        Value::Float(_) => "float",
        Value::Boolean(_) => "boolean",
        Value::Datetime(_) => "datetime",
        Value::Array(_) => "array",
        Value::InlineTable(_) => "inline table",
    }
}

/// A section's body as a generic table (standard or inline), or `None` when absent.
pub(crate) fn as_section_table(
    item: Option<&Item>,
) -> Result<Option<&dyn TableLike>, &'static str> {
    match item {
        None | Some(Item::None) => Ok(None),
        Some(Item::Table(t)) => Ok(Some(t)),
        Some(Item::Value(Value::InlineTable(t))) => Ok(Some(t)),
        Some(other) => Err(type_name(other)),
    }
}

/// The first entry's key for each server already read, by the server's comparison key.
type FirstOfServer = HashMap<String, String>;

struct Reader<'a> {
    path: &'a Path,
    text: &'a str,
    depth: Depth,
    warnings: Vec<LoadWarning>,
}

impl Reader<'_> {
    fn sections(&mut self, root: &Table) -> Result<Sections, StoreError> {
        Ok(Sections {
            bookmarks: self.string_map(root, Section::Bookmarks)?,
            servers: self
                .string_map(root, Section::Servers)?
                .into_iter()
                .map(|b| ServerEntry {
                    url: b.name,
                    name: b.url,
                })
                .collect(),
            discovery_servers: self.discovery(root)?,
        })
    }

    fn position(&self, span: Option<std::ops::Range<usize>>) -> (usize, usize) {
        line_col(self.text, span.map_or(0, |s| s.start))
    }

    fn shape_error(
        &self,
        root: &Table,
        section: Section,
        found: &str,
        expected: &str,
    ) -> StoreError {
        let span = root
            .key(section.key())
            .and_then(|k| k.span())
            .or_else(|| root.get(section.key()).and_then(Item::span));
        let (line, column) = self.position(span);
        StoreError::Shape {
            path: self.path.to_path_buf(),
            line,
            column,
            message: format!("`{}` must be {expected}, found {found}", section.key()),
        }
    }

    fn warn(
        &mut self,
        section: Section,
        entry: String,
        span: Option<std::ops::Range<usize>>,
        kind: WarningKind,
    ) {
        let (line, column) = self.position(span);
        self.warnings.push(LoadWarning {
            section,
            entry,
            line,
            column,
            kind,
        });
    }

    fn check_url(
        &mut self,
        section: Section,
        entry: &str,
        url: &str,
        span: impl FnOnce() -> Option<std::ops::Range<usize>>,
    ) {
        if self.depth != Depth::Full {
            return;
        }
        if let Err(reason) = crate::url_rules::validate(url) {
            self.warn(
                section,
                entry.to_string(),
                span(),
                WarningKind::InvalidUrl {
                    url: url.to_string(),
                    reason,
                },
            );
        }
    }

    /// Reads `[bookmarks]` (name = url) or `[servers]` (url = name) as key/value string pairs.
    fn string_map(
        &mut self,
        root: &Table,
        section: Section,
    ) -> Result<Vec<BookmarkEntry>, StoreError> {
        let table = match as_section_table(root.get(section.key())) {
            Ok(Some(t)) => t,
            Ok(None) => return Ok(Vec::new()),
            Err(found) => {
                return Err(self.shape_error(root, section, found, "a table of string values"));
            }
        };
        if self.depth == Depth::Shape {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(table.len());
        let mut first_of = FirstOfServer::default();
        for (key, item) in table.iter() {
            // Spans are looked up only for entries that get a warning: a lookup
            // per entry would cost more than the rest of the read.
            let key_span = || table.key(key).and_then(|k| k.span());
            match item.as_str() {
                Some(value) => {
                    if section == Section::Servers
                        && !self.keep_first(&mut first_of, section, key, key, key_span)
                    {
                        continue;
                    }
                    let (url, value_is_url) = if section == Section::Bookmarks {
                        (value, true)
                    } else {
                        (key, false)
                    };
                    self.check_url(section, key, url, || {
                        if value_is_url {
                            item.span().or_else(key_span)
                        } else {
                            key_span()
                        }
                    });
                    out.push(BookmarkEntry {
                        name: key.to_string(),
                        url: value.to_string(),
                    });
                }
                None => self.warn(
                    section,
                    key.to_string(),
                    key_span(),
                    WarningKind::WrongType {
                        field: None,
                        expected: "string",
                        found: type_name(item),
                    },
                ),
            }
        }
        Ok(out)
    }

    fn discovery(&mut self, root: &Table) -> Result<Vec<DiscoveryEntry>, StoreError> {
        let section = Section::DiscoveryServers;
        let mut out = Vec::new();
        let mut first_of = FirstOfServer::default();
        let shape_only = self.depth == Depth::Shape;
        match root.get(section.key()) {
            None | Some(Item::None) => {}
            Some(Item::ArrayOfTables(_) | Item::Value(Value::Array(_))) if shape_only => {}
            Some(Item::ArrayOfTables(array)) => {
                for (index, table) in array.iter().enumerate() {
                    if let Some(entry) = self.discovery_entry(index, table, table.span())
                        && self.keep_first(&mut first_of, section, &entry.name, &entry.url, || {
                            table.span()
                        })
                    {
                        out.push(entry);
                    }
                }
            }
            Some(Item::Value(Value::Array(array))) => {
                for (index, value) in array.iter().enumerate() {
                    match value.as_inline_table() {
                        Some(table) => {
                            if let Some(entry) = self.discovery_entry(index, table, value.span())
                                && self.keep_first(
                                    &mut first_of,
                                    section,
                                    &entry.name,
                                    &entry.url,
                                    || value.span(),
                                )
                            {
                                out.push(entry);
                            }
                        }
                        None => self.warn(
                            section,
                            format!("#{index}"),
                            value.span(),
                            WarningKind::WrongType {
                                field: None,
                                expected: "table",
                                found: value_type_name(value),
                            },
                        ),
                    }
                }
            }
            Some(other) => {
                return Err(self.shape_error(
                    root,
                    section,
                    type_name(other),
                    "an array of tables",
                ));
            }
        }
        Ok(out)
    }

    /// Whether the entry `name` with `url` is the first of its server in the section. A later
    /// one gets a `DuplicateUrl` warning and is skipped: every save looks servers up by URL, so
    /// two entries for one server would be merged by the first save (the fuzzer found a
    /// round trip that renamed one entry after the other).
    fn keep_first(
        &mut self,
        first_of: &mut FirstOfServer,
        section: Section,
        name: &str,
        url: &str,
        span: impl FnOnce() -> Option<std::ops::Range<usize>>,
    ) -> bool {
        match first_of.entry(comparison_key(url)) {
            Entry::Vacant(slot) => {
                slot.insert(name.to_owned());
                true
            }
            Entry::Occupied(kept) => {
                let kept = kept.get().clone();
                self.warn(
                    section,
                    name.to_owned(),
                    span(),
                    WarningKind::DuplicateUrl {
                        url: url.to_owned(),
                        kept,
                    },
                );
                false
            }
        }
    }

    fn discovery_entry(
        &mut self,
        index: usize,
        table: &dyn TableLike,
        span: Option<std::ops::Range<usize>>,
    ) -> Option<DiscoveryEntry> {
        let section = Section::DiscoveryServers;
        let entry = format!("#{index}");
        let field_str = |reader: &mut Self, field: &'static str| -> Option<String> {
            let field_span = table.key(field).and_then(|k| k.span()).or(span.clone());
            match table.get(field) {
                None => {
                    reader.warn(
                        section,
                        entry.clone(),
                        span.clone(),
                        WarningKind::MissingField { field },
                    );
                    None
                }
                Some(item) => match item.as_str() {
                    Some(s) => Some(s.to_string()),
                    None => {
                        reader.warn(
                            section,
                            entry.clone(),
                            field_span,
                            WarningKind::WrongType {
                                field: Some(field),
                                expected: "string",
                                found: type_name(item),
                            },
                        );
                        None
                    }
                },
            }
        };
        let name = field_str(self, "name")?;
        let url = field_str(self, "url")?;
        let mut cached_addresses = Vec::new();
        if let Some(item) = table.get("cached_addresses") {
            let field_span = table
                .key("cached_addresses")
                .and_then(|k| k.span())
                .or(span.clone());
            let wrong = |reader: &mut Self, found: &'static str| {
                reader.warn(
                    section,
                    entry.clone(),
                    field_span.clone(),
                    WarningKind::WrongType {
                        field: Some("cached_addresses"),
                        expected: "array of strings",
                        found,
                    },
                );
            };
            let Some(array) = item.as_array() else {
                wrong(self, type_name(item));
                return None;
            };
            for value in array.iter() {
                match value.as_str() {
                    Some(s) => cached_addresses.push(s.to_string()),
                    None => {
                        wrong(self, value_type_name(value));
                        return None;
                    }
                }
            }
        }
        let url_span = table.get("url").and_then(Item::span).or(span.clone());
        self.check_url(section, &name, &url, || url_span);
        Some(DiscoveryEntry {
            name,
            url,
            cached_addresses,
        })
    }
}
