//! The browser sign-in as `cm` runs it: which flow, and the progress line that says what to do.
//!
//! `cm login` always signs in this way; `ensure`, `reconnect` and `server add -i` do when they
//! run at a terminal and no credential flag was given ([`BrowserSignIn::at_a_terminal`]). The
//! manager runs the flow (cm-manager's `browser_sign_in`); this module only configures it and
//! prints the message-box callback's `Show` on stderr:
//!
//! ```text
//! opened your browser to sign in to omniverse://host/; waiting… (Ctrl-C to cancel)
//!   if it did not open, visit: http://host/auth/authorize?...
//! ```
//!
//! The lines carry the sign-in page's URL (a `state` and a code challenge, no secret) and, for
//! the device flow, the user code; never a token.

use std::io::IsTerminal;
use std::time::Duration;

use cm_manager::{HttpStorageConfig, ManagerHandle, SignInFlow, SignInPrompt};

use crate::output::{stderr_line, terminal_safe};

/// How a session signs in through the browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BrowserSignIn {
    /// Authorization code (loopback) or device flow.
    pub(crate) flow: SignInFlow,
    /// Open the system browser (`$BROWSER` honoured); off: print the link only.
    pub(crate) open_browser: bool,
    /// How long the sign-in may take.
    pub(crate) timeout: Duration,
    /// Print the progress line (not with `--quiet`).
    pub(crate) show: bool,
}

impl BrowserSignIn {
    /// The sign-in `ensure`, `reconnect` and `server add -i` run: only with a person at a
    /// terminal (stdin and stderr) and no credential flag; `None` otherwise, and a sign-in
    /// request is then refused at once as before.
    pub(crate) fn at_a_terminal(has_credentials: bool, timeout: Duration) -> Option<Self> {
        let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        (terminal && !has_credentials).then_some(Self {
            flow: SignInFlow::AuthorizationCode,
            open_browser: true,
            timeout,
            show: true,
        })
    }

    /// The storage client's settings for this sign-in.
    pub(crate) fn http_config(&self) -> HttpStorageConfig {
        HttpStorageConfig {
            sign_in_flow: self.flow,
            open_browser: self.open_browser,
            sign_in_timeout: self.timeout,
            ..HttpStorageConfig::default()
        }
    }

    /// Prints every `Show` of `manager`'s sign-ins on stderr.
    pub(crate) fn show_progress(&self, manager: &ManagerHandle) {
        if !self.show {
            return;
        }
        let this = *self;
        manager
            .storage()
            .auth()
            .register_message_box_callback(move |prompt| {
                for line in this.progress_lines(prompt) {
                    stderr_line(&line);
                }
            });
    }

    /// The lines a `Show` prints (none for `Hide`).
    pub(crate) fn progress_lines(&self, prompt: &SignInPrompt) -> Vec<String> {
        let SignInPrompt::Show {
            server_url,
            sign_in_url,
            user_code,
            ..
        } = prompt
        else {
            return Vec::new();
        };
        let server = terminal_safe(&cm_url::redact(server_url)).into_owned();
        let link = sign_in_url
            .as_deref()
            .map(|u| terminal_safe(u).into_owned())
            .unwrap_or_default();
        match (self.flow, user_code) {
            (SignInFlow::Device, Some(code)) => vec![
                format!(
                    "to sign in to {server}, open {link} on any device and enter the code {}",
                    terminal_safe(code)
                ),
                "waiting… (Ctrl-C to cancel)".to_owned(),
            ],
            _ if self.open_browser => vec![
                format!("opened your browser to sign in to {server}; waiting… (Ctrl-C to cancel)"),
                format!("  if it did not open, visit: {link}"),
            ],
            _ => vec![
                format!("to sign in to {server}, open this link in a browser:"),
                format!("  {link}"),
                "waiting… (Ctrl-C to cancel)".to_owned(),
            ],
        }
    }
}

/// A signal that ends a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Interrupt {
    /// Ctrl-C (SIGINT).
    CtrlC,
    /// SIGTERM (Unix).
    Terminate,
}

impl Interrupt {
    /// What the command says when it ends this way.
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Self::CtrlC => "cancelled (Ctrl-C)",
            Self::Terminate => "cancelled (terminated by SIGTERM)",
        }
    }
}

/// Resolves at the first Ctrl-C or SIGTERM, whatever the command is doing (waiting for `/info`,
/// a token request, the user), after cancelling `manager`'s pending sign-ins (which closes the
/// loopback listener). The caller ends the command with [`Interrupt::reason`] (exit status 1):
/// a signal never leaves the command running.
pub(crate) async fn interrupted(manager: &ManagerHandle) -> Interrupt {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    let which = tokio::select! {
        () = ctrl_c => Interrupt::CtrlC,
        () = terminate => Interrupt::Terminate,
    };
    let auth = manager.storage().auth();
    for handle in auth.pending_sign_ins() {
        auth.cancel_sign_in(handle);
    }
    which
}

#[cfg(test)]
mod tests {
    use super::*;
    use cm_manager::SignInHandle;

    fn show(user_code: Option<&str>) -> SignInPrompt {
        SignInPrompt::Show {
            handle: SignInHandle(1),
            server_url: "omniverse://host/".to_owned(),
            sign_in_url: Some("http://host/auth/authorize?x=1".to_owned()),
            user_code: user_code.map(str::to_owned),
        }
    }

    #[test]
    fn the_progress_line_says_what_to_do() {
        let browser = BrowserSignIn {
            flow: SignInFlow::AuthorizationCode,
            open_browser: true,
            timeout: Duration::from_secs(1),
            show: true,
        };
        assert_eq!(
            browser.progress_lines(&show(None))[0],
            "opened your browser to sign in to omniverse://host/; waiting… (Ctrl-C to cancel)"
        );
        let device = BrowserSignIn {
            flow: SignInFlow::Device,
            ..browser
        };
        assert!(device.progress_lines(&show(Some("BCDF-GHJK")))[0].contains("BCDF-GHJK"));
        assert!(
            browser
                .progress_lines(&SignInPrompt::Hide {
                    handle: SignInHandle(1)
                })
                .is_empty()
        );
    }
}
