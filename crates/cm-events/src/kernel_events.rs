//! Names of the Kit kernel events (seed 003) and their payload keys.
//!
//! Event and parameter names are case-sensitive. Events with an `_IMMEDIATE` twin are queued
//! (the plain name is delivered on the next run-loop update) and dispatched at once under the
//! `:immediate` name. The `omni.ext` registry/pull "begin" events work the other way round: the
//! plain name is immediate and the `:deferred` name is delivered on the next update.

/// `omni.kit.app` lifecycle, scripting and log events.
pub mod app {
    /// Dispatched right before app startup returns. No parameters.
    pub const STARTED: &str = "omni.kit.app:started";
    /// Dispatched once, when an update completes without `delay_app_ready()`. No parameters.
    pub const READY: &str = "omni.kit.app:ready";
    /// First step of shutdown, on the update after `post_quit`. Parameter: [`UNCANCELLABLE`].
    pub const POST_QUIT: &str = "omni.kit.app:post_quit";
    /// Dispatched when shutdown starts (quit was not cancelled). No parameters.
    pub const PRE_SHUTDOWN: &str = "omni.kit.app:pre_shutdown";
    /// `post_quit` parameter (bool): the shutdown cannot be cancelled.
    pub const UNCANCELLABLE: &str = "uncancellable";

    /// A script command was issued (queued). Parameter: [`TEXT`].
    pub const SCRIPT_COMMAND: &str = "omni.kit.app:script_command";
    /// Immediate twin of [`SCRIPT_COMMAND`].
    pub const SCRIPT_COMMAND_IMMEDIATE: &str = "omni.kit.app:script_command:immediate";
    /// Script stdout, one event per line (queued). Parameter: [`TEXT`].
    pub const SCRIPT_STDOUT: &str = "omni.kit.app:script_stdout";
    /// Immediate twin of [`SCRIPT_STDOUT`].
    pub const SCRIPT_STDOUT_IMMEDIATE: &str = "omni.kit.app:script_stdout:immediate";
    /// Script stderr, one event per line (queued). Parameter: [`TEXT`].
    pub const SCRIPT_STDERR: &str = "omni.kit.app:script_stderr";
    /// Immediate twin of [`SCRIPT_STDERR`].
    pub const SCRIPT_STDERR_IMMEDIATE: &str = "omni.kit.app:script_stderr:immediate";
    /// Scripting events parameter (string): human-readable text.
    pub const TEXT: &str = "text";

    /// A warning or error was logged (queued). Parameters: see [`error_log`](super::error_log).
    pub const ERROR_LOG: &str = "omni.kit.app:error_log";
    /// Immediate twin of [`ERROR_LOG`].
    pub const ERROR_LOG_IMMEDIATE: &str = "omni.kit.app:error_log:immediate";
}

/// Parameters of `omni.kit.app:error_log`.
pub mod error_log {
    /// (integer) The log level, warn or higher.
    pub const LEVEL: &str = "level";
    /// (string) The log message.
    pub const MESSAGE: &str = "message";
    /// (string) The plugin or channel that logged (error logs only).
    pub const SOURCE: &str = "source";
    /// (string) The source file that logged (error logs only).
    pub const FILENAME: &str = "filename";
    /// (string) The function that logged (error logs only).
    pub const FUNCTION_NAME: &str = "functionName";
    /// (integer) The source line that logged (error logs only).
    pub const LINE_NUMBER: &str = "lineNumber";
}

/// `omni.ext` extension-manager events.
pub mod ext {
    /// The extension model changed (queued, at most once per frame). No parameters.
    pub const SCRIPT_CHANGED: &str = "omni.ext:script_changed";
    /// Immediate twin of [`SCRIPT_CHANGED`].
    pub const SCRIPT_CHANGED_IMMEDIATE: &str = "omni.ext:script_changed:immediate";
    /// Extension paths changed (queued, at most once per frame). No parameters.
    pub const FOLDER_CHANGED: &str = "omni.ext:folder_changed";
    /// Immediate twin of [`FOLDER_CHANGED`].
    pub const FOLDER_CHANGED_IMMEDIATE: &str = "omni.ext:folder_changed:immediate";

