//! Authentication callbacks and the sign-in message box, written in Python.
//!
//! `register_auth_callback(prefix, fn)` registers `fn(request)` on the running manager's
//! storage client. It is asked on the manager's thread, with the GIL, when a server under
//! `prefix` asks for credentials, and answers with:
//!
//! | Python answer | means |
//! |---|---|
//! | `None` or `AuthAnswer.none()` | no credentials here: the interactive sign-in, if allowed |
//! | `AuthAnswer.abort()` | give up signing in (status `AuthAbort`) |
//! | `AuthAnswer.token(t)` or a `str` | this bearer token |
//! | `AuthAnswer.user_password(u, p)` or a `(u, p)` tuple | exchange these for a token |
//!
//! An exception (or any other answer) is logged with its traceback and counts as `None`.
//! `register_message_box_callback(fn)` is told `fn(prompt)` when an interactive sign-in starts
//! (`prompt.kind == "show"`) and ends (`"hide"`); the UI calls `complete_sign_in(handle,
//! answer)` or `cancel_sign_in(handle)`. Credentials stay in memory and never print.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use cm_manager::{AuthAnswer, CallbackId, ManagerHandle, Secret, SignInHandle, SignInPrompt};
use parking_lot::Mutex;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::gil::{log_exception, with_python};

/// What an authentication callback answers. Build one with the static methods.
#[pyclass(name = "AuthAnswer", module = "connection_manager", frozen)]
#[derive(Clone)]
pub(crate) struct PyAuthAnswer {
    answer: AuthAnswer,
}

#[pymethods]
impl PyAuthAnswer {
    /// No credentials here (fall back to the interactive sign-in, if allowed).
    #[staticmethod]
    fn none() -> Self {
        Self {
            answer: AuthAnswer::None,
        }
    }

    /// Give up signing in to this server for this attempt.
    #[staticmethod]
    fn abort() -> Self {
        Self {
            answer: AuthAnswer::Abort,
        }
    }

    /// Use this bearer token.
    #[staticmethod]
    fn token(token: &str) -> Self {
        Self {
            answer: AuthAnswer::Token(Secret::new(token)),
        }
    }

    /// Exchange this user name and password for a token.
    #[staticmethod]
    fn user_password(username: &str, password: &str) -> Self {
        Self {
            answer: AuthAnswer::UserPassword {
                username: username.to_owned(),
                password: Secret::new(password),
            },
        }
    }

    /// `none`, `abort`, `token` or `user_password`.
    #[getter]
    fn kind(&self) -> &'static str {
        match self.answer {
            AuthAnswer::None => "none",
            AuthAnswer::Abort => "abort",
            AuthAnswer::Token(_) => "token",
            AuthAnswer::UserPassword { .. } => "user_password",
        }
    }

    fn __repr__(&self) -> String {
        // The kind only: a token or password never reaches a repr.
        format!("AuthAnswer(kind={})", py_literal(Some(self.kind())))
    }
}

/// What an authentication callback is asked.
#[pyclass(name = "AuthRequest", module = "connection_manager", frozen, get_all)]
pub(crate) struct PyAuthRequest {
    /// The server root, e.g. `omniverse://host:3009/`.
    server_url: String,
    /// The URL whose request was rejected (redacted).
    url: String,
    /// 1 for the first question of an attempt; higher after rejected credentials.
    attempt: u32,
    /// The server offers a browser sign-in (answering None runs it, when allowed).
    browser_sign_in: bool,
}

#[pymethods]
impl PyAuthRequest {
    fn __repr__(&self) -> String {
        format!(
            "AuthRequest(server_url={:?}, url={:?}, attempt={}, browser_sign_in={})",
            self.server_url,
            self.url,
            self.attempt,
            if self.browser_sign_in {
                "True"
            } else {
                "False"
            }
        )
    }
}

/// `value` as Python source: `None`, or a string literal (quoted and escaped as Rust does,
/// which Python reads back the same for the text a URL or code holds).
fn py_literal(value: Option<&str>) -> String {
    value.map_or_else(|| "None".to_owned(), |text| format!("{text:?}"))
}

/// What the sign-in message-box callback is told.
#[pyclass(name = "SignInPrompt", module = "connection_manager", frozen, get_all)]
pub(crate) struct PySignInPrompt {
    /// `show` (a sign-in started: show a prompt with a cancel button) or `hide` (it ended).
    kind: &'static str,
    /// Pass it to `complete_sign_in` or `cancel_sign_in`.
    handle: u64,
    /// The server being signed in to (`show` only).
    server_url: Option<String>,
    /// The page to open in a browser, if the server offers one (`show` only).
    sign_in_url: Option<String>,
    /// The code to type on that page (device flow only).
    user_code: Option<String>,
}

#[pymethods]
impl PySignInPrompt {
    fn __repr__(&self) -> String {
        format!(
            "SignInPrompt(kind={}, handle={}, server_url={}, sign_in_url={}, user_code={})",
            py_literal(Some(self.kind)),
            self.handle,
            py_literal(self.server_url.as_deref()),
            py_literal(self.sign_in_url.as_deref()),
            py_literal(self.user_code.as_deref()),
        )
    }
}

impl From<&SignInPrompt> for PySignInPrompt {
    fn from(prompt: &SignInPrompt) -> Self {
        match prompt {
            SignInPrompt::Show {
                handle,
                server_url,
                sign_in_url,
                user_code,
            } => Self {
                kind: "show",
                handle: handle.0,
                server_url: Some(server_url.clone()),
                sign_in_url: sign_in_url.clone(),
                user_code: user_code.clone(),
            },
            SignInPrompt::Hide { handle } => Self {
                kind: "hide",
                handle: handle.0,
                server_url: None,
                sign_in_url: None,
                user_code: None,
            },
        }
    }
}

