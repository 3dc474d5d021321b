//! `cm login URL` and `cm logout URL`: the browser sign-in from the command line.
//!
//! `login` starts the manager with the browser sign-in on (authorization code over a loopback
//! redirect; `--device` for the device flow; `--no-browser` prints the link instead of opening
//! it) and connects to URL: the server's `401` runs the sign-in. Ctrl-C cancels it. The token
//! stays in this process's memory: cm keeps no sign-in between commands.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use cm_manager::{EnsureError, SignInFlow, SignInPrompt};
use serde_json::json;

use crate::browser_sign_in::{BrowserSignIn, Interrupt, interrupted};
use crate::cli::{ConnectArgs, CredentialArgs, LoginArgs};
use crate::exit::CliError;
use crate::output::{Output, Style};
use crate::session::{ConfigFile, ManagerSession, runtime, seconds};
use crate::sign_in::Source;

/// `cm login URL`.
pub(crate) fn login(args: LoginArgs, file: &ConfigFile, out: &Output) -> Result<(), CliError> {
    let timeout = seconds("--timeout", args.timeout)?;
    let root = nucleus_root(&args.url)?;
    file.preflight(out)?;
    let browser = BrowserSignIn {
        flow: if args.device {
            SignInFlow::Device
        } else {
            SignInFlow::AuthorizationCode
        },
        open_browser: !args.device && !args.no_browser,
        timeout,
        // Without a browser opened here the link is the only way on: printed even with --quiet.
        show: !out.quiet || args.device || args.no_browser,
    };
    let (manager, _sign_in) = ManagerSession {
        persist: false,
        timeout,
        credentials: CredentialArgs::default(),
    }
    .start_with(file, Source::Browser, Some(browser), false)?;
    // CM_REMEMBER_SIGN_IN=1: keep the token in the OS credential store (never in a file).
    let remembered: Arc<Mutex<Option<Result<(), String>>>> = Arc::default();
    if crate::remembered::enabled() {
        let slot = remembered.clone();
        manager
            .storage()
            .auth()
            .register_sign_in_callback(move |server, token| {
                let kept = crate::remembered::store(server, token);
                *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(kept);
            });
    }
    let asked = Arc::new(AtomicBool::new(false));
    let flag = asked.clone();
    manager
        .storage()
        .auth()
        .register_message_box_callback(move |prompt| {
            if matches!(prompt, SignInPrompt::Show { .. }) {
                flag.store(true, Ordering::SeqCst);
            }
        });
    // One deadline for the whole command (the /info probe, the sign-in, the token exchange):
    // the manager's sign-in timeout is the same length but starts later, so this one ends
    // whatever is still running at `--timeout`, and says what it was waiting for.
    let result = runtime()?.block_on(async {
        tokio::select! {
            result = manager.ensure_connection(&args.url) => Ended::Answer(result),
            signal = interrupted(&manager) => Ended::Interrupted(signal),
            () = tokio::time::sleep(timeout) => Ended::TimedOut,
        }
    });
    // The account the token answer named: the user's check that the sign-in was their own.
    let server_root = cm_url::parse(&args.url)?.server_root();
    let user = manager.storage().auth().signed_in_user(&server_root);
    let refused = manager.storage().auth().refused_sign_in(&server_root);
    manager.shutdown();
    let waited = timeout.as_secs_f64();
    let outcome = match result {
        Ended::Answer(Ok(_)) if asked.load(Ordering::SeqCst) => Ok(match &user {
            Some(user) => format!("signed in to {root} as {user}"),
            None => format!("signed in to {root}"),
        }),
        Ended::Answer(Ok(_)) => Ok(format!("connected to {root}; it asked for no sign-in")),
        Ended::Answer(Err(EnsureError::AuthAborted { .. })) if refused.is_some() => Err(format!(
            "{root} advertises a browser sign-in cm refused: {}",
            refused
                .as_deref()
                .map(crate::output::terminal_safe)
                .unwrap_or_default()
        )),
        Ended::Answer(Err(EnsureError::AuthAborted { .. })) => Err(format!(
            "{root} offers no browser sign-in; use `cm ensure` with --token-env VAR, or --user NAME --password-env VAR"
        )),
        // One plain line: no enum names, the server named once (by "not signed in" + root).
        Ended::Answer(Err(error)) => Err(error.cause()),
        Ended::Interrupted(signal) => Err(signal.reason().to_owned()),
        Ended::TimedOut if asked.load(Ordering::SeqCst) => Err(format!(
            "timed out: the sign-in to {root} was not completed within {waited} s"
        )),
        Ended::TimedOut => Err(format!(
            "timed out: no answer from {root} within {waited} s (before any sign-in started)"
        )),
    };
    let remembered = remembered
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    if let Some(Err(why)) = &remembered {
        out.warn(&format!(
            "the sign-in is not remembered: {why}; nothing was written to a file"
        ));
    }
    if out.json {
        let (signed_in, reason) = match &outcome {
            Ok(reason) => (true, reason),
            Err(reason) => (false, reason),
        };
        out.json_value(&json!({
            "server": root,
            "signed_in": signed_in,
            "user": if signed_in { user.as_deref() } else { None },
            "reason": reason,
            "remembered": matches!(remembered, Some(Ok(()))),
        }));
    }
    match outcome {
        Ok(message) => {
            if !out.json && !out.quiet {
                out.line(&out.paint(Style::Green, &message));
                if matches!(remembered, Some(Ok(()))) {
                    out.line(
                        "remembered the sign-in in the OS credential store (cm logout forgets it)",
                    );
                }
            }
            Ok(())
        }
        Err(_) if out.json => Err(CliError::AlreadyReported),
        Err(reason) => Err(CliError::Failed(format!("not signed in: {reason}"))),
    }
}