    /// Registry refresh is about to begin (immediate). No parameters.
    pub const REGISTRY_REFRESH_BEGIN: &str = "omni.ext:registry_refresh_begin";
    /// Deferred twin of [`REGISTRY_REFRESH_BEGIN`], delivered on the next update.
    pub const REGISTRY_REFRESH_BEGIN_DEFERRED: &str = "omni.ext:registry_refresh_begin:deferred";
    /// Registry refresh ended (immediate). Parameter: [`SUCCESS`].
    pub const REGISTRY_REFRESH_END: &str = "omni.ext:registry_refresh_end";
    /// Registry refresh succeeded (queued). No parameters.
    pub const REGISTRY_REFRESH_END_SUCCESS: &str = "omni.ext:registry_refresh_end:success";
    /// Immediate twin of [`REGISTRY_REFRESH_END_SUCCESS`].
    pub const REGISTRY_REFRESH_END_SUCCESS_IMMEDIATE: &str =
        "omni.ext:registry_refresh_end:success:immediate";
    /// Registry refresh failed (queued). No parameters.
    pub const REGISTRY_REFRESH_END_FAILURE: &str = "omni.ext:registry_refresh_end:failure";
    /// Immediate twin of [`REGISTRY_REFRESH_END_FAILURE`].
    pub const REGISTRY_REFRESH_END_FAILURE_IMMEDIATE: &str =
        "omni.ext:registry_refresh_end:failure:immediate";

    /// An extension package is about to be pulled (immediate).
    pub const EXTENSION_PULL_BEGIN: &str = "omni.ext:extension_pull_begin";
    /// Deferred twin of [`EXTENSION_PULL_BEGIN`], delivered on the next update.
    pub const EXTENSION_PULL_BEGIN_DEFERRED: &str = "omni.ext:extension_pull_begin:deferred";
    /// An extension package pull ended (immediate). Parameters: [`PACKAGE_ID`], [`SUCCESS`].
    pub const EXTENSION_PULL_END: &str = "omni.ext:extension_pull_end";
    /// The pull succeeded (queued).
    pub const EXTENSION_PULL_END_SUCCESS: &str = "omni.ext:extension_pull_end:success";
    /// Immediate twin of [`EXTENSION_PULL_END_SUCCESS`].
    pub const EXTENSION_PULL_END_SUCCESS_IMMEDIATE: &str =
        "omni.ext:extension_pull_end:success:immediate";
    /// The pull failed (queued).
    pub const EXTENSION_PULL_END_FAILURE: &str = "omni.ext:extension_pull_end:failure";
    /// Immediate twin of [`EXTENSION_PULL_END_FAILURE`].
    pub const EXTENSION_PULL_END_FAILURE_IMMEDIATE: &str =
        "omni.ext:extension_pull_end:failure:immediate";

    /// Parameter (bool): whether the refresh or pull succeeded.
    pub const SUCCESS: &str = "success";
    /// Parameter (interned string): the extension package name.
    pub const PACKAGE_ID: &str = "packageId";
}

/// Run-loop update events and their parameters.
pub mod runloop {
    /// First event of a main-loop update.
    pub const PRE_UPDATE: &str = "preUpdate";
    /// Second event of a main-loop update.
    pub const UPDATE: &str = "update";
    /// Third event of a main-loop update.
    pub const POST_UPDATE: &str = "postUpdate";
    /// Parameter (f64): length of the previous frame in seconds (first frame 1/60).
    pub const DT: &str = "dt";
    /// Parameter (i64): frame number, from 0.
    pub const SWH_FRAME_NUMBER: &str = "SWHFrameNumber";
    /// The main run loop's message queue name.
    pub const GLOBAL_MESSAGE_BUS: &str = crate::queue::GLOBAL_MESSAGE_BUS;

    /// The name of run-loop event `event` (e.g. [`PRE_UPDATE`]) for run loop `runloop`:
    /// `event` itself for `main`, else `runloop:<runloop>:<event>`.
    pub fn event_name(runloop: &str, event: &str) -> String {
        if runloop == crate::runloop::MAIN_RUN_LOOP {
            event.to_owned()
        } else {
            format!("runloop:{runloop}:{event}")
        }
    }
}
