//! Human versus JSON output, colours, and stderr notes.
//!
//! Results go to stdout: aligned text for people, or one JSON document (one object per line
//! for `watch`) with `--json`. Progress, hints and warnings go to stderr, so piping stdout
//! into a script never mixes the two. Colours are used only when the stream is a terminal
//! (and `NO_COLOR` is unset), or with `--color always`.
//!
//! Neither stream may panic the process, which `println!`/`eprintln!` do on a write error:
//!
//! * **stdout** is written through [`Output::line`]. A closed pipe (`cm ... | head -n 1`)
//!   ends `cm` quietly with exit 0, as ripgrep does: the reader has all it wanted. Any other
//!   write error (`> /dev/full`) ends it with exit 1 and one line on stderr, so a script never
//!   takes a truncated result for a whole one.
//! * **stderr** is written through [`stderr_line`], which drops what it cannot write: with
//!   stderr closed or full there is nowhere left to complain to, and the exit status still
//!   says what happened.

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

    /// Prints one line of the result on stdout; a write error ends the process (see the
    /// module docs).
    pub(crate) fn line(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        if let Err(error) = writeln!(out, "{text}").and_then(|()| out.flush()) {
            drop(out);
            stdout_failed(&error);
        }
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
            stderr_line(&terminal_safe(text));
        }
    }

    /// A warning on stderr (hidden by `--quiet`).
    pub(crate) fn warn(&self, text: &str) {
        if !self.quiet {
            let prefix = self.paint_err(Style::Yellow, "warning:");
            stderr_line(&format!("{prefix} {}", terminal_safe(text)));
        }
    }

    /// The one error line on stderr.
    pub(crate) fn error(&self, text: &str) {
        let prefix = self.paint_err(Style::Red, "error:");
        stderr_line(&format!("{prefix} {}", terminal_safe(text)));
    }
}

/// Writes `text` and a newline on stderr, dropping it if stderr is closed or failing.
pub(crate) fn stderr_line(text: &str) {
    stderr_text(&format!("{text}\n"));
}

/// Writes `text` on stderr as it is (a prompt without its newline), dropping it if stderr is
/// closed or failing.
pub(crate) fn stderr_text(text: &str) {
    let mut err = std::io::stderr().lock();
    // Nowhere left to report a failing stderr to; the exit status still tells.
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// Ends the process after a failed write to stdout: exit 0 when the reader went away (a
/// closed pipe), else exit 1 with the reason on stderr.
pub(crate) fn stdout_failed(error: &std::io::Error) -> ! {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        tracing::debug!("stdout closed by its reader; stopping");
        std::process::exit(i32::from(crate::exit::SUCCESS));
    }
    if CHANGE_WRITTEN.load(std::sync::atomic::Ordering::SeqCst) {
        // Exit 1 must not read as "nothing happened": the file already has the change.
        stderr_line(&format!(
            "error: the change WAS written to the config file, but its result cannot be \
             written to stdout: {error}"
        ));
    } else {
        stderr_line(&format!(
            "error: cannot write the result to stdout: {error}"
        ));
    }
    std::process::exit(i32::from(crate::exit::FAILURE));
}

