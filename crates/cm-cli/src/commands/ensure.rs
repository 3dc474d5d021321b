//! `cm ensure`, `cm disconnect`, `cm reconnect`: connections through cm-manager.
//!
//! These start the manager (on its own thread) with a read-only registry: checking a
//! connection never writes omniverse.toml. Discovery runs, so a URL under a discovery
//! server's addresses waits for that discovery. Secrets for a sign-in come from environment
//! variables named by `--token-env` / `--password-env`, never from argv.

use std::future::Future;
use std::time::{Duration, Instant};

use cm_manager::{ConnectionStatus, EnsureError, ManagerHandle, Reachable};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::cli::{ConnectArgs, CredentialArgs, EnsureArgs, ReconnectArgs};
use crate::exit::CliError;
use crate::output::{Output, Style};
use crate::session::{ConfigFile, ManagerSession, runtime, seconds};
use crate::sign_in::SignIn;

/// `cm ensure URL`.
pub(crate) fn ensure(args: EnsureArgs, file: &ConfigFile, out: &Output) -> Result<(), CliError> {
    let deadline = Deadline::start(seconds("--timeout", args.timeout)?);
    let parsed = cm_url::parse(&args.url)?;
    file.preflight(out)?;
    if args.probe && parsed.kind() != cm_url::UrlKind::Nucleus {
        let label = format!("probing {}", cm_url::redact(&args.url));
        let result = with_spinner(out, &label, || {
            runtime().map(|rt| rt.block_on(super::probe::probe(&parsed, deadline.limit)))
        })?;
        return report(
            out,
            &args.url,
            Ok(result.map_err(Unreachable::plain)),
            Command::Ensure,
        );
    }
    let (manager, sign_in) = start(file, deadline.manager_budget(), args.credentials)?;
    let label = format!("connecting to {}", cm_url::redact(&args.url));
    let result = wait(
        out,
        &label,
        deadline,
        &sign_in,
        manager.ensure_connection(&args.url),
    );
    manager.shutdown();
    report(out, &args.url, result, Command::Ensure)
}

/// `cm reconnect URL`.
pub(crate) fn reconnect(
    args: ReconnectArgs,
    file: &ConfigFile,
    out: &Output,
) -> Result<(), CliError> {
    let deadline = Deadline::start(seconds("--timeout", args.timeout)?);
    cm_url::parse(&args.url)?;
    file.preflight(out)?;
    let (manager, sign_in) = start(file, deadline.manager_budget(), args.credentials)?;
    let label = format!("reconnecting to {}", cm_url::redact(&args.url));
    let result = wait(
        out,
        &label,
        deadline,
        &sign_in,
        manager.reconnect_detailed(&args.url),
    );
    manager.shutdown();
    report(out, &args.url, result, Command::Reconnect)
}

/// `cm disconnect URL`.
pub(crate) fn disconnect(
    args: ConnectArgs,
    file: &ConfigFile,
    out: &Output,
) -> Result<(), CliError> {
    let parsed = cm_url::parse(&args.url)?;
    file.preflight(out)?;
    let url = cm_url::redact(&args.url);
    let nucleus = parsed.kind() == cm_url::UrlKind::Nucleus;
    let root = cm_url::redact(&parsed.server_root());
    // Sessions live in the memory of the process that signed in: a session exists when the
    // server is connected (or connecting) in this one, and only then is there one to end.
    let mut had_session = false;
    if nucleus {
        let (manager, _) = start(file, Duration::from_secs(10), CredentialArgs::default())?;
        had_session = manager.connection_status(&args.url).is_some_and(|status| {
            matches!(
                status,
                ConnectionStatus::Connected | ConnectionStatus::Connecting
            )
        });
        let stopped = !runtime()?.block_on(manager.disconnect(&args.url));
        let status = manager.connection_status(&args.url);
        manager.shutdown();
        if stopped {
            return Err(CliError::Failed(format!(
                "could not sign out of {url}: the connection manager stopped"
            )));
        }
        tracing::debug!(?status, "status after sign-out");
    }
    if out.json {
        out.json_value(&json!({
            "url": url,
            "server": root,
            "signed_out": had_session,
            "had_session": had_session,
        }));
    } else if !out.quiet {
        if had_session {
            out.line(&format!("signed out of {}", out.paint(Style::Cyan, &root)));
        } else if nucleus {
            out.line(&format!(
                "no session for {}; nothing to sign out of",
                out.paint(Style::Cyan, &root)
            ));
        } else {
            out.line(&format!(
                "{url} is not a Nucleus URL; nothing to sign out of"
            ));
        }
    }
    Ok(())
}

