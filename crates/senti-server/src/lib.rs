//! `senti serve`: the HTTP JSON API over axum and hyper.
//!
//! Layering: transport (this crate: routes, limits, timeouts, metrics, logs) -> request
//! decoding (`extract`, `routes`) -> the engine (`senti-engine`: validation, cache tiers,
//! language routing, breakers, deadlines, backends) -> response. Handlers stay thin: they
//! decode, call the engine and encode; no scoring policy lives here.

mod app;
mod auth;
pub mod config;
mod conn;
pub mod error;
mod extract;
#[doc(hidden)]
pub mod fuzzing;
pub mod grpc;
mod grpc_trace;
mod ingest;
pub mod logging;
pub mod metrics;
mod middleware;
pub mod model_metrics;
mod models;
mod openapi;
mod room_hub;
mod routes;
mod state;
pub mod telemetry;

use std::sync::Arc;

pub use config::{Config, ServeArgs};
pub use conn::Server;
pub use routes::ops::ApiDoc;

/// Startup failures: a lexicon, user dictionary or model repository that cannot be loaded, a
/// port that cannot be bound.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Engine(#[from] senti_engine::BuildError),
    #[error("{0}")]
    Other(String),
    #[error("binding {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
}

/// Builds the engine from the settings (models load on a blocking thread) and binds the
/// listener; `run` it with a shutdown future.
pub async fn bind(cfg: Config) -> Result<Server, StartError> {
    let addr = cfg.addr;
    let metrics = Arc::new(metrics::Metrics::new(
        routes::ROUTES,
        senti_engine::BACKENDS,
    ));
    let ecfg = cfg.engine(metrics.models.clone());
    let observer: Arc<dyn senti_engine::EngineObserver> = metrics.clone();
    let rt = tokio::runtime::Handle::current();
    let engine =
        tokio::task::spawn_blocking(move || senti_engine::Engine::new(ecfg, observer, Some(rt)))
            .await
            .map_err(|e| StartError::Other(format!("building the engine: {e}")))??;
    let cluster = match cfg.cluster() {
        Some(c) => Some(
            senti_cluster::Cluster::connect(c)
                .await
                .map_err(|e| StartError::Other(e.to_string()))?,
        ),
        None => None,
    };
    let state = Arc::new(state::AppState::new(cfg, engine, metrics, cluster));
    if let Some(c) = &state.cluster {
        let obs: Arc<dyn senti_cluster::ClusterObserver> = state.metrics.clone();
        c.spawn_scorer(Arc::new(ingest::Score(state.clone())), obs.clone());
        c.spawn_folder(Arc::new(ingest::Fold(state.clone())), obs);
    }
    models::spawn_reloaders(&state);
    room_hub::spawn_ticker(&state);
    let app = app::build(state.clone());
    Server::bind(state, app)
        .await
        .map_err(|source| StartError::Bind { addr, source })
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
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
}
