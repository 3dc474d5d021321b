//! Writing an edit of one bookmark by splicing its text into the kept file text, so an edit
//! costs what it changes, not what the file holds.
//!
//! `toml_edit` writes a standard table's key/values one per line, each exactly as
//! [`render_entry`] renders it alone: the key's leading decor (the blank lines and comments
//! above it), the key, `=`, the value with its decor, a line ending. In a file that renders to
//! itself (the usual case for a file this process wrote, see [`crate::last_parsed`]) the
//! entries of `[bookmarks]` therefore tile the text from the line after the header: entry
//! *i* is the text that ends at `ends[i]`. [`EntrySpans`] records those ends, built from the
//! spans of the parse and moved along by every splice, so a changed bookmark is written by
//! replacing its rendering alone and a new one by inserting its rendering after the last.
//!
//! Every splice first checks that the text it replaces (or follows) is byte for byte the
//! rendering of the entry as the document held it, so an index that no longer fits the text
//! is noticed (the edit then renders the whole document, as before). Debug builds also check
//! that the spliced text equals the whole rendering (`store.rs`).
//!
//! Only what is simple to argue is spliced: [`Change::AddBookmark`] (new or changed) in a
//! non-empty standard `[bookmarks]` table whose entries are all strings, in a text with no CR
//! (a CRLF file is re-rendered with its line endings restored, see [`crate::render`]). Any
//! other change drops the index for that edit and renders the whole document.

use std::collections::HashMap;

use toml_edit::{Document, DocumentMut, Item, Table, Value};

use crate::{BookmarkEntry, Change, Section, Sections};

/// Where each `[bookmarks]` entry's rendering ends in a file text, by the entry's table order.
#[derive(Debug, Clone)]
pub(crate) struct EntrySpans {
    /// `ends[i]`: the byte offset just past the line ending of entry `i`'s line.
    ends: Vec<usize>,
    /// Entry name → its index in `ends` (and in the read [`crate::Sections::bookmarks`]).
    position: HashMap<String, usize>,
}

impl EntrySpans {
    /// The spans of `[bookmarks]` in `text`, the text `doc` was parsed from; `None` when the
    /// section is not one this module splices into.
    pub(crate) fn of_parsed(doc: &Document<&str>, text: &str) -> Option<Self> {
        if text.contains('\r') {
            return None;
        }
        let table = standard_bookmarks(doc.as_table())?;
        let mut ends = Vec::with_capacity(table.len());
        let mut position = HashMap::with_capacity(table.len());
        for (index, (key, item)) in table.iter().enumerate() {
            let Item::Value(value @ Value::String(_)) = item else {
                return None;
            };
            let value_end = value.span()?.end;
            let line_end = value_end + text.get(value_end..)?.find('\n')? + 1;
            ends.push(line_end);
            position.insert(key.to_owned(), index);
        }
        Some(EntrySpans { ends, position })
    }
}

/// The `[bookmarks]` table of `root` when it is a non-empty standard table with a header.
fn standard_bookmarks(root: &Table) -> Option<&Table> {
    match root.get(Section::Bookmarks.key())? {
        Item::Table(t) if !t.is_dotted() && !t.is_implicit() && !t.is_empty() => Some(t),
        _ => None,
    }
}

/// How `toml_edit` renders the entry `name` of `table` as one of a table's key/values.
fn render_entry(table: &Table, name: &str) -> Option<String> {
    let (key, item) = table.get_key_value(name)?;
    let mut probe = DocumentMut::new();
    probe.as_table_mut().insert_formatted(key, item.clone());
    Some(probe.to_string())
}

/// An edit being written by splicing: the new body, the index moved along with it and, when
/// the edit started from a read result, that result with the same changes.
pub(crate) struct Splice {
    body: String,
    spans: EntrySpans,
    sections: Option<Sections>,
    /// The rendering of the entry the current change names, before the change.
    pending: Option<Option<String>>,
}

impl Splice {
    /// A splice of the file body `body` indexed by `spans`; `bookmarks` is what the document
    /// holds now, when known (then the edit's result is updated entry by entry too).
    pub(crate) fn new(body: &str, spans: EntrySpans, sections: Option<Sections>) -> Self {
        Splice {
            body: body.to_owned(),
            spans,
            sections,
            pending: None,
        }
    }