fn start(
    file: &ConfigFile,
    limit: Duration,
    credentials: CredentialArgs,
) -> Result<(ManagerHandle, SignIn), CliError> {
    ManagerSession {
        persist: false,
        timeout: limit,
        credentials,
    }
    .start(file)
}

/// Why a URL is not reachable: one plain line for people, and the whole chain (`-v`, and
/// `detail` in `--json`).
pub(crate) struct Unreachable {
    reason: String,
    detail: String,
    /// A sign-in this process ended (rejected, no credentials): the reason is the whole
    /// message, since the server did answer.
    sign_in: bool,
}

impl Unreachable {
    /// A failure whose one line says it all.
    pub(crate) fn plain(reason: String) -> Self {
        Self {
            detail: reason.clone(),
            reason,
            sign_in: false,
        }
    }
}

/// The `--timeout` of a connection command, kept as given: it counts from the start of the
/// command (manager start-up and discovery included) and ends the wait when it passes.
///
/// The manager gets a retry budget a little shorter than the timeout, so that a server that
/// keeps failing fast (connection refused) is reported with the manager's own reason before
/// the deadline; a server that accepts and never answers (or dribbles its body) is cut off by
/// the deadline itself, since one request can outlast any retry budget. (The wait used to add
/// a "grace" second for the manager to answer first: `--timeout 1` took 2 s.)
#[derive(Clone, Copy, Debug)]
struct Deadline {
    limit: Duration,
    at: tokio::time::Instant,
}

impl Deadline {
    /// The share of the timeout the manager may spend retrying.
    const RETRY_SHARE: f64 = 0.9;

    fn start(limit: Duration) -> Self {
        Self {
            limit,
            at: tokio::time::Instant::now() + limit,
        }
    }

    /// The manager's retry budget and discovery wait.
    fn manager_budget(&self) -> Duration {
        self.limit.mul_f64(Self::RETRY_SHARE)
    }
}

/// Drives `attempt` to completion or until `deadline`, with a spinner on a terminal.
fn wait(
    out: &Output,
    label: &str,
    deadline: Deadline,
    sign_in: &SignIn,
    attempt: impl Future<Output = Result<Reachable, EnsureError>>,
) -> Result<Result<Reachable, Unreachable>, CliError> {
    let started = Instant::now();
    let limit = deadline.limit;
    let result = with_spinner(out, label, || {
        runtime().map(|rt| rt.block_on(until_deadline(deadline.at, attempt)))
    })?;
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "connection attempt finished"
    );
    Ok(match result {
        Ok(Ok(reachable)) => Ok(reachable),
        Ok(Err(e)) => Err(match sign_in.explain(&e) {
            // The answerer knows why it ended the sign-in (rejected, cancelled, nothing to
            // answer with); the manager's `sign-in … was aborted` would contradict `reason`.
            Some(reason) => Unreachable {
                detail: reason.clone(),
                reason,
                sign_in: true,
            },
            None => Unreachable {
                reason: e.cause(),
                detail: e.to_string(),
                sign_in: false,
            },
        }),
        Err(_) => Err(Unreachable::plain(format!(
            "no answer within {:.1} s",
            limit.as_secs_f64()
        ))),
    })
}

