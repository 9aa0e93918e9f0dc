//! `unstuck serve`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::app::{router, AppState, StaticDirs};
use crate::ratelimit::RateLimiter;
use crate::sites::Sites;
use crate::store::Store;

/// How long in-flight requests get to finish after SIGINT/SIGTERM.
const DRAIN: Duration = Duration::from_secs(10);
/// How long a client has to send its request headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The options of `unstuck serve`.
#[derive(Clone, Debug)]
pub struct Options {
    /// Address to bind (port 0 = any free port).
    pub listen: SocketAddr,
    /// Database URL.
    pub database: String,
    /// The sites file; the built-in demo site when absent.
    pub sites: Option<PathBuf>,
    /// Static files.
    pub dirs: StaticDirs,
    /// Logs as JSON lines instead of text.
    pub log_json: bool,
}

/// Sets up `tracing` to stderr (stdout carries only the `listening on` line).
/// `RUST_LOG` filters; default `info`.
pub fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    // try_init: a second call (tests) keeps the first subscriber.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Runs the server until SIGINT or SIGTERM; returns an error message if it cannot start.
pub async fn run(opts: Options) -> Result<(), String> {
    let sites = match &opts.sites {
        Some(path) => Sites::from_file(path)?,
        None => Sites::demo(&opts.dirs.www),
    };
    let store = Store::open(&opts.database)
        .await
        .map_err(|e| format!("cannot open {}: {e}", redact(&opts.database)))?;
    let listener = TcpListener::bind(opts.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", opts.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    let state = Arc::new(AppState {
        sites,
        store: store.clone(),
        limiter: RateLimiter::default(),
    });
    let app = router(state, &opts.dirs);
    tracing::info!(%addr, database = %redact(&opts.database), "serving");
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on http://{addr}");
        let _ = out.flush();
    }

    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let signal = tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        let _ = stop_tx.send(true);
    });
    // Our own accept loop rather than `axum::serve`, for one thing it lacks: a timer, so that
    // a client that never finishes its request headers is dropped after HEADER_TIMEOUT.
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: wait a little, keep serving.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let app = app.clone();
                let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                    // A Router is always ready, so calling it without poll_ready is fine.
                    tower::Service::call(&mut app.clone(), req)
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(error = %e, %peer, "connection ended with an error");
                    }
                });
            }
            _ = stop_rx.wait_for(|s| *s) => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still open after {DRAIN:?}; closing anyway");
    }
    signal.abort();
    // Every handler has returned, so every accepted batch is queued or written: finish them.
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A database URL without its password, for logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
