//! Turning an edited document back into file text without disturbing bytes
//! outside the edit.
//!
//! `toml_edit` re-renders an unmodified document byte for byte in almost all
//! cases, but not all: it drops a byte order mark, writes LF for CRLF, and
//! spells a key that appears in several dotted paths or headers the way it
//! was first written (`"name".'last'` becomes `name.'last'`). So the text is
//! produced in two steps: [`render`] re-applies the file's BOM and line
//! endings, and [`merge_untouched`] copies every line the edit did not
//! change from the original file instead of from the re-rendering.

use similar::{Algorithm, DiffTag, capture_diff_slices};
use toml_edit::DocumentMut;

/// Renders `doc` with the original file's conventions that `toml_edit` does
/// not keep: a UTF-8 byte order mark and CRLF line endings.
pub(crate) fn render(doc: &DocumentMut, original: &str) -> String {
    let mut out = doc.to_string();
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
}
