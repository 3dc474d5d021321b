//! Human versus JSON output, colours, and stderr notes.
//!
//! Results go to stdout: aligned text for people, or one JSON document (one object per line
//! for `watch`) with `--json`. Progress, hints and warnings go to stderr, so piping stdout
//! into a script never mixes the two. Colours are used only when the stream is a terminal
//! (and `NO_COLOR` is unset), or with `--color always`.

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

fn paint(on: bool, style: Style, text: &str) -> String {
    if on {
        format!("\x1b[{}m{text}\x1b[0m", style.code())
    } else {
        text.to_owned()
    }
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
}