/// `attempt`, or `Err(())` once `at` has passed. Time a person spends at the sign-in prompt
/// moves the deadline (the clock does not run while someone types; a password typed after the
/// nominal deadline is still sent and its answer awaited).
async fn until_deadline<T>(
    at: tokio::time::Instant,
    attempt: impl Future<Output = T>,
) -> Result<T, ()> {
    tokio::pin!(attempt);
    loop {
        let (at_prompt, prompting) = crate::prompt::time_at_prompt();
        let now = tokio::time::Instant::now();
        let until = if prompting {
            // Re-check when the question is answered; the deadline is not running.
            now + Duration::from_millis(100)
        } else {
            let until = at + at_prompt;
            if until <= now {
                return Err(());
            }
            until
        };
        tokio::select! {
            done = &mut attempt => return Ok(done),
            () = tokio::time::sleep_until(until) => {}
        }
    }
}

/// Runs `f` with a spinner labelled `label` on stderr when it is a terminal. The terminal
/// sign-in prompt hides the spinner while it asks.
fn with_spinner<T>(out: &Output, label: &str, f: impl FnOnce() -> T) -> T {
    let bar = out.show_progress().then(|| spinner(out, label));
    crate::prompt::register_spinner(bar.clone());
    let result = f();
    crate::prompt::register_spinner(None);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    result
}

/// A stderr spinner with elapsed time.
pub(crate) fn spinner(out: &Output, label: &str) -> ProgressBar {
    let template = if out.color_err() {
        "{spinner:.cyan} {msg} {elapsed:.dim}"
    } else {
        "{spinner} {msg} {elapsed}"
    };
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.set_message(label.to_owned());
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// Prints the outcome and maps it to the exit status. A failure's line goes to stderr in
/// human mode (stdout holds results only); `--json` puts the outcome on stdout either way.
/// Which command reports: the hint for a URL that is not checked names a flag it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    Ensure,
    Reconnect,
}

fn report(
    out: &Output,
    url: &str,
    result: Result<Result<Reachable, Unreachable>, CliError>,
    command: Command,
) -> Result<(), CliError> {
    let result = result?;
    let url = cm_url::redact(url);
    match &result {
        Ok(reachable) => {
            let (reason, checked) = describe(reachable, command);
            if out.json {
                out.json_value(&json!({
                    "url": url,
                    "reachable": true,
                    "reason": reason,
                    "checked": checked,
                }));
            } else if !out.quiet {
                if checked {
                    let word = out.paint(Style::Green, "reachable");
                    out.line(&format!("{word} {url}: {reason}"));
                } else {
                    let word = out.paint(Style::Yellow, "not checked");
                    out.line(&format!("{word} {url} ({reason})"));
                }
            }
            Ok(())
        }
        Err(e) => {
            if out.json {
                out.json_value(&json!({
                    "url": url,
                    "reachable": false,
                    "reason": e.reason,
                    "checked": true,
                    "detail": e.detail,
                }));
                Err(CliError::AlreadyReported)
            } else if e.sign_in {
                Err(CliError::Failed(e.reason.clone()))
            } else {
                Err(CliError::Failed(format!("unreachable {url}: {}", e.reason)))
            }
        }
    }
}

/// What was done for a reachable URL, and whether the server itself answered.
fn describe(reachable: &Reachable, command: Command) -> (String, bool) {
    match reachable {
        // `reconnect` has no --probe: the hint names the command that has it.
        Reachable::AlwaysReachable if command == Command::Reconnect => (
            "not a Nucleus URL; `cm ensure --probe` contacts it".to_owned(),
            false,
        ),
        Reachable::AlwaysReachable => ("not a Nucleus URL; --probe contacts it".to_owned(), false),
        Reachable::AlreadyConnected => ("already connected".to_owned(), true),
        Reachable::Connected { attempts: 1 } => ("connected".to_owned(), true),
        Reachable::Connected { attempts } => (format!("connected after {attempts} attempts"), true),
        Reachable::Discovered { server } => (
            format!(
                "provided by discovery server {server:?}, which answered; the address itself was not contacted"
            ),
            false,
        ),
    }
}
