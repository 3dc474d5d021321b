//! `cm ensure`, `cm disconnect`, `cm reconnect`: connections through cm-manager.
//!
//! These start the manager (on its own thread) with a read-only registry: checking a
//! connection never writes omniverse.toml. Discovery runs, so a URL under a discovery
//! server's addresses waits for that discovery. Secrets for a sign-in come from environment
//! variables named by `--token-env` / `--password-env`, never from argv.

use std::future::Future;
use std::time::{Duration, Instant};

use cm_manager::{EnsureError, ManagerHandle, Reachable};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::cli::{ConnectArgs, CredentialArgs, EnsureArgs, ReconnectArgs};
use crate::exit::CliError;
use crate::output::{Output, Style};
use crate::session::{ConfigFile, ManagerSession, release, runtime, seconds};

/// `cm ensure URL`.
pub(crate) fn ensure(args: EnsureArgs, file: &ConfigFile, out: &Output) -> Result<(), CliError> {
    let deadline = Deadline::start(seconds("--timeout", args.timeout)?);
    cm_url::parse(&args.url)?;
    file.preflight(out)?;
    let has_credentials = has_credentials(&args.credentials);
    let manager = start(file, deadline.manager_budget(), args.credentials)?;
    let label = format!("connecting to {}", cm_url::redact(&args.url));
    let result = wait(
        out,
        &label,
        deadline,
        has_credentials,
        manager.ensure_connection_detailed(&args.url),
    );
    release(manager);
    report(out, &args.url, result)
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
    let has_credentials = has_credentials(&args.credentials);
    let manager = start(file, deadline.manager_budget(), args.credentials)?;
    let label = format!("reconnecting to {}", cm_url::redact(&args.url));
    let result = wait(
        out,
        &label,
        deadline,
        has_credentials,
        manager.reconnect_detailed(&args.url),
    );
    release(manager);
    report(out, &args.url, result)
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
    if nucleus {
        let manager = start(file, Duration::from_secs(10), CredentialArgs::default())?;
        let signed_out = runtime()?.block_on(manager.disconnect(&args.url));
        let status = manager.connection_status(&args.url);
        release(manager);
        if !signed_out {
            return Err(CliError::Failed(format!(
                "could not sign out of {url}: the connection manager stopped"
            )));
        }
        tracing::debug!(?status, "status after sign-out");
    }
    let root = cm_url::redact(&parsed.server_root());
    if out.json {
        out.json_value(&json!({ "url": url, "server": root, "signed_out": nucleus }));
    } else if !out.quiet {
        if nucleus {
            out.line(&format!("signed out of {}", out.paint(Style::Cyan, &root)));
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
) -> Result<ManagerHandle, CliError> {
    ManagerSession {
        persist: false,
        timeout: limit,
        credentials,
    }
    .start(file)
}

/// Why a URL is not reachable, and whether credentials would help.
struct Unreachable {
    reason: String,
    sign_in: bool,
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
    has_credentials: bool,
    attempt: impl Future<Output = Result<Reachable, EnsureError>>,
) -> Result<Result<Reachable, Unreachable>, CliError> {
    let spinner = out.show_progress().then(|| spinner(out, label));
    let started = Instant::now();
    let limit = deadline.limit;
    let result = runtime()?.block_on(async { tokio::time::timeout_at(deadline.at, attempt).await });
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "connection attempt finished"
    );
    Ok(match result {
        Ok(Ok(reachable)) => Ok(reachable),
        Ok(Err(EnsureError::AuthAborted { server })) if !has_credentials => Err(Unreachable {
            reason: format!("{server} asks for a sign-in and no credentials were given"),
            sign_in: true,
        }),
        Ok(Err(e)) => Err(Unreachable {
            sign_in: is_sign_in_problem(&e),
            reason: e.to_string(),
        }),
        Err(_) => Err(Unreachable {
            reason: format!("no answer within {:.1} s", limit.as_secs_f64()),
            sign_in: false,
        }),
    })
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

/// Prints the outcome and maps it to the exit status.
fn report(
    out: &Output,
    url: &str,
    result: Result<Result<Reachable, Unreachable>, CliError>,
) -> Result<(), CliError> {
    let result = result?;
    let url = cm_url::redact(url);
    let reason = match &result {
        Ok(reachable) => describe(reachable),
        Err(e) => e.reason.clone(),
    };
    let reachable = result.is_ok();
    if out.json {
        out.json_value(&json!({ "url": url, "reachable": reachable, "reason": reason }));
    } else if reachable {
        if !out.quiet {
            out.line(&format!(
                "{} {url}: {reason}",
                out.paint(Style::Green, "reachable")
            ));
        }
    } else {
        out.line(&format!(
            "{} {url}: {reason}",
            out.paint(Style::Red, "unreachable")
        ));
    }
    match result {
        Ok(_) => Ok(()),
        Err(e) => {
            if e.sign_in {
                out.note("hint: the server asks for a sign-in; pass --token-env VAR, or --user NAME --password-env VAR");
            }
            // The reason is already on stdout; stderr gets no second copy.
            Err(CliError::AlreadyReported)
        }
    }
}

fn describe(reachable: &Reachable) -> String {
    match reachable {
        Reachable::AlwaysReachable => {
            "reachable without a connection (not a Nucleus URL)".to_owned()
        }
        Reachable::AlreadyConnected => "already connected".to_owned(),
        Reachable::Connected { attempts: 1 } => "connected".to_owned(),
        Reachable::Connected { attempts } => format!("connected after {attempts} attempts"),
        Reachable::Discovered { server } => {
            format!("provided by discovery server {server:?}, discovery complete")
        }
    }
}

fn has_credentials(args: &CredentialArgs) -> bool {
    args.token_env.is_some() || args.password_env.is_some()
}

fn is_sign_in_problem(e: &EnsureError) -> bool {
    matches!(
        e,
        EnsureError::AuthFailed { .. }
            | EnsureError::AuthAborted { .. }
            | EnsureError::AuthCancelled { .. }
    )
}
