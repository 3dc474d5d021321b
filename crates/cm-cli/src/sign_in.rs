//! How a one-shot `cm` command answers a server that asks for a sign-in.
//!
//! Three sources, in this order:
//!
//! * **the flags** (`--token-env`, `--user` with `--password-env`): given once. A second
//!   question in one attempt (`AuthRequest::attempt > 1`) means the server rejected them, and
//!   asking the same again would only be rejected again: the attempt ends at once and the
//!   command says `credentials for SERVER rejected`.
//! * **the terminal** ([`crate::prompt`]): with no credential flag, on a terminal, the user is
//!   asked for a user name and a hidden password (or a token), again after a rejection, at
//!   most [`MAX_PROMPTS`] times.
//! * **nothing**: no flag and no terminal. The attempt ends at once and the message names the
//!   flags that would have answered.
//!
//! Without flags, a sign-in `cm login` remembered (`CM_REMEMBER_SIGN_IN=1`, see
//! [`crate::remembered`]) answers a server's first question. A server that offers a browser
//! sign-in (`AuthRequest::browser_sign_in`) is never asked about on the terminal: the answer is
//! [`AuthAnswer::None`], which runs the manager's browser sign-in ([`crate::browser_sign_in`]).
//! `cm login` itself uses [`Source::Browser`]: the browser sign-in or nothing.

use std::sync::{Arc, Mutex};

use cm_manager::{AuthAnswer, AuthRequest, EnsureError};

/// Prompts for one attempt before giving up (as sudo does).
pub(crate) const MAX_PROMPTS: u32 = 3;

/// Where the credentials come from.
#[derive(Clone, Debug)]
pub(crate) enum Source {
    /// From the flags.
    Flags(AuthAnswer),
    /// Ask on the terminal.
    Terminal,
    /// Only the browser sign-in (`cm login`): a server that offers none is refused.
    Browser,
    /// Nowhere.
    Nothing,
}

/// Why a sign-in ended without credentials being accepted, as far as this process knows.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ending {
    /// The credentials given were rejected.
    Rejected(String),
    /// The server asked and there was nothing to answer with.
    NoCredentials(String),
    /// The person at the prompt gave up.
    GaveUp(String),
    /// `cm login` to a server that offers no browser sign-in.
    NoBrowserSignIn(String),
}

/// The sign-in answerer of one command, and what it saw.
#[derive(Clone, Debug)]
pub(crate) struct SignIn {
    source: Source,
    use_remembered: bool,
    ending: Arc<Mutex<Option<Ending>>>,
}

impl SignIn {
    /// An answerer drawing on `source`.
    pub(crate) fn new(source: Source) -> Self {
        Self {
            source,
            use_remembered: false,
            ending: Arc::default(),
        }
    }

    /// With `use`, a sign-in `cm login` remembered answers a server's first question (after
    /// the flags, before anything else).
    pub(crate) fn remembered(mut self, r#use: bool) -> Self {
        self.use_remembered = r#use;
        self
    }

    /// The answer to `request` (the manager's authentication callback).
    pub(crate) fn answer(&self, request: &AuthRequest) -> AuthAnswer {
        let server = cm_url::redact(&request.server_url);
        let again = request.attempt > 1;
        match &self.source {
            Source::Flags(answer) if !again => answer.clone(),
            Source::Flags(_) => self.end(Ending::Rejected(server)),
            _ if self.use_remembered && !again => {
                match crate::remembered::load(&request.server_url) {
                    Ok(Some(token)) => AuthAnswer::Token(token),
                    Ok(None) => self.without_remembered(request, &server),
                    Err(why) => {
                        tracing::warn!("not using a remembered sign-in: {why}");
                        self.without_remembered(request, &server)
                    }
                }
            }
            _ => self.without_remembered(request, &server),
        }
    }

    /// The answer when neither the flags nor a remembered sign-in give one.
    fn without_remembered(&self, request: &AuthRequest, server: &str) -> AuthAnswer {
        let server = server.to_owned();
        let again = request.attempt > 1;
        match &self.source {
            Source::Flags(_) => self.end(Ending::Rejected(server)),
            Source::Nothing => self.end(Ending::NoCredentials(server)),
            // The browser sign-in is the manager's; no password prompt competes with it.
            _ if request.browser_sign_in => AuthAnswer::None,
            Source::Browser => self.end(Ending::NoBrowserSignIn(server)),
            Source::Terminal if request.attempt > MAX_PROMPTS => self.end(Ending::Rejected(server)),
            Source::Terminal => match crate::prompt::ask_credentials(&server, again) {
                Some(answer) => answer,
                None => self.end(Ending::GaveUp(server)),
            },
        }
    }

    fn end(&self, ending: Ending) -> AuthAnswer {
        // At -v the real reason comes before the manager's generic "was aborted".
        tracing::warn!("{}", ending.message());
        if let Ok(mut slot) = self.ending.lock() {
            *slot = Some(ending);
        }
        AuthAnswer::Abort
    }

    /// The message for a sign-in `error` this answerer ended, in place of the manager's
    /// generic `sign-in … was aborted`; `None` for every other error.
    pub(crate) fn explain(&self, error: &EnsureError) -> Option<String> {
        if !matches!(error, EnsureError::AuthAborted { .. }) {
            return None;
        }
        self.take_message()
    }

    /// The message for the sign-in this answerer last ended, forgetting it (so a retry starts
    /// clean); `None` when it ended none.
    pub(crate) fn take_message(&self) -> Option<String> {
        let ending = self.ending.lock().ok()?.take()?;
        Some(ending.message())
    }
}

impl Ending {
    /// The one line that says why the sign-in ended.
    fn message(&self) -> String {
        match self {
            Ending::Rejected(server) => format!("credentials for {server} rejected"),
            Ending::NoCredentials(server) => format!(
                "{server} asks for a sign-in: pass --token-env VAR (a token in environment \
                 variable VAR), or --user NAME --password-env VAR (the password in VAR), or run \
                 cm on a terminal to be asked"
            ),
            Ending::GaveUp(server) => format!("sign-in to {server} was cancelled at the prompt"),
            Ending::NoBrowserSignIn(server) => format!(
                "{server} offers no browser sign-in; use `cm ensure` with --token-env VAR, or \
                 --user NAME --password-env VAR"
            ),
        }
    }
}
