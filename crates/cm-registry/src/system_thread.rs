//! Running the registry's actors outside an actix System, and closing a System cleanly.
//!
//! The registry is an actix actor, so [`ConnectionRegistry::start`](crate::ConnectionRegistry::start)
//! needs a running actix System on the calling thread. A program without one (for example a
//! `#[tokio::main]` application) either gets a clear [`StartError::NoActixSystem`] from
//! [`ConnectionRegistry::try_start`](crate::ConnectionRegistry::try_start), or starts the
//! registry on a thread of its own with
//! [`ConnectionRegistry::start_on_own_thread`](crate::ConnectionRegistry::start_on_own_thread).
//!
//! # Why closing a System needs care
//!
//! An actix `Runtime` holds a tokio `LocalSet` (the actors' futures) and a tokio runtime, and
//! drops the `LocalSet` first, outside the runtime's context. A future still in flight at that
//! moment (an HTTP request of a discovery, a retry timer) is then dropped where no reactor is
//! current; a drop that needs one (hyper handing a connection back to its pool spawns a task)
//! panics with "there is no reactor running". [`close_system`] drops everything with the
//! runtime's context entered, so every embedder that lets a System go through it, or through
//! [`SystemThread`], gets a clean shutdown whatever was in flight.

use std::sync::mpsc;
use std::thread::{JoinHandle, ThreadId};

use actix::{System, SystemRunner};

use crate::config::RegistryConfig;
use crate::handle::RegistryHandle;

/// Why a registry could not be started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// No actix System runs on this thread (for example under `#[tokio::main]`).
    #[error(
        "ConnectionRegistry::start needs a running actix System on this thread (inside \
         actix::System::new().block_on, #[actix::main] or an actix Arbiter); without one use \
         ConnectionRegistry::start_on_own_thread"
    )]
    NoActixSystem,
    /// The registry's own thread could not be spawned or ended while starting.
    #[error("cannot start the registry thread: {0}")]
    Thread(#[from] std::io::Error),
}

/// An actix System running on a thread of its own; [`stop_and_join`](Self::stop_and_join)
/// stops it, drops its actors inside its runtime (see the module docs) and joins the thread.
#[derive(Debug)]
pub struct SystemThread {
    system: System,
    thread: JoinHandle<()>,
}

impl SystemThread {
    /// Starts a thread named `name` with a new System, runs `start` inside it (actors may be
    /// started there) and hands back its result. An `Err` from `start` ends the thread.
    pub fn spawn<T, E, F>(name: &str, start: F) -> Result<(Self, T), E>
    where
        T: Send + 'static,
        E: From<std::io::Error> + Send + 'static,
        F: FnOnce() -> Result<T, E> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let runner = System::new();
                let started = runner.block_on(async { start() });
                let ok = started.is_ok();
                let _ = tx.send(started.map(|value| (value, System::current())));
                if ok {
                    run_then_close(runner);
                } else {
                    close_system(runner);
                }
            })?;
        match rx.recv() {
            Ok(Ok((value, system))) => Ok((Self { system, thread }, value)),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => Err(E::from(std::io::Error::other(
                "the thread ended while starting",
            ))),
        }
    }

    /// The id of the System's thread (blocking on it from there would deadlock).
    pub fn thread_id(&self) -> ThreadId {
        self.thread.thread().id()
    }

    /// Stops the System and waits for its thread to finish (returns at once when called from
    /// that thread itself, which cannot wait for itself).
    pub fn stop_and_join(self) {
        self.system.stop();
        if std::thread::current().id() == self.thread.thread().id() {
            return;
        }
        if self.thread.join().is_err() {
            tracing::error!("an actix System thread panicked");
        }
    }

    /// Stops the System and waits for its thread without blocking the caller's executor:
    /// the join happens on a helper thread. Works from any async runtime.
    pub async fn stop_and_join_async(self) {
        // Stopped first, so that the System ends even if no helper thread can be spawned
        // (its thread is then left to finish on its own).
        self.system.stop();
        if std::thread::current().id() == self.thread.thread().id() {
            return;
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        let thread = self.thread;
        let joiner = std::thread::Builder::new()
            .name("cm-system-join".to_owned())
            .spawn(move || {
                if thread.join().is_err() {
                    tracing::error!("an actix System thread panicked");
                }
                let _ = tx.send(());
            });
        match joiner {
            Ok(_) => {
                let _ = rx.await;
            }
            Err(e) => tracing::warn!(error = %e, "cannot join the System thread; left to finish"),
        }
    }
}

/// Runs `runner` until its System is stopped, then closes it with [`close_system`].
pub fn run_then_close(runner: SystemRunner) {
    let stopped = runner.stop_future();
    if let Err(e) = runner.block_on(stopped) {
        tracing::error!(error = %e, "actix System failed");
    }
    close_system(runner);
}

/// Drops an actix System (its actors and every future still queued on it) inside its own
/// runtime's context, so that nothing in flight panics for want of a reactor (see the module
/// docs). Use it instead of letting a `SystemRunner` you drove with `block_on` fall out of
/// scope.
pub fn close_system(runner: SystemRunner) {
    let (runtime, _stop) = runner.into_parts();
    let handle = runtime.tokio_runtime().handle().clone();
    let _context = handle.enter();
    drop(runtime);
}

/// A registry running on a thread of its own, from
/// [`ConnectionRegistry::start_on_own_thread`](crate::ConnectionRegistry::start_on_own_thread).
/// It derefs to its [`RegistryHandle`]; dropping it (or [`shutdown`](Self::shutdown)) stops
/// the thread, after which clones of the handle answer `RegistryError::Stopped`.
#[derive(Debug)]
#[must_use = "dropping an OwnedRegistry stops the registry at once"]
pub struct OwnedRegistry {
    handle: RegistryHandle,
    thread: Option<SystemThread>,
}

impl OwnedRegistry {
    pub(crate) fn start(config: RegistryConfig) -> Result<Self, StartError> {
        let (thread, handle) = SystemThread::spawn("cm-registry", move || {
            crate::ConnectionRegistry::try_start(config)
        })?;
        Ok(Self {
            handle,
            thread: Some(thread),
        })
    }

    /// The handle (cloneable; works from any thread).
    pub fn handle(&self) -> &RegistryHandle {
        &self.handle
    }

    /// Stops the registry and joins its thread.
    pub fn shutdown(mut self) {
        if let Some(thread) = self.thread.take() {
            thread.stop_and_join();
        }
    }

    /// [`shutdown`](Self::shutdown) without blocking the caller's executor.
    pub async fn shutdown_async(mut self) {
        if let Some(thread) = self.thread.take() {
            thread.stop_and_join_async().await;
        }
    }
}

impl std::ops::Deref for OwnedRegistry {
    type Target = RegistryHandle;

    fn deref(&self) -> &RegistryHandle {
        &self.handle
    }
}

impl Drop for OwnedRegistry {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            thread.stop_and_join();
        }
    }
}
