//! [`App`]: the application lifecycle events around the main run loop.
//!
//! * [`App::startup`] dispatches `omni.kit.app:started`.
//! * Every [`App::update`] after the first checks readiness: if the previous iteration completed
//!   without a [`AppHandle::delay_app_ready`] call, `omni.kit.app:ready` is dispatched (once).
//! * [`AppHandle::post_quit`] makes the next update start shutdown: it dispatches
//!   `omni.kit.app:post_quit` (`uncancellable` parameter); observers may call
//!   [`AppHandle::try_cancel_shutdown`] during that dispatch unless the request was uncancellable.
//!   If not cancelled, `omni.kit.app:pre_shutdown` follows and the update returns
//!   [`AppStatus::ShuttingDown`] without running the loop.
//!
//! ```
//! use cm_events::{App, AppStatus, Dispatcher, kernel_events::app};
//! let d = Dispatcher::new();
//! let mut a = App::new(&d).unwrap();
//! let h = a.handle();
//! let _veto = d.observe("veto", 0, app::POST_QUIT, None, move |_| { h.try_cancel_shutdown(); });
//! a.startup();
//! a.handle().post_quit(false);
//! assert_eq!(a.update(1.0 / 60.0).unwrap(), AppStatus::Running); // cancelled
//! a.handle().post_quit(true);
//! assert_eq!(a.update(1.0 / 60.0).unwrap(), AppStatus::ShuttingDown); // cannot cancel
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;

use crate::dispatcher::Dispatcher;
use crate::error::QueueError;
use crate::kernel_events::app as ev;
use crate::name::EventName;
use crate::payload::Payload;
use crate::runloop::RunLoop;

/// What [`App::update`] leaves the app doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppStatus {
    /// Keep updating.
    Running,
    /// Shutdown started (`pre_shutdown` was dispatched); stop updating.
    ShuttingDown,
}

#[derive(Default)]
struct AppState {
    delay_requested: AtomicBool,
    ready: AtomicBool,
    quit: Mutex<Option<bool>>,
    in_post_quit: AtomicBool,
    post_quit_uncancellable: AtomicBool,
    cancelled: AtomicBool,
    shutting_down: AtomicBool,
}

/// A cloneable, thread-safe handle for observers and other threads to steer the app.
#[derive(Clone)]
pub struct AppHandle(Arc<AppState>);

impl AppHandle {
    /// Keeps the app from becoming ready; must be called during each iteration to keep delaying.
    pub fn delay_app_ready(&self) {
        self.0.delay_requested.store(true, Ordering::Release);
    }

    /// Requests shutdown on the next update. `uncancellable` wins if requested twice.
    pub fn post_quit(&self, uncancellable: bool) {
        let mut q = self.0.quit.lock();
        *q = Some(q.unwrap_or(false) || uncancellable);
    }

    /// Cancels the pending shutdown; only works during the `post_quit` dispatch of a cancellable
    /// request. Returns whether it was cancelled.
    pub fn try_cancel_shutdown(&self) -> bool {
        if self.0.in_post_quit.load(Ordering::Acquire)
            && !self.0.post_quit_uncancellable.load(Ordering::Acquire)
        {
            self.0.cancelled.store(true, Ordering::Release);
            true
        } else {
            false
        }
    }

    /// True once `omni.kit.app:ready` was dispatched.
    pub fn is_ready(&self) -> bool {
        self.0.ready.load(Ordering::Acquire)
    }

    /// True once shutdown started.
    pub fn is_shutting_down(&self) -> bool {
        self.0.shutting_down.load(Ordering::Acquire)
    }
}

/// The application: lifecycle events plus the main run loop.
pub struct App {
    dispatcher: Dispatcher,
    main: RunLoop,
    state: Arc<AppState>,
    updates: u64,
    started: bool,
    names: [EventName; 4],
}

impl App {
    /// An app on `dispatcher`, creating the main run loop (and its `messageBus`) on this thread.
    pub fn new(dispatcher: &Dispatcher) -> Result<App, QueueError> {
        Ok(App {
            dispatcher: dispatcher.clone(),
            main: RunLoop::main(dispatcher)?,
            state: Arc::default(),
            updates: 0,
            started: false,
            names: [ev::STARTED, ev::READY, ev::POST_QUIT, ev::PRE_SHUTDOWN].map(EventName::new),
        })
    }

    /// A handle for observers and other threads.
    pub fn handle(&self) -> AppHandle {
        AppHandle(self.state.clone())
    }

    /// The main run loop.
    pub fn main_run_loop(&mut self) -> &mut RunLoop {
        &mut self.main
    }

    /// The dispatcher.
    pub fn dispatcher(&self) -> &Dispatcher {
        &self.dispatcher
    }

    /// Dispatches `omni.kit.app:started` (once).
    pub fn startup(&mut self) {
        if !self.started {
            self.started = true;
            self.dispatcher
                .dispatch_event(self.names[0], &Payload::new());
        }
    }

    /// One main-loop iteration: shutdown sequence if quit was posted, readiness check, then the
    /// main run loop's update.
    pub fn update(&mut self, dt: f64) -> Result<AppStatus, QueueError> {
        if self.state.shutting_down.load(Ordering::Acquire) {
            return Ok(AppStatus::ShuttingDown);
        }
        let quit = self.state.quit.lock().take();
        if let Some(uncancellable) = quit
            && self.run_post_quit(uncancellable)
        {
            return Ok(AppStatus::ShuttingDown);
        }
        let delayed = self.state.delay_requested.swap(false, Ordering::AcqRel);
        if self.updates >= 1 && !delayed && !self.state.ready.load(Ordering::Acquire) {
            self.state.ready.store(true, Ordering::Release);
            self.dispatcher
                .dispatch_event(self.names[1], &Payload::new());
        }
        self.updates += 1;
        self.main.update(dt)?;
        Ok(AppStatus::Running)
    }

    /// Returns true when shutdown proceeds.
    fn run_post_quit(&mut self, uncancellable: bool) -> bool {
        let s = &self.state;
        s.cancelled.store(false, Ordering::Release);
        s.post_quit_uncancellable
            .store(uncancellable, Ordering::Release);
        s.in_post_quit.store(true, Ordering::Release);
        let payload = Payload::new().with(ev::UNCANCELLABLE, uncancellable);
        self.dispatcher.dispatch_event(self.names[2], &payload);
        s.in_post_quit.store(false, Ordering::Release);
        if s.cancelled.load(Ordering::Acquire) && !uncancellable {
            tracing::info!("shutdown cancelled by an omni.kit.app:post_quit observer");
            return false;
        }
        s.shutting_down.store(true, Ordering::Release);
        self.dispatcher
            .dispatch_event(self.names[3], &Payload::new());
        true
    }
}
