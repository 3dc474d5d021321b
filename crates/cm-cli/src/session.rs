//! How a command gets at omniverse.toml: which file, and which part of the library it starts.
//!
//! Three ways, from lightest to heaviest:
//!
//! * **read-only registry** (`list`): the registry actor with persistence, watcher and
//!   discovery off. It loads the file and never writes it (so an old-style file is not
//!   migrated by a `list`) and never touches the network, so `list` cannot hang.
//! * **writing registry** (`add`, `remove`, `rename`, `refresh`): persistence on, watcher off;
//!   discovery only for `refresh`. Each change is one fine-grained, locked, atomic edit of the
//!   file as it is on disk, so concurrent `cm` processes lose nothing.
//! * **manager** (`ensure`, `disconnect`, `reconnect`, interactive add): cm-manager on its own
//!   thread, for connections, sign-in and the add-server dialog.
//!
//! Before any of them starts, [`ConfigFile::preflight`] loads the file: a malformed file stops
//! the command with exit status 2 and one line naming path, line and column, before anything
//! could write.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cm_events::Dispatcher;
use cm_manager::{AuthAnswer, ManagerConfig, ManagerHandle, Secret};
use cm_registry::{ConnectionRegistry, RegistryConfig, RegistryHandle};
use cm_toml_store::{LockWait, TomlStore};

use crate::browser_sign_in::BrowserSignIn;
use crate::cli::CredentialArgs;
use crate::exit::CliError;
use crate::output::Output;
use crate::sign_in::{SignIn, Source};

/// The resolved omniverse.toml, and how its writers wait for the lock.
#[derive(Clone, Debug)]
pub(crate) struct ConfigFile {
    path: PathBuf,
    lock_wait: LockWait,
    replace_wrong_typed: bool,
    out: Output,
}

impl ConfigFile {
    /// `--config`, else `$OMNI_CONFIG_PATH/omniverse.toml`, else the home default. A write
    /// that finds the file locked says on stderr who holds it after 1 s and gives up after
    /// `lock_timeout` (`--lock-timeout`).
    pub(crate) fn resolve(
        explicit: Option<&Path>,
        lock_timeout: Duration,
        out: &Output,
    ) -> Result<Self, CliError> {
        let path = cm_toml_store::resolve_config_path(explicit)?;
        let out = *out;
        let lock_wait = LockWait::default()
            .with_timeout(Some(lock_timeout))
            .on_wait(move |waiting| {
                out.warn(&format!(
                    "{waiting}; giving up after {} s (--lock-timeout)",
                    lock_timeout.as_secs_f64()
                ));
            });
        Ok(Self {
            path,
            lock_wait,
            replace_wrong_typed: false,
            out,
        })
    }

    /// The same file, with writes allowed to replace an entry the loader skipped for its type
    /// (`--force`); refused otherwise.
    pub(crate) fn replacing_wrong_typed_entries(&self, replace: bool) -> Self {
        Self {
            path: self.path.clone(),
            lock_wait: self.lock_wait.clone(),
            replace_wrong_typed: replace,
            out: self.out,
        }
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// A store for the file.
    pub(crate) fn store(&self) -> TomlStore {
        TomlStore::new(&self.path)
            .with_lock_wait(self.lock_wait.clone())
            .replacing_wrong_typed_entries(self.replace_wrong_typed)
    }

    /// Loads the file once to fail early (malformed: exit 2) and prints its load warnings.
    pub(crate) fn preflight(&self, out: &Output) -> Result<(), CliError> {
        let loaded = self.store().load()?;
        for warning in &loaded.warnings {
            out.warn(&format!("{}:{warning}", self.path.display()));
        }
        Ok(())
    }
}

/// How a registry is started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RegistryMode {
    /// Load only: no writes, no watcher, no discovery.
    ReadOnly,
    /// Write changes; no watcher, no discovery.
    Write,
    /// Like `Write`, on [`mutate`]'s private trial copy: no migration notice.
    Trial,
    /// Write changes and run discovery (for `discovery refresh`).
    WriteAndDiscover {
        /// Total retry budget of each discovery.
        budget: Duration,
    },
}