/// The ids handed to Python, mapped to the storage client's own (which Python cannot build).
static CALLBACKS: Mutex<Option<HashMap<u64, CallbackId>>> = Mutex::new(None);
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn remember(id: CallbackId) -> u64 {
    let key = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    CALLBACKS
        .lock()
        .get_or_insert_with(HashMap::new)
        .insert(key, id);
    key
}

/// Forgets every callback id: called when the manager stops (or a new one starts), so an id
/// of a stopped manager answers False in `unregister_callback` instead of removing whatever
/// callback the next manager gave the same Rust id.
pub(crate) fn forget_callbacks() {
    CALLBACKS.lock().take();
}

fn manager() -> PyResult<ManagerHandle> {
    cm_manager::get_instance().ok_or_else(|| {
        PyRuntimeError::new_err(
            "the connection manager is not running (call connection_manager.startup first)",
        )
    })
}

/// A Python answer as an [`AuthAnswer`] (see the module docs for the forms).
fn to_answer(value: &Bound<'_, PyAny>) -> PyResult<AuthAnswer> {
    if value.is_none() {
        return Ok(AuthAnswer::None);
    }
    if let Ok(answer) = value.cast::<PyAuthAnswer>() {
        return Ok(answer.get().answer.clone());
    }
    if let Ok(token) = value.extract::<String>() {
        return Ok(AuthAnswer::Token(Secret::new(token)));
    }
    if let Ok(tuple) = value.cast::<PyTuple>()
        && let Ok((username, password)) = tuple.extract::<(String, String)>()
    {
        return Ok(AuthAnswer::UserPassword {
            username,
            password: Secret::new(password),
        });
    }
    Err(PyTypeError::new_err(
        "an auth callback answers None, an AuthAnswer, a token str or a (user, password) tuple",
    ))
}

/// Registers `callback(request: AuthRequest)` for URLs starting with `prefix` (`""`: every
/// URL) on the running manager; the longest matching prefix wins. Returns an id for
/// `unregister_callback`. Raises `RuntimeError` before `startup()`.
#[pyfunction]
fn register_auth_callback(prefix: &str, callback: Py<PyAny>) -> PyResult<u64> {
    let manager = manager()?;
    let what = format!("auth callback for {prefix:?}");
    let id = manager
        .storage()
        .auth()
        .register_auth_callback(prefix, move |request| {
            with_python(|py| {
                let request = PyAuthRequest {
                    server_url: request.server_url.clone(),
                    url: request.url.clone(),
                    attempt: request.attempt,
                    browser_sign_in: request.browser_sign_in,
                };
                match callback
                    .call1(py, (request,))
                    .and_then(|answer| to_answer(answer.bind(py)))
                {
                    Ok(answer) => answer,
                    Err(error) => {
                        log_exception(py, error, &what);
                        AuthAnswer::None
                    }
                }
            })
            .unwrap_or(AuthAnswer::None)
        });
    Ok(remember(id))
}

/// Registers `callback(prompt: SignInPrompt)`, told when an interactive sign-in starts and
/// ends. Returns an id for `unregister_callback`. Raises `RuntimeError` before `startup()`.
#[pyfunction]
fn register_message_box_callback(callback: Py<PyAny>) -> PyResult<u64> {
    let manager = manager()?;
    let id = manager
        .storage()
        .auth()
        .register_message_box_callback(move |prompt| {
            with_python(|py| {
                if let Err(error) = callback.call1(py, (PySignInPrompt::from(prompt),)) {
                    log_exception(py, error, "message-box callback");
                }
            });
        });
    Ok(remember(id))
}

/// Removes a callback of either kind; False if it was not registered (or the manager it was
/// registered on has stopped).
#[pyfunction]
fn unregister_callback(id: u64) -> bool {
    let Some(callback) = CALLBACKS.lock().as_mut().and_then(|ids| ids.remove(&id)) else {
        return false;
    };
    cm_manager::get_instance().is_some_and(|manager| manager.storage().auth().unregister(callback))
}

/// Completes the pending interactive sign-in `handle` with credentials (an `AuthAnswer`, a
/// token `str` or a `(user, password)` tuple); False if it is not pending.
#[pyfunction]
fn complete_sign_in(handle: u64, answer: &Bound<'_, PyAny>) -> PyResult<bool> {
    let answer = to_answer(answer)?;
    Ok(manager()?
        .storage()
        .auth()
        .complete_sign_in(SignInHandle(handle), answer))
}

/// Cancels the pending interactive sign-in `handle` (status `AuthCancelled`); False if it is
/// not pending.
#[pyfunction]
fn cancel_sign_in(handle: u64) -> PyResult<bool> {
    Ok(manager()?
        .storage()
        .auth()
        .cancel_sign_in(SignInHandle(handle)))
}

/// The handles of the interactive sign-ins waiting now.
#[pyfunction]
fn pending_sign_ins() -> PyResult<Vec<u64>> {
    Ok(manager()?
        .storage()
        .auth()
        .pending_sign_ins()
        .into_iter()
        .map(|handle| handle.0)
        .collect())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyAuthAnswer>()?;
    m.add_class::<PyAuthRequest>()?;
    m.add_class::<PySignInPrompt>()?;
    m.add_function(wrap_pyfunction!(register_auth_callback, m)?)?;
    m.add_function(wrap_pyfunction!(register_message_box_callback, m)?)?;
    m.add_function(wrap_pyfunction!(unregister_callback, m)?)?;
    m.add_function(wrap_pyfunction!(complete_sign_in, m)?)?;
    m.add_function(wrap_pyfunction!(cancel_sign_in, m)?)?;
    m.add_function(wrap_pyfunction!(pending_sign_ins, m)?)?;
    Ok(())
}
