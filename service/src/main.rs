//! `credence-verifier`: the verifier service. Reads its configuration (a
//! TOML file from `--config` or `CREDENCE_VERIFIER_CONFIG`, overridden by
//! `CREDENCE_VERIFIER_*` variables), opens the store, and serves until
//! SIGTERM or ctrl-c.

#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::path::PathBuf;
use std::process::ExitCode;

use credence_verifier::{open_store, App, Config, CONFIG_ENV};

const USAGE: &str = "usage: credence-verifier [--config FILE]

Serves Credence's verifier API. The configuration is a TOML file (from
--config, else from $CREDENCE_VERIFIER_CONFIG, else only the environment);
each key can be overridden by CREDENCE_VERIFIER_<KEY> (e.g.
CREDENCE_VERIFIER_LISTEN=0.0.0.0:8080). Logs are JSON lines on standard
error; RUST_LOG sets their filter (default: info).";

/// The configuration file named on the command line or in the environment.
fn config_path() -> Result<Option<PathBuf>, String> {
    let mut args = std::env::args_os().skip(1);
    let mut path = None;
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--config") => match args.next() {
                Some(p) => path = Some(PathBuf::from(p)),
                None => return Err("--config needs a file".into()),
            },
            Some(a) if a.starts_with("--config=") => {
                path = Some(PathBuf::from(&a["--config=".len()..]));
            }
            Some("--help") | Some("-h") => return Err(USAGE.into()),
            Some("--version") | Some("-V") => {
                return Err(format!("credence-verifier {}", env!("CARGO_PKG_VERSION")))
            }
            _ => return Err(format!("unexpected argument\n\n{USAGE}")),
        }
    }
    Ok(path.or_else(|| std::env::var_os(CONFIG_ENV).map(PathBuf::from)))
}

/// Completes on SIGTERM or ctrl-c.
async fn stop_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("stopping: finishing the requests in flight");
}

fn main() -> ExitCode {
    let path = match config_path() {
        Ok(p) => p,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let config = match Config::load(path.as_deref(), std::env::vars()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("credence-verifier: {e}");
            return ExitCode::from(2);
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    // Opening blocks (a PostgreSQL store connects and migrates): before the
    // runtime.
    let store = match open_store(&config.store) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("credence-verifier: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let listen = config.listen;
        let app = match App::new(config, store) {
            Ok(a) => a,
            Err(e) => {
                tracing::error!(error = %e, "cannot start");
                return ExitCode::FAILURE;
            }
        };
        let listener = match tokio::net::TcpListener::bind(listen).await {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = %e, %listen, "cannot listen");
                return ExitCode::FAILURE;
            }
        };
        tracing::info!(%listen, "serving");
        match app.serve(listener, stop_signal()).await {
            Ok(()) => {
                tracing::info!("stopped");
                ExitCode::SUCCESS
            }
            Err(e) => {
                tracing::error!(error = %e, "the server failed");
                ExitCode::FAILURE
            }
        }
    })
}