    /// Called before `change` is applied to `doc`: records what the entry looks like now, or
    /// gives up (`false`: render the whole document) for a change this module does not write.
    pub(crate) fn before(&mut self, doc: &DocumentMut, change: &Change) -> bool {
        let Change::AddBookmark { name, .. } = change else {
            return false;
        };
        let Some(table) = standard_bookmarks(doc.as_table()) else {
            return false;
        };
        self.pending = Some(render_entry(table, name));
        true
    }

    /// Called after `change` was applied: splices the entry's new rendering into the body.
    /// `false` when the text does not hold what the index says (render the whole document).
    pub(crate) fn after(&mut self, doc: &DocumentMut, change: &Change) -> bool {
        let Change::AddBookmark { name, url } = change else {
            return false;
        };
        let (Some(old), Some(table)) = (self.pending.take(), standard_bookmarks(doc.as_table()))
        else {
            return false;
        };
        let Some(new) = render_entry(table, name) else {
            return false;
        };
        match (old, self.spans.position.get(name.as_str()).copied()) {
            (Some(old), Some(index)) => {
                let end = self.spans.ends[index];
                let Some(start) = end.checked_sub(old.len()) else {
                    return false;
                };
                if self.body.get(start..end) != Some(old.as_str()) {
                    return false;
                }
                self.body.replace_range(start..end, &new);
                let grown = new.len() as isize - old.len() as isize;
                for later in &mut self.spans.ends[index..] {
                    *later = later.wrapping_add_signed(grown);
                }
                if let Some(entry) = self.bookmarks().and_then(|b| b.get_mut(index)) {
                    entry.url.clone_from(url);
                }
            }
            (None, None) => {
                // A new entry goes after the last one (the table was not empty).
                let Some(&end) = self.spans.ends.last() else {
                    return false;
                };
                // The new entry must be the table's last, after the one that ended the text.
                let (mut previous, mut final_key) = (None, None);
                for (key, _) in table.iter() {
                    previous = final_key.replace(key);
                }
                let previous_is_last = previous
                    .and_then(|key| self.spans.position.get(key))
                    .is_some_and(|&i| i + 1 == self.spans.ends.len());
                if final_key != Some(name.as_str()) || !previous_is_last {
                    return false;
                }
                let Some(last) = previous.and_then(|key| render_entry(table, key)) else {
                    return false;
                };
                if end < last.len() || self.body.get(end - last.len()..end) != Some(last.as_str()) {
                    return false;
                }
                self.body.insert_str(end, &new);
                self.spans
                    .position
                    .insert(name.clone(), self.spans.ends.len());
                self.spans.ends.push(end + new.len());
                if let Some(bookmarks) = self.bookmarks() {
                    bookmarks.push(BookmarkEntry {
                        name: name.clone(),
                        url: url.clone(),
                    });
                }
            }
            _ => return false,
        }
        true
    }

    fn bookmarks(&mut self) -> Option<&mut Vec<BookmarkEntry>> {
        self.sections.as_mut().map(|s| &mut s.bookmarks)
    }