/// Runs `body` with a registry over `file` inside a fresh actix System, after the registry
/// has loaded the file. A file the registry could not load is an error here, never silently
/// treated as empty.
pub(crate) fn with_registry<T, F, Fut>(
    file: &ConfigFile,
    mode: RegistryMode,
    body: F,
) -> Result<T, CliError>
where
    F: FnOnce(RegistryHandle) -> Fut,
    Fut: Future<Output = Result<T, CliError>>,
{
    let mut config = RegistryConfig::with_store(file.store())
        .watch(false)
        .dispatcher(Dispatcher::new());
    config = match mode {
        RegistryMode::ReadOnly => config.persistence(false).discovery(false),
        RegistryMode::Write | RegistryMode::Trial => config.discovery(false),
        RegistryMode::WriteAndDiscover { budget } => config
            .discovery(true)
            .retry_policy(cm_discovery::RetryPolicy::OMNI_CLIENT.with_budget(budget)),
    };
    let notice = matches!(
        mode,
        RegistryMode::Write | RegistryMode::WriteAndDiscover { .. }
    )
    .then(|| MigrationNotice::before(file))
    .flatten();
    let system = actix::System::new();
    let result = system.block_on(async move {
        let registry =
            ConnectionRegistry::try_start(config).map_err(|e| CliError::Failed(e.to_string()))?;
        let snapshot = registry.synced_snapshot().await?;
        if let Some(error) = &snapshot.storage().last_load_error {
            return Err(CliError::Store(error.clone()));
        }
        body(registry).await
    });
    close(system);
    if let Some(notice) = notice {
        notice.after(file);
    }
    result
}

/// The one-time migration a writing start performs on an old-style file, told on stderr:
/// the command asked for one change and the file got more (servers added, root bookmarks
/// moved), which must not go unsaid.
pub(crate) struct MigrationNotice {
    report: cm_toml_store::MigrationReport,
}

impl MigrationNotice {
    /// The migration `file` is due for, if it is old-style.
    pub(crate) fn before(file: &ConfigFile) -> Option<Self> {
        let plan = file.store().plan_migration().ok()??;
        Some(Self {
            report: plan.report,
        })
    }

    /// Says what moved, once the file is no longer old-style.
    pub(crate) fn after(self, file: &ConfigFile) {
        if !matches!(file.store().plan_migration(), Ok(None)) {
            return;
        }
        file.out.note(&format!(
            "note: {} was in the old style (bookmarks only) and was migrated to the servers \
             layout: {}",
            file.path.display(),
            crate::commands::migration_summary(&self.report)
        ));
    }
}

/// Lets go of an actix System the command drove with `block_on`: everything still queued on
/// it (a discovery request in flight, say) is dropped inside its runtime, so nothing panics on
/// the way out (see `cm_registry::system_thread`).
pub(crate) fn close(system: actix::SystemRunner) {
    cm_registry::system_thread::close_system(system);
}

/// Runs a change against the file. When the file still needs its one-time migration (which
/// a writing registry performs at start), the change is first tried on a private copy of the
/// file as the migration leaves it (so the lookup sees the migrated view: a bookmark the
/// migration moves to `[servers]` is no longer a bookmark there), and only a change that
/// succeeds there is made to the real file. A refused change leaves it byte-identical.
pub(crate) fn mutate<T, F, Fut>(file: &ConfigFile, change: F) -> Result<T, CliError>
where
    F: Fn(RegistryHandle) -> Fut,
    Fut: Future<Output = Result<T, CliError>>,
{
    if let Some(plan) = file.store().plan_migration()? {
        let trial = MigratedCopy::write(file, &plan.after)?;
        with_registry(&trial.file, RegistryMode::Trial, &change)?;
    }
    with_registry(file, RegistryMode::Write, change)
}

/// A throw-away copy of an old-style file, already migrated, for [`mutate`]'s trial run.
struct MigratedCopy {
    file: ConfigFile,
    _dir: tempfile::TempDir,
}

impl MigratedCopy {
    fn write(file: &ConfigFile, migrated: &str) -> Result<Self, CliError> {
        let failed = |e: std::io::Error| {
            CliError::Failed(format!("could not check the change before writing: {e}"))
        };
        let dir = tempfile::tempdir().map_err(failed)?;
        let path = dir.path().join("omniverse.toml");
        std::fs::write(&path, migrated).map_err(failed)?;
        let file = ConfigFile {
            path,
            lock_wait: LockWait::default(),
            replace_wrong_typed: file.replace_wrong_typed,
            out: file.out,
        };
        Ok(Self { file, _dir: dir })
    }
}

/// Settings for a manager session.
#[derive(Clone, Debug)]
pub(crate) struct ManagerSession {
    /// Whether the manager's registry writes the file.
    pub(crate) persist: bool,
    /// Retry budget and discovery wait.
    pub(crate) timeout: Duration,
    /// Credentials to answer sign-in requests with.
    pub(crate) credentials: CredentialArgs,
}

