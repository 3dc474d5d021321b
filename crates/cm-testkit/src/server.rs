//! The server thread: its own tokio runtime, an accept loop that can stop listening and later
//! rebind the same port, and one task per connection that a handler can kill.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::{Extension, Router};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinSet;

use crate::config::TestServerConfig;
use crate::controls::Controls;
use crate::error::TestkitError;
use crate::routes;
use crate::state::{Shared, State};

/// How long `go_up` keeps retrying to rebind a port that is still briefly in use.
const REBIND_PATIENCE: Duration = Duration::from_secs(10);

/// Messages from [`Controls`] to the accept loop.
#[derive(Debug)]
pub(crate) enum Command {
    /// Close the listener and every open connection.
    Down(std_mpsc::Sender<Result<(), TestkitError>>),
    /// Listen again on the same port.
    Up(std_mpsc::Sender<Result<(), TestkitError>>),
}

/// Handle a handler uses to close its own connection without answering.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionKill(pub(crate) Arc<Notify>);

/// A running loopback server (discovery + storage) on its own thread and tokio runtime.
///
/// Usable from any context: plain `#[test]`s, `#[tokio::test]`, `#[actix_rt::test]`. Dropping it
/// stops the server and closes every connection.
///
/// ```
/// use cm_testkit::{TestServer, TestServerConfig};
///
/// let server = TestServer::start(TestServerConfig::default()).unwrap();
/// assert!(server.discovery_url().starts_with("http://127.0.0.1:"));
/// assert_eq!(server.storage_url(), format!("omniverse://127.0.0.1:{}/", server.port()));
/// ```
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestServer {
    /// Binds 127.0.0.1 (port from the config, 0 = any) and starts serving on a new thread.
    pub fn start(config: TestServerConfig) -> Result<Self, TestkitError> {
        let (ready_tx, ready_rx) = std_mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("cm-testkit-server".to_owned())
            .spawn(move || run_server_thread(config, ready_tx, stop_rx))
            .map_err(TestkitError::Runtime)?;
        let (addr, shared) = ready_rx.recv().map_err(|_| TestkitError::ServerGone)??;
        tracing::debug!(%addr, "cm-testkit server started");
        Ok(Self {
            addr,
            shared,
            thread: Some(thread),
            stop: Some(stop_tx),
        })
    }

    /// The bound address (always 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bound port; stays the same across [`Controls::go_down`] / [`Controls::go_up`].
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// HTTP base URL, e.g. `http://127.0.0.1:4100` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The discovery URL, e.g. `http://127.0.0.1:4100/discovery`.
    pub fn discovery_url(&self) -> String {
        format!("http://{}{}", self.addr, self.shared.discovery_prefix)
    }

    /// The storage address as users see it, e.g. `omniverse://127.0.0.1:4100/`. Per the stand-in
    /// protocol its HTTP base is [`TestServer::url`].
    pub fn storage_url(&self) -> String {
        storage_url_for(self.addr.port())
    }

    /// HTTP base of the storage endpoints (same as [`TestServer::url`]).
    pub fn storage_http_url(&self) -> String {
        self.url()
    }

    /// A cloneable handle to change the server's behaviour and read its counters.
    pub fn controls(&self) -> Controls {
        Controls::new(Arc::clone(&self.shared))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

pub(crate) fn storage_url_for(port: u16) -> String {
    format!("omniverse://127.0.0.1:{port}/")
}

type Ready = std_mpsc::Sender<Result<(SocketAddr, Arc<Shared>), TestkitError>>;

fn run_server_thread(
    config: TestServerConfig,
    ready: Ready,
    stop: tokio::sync::oneshot::Receiver<()>,
) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("cm-testkit-worker")
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            let _ = ready.send(Err(TestkitError::Runtime(err)));
            return;
        }
    };
    runtime.block_on(async move {
        let requested = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, config.port));
        let listener = match bind(requested) {
            Ok(listener) => listener,
            Err(err) => {
                let _ = ready.send(Err(err));
                return;
            }
        };
        let addr = match listener.local_addr() {
            Ok(addr) => addr,
            Err(source) => {
                let _ = ready.send(Err(TestkitError::Bind {
                    addr: requested,
                    source,
                }));
                return;
            }
        };
        let (commands_tx, commands_rx) = mpsc::unbounded_channel();
        let state = State::from_config(&config, storage_url_for(addr.port()));
        let shared = Arc::new(Shared::new(
            state,
            commands_tx,
            config.discovery_prefix.clone(),
        ));
        let router = routes::router(Arc::clone(&shared));
        if ready.send(Ok((addr, Arc::clone(&shared)))).is_err() {
            return;
        }
        tokio::select! {
            () = accept_loop(listener, addr, router, shared, commands_rx) => {}
            _ = stop => {}
        }
    });
    // Dropping the runtime here aborts every connection task.
}

