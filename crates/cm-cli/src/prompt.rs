//! The terminal sign-in prompt: a user name, then a hidden password (or, with an empty user
//! name, a hidden token), asked on the controlling terminal.
//!
//! Only used when stdin and stderr are both terminals (see [`available`]). The questions go to
//! `/dev/tty` and the answers come from it, not from stdin: `cm server add -i` holds stdin for
//! its own questions, and a password must never be read from a pipe someone else fills. The
//! password is read with terminal echo off, and the terminal is restored even when Ctrl-C or
//! SIGTERM ends `cm` at the question ([`crate::hidden_input`]). A spinner that is running is hidden
//! while the prompt is up (see [`register_spinner`]), so the two never draw over each other.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use cm_manager::{AuthAnswer, Secret};
use indicatif::ProgressBar;

/// The spinner on screen, hidden while a prompt asks.
static SPINNER: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// The time spent at the prompt: finished questions, and the start of the one now up. A
/// command's `--timeout` does not run while a person is typing (as with gh and ssh): the
/// deadline moves by this much (see [`time_at_prompt`]).
static AT_PROMPT: Mutex<(Duration, Option<Instant>)> = Mutex::new((Duration::ZERO, None));

/// How long this process has waited for a person at the prompt so far, and whether a prompt is
/// up now.
pub(crate) fn time_at_prompt() -> (Duration, bool) {
    match AT_PROMPT.lock() {
        Ok(slot) => match slot.1 {
            Some(since) => (slot.0 + since.elapsed(), true),
            None => (slot.0, false),
        },
        Err(_) => (Duration::ZERO, false),
    }
}

/// Counts the time from now to its drop as time at the prompt.
struct PromptClock;

impl PromptClock {
    fn start() -> Self {
        if let Ok(mut slot) = AT_PROMPT.lock() {
            slot.1 = Some(Instant::now());
        }
        Self
    }
}

impl Drop for PromptClock {
    fn drop(&mut self) {
        if let Ok(mut slot) = AT_PROMPT.lock()
            && let Some(since) = slot.1.take()
        {
            slot.0 += since.elapsed();
        }
    }
}

/// Records the spinner now on screen (`None` once it is cleared).
pub(crate) fn register_spinner(bar: Option<ProgressBar>) {
    if let Ok(mut slot) = SPINNER.lock() {
        *slot = bar;
    }
}

/// stderr for the log lines (`-v`): a line is written with the spinner hidden, so a log line
/// and a spinner frame never share a terminal line. While a prompt is up the spinner is already
/// hidden (and its lock held by the prompt), so the line is written as it is.
pub(crate) struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let bar = SPINNER.lock().ok().and_then(|slot| slot.clone());
        let write = || std::io::stderr().lock().write_all(buf);
        match bar {
            Some(bar) if !time_at_prompt().1 => bar.suspend(write)?,
            _ => write()?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Whether a person can be asked: stdin and stderr are terminals (and there is a `/dev/tty`).
pub(crate) fn available() -> bool {
    use std::io::IsTerminal as _;
    cfg!(unix) && std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks for credentials for `server`; `again` says the previous ones were rejected. `None`
/// when the person gave up (end of input, an empty password) or the terminal failed.
pub(crate) fn ask_credentials(server: &str, again: bool) -> Option<AuthAnswer> {
    let bar = SPINNER.lock().ok().and_then(|slot| slot.clone());
    let _clock = PromptClock::start();
    match bar {
        Some(bar) => bar.suspend(|| ask(server, again)),
        None => ask(server, again),
    }
}

fn ask(server: &str, again: bool) -> Option<AuthAnswer> {
    let result = (|| -> std::io::Result<Option<AuthAnswer>> {
        let mut tty = Tty::open()?;
        if again {
            tty.say_line(&format!("credentials for {server} rejected; try again"))?;
        } else {
            tty.say_line(&format!("{server} asks for a sign-in"))?;
        }
        let Some(user) = tty.line("User (empty for a token): ")? else {
            return Ok(None);
        };
        let (question, is_token) = if user.is_empty() {
            ("Token: ", true)
        } else {
            ("Password: ", false)
        };
        let secret = tty.hidden(question)?;
        if secret.is_empty() {
            return Ok(None);
        }
        let secret = Secret::new(secret);
        Ok(Some(if is_token {
            AuthAnswer::Token(secret)
        } else {
            AuthAnswer::UserPassword {
                username: user,
                password: secret,
            }
        }))
    })();
    result.unwrap_or_else(|error| {
        tracing::warn!(%error, "cannot ask for credentials on the terminal");
        None
    })
}

/// The controlling terminal, for visible questions and answers.
struct Tty {
    #[cfg(unix)]
    file: std::io::BufReader<std::fs::File>,
}

impl Tty {
    #[cfg(unix)]
    fn open() -> std::io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")?;
        Ok(Self {
            file: std::io::BufReader::new(file),
        })
    }

    #[cfg(not(unix))]
    fn open() -> std::io::Result<Self> {
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "no terminal prompt on this platform",
        ))
    }

    fn say(&mut self, text: &str) -> std::io::Result<()> {
        #[cfg(unix)]
        {
            use std::io::Write as _;
            let file = self.file.get_mut();
            file.write_all(crate::output::terminal_safe(text).as_bytes())?;
            file.flush()?;
        }
        #[cfg(not(unix))]
        let _ = text;
        Ok(())
    }

    /// One line of text: the text is made terminal-safe, the line end is written as is (the
    /// safety rule would show it as `\u{a}`).
    fn say_line(&mut self, text: &str) -> std::io::Result<()> {
        self.say(text)?;
        #[cfg(unix)]
        {
            use std::io::Write as _;
            let file = self.file.get_mut();
            file.write_all(b"\n")?;
            file.flush()?;
        }
        Ok(())
    }

    /// A secret, read with echo off; the terminal is given back even if a signal ends `cm`
    /// at the question (see [`crate::hidden_input`]).
    fn hidden(&mut self, question: &str) -> std::io::Result<String> {
        #[cfg(unix)]
        {
            crate::hidden_input::read_hidden(
                &mut self.file,
                &crate::output::terminal_safe(question),
            )
        }
        #[cfg(not(unix))]
        {
            rpassword::prompt_password(question)
        }
    }

    /// One answer, trimmed; `None` at end of input.
    fn line(&mut self, question: &str) -> std::io::Result<Option<String>> {
        self.say(question)?;
        #[cfg(unix)]
        {
            use std::io::BufRead as _;
            let mut line = String::new();
            if self.file.read_line(&mut line)? == 0 {
                return Ok(None);
            }
            Ok(Some(line.trim().to_owned()))
        }
        #[cfg(not(unix))]
        Ok(None)
    }
}