/// How the wait of `cm login` ended.
enum Ended {
    Answer(Result<cm_manager::Reachable, EnsureError>),
    Interrupted(Interrupt),
    TimedOut,
}

/// `cm logout URL`: signs out of the server (revoking what this process holds) and says that
/// no sign-in is remembered between commands.
pub(crate) fn logout(args: ConnectArgs, file: &ConfigFile, out: &Output) -> Result<(), CliError> {
    let root = nucleus_root(&args.url)?;
    file.preflight(out)?;
    let server_root = cm_url::parse(&args.url)?.server_root();
    // A remembered token is signed out on the server with itself before it is forgotten:
    // deleting only the keyring entry would leave it valid for whoever copied it.
    let remembered_token = crate::remembered::enabled()
        .then(|| crate::remembered::load(&server_root).ok().flatten())
        .flatten();
    let source = match &remembered_token {
        Some(token) => Source::Flags(cm_manager::AuthAnswer::Token(token.clone())),
        None => Source::Nothing,
    };
    let (manager, _sign_in) = ManagerSession {
        persist: false,
        timeout: Duration::from_secs(10),
        credentials: CredentialArgs::default(),
    }
    .start_with(file, source, None, false)?;
    let signed_out = runtime()?.block_on(async {
        if remembered_token.is_some() {
            // Signs in with the remembered token, so that the sign-out below revokes it; a
            // token the server no longer accepts has nothing left to revoke.
            if let Err(error) = manager.ensure_connection(&args.url).await {
                tracing::debug!(%error, "the remembered sign-in did not connect");
            }
        }
        manager.disconnect(&args.url).await
    });
    let forgot = if crate::remembered::enabled() {
        Some(crate::remembered::forget(&server_root))
    } else {
        None
    };
    manager.shutdown();
    if !signed_out {
        return Err(CliError::Failed(format!(
            "could not sign out of {root}: the connection manager stopped"
        )));
    }
    let note = match &forgot {
        None => "cm keeps no sign-in between commands".to_owned(),
        Some(Ok(true)) => "forgot the remembered sign-in".to_owned(),
        Some(Ok(false)) => "no sign-in was remembered".to_owned(),
        Some(Err(why)) => format!("the remembered sign-in could not be checked: {why}"),
    };
    if out.json {
        out.json_value(&json!({
            "server": root,
            "signed_out": true,
            "forgot_remembered": matches!(forgot, Some(Ok(true))),
        }));
    } else if !out.quiet {
        out.line(&format!(
            "signed out of {} ({note})",
            out.paint(Style::Cyan, &root)
        ));
    }
    match forgot {
        Some(Err(why)) => Err(CliError::Failed(format!("cm logout: {why}"))),
        _ => Ok(()),
    }
}

/// The redacted server root of a Nucleus URL; other URLs have nothing to sign in to.
fn nucleus_root(url: &str) -> Result<String, CliError> {
    let parsed = cm_url::parse(url)?;
    if parsed.kind() != cm_url::UrlKind::Nucleus {
        return Err(CliError::BadInput(format!(
            "{} is not a Nucleus (omniverse://) URL; there is nothing to sign in to",
            cm_url::redact(url)
        )));
    }
    Ok(cm_url::redact(&parsed.server_root()))
}
