//! `cm server add --interactive` and `cm discovery add --interactive`: cm-manager's
//! add-server dialog view model, rendered in the terminal.
//!
//! The dialog is the same state machine a GUI renders (input → validating → connecting →
//! success / error, retry). This module only asks for the fields, shows the states and maps
//! answers to the dialog's actions:
//!
//! * a refused input (invalid URL, wrong kind) is shown inline and the URL asked again;
//! * while connecting, a spinner runs on a terminal (a plain `connecting to …` line otherwise);
//! * a failed connection offers retry, edit or cancel.
//!
//! Answers are read line by line from stdin, so a pipe can drive it (`printf 'name\nurl\n' |
//! cm server add -i`); prompts go to stderr and the answer is echoed when stdin is not a
//! terminal, so a transcript reads like a session. End of input at a prompt cancels (exit 1).
//! The kind of a manual server (Nucleus or HTTP) follows from the URL entered.

use std::io::{BufRead, IsTerminal};

use cm_manager::ManagerHandle;
use cm_manager::dialogs::{AddServerDialog, AddServerState, ServerKind, name_problem};
use serde_json::json;

use super::bookmark::done;
use super::ensure::spinner;
use crate::cli::CredentialArgs;
use crate::exit::CliError;
use crate::output::{Output, Style, stderr_line, stderr_text, terminal_safe};
use crate::session::{ConfigFile, ManagerSession, runtime, seconds};
use crate::sign_in::SignIn;

/// Which kind of server the user is adding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// `cm server add -i`: Nucleus or HTTP, by URL.
    Manual,
    /// `cm discovery add -i`.
    Discovery,
}

/// `cm server add --interactive`.
pub(crate) fn add_server(
    timeout: f64,
    credentials: CredentialArgs,
    file: &ConfigFile,
    out: &Output,
) -> Result<(), CliError> {
    run(Target::Manual, timeout, credentials, file, out)
}

/// `cm discovery add --interactive`.
pub(crate) fn add_discovery_server(
    timeout: f64,
    file: &ConfigFile,
    out: &Output,
) -> Result<(), CliError> {
    run(
        Target::Discovery,
        timeout,
        CredentialArgs::default(),
        file,
        out,
    )
}

fn run(
    target: Target,
    timeout: f64,
    credentials: CredentialArgs,
    file: &ConfigFile,
    out: &Output,
) -> Result<(), CliError> {
    let limit = seconds("--timeout", timeout)?;
    let (manager, sign_in) = ManagerSession {
        persist: true,
        timeout: limit,
        credentials,
    }
    .start(file)?;
    let stdin = std::io::stdin();
    let mut prompter = Prompter {
        input: stdin.lock(),
        echo: !std::io::stdin().is_terminal(),
        out: *out,
    };
    let result = Session {
        manager: &manager,
        sign_in: &sign_in,
        target,
        out,
        dialog: None,
    }
    .drive(&mut prompter);
    manager.shutdown();
    result
}

/// Asks questions on stderr and reads the answers from stdin.
struct Prompter<R> {
    input: R,
    echo: bool,
    out: Output,
}

impl<R: BufRead> Prompter<R> {
    /// One answer, trimmed; `None` at end of input.
    fn ask(&mut self, question: &str) -> Result<Option<String>, CliError> {
        // A question may show a name or URL from the user: terminal-safe, as every echo.
        stderr_text(&format!(
            "{} ",
            self.out
                .paint_err(Style::Bold, &terminal_safe(&format!("{question}:")))
        ));
        let mut line = String::new();
        let read = self
            .input
            .read_line(&mut line)
            .map_err(|e| CliError::Failed(format!("cannot read the answer from stdin: {e}")))?;
        if read == 0 {
            stderr_line("");
            return Ok(None);
        }
        let answer = line.trim().to_owned();
        if self.echo {
            // The echo stands in for the terminal's own; a URL typed with a password must
            // not reach a captured stderr.
            stderr_line(&terminal_safe(&cm_url::redact(&answer)));
        }
        Ok(Some(answer))
    }