    /// The spliced body, its index, and the updated read result when there was one.
    pub(crate) fn finish(self) -> (String, EntrySpans, Option<Sections>) {
        (self.body, self.spans, self.sections)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::apply_change;
    use proptest::prelude::*;

    /// One `[bookmarks]` line in one of the spellings a hand-edited file has.
    fn entry_line(index: usize, style: u8) -> String {
        match style % 6 {
            0 => format!("\"Bookmark {index}\" = \"omniverse://s/p{index}/\"\n"),
            1 => format!("b{index}=\"omniverse://s/p{index}/\"   # note\n"),
            2 => format!("\n# group\n'lit {index}' = 'omniverse://s/p{index}/'\n"),
            3 => format!("  b{index}  =  \"omniverse://s/p{index}/\"\n"),
            4 => format!("b{index} = \"\"\"omniverse://s/p{index}/\"\"\"\n"),
            _ => format!("\"b{index}\".x = \"dotted\"\n"),
        }
    }

    fn file(styles: &[u8], after: &str) -> String {
        let mut text = String::from("# top\n[paths]\ncache = \"/c\"\n\n[bookmarks] # mine\n");
        for (index, style) in styles.iter().enumerate() {
            text.push_str(&entry_line(index, *style));
        }
        text.push_str(after);
        text
    }

    /// Applies `changes` through a [`Splice`] the way `TomlStore::apply` does; returns the
    /// spliced body when every change was spliced.
    fn splice_all(text: &str, changes: &[Change]) -> (DocumentMut, Option<String>) {
        let parsed = Document::parse(text).unwrap();
        let spans = EntrySpans::of_parsed(&parsed, text);
        let mut doc = parsed.into_mut();
        let mut splice = spans.map(|spans| Splice::new(text, spans, None));
        for change in changes {
            if splice.as_mut().is_some_and(|s| !s.before(&doc, change)) {
                splice = None;
            }
            apply_change(&mut doc, change);
            if splice.as_mut().is_some_and(|s| !s.after(&doc, change)) {
                splice = None;
            }
        }
        (doc, splice.map(|s| s.finish().0))
    }

    #[test]
    fn a_changed_and_an_added_bookmark_are_spliced() {
        let text = file(&[0, 1, 2, 3, 4], "\n# servers next\n[servers]\n");
        let changes = [
            Change::AddBookmark {
                name: "b1".into(),
                url: "omniverse://t/changed/".into(),
            },
            Change::AddBookmark {
                name: "New one".into(),
                url: "omniverse://t/new/".into(),
            },
            Change::AddBookmark {
                name: "b4".into(),
                url: "omniverse://t/b4/".into(),
            },
        ];
        let (doc, spliced) = splice_all(&text, &changes);
        let spliced = spliced.expect("every change is spliced");
        assert_eq!(spliced, doc.to_string());
        assert!(spliced.contains("b1=\"omniverse://t/changed/\"   # note\n"));
        assert!(spliced.contains("\"New one\" = \"omniverse://t/new/\"\n\n# servers next\n"));
    }

    #[test]
    fn a_dotted_entry_or_an_empty_table_is_not_spliced() {
        let dotted = file(&[0, 5], "");
        assert!(
            EntrySpans::of_parsed(&Document::parse(dotted.as_str()).unwrap(), &dotted).is_none()
        );
        let plain = file(&[0, 1], "");
        assert!(EntrySpans::of_parsed(&Document::parse(plain.as_str()).unwrap(), &plain).is_some());
        let empty = "[bookmarks]\n[servers]\n";
        assert!(EntrySpans::of_parsed(&Document::parse(empty).unwrap(), empty).is_none());
        let crlf = "[bookmarks]\r\na = \"x\"\r\n";
        assert!(EntrySpans::of_parsed(&Document::parse(crlf).unwrap(), crlf).is_none());
    }

    proptest! {
        /// Whatever the file's spelling and the sequence of bookmark edits, a splice that
        /// goes through is exactly the rendering of the whole edited document.
        #[test]
        fn a_splice_is_the_whole_rendering(
            styles in proptest::collection::vec(0u8..5, 1..12),
            after in prop_oneof![
                Just(""),
                Just("\n[servers]\n\"omniverse://s\" = \"s\"\n"),
                Just("# trailing comment\n"),
                Just("\n[[discovery_servers]]\nname = \"d\"\nurl = \"https://d/\"\n"),
            ],
            edits in proptest::collection::vec((0usize..16, "[a-z \"']{0,6}"), 1..6),
        ) {
            let text = file(&styles, after);
            let names: Vec<String> = Document::parse(text.as_str())
                .unwrap()
                .get("bookmarks")
                .and_then(Item::as_table)
                .unwrap()
                .iter()
                .map(|(k, _)| k.to_owned())
                .collect();
            let changes: Vec<Change> = edits
                .iter()
                .map(|(pick, url)| Change::AddBookmark {
                    name: names.get(*pick).cloned().unwrap_or_else(|| format!("new {pick}")),
                    url: format!("omniverse://t/{url}"),
                })
                .collect();
            let (doc, spliced) = splice_all(&text, &changes);
            let spliced = spliced.expect("bookmark edits of a plain table are spliced");
            prop_assert_eq!(&spliced, &doc.to_string());
            prop_assert!(spliced.parse::<DocumentMut>().is_ok());
        }
    }
}