/// Binds with `SO_REUSEADDR` so the port can be bound again right after going down, even while
/// closed connections linger in TIME_WAIT.
fn bind(addr: SocketAddr) -> Result<TcpListener, TestkitError> {
    let bind_err = |source| TestkitError::Bind { addr, source };
    let socket = TcpSocket::new_v4().map_err(bind_err)?;
    socket.set_reuseaddr(true).map_err(bind_err)?;
    socket.bind(addr).map_err(bind_err)?;
    socket.listen(1024).map_err(bind_err)
}

enum Event {
    Accepted(std::io::Result<(TcpStream, SocketAddr)>),
    ConnectionDone,
    Command(Option<Command>),
}

async fn accept_loop(
    listener: TcpListener,
    addr: SocketAddr,
    router: Router,
    shared: Arc<Shared>,
    mut commands: mpsc::UnboundedReceiver<Command>,
) {
    let mut listener = Some(listener);
    let mut connections = JoinSet::new();
    loop {
        let event = tokio::select! {
            accepted = accept(listener.as_ref()) => Event::Accepted(accepted),
            Some(_) = connections.join_next(), if !connections.is_empty() => Event::ConnectionDone,
            command = commands.recv() => Event::Command(command),
        };
        match event {
            Event::Accepted(Ok((stream, _peer))) => {
                connections.spawn(serve_connection(stream, router.clone()));
            }
            Event::Accepted(Err(err)) => {
                // Usually EMFILE or a reset before accept; back off briefly instead of spinning.
                tracing::warn!(%err, "cm-testkit accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Event::ConnectionDone => {}
            Event::Command(Some(Command::Down(ack))) => {
                listener = None;
                connections.shutdown().await;
                shared.update(|state| state.up = false);
                tracing::debug!(%addr, "cm-testkit went down");
                let _ = ack.send(Ok(()));
            }
            Event::Command(Some(Command::Up(ack))) => {
                let result = if listener.is_some() {
                    Ok(())
                } else {
                    rebind(addr).await.map(|l| {
                        listener = Some(l);
                        shared.update(|state| state.up = true);
                        tracing::debug!(%addr, "cm-testkit came back up");
                    })
                };
                let _ = ack.send(result);
            }
            Event::Command(None) => return,
        }
    }
}

async fn accept(listener: Option<&TcpListener>) -> std::io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some(listener) => listener.accept().await,
        None => std::future::pending().await,
    }
}

async fn rebind(addr: SocketAddr) -> Result<TcpListener, TestkitError> {
    let started = Instant::now();
    loop {
        match bind(addr) {
            Ok(listener) => return Ok(listener),
            Err(err) if started.elapsed() > REBIND_PATIENCE => return Err(err),
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

async fn serve_connection(stream: TcpStream, router: Router) {
    let kill = Arc::new(Notify::new());
    let service =
        TowerToHyperService::new(router.layer(Extension(ConnectionKill(Arc::clone(&kill)))));
    let builder = auto::Builder::new(TokioExecutor::new());
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        result = connection => {
            if let Err(err) = result {
                tracing::trace!(%err, "cm-testkit connection ended with an error");
            }
        }
        // Dropping the connection future closes the socket without a response.
        () = kill.notified() => {}
    }
}