impl ManagerSession {
    /// Starts cm-manager on its own thread over `file`. The registry has no watcher (a
    /// one-shot command does not follow edits) and runs discovery (so `ensure` can wait for it).
    /// Sign-in requests are answered by the returned [`SignIn`] (see [`crate::sign_in`]): the
    /// credential flags, else (at a terminal) a remembered sign-in, the browser sign-in of a
    /// server that offers one ([`BrowserSignIn::at_a_terminal`]) or the terminal prompt.
    pub(crate) fn start(&self, file: &ConfigFile) -> Result<(ManagerHandle, SignIn), CliError> {
        let source = match credentials_answer(&self.credentials)? {
            Some(answer) => Source::Flags(answer),
            None if crate::prompt::available() => Source::Terminal,
            None => Source::Nothing,
        };
        let browser = match source {
            Source::Flags(_) => None,
            _ => BrowserSignIn::at_a_terminal(false, self.timeout),
        };
        self.start_with(file, source, browser, crate::remembered::enabled())
    }

    /// [`start`](Self::start) with the sign-in `source` and the browser sign-in `browser`
    /// (`None`: the manager runs no browser sign-in); with `use_remembered`, a server's first
    /// sign-in request is answered with the token `cm login` remembered (`crate::remembered`).
    pub(crate) fn start_with(
        &self,
        file: &ConfigFile,
        source: Source,
        browser: Option<BrowserSignIn>,
        use_remembered: bool,
    ) -> Result<(ManagerHandle, SignIn), CliError> {
        let sign_in = SignIn::new(source).remembered(use_remembered);
        let notice = self
            .persist
            .then(|| MigrationNotice::before(file))
            .flatten();
        let registry = RegistryConfig::with_store(file.store())
            .watch(false)
            .persistence(self.persist)
            .retry_policy(cm_discovery::RetryPolicy::OMNI_CLIENT.with_budget(self.timeout));
        let mut config = ManagerConfig::new(registry)
            .retry_budget(self.timeout)
            .discovery_timeout(self.timeout)
            .dispatcher(Dispatcher::new());
        if let Some(browser) = &browser {
            config = config
                .interactive_sign_in(true)
                .http_storage(browser.http_config());
        }
        let manager = ManagerHandle::start(config).map_err(|e| CliError::Failed(e.to_string()))?;
        let status = manager.registry().snapshot();
        if let Some(error) = &status.storage().last_load_error {
            manager.shutdown();
            return Err(CliError::Store(error.clone()));
        }
        if let Some(browser) = &browser {
            browser.show_progress(&manager);
        }
        let answerer = sign_in.clone();
        manager
            .storage()
            .auth()
            .register_auth_callback("", move |request| answerer.answer(request));
        if let Some(notice) = notice {
            // The manager's registry migrates while it starts, before it answers a snapshot.
            notice.after(file);
        }
        Ok((manager, sign_in))
    }
}

/// The answer the credential flags give, read from the environment variables they name.
fn credentials_answer(args: &CredentialArgs) -> Result<Option<AuthAnswer>, CliError> {
    let read = |var: &str, flag: &str| {
        let value = std::env::var(var).map_err(|_| {
            CliError::BadInput(format!(
                "{flag} {var}: environment variable {var} is not set (or not valid UTF-8)"
            ))
        })?;
        // The credential goes in an HTTP header or form: a line break or another control
        // character can never be sent (it would fail every retry with a header parse error).
        if value.chars().any(|c| c.is_control() && c != '\t') {
            return Err(CliError::BadInput(format!(
                "{flag} {var}: environment variable {var} holds a line break or another \
                 control character, which a credential cannot contain (a trailing newline from \
                 a file?)"
            )));
        }
        Ok(value)
    };
    if let Some(var) = &args.token_env {
        return Ok(Some(AuthAnswer::Token(Secret::new(read(
            var,
            "--token-env",
        )?))));
    }
    if let (Some(user), Some(var)) = (&args.user, &args.password_env) {
        return Ok(Some(AuthAnswer::UserPassword {
            username: user.clone(),
            password: Secret::new(read(var, "--password-env")?),
        }));
    }
    Ok(None)
}

/// A tokio runtime for driving manager futures from the main thread.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start an async runtime: {e}")))
}

/// The range a number of seconds on the command line must be in.
const SECONDS_RANGE: &str = "expected a number of seconds greater than 0 and at most 86400";

fn seconds_in_range(secs: f64) -> bool {
    secs.is_finite() && secs > 0.0 && secs <= 86_400.0
}

/// clap's parser of a `SECS` value: the number, or why not. clap's message quotes the value
/// as typed (`invalid value 'nan' for '--timeout <SECS>'`), never a reformatted float.
pub(crate) fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(secs) if seconds_in_range(secs) => Ok(secs),
        _ => Err(SECONDS_RANGE.to_owned()),
    }
}

/// Seconds from the command line as a duration; rejects negative, NaN and absurd values
/// (clap already refused them through [`parse_seconds`]; this is the backstop).
pub(crate) fn seconds(flag: &str, secs: f64) -> Result<Duration, CliError> {
    if seconds_in_range(secs) {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(CliError::BadInput(format!(
            "{flag} {secs}: {SECONDS_RANGE}"
        )))
    }
}