/// Set once a command's change is in the file, so that a stdout failure after it says so.
static CHANGE_WRITTEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Records that the command's change was written to the file (before its result is printed).
pub(crate) fn change_written() {
    CHANGE_WRITTEN.store(true, std::sync::atomic::Ordering::SeqCst);
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

/// For a stream that may print nothing for a long time (`cm watch`): ends the process with
/// exit 0 as soon as stdout's reader goes away, instead of at the next write.
///
/// A thread waits in `poll(2)` on stdout for no event at all, so only an error or hangup
/// wakes it: the read end of a pipe closed (POLLERR), or a terminal hung up (POLLHUP). On a
/// file or a terminal that stays, it waits forever and costs nothing.
pub(crate) fn exit_when_stdout_closes() {
    #[cfg(unix)]
    {
        let spawned = std::thread::Builder::new()
            .name("stdout-closed".into())
            .spawn(|| {
                let mut fd = libc::pollfd {
                    fd: libc::STDOUT_FILENO,
                    events: 0,
                    revents: 0,
                };
                loop {
                    // SAFETY: `fd` is one valid, exclusively borrowed pollfd and the count is 1.
                    let ready = unsafe { libc::poll(&mut fd, 1, -1) };
                    if ready > 0 && fd.revents & (libc::POLLERR | libc::POLLHUP) != 0 {
                        tracing::debug!("stdout closed by its reader; stopping");
                        std::process::exit(i32::from(crate::exit::SUCCESS));
                    }
                    if ready > 0 && fd.revents & libc::POLLNVAL != 0 {
                        // No stdout at all: nothing to watch for.
                        return;
                    }
                }
            });
        if let Err(error) = spawned {
            tracing::debug!(%error, "cannot watch stdout for its reader going away");
        }
    }
}

/// `text` with control characters, format characters (Unicode category Cf: bidirectional
/// marks, zero-width spaces and joiners, the byte-order mark, tags, ...) and line/paragraph
/// separators written as `\u{..}` escapes. This is the one rule for everything `cm` prints
/// for people: table cells, watch lines and the stderr notes, warnings and errors.
///
/// Names and URLs come from a file anyone may have edited: printed raw, an ESC sequence in
/// a bookmark name would drive the terminal of whoever lists it (clear the screen, set the
/// title), a bidi mark or override (U+200F, U+202E, ...) would make one name look like
/// another, and a line separator (U+2028) would split one line in two where a terminal or
/// log viewer honours it. The other format characters are invisible too (U+200B, U+FEFF),
/// so they could make two different names print alike.
pub(crate) fn terminal_safe(text: &str) -> Cow<'_, str> {
    fn unsafe_char(c: char) -> bool {
        use unicode_general_category::{GeneralCategory, get_general_category};
        c.is_control()
            // Line and paragraph separators.
            || matches!(c, '\u{2028}' | '\u{2029}')
            // Every format character, the bidi marks, embeddings, overrides and isolates
            // (U+061C, U+200E, U+202A..U+202E, U+2066..U+2069) among them.
            || get_general_category(c) == GeneralCategory::Format
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

/// Left-aligned columns for human tables, fitted to the terminal (see [`table_within`] and
/// [`terminal_columns`]).
pub(crate) fn table(rows: &[Vec<String>]) -> Vec<String> {
    table_within(rows, terminal_columns())
}

/// The width tables fit: `$COLUMNS` when it holds a number (so a script or a test can ask for
/// a width), else the width of the terminal stdout is, else none (a pipe or a file gets whole
/// cells: only a person at a terminal is helped by `…`).
pub(crate) fn terminal_columns() -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
    {
        return Some(columns);
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size().map(|(terminal_size::Width(w), _)| usize::from(w))
}

/// Gap between columns.
const GAP: usize = 2;
/// A column is never squeezed below this many cells (or its widest cell, if narrower).
const MIN_COLUMN: usize = 8;

/// Left-aligned columns, aligned by display width (a CJK character takes two cells, a
/// combining mark none; colour escapes none); the last column is not padded. With
/// `max_width`, the widest columns are narrowed, one cell at a time, until the line fits (or
/// every column is down to [`MIN_COLUMN`]), and a cell wider than its column is cut with `…`.
/// `--json` output never goes through here, so it is never cut.
pub(crate) fn table_within(rows: &[Vec<String>], max_width: Option<usize>) -> Vec<String> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| visible_width(cell))
                .max()
                .unwrap_or(0)
        })
        .collect();
    if let Some(limit) = max_width {
        let total =
            |widths: &[usize]| widths.iter().sum::<usize>() + GAP * columns.saturating_sub(1);
        while total(&widths) > limit {
            let Some((widest, &width)) = widths.iter().enumerate().max_by_key(|&(i, w)| (*w, i))
            else {
                break;
            };
            if width <= MIN_COLUMN {
                break;
            }
            widths[widest] = width - 1;
        }
    }
    rows.iter()
        .map(|row| {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                let cell = truncate_to(cell, widths[i]);
                line.push_str(&cell);
                if i + 1 < row.len() {
                    let pad = widths[i].saturating_sub(visible_width(&cell)) + GAP;
                    line.push_str(&" ".repeat(pad));
                }
            }
            line
        })
        .collect()
}

/// `text` cut to `width` display cells, ending in `…` when cut; colour escapes are kept (and
/// closed when the cut falls inside a coloured run).
fn truncate_to(text: &str, width: usize) -> Cow<'_, str> {
    if visible_width(text) <= width {
        return Cow::Borrowed(text);
    }
    let room = width.saturating_sub(1);
    let mut cut = String::with_capacity(text.len());
    let mut used = 0;
    let mut in_escape = false;
    let mut coloured = false;
    for c in text.chars() {
        match (in_escape, c) {
            (false, '\x1b') => {
                in_escape = true;
                coloured = true;
                cut.push(c);
            }
            (true, 'm') => {
                in_escape = false;
                cut.push(c);
            }
            (true, _) => cut.push(c),
            (false, _) => {
                let w = char_width(c);
                if used + w > room {
                    break;
                }
                used += w;
                cut.push(c);
            }
        }
    }
    if width > 0 {
        cut.push('…');
    }
    if coloured {
        cut.push_str("\x1b[0m");
    }
    Cow::Owned(cut)
}

fn char_width(c: char) -> usize {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
}

/// Display width of `text` in terminal cells, ignoring ANSI colour escapes.
fn visible_width(text: &str) -> usize {
    let mut width = 0;
    let mut in_escape = false;
    for c in text.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => width += char_width(c),
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
    fn tables_align_by_display_width_and_fit_the_width_given() {
        let rows = vec![
            vec!["名前".to_owned(), "x".to_owned()],
            vec!["ab".to_owned(), "y".to_owned()],
        ];
        assert_eq!(table_within(&rows, None), ["名前  x", "ab    y"]);
        let long = vec![vec![
            "name".to_owned(),
            "omniverse://a-very-long-host.example.com/Projects/".to_owned(),
        ]];
        let fitted = table_within(&long, Some(30));
        assert_eq!(fitted, ["name  omniverse://a-very-long…"]);
        assert_eq!(visible_width(&fitted[0]), 30);
        let painted = paint(true, Style::Cyan, "abcdefghij");
        assert_eq!(truncate_to(&painted, 5), "\x1b[36mabcd…\x1b[0m");
        assert_eq!(truncate_to("日本語です", 5), "日本…");
    }

    #[test]
    fn control_characters_and_bidi_overrides_are_escaped() {
        assert_eq!(terminal_safe("plain name"), "plain name");
        assert_eq!(terminal_safe("\x1b[2Jx"), "\\u{1b}[2Jx");
        assert_eq!(terminal_safe("a\u{202e}b\nc"), "a\\u{202e}b\\u{a}c");
        for mark in [
            '\u{61c}', '\u{200e}', '\u{200f}', '\u{2028}', '\u{2029}', '\u{2069}',
        ] {
            let shown = terminal_safe(&format!("a{mark}b")).into_owned();
            assert_eq!(shown, format!("a\\u{{{:x}}}b", u32::from(mark)));
        }
        assert_eq!(
            paint(true, Style::Bold, "\x1b]0;t\x07"),
            "\x1b[1m\\u{1b}]0;t\\u{7}\x1b[0m"
        );
    }
}