    /// A server name, asked until it is one the dialog accepts (a refused name is asked again
    /// here, not after the URL); an empty answer is `default`. `None` at end of input.
    fn ask_name(&mut self, question: &str, default: &str) -> Result<Option<String>, CliError> {
        loop {
            let Some(name) = self.ask(question)? else {
                return Ok(None);
            };
            let name = if name.is_empty() {
                default.to_owned()
            } else {
                name
            };
            match name_problem(&name) {
                None => return Ok(Some(name)),
                Some(problem) => stderr_line(&format!(
                    "  {} {problem}",
                    self.out.paint_err(Style::Red, "✗")
                )),
            }
        }
    }
}

/// What to do with the dialog next.
enum Step {
    Submit { name: String, url: String },
    Retry,
}

struct Session<'a> {
    manager: &'a ManagerHandle,
    sign_in: &'a SignIn,
    target: Target,
    out: &'a Output,
    dialog: Option<AddServerDialog>,
}

impl Session<'_> {
    fn drive<R: BufRead>(mut self, prompter: &mut Prompter<R>) -> Result<(), CliError> {
        let out = self.out;
        let title = match self.target {
            Target::Discovery => ServerKind::Discovery.title(),
            Target::Manual => "Add Server (Nucleus, HTTP, S3, Azure or GCS)",
        };
        stderr_line(&out.paint_err(Style::Bold, title));
        let Some(name) = prompter.ask_name("Name (empty: derived from the URL)", "")? else {
            return cancelled();
        };
        let Some(url) = prompter.ask("URL")? else {
            return cancelled();
        };
        let rt = runtime()?;
        let mut step = Step::Submit { name, url };
        loop {
            let state = match step {
                Step::Submit { name, url } => {
                    let dialog = self.dialog_for(&url)?;
                    dialog.set_name(&name);
                    dialog.set_url(&url);
                    let label = format!("connecting to {}", cm_url::redact(&url));
                    self.with_progress(&label, || rt.block_on(dialog.submit()))
                }
                Step::Retry => {
                    let dialog = self.current()?;
                    self.with_progress("retrying", || rt.block_on(dialog.retry()))
                }
            };
            step = match state {
                AddServerState::Success {
                    name,
                    url,
                    server_id,
                } => return self.succeeded(&name, &url, server_id),
                AddServerState::Input { name, problem, .. } => {
                    let problem = problem.unwrap_or_else(|| "the input was refused".to_owned());
                    stderr_line(&format!("  {} {problem}", out.paint_err(Style::Red, "✗")));
                    let Some(url) = prompter.ask("URL")? else {
                        return self.cancel();
                    };
                    Step::Submit { name, url }
                }
                AddServerState::Error { name, url, message } => {
                    // A sign-in this process ended says why in its own words.
                    let message = self.sign_in.take_message().unwrap_or(message);
                    stderr_line(&format!(
                        "  {} could not add it: {message}",
                        out.paint_err(Style::Red, "✗")
                    ));
                    match prompter.ask("[r]etry, [e]dit or [c]ancel? (r)")? {
                        None => return self.cancel(),
                        Some(answer) => match answer.to_ascii_lowercase().as_str() {
                            "" | "r" | "retry" => Step::Retry,
                            "e" | "edit" => {
                                // Enter keeps the name shown, as it keeps the URL.
                                let Some(name) =
                                    prompter.ask_name(&format!("Name ({name})"), &name)?
                                else {
                                    return self.cancel();
                                };
                                let Some(new_url) = prompter.ask(&format!("URL ({url})"))? else {
                                    return self.cancel();
                                };
                                let new_url = if new_url.is_empty() { url } else { new_url };
                                Step::Submit { name, url: new_url }
                            }
                            _ => return self.cancel(),
                        },
                    }
                }
                AddServerState::Cancelled => return cancelled(),
                other => {
                    return Err(CliError::Failed(format!(
                        "the add-server dialog stopped in an unexpected state: {other:?}"
                    )));
                }
            };
        }
    }

    /// The dialog for the kind `url` names, opening (or switching to) one as needed.
    fn dialog_for(&mut self, url: &str) -> Result<AddServerDialog, CliError> {
        let kind = match self.target {
            Target::Discovery => ServerKind::Discovery,
            Target::Manual => match cm_url::kind(url) {
                Ok(cm_url::UrlKind::Nucleus) => ServerKind::Nucleus,
                _ => ServerKind::Http,
            },
        };
        if let Some(dialog) = &self.dialog {
            if dialog.kind() == kind {
                return Ok(dialog.clone());
            }
            dialog.cancel();
        }
        self.dialog = None;
        let dialog = self
            .manager
            .show_add_server_dialog(kind, None, None)
            .ok_or_else(|| {
                CliError::Failed("another add-server dialog is already open".to_owned())
            })?;
        if !self.out.show_progress() {
            // Without a spinner, say so only once the input passed validation.
            let out = *self.out;
            dialog.observe(move |state| {
                if let AddServerState::Connecting { url, .. } = state {
                    out.note(&format!("connecting to {}…", cm_url::redact(url)));
                }
            });
        }
        self.dialog = Some(dialog.clone());
        Ok(dialog)
    }

    fn current(&self) -> Result<AddServerDialog, CliError> {
        self.dialog
            .clone()
            .ok_or_else(|| CliError::Failed("no add-server dialog is open".to_owned()))
    }

    fn with_progress(&self, label: &str, f: impl FnOnce() -> AddServerState) -> AddServerState {
        let bar = self.out.show_progress().then(|| spinner(self.out, label));
        // The terminal sign-in prompt hides the spinner while it asks.
        crate::prompt::register_spinner(bar.clone());
        let state = f();
        crate::prompt::register_spinner(None);
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        state
    }

    /// The success line names what was stored: the `[servers]` key (the server root), or the
    /// discovery URL, as the file now spells it.
    fn succeeded(&self, name: &str, url: &str, server_id: u64) -> Result<(), CliError> {
        let out = self.out;
        let snapshot = self.manager.registry().snapshot();
        let stored = match self.target {
            Target::Discovery => snapshot
                .discovery_servers()
                .iter()
                .find(|s| s.id.get() == server_id)
                .map(|s| s.url.to_string()),
            Target::Manual => snapshot
                .manual_servers()
                .iter()
                .find(|s| s.id.get() == server_id)
                .map(|s| s.url.to_string()),
        };
        let url = stored.unwrap_or_else(|| url.to_owned());
        // A manual server is shown under its `[servers]` key, as the file spells it.
        // Redacted before it is keyed: redaction re-serialises, which would put the slash back.
        let url = cm_url::redact(&url);
        let key = match self.target {
            Target::Discovery => url.clone(),
            Target::Manual => cm_url::server_key(&url),
        };
        let kind = match self.target {
            Target::Discovery => "discovery",
            Target::Manual => cm_url::kind(&url).map_or("unknown", |k| k.as_str()),
        };
        done(
            out,
            json!({ "added": { "name": name, "url": url, "key": key, "kind": kind } }),
            || {
                format!(
                    "{} added {kind} server {} -> {}",
                    out.paint(Style::Green, "✓"),
                    out.paint(Style::Bold, &terminal_safe(name)),
                    out.paint(Style::Cyan, &terminal_safe(&key))
                )
            },
        );
        Ok(())
    }

    fn cancel(&self) -> Result<(), CliError> {
        if let Some(dialog) = &self.dialog {
            dialog.cancel();
        }
        cancelled()
    }
}

fn cancelled() -> Result<(), CliError> {
    Err(CliError::Failed(
        "cancelled; no server was added".to_owned(),
    ))
}
