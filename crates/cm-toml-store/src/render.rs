//! Turning an edited document back into file text without disturbing bytes
//! outside the edit.
//!
//! `toml_edit` re-renders an unmodified document byte for byte in almost all
//! cases, but not all: it drops a byte order mark, writes LF for CRLF, ends
//! every key/value line and header it writes with a newline, and spells a key
//! that appears in several dotted paths or headers the way it was first
//! written (`"name".'last'` becomes `name.'last'`). So the text goes through
//! three steps:
//!
//! 1. [`Framed`] supplies a missing final line ending before the file is
//!    parsed, so a line appended after the last one starts on a line of its
//!    own instead of being glued to it (`A = "a"B = "b"`); [`Framed::finish`]
//!    takes it off the edited text again.
//! 2. [`render`] re-applies the file's byte order mark and CRLF line endings.
//! 3. [`merge_untouched`] copies every line the edit did not change from the
//!    original file instead of from the re-rendering.
//!
//! Each step is about the shape of the text, never about which section or
//! entry is edited, so every kind of change gets the same guarantee.

use std::borrow::Cow;

use similar::{Algorithm, DiffTag, capture_diff_slices};
use toml_edit::DocumentMut;

/// A file's text as the TOML editor should see it: ending with a line ending.
#[derive(Debug)]
pub(crate) struct Framed<'a> {
    body: Cow<'a, str>,
    /// The line ending supplied at the end of a text that had none.
    supplied_ending: Option<&'static str>,
}

impl<'a> Framed<'a> {
    /// Frames `text`, supplying a final line ending when it has none.
    ///
    /// A text ending in a lone `\r` gets none: it is invalid TOML, and `\n` after it would
    /// make a valid CRLF of it, so the file would no longer be refused. The byte order mark
    /// stays (removing it changes what parses: a second BOM would become the first).
    pub(crate) fn new(text: &'a str) -> Self {
        let supplied_ending = if text.is_empty() || text.ends_with(['\n', '\r']) {
            None
        } else if is_crlf(text) {
            Some("\r\n")
        } else {
            Some("\n")
        };
        let body = match supplied_ending {
            Some(ending) => Cow::Owned(format!("{text}{ending}")),
            None => Cow::Borrowed(text),
        };
        Framed {
            body,
            supplied_ending,
        }
    }

    /// The text to parse, edit and render against.
    pub(crate) fn body(&self) -> &str {
        &self.body
    }

    /// The file text for an edited `body`: the final line ending dropped again when the
    /// original had none.
    pub(crate) fn finish(&self, mut body: String) -> String {
        if let Some(ending) = self.supplied_ending
            && body.ends_with(ending)
        {
            body.truncate(body.len() - ending.len());
        }
        body
    }
}

/// Renders `doc` with the conventions of `original` (a [`Framed::body`]) that `toml_edit`
/// does not keep: a UTF-8 byte order mark and CRLF line endings.
pub(crate) fn render(doc: &DocumentMut, original: &str) -> String {
    use std::fmt::Write as _;
    // Sized for the file up front: growing a 0.7 MB string by doubling copies it again at
    // every step, and in a heap that also holds a kept document (`last_parsed.rs`) each of
    // those steps is a fresh allocation.
    let mut out = String::with_capacity(original.len() + original.len() / 8 + 256);
    // Writing to a String cannot fail.
    let _ = write!(out, "{doc}");
    // Most files have no CR at all; one memchr settles that without counting lines.
    if original.contains('\r') && is_crlf(original) {
        let mut crlf = String::with_capacity(out.len() + out.len() / 16);
        let mut previous = '\0';
        for c in out.chars() {
            if c == '\n' && previous != '\r' {
                crlf.push('\r');
            }
            crlf.push(c);
            previous = c;
        }
        out = crlf;
    }
    if original.starts_with('\u{feff}') && !out.starts_with('\u{feff}') {
        out.insert(0, '\u{feff}');
    }
    out
}

/// Whether every line ending of `text` (and there is at least one) is CRLF.
fn is_crlf(text: &str) -> bool {
    let newlines = text.bytes().filter(|&b| b == b'\n').count();
    newlines > 0 && text.matches("\r\n").count() == newlines
}

/// The edited text, with every line the edit left alone taken from `original`.
///
/// `before` and `after` are the renderings of the document before and after
/// the edit. When `before` equals `original` (the usual case) `after` is
/// already exact. Otherwise the lines of `before` correspond one to one with
/// those of `original` (re-rendering only respells within a line), and a
/// line diff of `before` against `after` says which lines the edit touched.
pub(crate) fn merge_untouched(original: &str, before: &str, after: String) -> String {
    if before == original {
        return after;
    }
    let original_lines: Vec<&str> = original.split_inclusive('\n').collect();
    let before_lines: Vec<&str> = before.split_inclusive('\n').collect();
    if original_lines.len() != before_lines.len() {
        tracing::debug!("re-rendering changed the line structure; writing the rendering as is");
        return after;
    }
    let after_lines: Vec<&str> = after.split_inclusive('\n').collect();
    let mut out = String::with_capacity(after.len() + 64);
    for op in capture_diff_slices(Algorithm::Myers, &before_lines, &after_lines) {
        let (tag, old, new) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => original_lines[old].iter().for_each(|l| out.push_str(l)),
            DiffTag::Delete => {}
            DiffTag::Insert | DiffTag::Replace => {
                after_lines[new].iter().for_each(|l| out.push_str(l))
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untouched_lines_keep_their_original_spelling() {
        let original = "name.first = 1\n\"name\".last = 2\n[x]\n";
        let before = "name.first = 1\nname.last = 2\n[x]\n";
        let after = "name.first = 1\nname.last = 2\n[x]\nnew = 3\n".to_string();
        assert_eq!(
            merge_untouched(original, before, after),
            "name.first = 1\n\"name\".last = 2\n[x]\nnew = 3\n"
        );
    }

    #[test]
    fn crlf_and_bom_are_restored() {
        let doc: DocumentMut = "a = 1\r\nb = 2\r\n".parse().unwrap();
        assert_eq!(
            render(&doc, "\u{feff}a = 1\r\nb = 2\r\n"),
            "\u{feff}a = 1\r\nb = 2\r\n"
        );
    }

    #[test]
    fn the_frame_supplies_a_final_line_ending_and_takes_it_back() {
        for (original, body) in [
            ("a = 1", "a = 1\n"),
            ("a = 1\r\nb = 2", "a = 1\r\nb = 2\r\n"),
            ("\u{feff}[x]", "\u{feff}[x]\n"),
            ("a = 1\n", "a = 1\n"),
            ("", ""),
            ("a = 1\r", "a = 1\r"),
        ] {
            let framed = Framed::new(original);
            assert_eq!(framed.body(), body, "{original:?}");
            assert_eq!(framed.finish(body.to_string()), original, "{original:?}");
        }
        let framed = Framed::new("a = 1");
        assert_eq!(framed.finish("a = 1\nb = 2\n".into()), "a = 1\nb = 2");
    }
}
