//! Human versus JSON output, colours, and stderr notes.
//!
//! Results go to stdout: aligned text for people, or one JSON document (one object per line
//! for `watch`) with `--json`. Progress, hints and warnings go to stderr, so piping stdout
//! into a script never mixes the two. Colours are used only when the stream is a terminal
//! (and `NO_COLOR` is unset), or with `--color always`.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};

use serde_json::Value;

use crate::cli::ColorChoice;

/// A colour/weight for one piece of text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    /// Names and headings.
    Bold,
    /// Success.
    Green,
    /// Warnings, removed lines.
    Yellow,
    /// Errors.
    Red,
    /// URLs.
    Cyan,
    /// Secondary information.
    Dim,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Bold => "1",
            Style::Green => "32",
            Style::Yellow => "33",
            Style::Red => "31",
            Style::Cyan => "36",
            Style::Dim => "2",
        }
    }
}

/// How this run prints.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Output {
    /// `--json`.
    pub(crate) json: bool,
    /// `--quiet`.
    pub(crate) quiet: bool,
    color_out: bool,
    color_err: bool,
    err_is_terminal: bool,
}

impl Output {
    /// Decides colours from `--color`, `NO_COLOR` and whether the streams are terminals.
    pub(crate) fn new(json: bool, quiet: bool, color: ColorChoice) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let err_is_terminal = std::io::stderr().is_terminal();
        let decide = |is_terminal: bool| match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && !no_color,
        };
        Self {
            json,
            quiet,
            color_out: decide(std::io::stdout().is_terminal()) && !json,
            color_err: decide(err_is_terminal),
            err_is_terminal,
        }
    }

    /// Whether progress (spinners) may be drawn: stderr is a terminal and not `--quiet`.
    pub(crate) fn show_progress(&self) -> bool {
        self.err_is_terminal && !self.quiet
    }

    /// Whether stderr gets colour (for the spinner and prompts).
    pub(crate) fn color_err(&self) -> bool {
        self.color_err
    }

    /// `text` in `style` for stdout.
    pub(crate) fn paint(&self, style: Style, text: &str) -> String {
        paint(self.color_out, style, text)
    }

    /// `text` in `style` for stderr.
    pub(crate) fn paint_err(&self, style: Style, text: &str) -> String {
        paint(self.color_err, style, text)
    }

    /// Prints one line of the result on stdout.
    pub(crate) fn line(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        // A closed pipe (`cm ... | head`) is not an error worth a panic.
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// Prints a JSON document on stdout: pretty for a whole result.
    pub(crate) fn json_value(&self, value: &Value) {
        let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
        self.line(&text);
    }

    /// Prints a JSON document on one line (streams such as `watch`).
    pub(crate) fn json_line(&self, value: &Value) {
        self.line(&value.to_string());
    }

    /// A note on stderr (hidden by `--quiet`).
    pub(crate) fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }

    /// A warning on stderr (hidden by `--quiet`).
    pub(crate) fn warn(&self, text: &str) {
        if !self.quiet {
            eprintln!("{} {text}", self.paint_err(Style::Yellow, "warning:"));
        }
    }

    /// The one error line on stderr.
    pub(crate) fn error(&self, text: &str) {
        eprintln!("{} {text}", self.paint_err(Style::Red, "error:"));
    }
}

/// `text` in `style` when colour is on. The text is made [`terminal_safe`] first: painted
/// cells are where names and URLs from the file reach the terminal.
fn paint(on: bool, style: Style, text: &str) -> String {
    let text = terminal_safe(text);
    if on {
        format!("\x1b[{}m{text}\x1b[0m", style.code())
    } else {
        text.into_owned()
    }
}

/// `text` with control characters and bidirectional overrides written as `\u{..}` escapes.
///
/// Names and URLs come from a file anyone may have edited: printed raw, an ESC sequence in
/// a bookmark name would drive the terminal of whoever lists it (clear the screen, set the
/// title), and a bidi override would make one name look like another.
pub(crate) fn terminal_safe(text: &str) -> Cow<'_, str> {
    fn unsafe_char(c: char) -> bool {
        c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            safe.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            safe.push(c);
        }
    }
    Cow::Owned(safe)
}

/// Left-aligned columns for human tables; the last column is not padded.
pub(crate) fn table(rows: &[Vec<String>]) -> Vec<String> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| visible_width(cell))
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.iter()
        .map(|row| {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                line.push_str(cell);
                if i + 1 < row.len() {
                    let pad = widths[i].saturating_sub(visible_width(cell)) + 2;
                    line.push_str(&" ".repeat(pad));
                }
            }
            line
        })
        .collect()
}

/// Width of `text` ignoring ANSI colour escapes.
fn visible_width(text: &str) -> usize {
    let mut width = 0;
    let mut in_escape = false;
    for c in text.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => width += 1,
        }
    }
    width
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_ignoring_colour_codes() {
        let rows = vec![
            vec![paint(true, Style::Bold, "a"), "x".to_owned()],
            vec!["long".to_owned(), "y".to_owned()],
        ];
        let lines = table(&rows);
        assert_eq!(lines[0], "\x1b[1ma\x1b[0m     x");
        assert_eq!(lines[1], "long  y");
    }

    #[test]
    fn control_characters_and_bidi_overrides_are_escaped() {
        assert_eq!(terminal_safe("plain name"), "plain name");
        assert_eq!(terminal_safe("\x1b[2Jx"), "\\u{1b}[2Jx");
        assert_eq!(terminal_safe("a\u{202e}b\nc"), "a\\u{202e}b\\u{a}c");
        assert_eq!(
            paint(true, Style::Bold, "\x1b]0;t\x07"),
            "\x1b[1m\\u{1b}]0;t\\u{7}\x1b[0m"
        );
    }
}
