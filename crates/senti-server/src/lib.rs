//! `senti serve`: the HTTP JSON API over axum and hyper.
//!
//! Layering: transport (this crate: routes, limits, timeouts, metrics, logs) -> request
//! validation (`extract`, `routes`) -> the analyzer (`senti_core::LangRouter` over the
//! backends) -> response. Handlers stay thin; scoring policy lives in the backends.

mod app;
pub mod config;
mod conn;
pub mod error;
mod extract;
pub mod grpc;
pub mod logging;
pub mod metrics;
mod middleware;
pub mod model_metrics;
mod models;
mod room_hub;
mod routes;
mod state;

use std::sync::Arc;

use senti_core::{Analyzer, LangRouter};

pub use config::{Config, ServeArgs};
pub use conn::Server;
pub use routes::ops::ApiDoc;

/// Builds the analyzer from the settings (see [`build_analyzer`]).
pub fn build_router(cfg: &Config) -> Result<LangRouter, senti_vader::LexiconError> {
    build_analyzer(cfg.lexicon.as_deref())
}

/// The analyzer every transport uses (`senti serve` and `senti score`): VADER (with the user
/// lexicon, if any) for English, the default, then the Chinese scorer, so that `lang: auto`
/// sends Chinese text to it and `lang: "zh"` names it.
pub fn build_analyzer(
    lexicon: Option<&std::path::Path>,
) -> Result<LangRouter, senti_vader::LexiconError> {
    let mut vader = senti_vader::Vader::new();
    if let Some(path) = lexicon {
        vader = vader.with_lexicon_file(path)?;
    }
    let backends: Vec<Arc<dyn Analyzer>> =
        vec![Arc::new(vader), Arc::new(senti_zh::ZhSentiment::new())];
    Ok(LangRouter::new(backends))
}

/// Startup failures: a lexicon or user dictionary that cannot be loaded, a port that cannot
/// be bound.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("loading the lexicon: {0}")]
    Lexicon(#[from] senti_vader::LexiconError),
    #[error("loading the user dictionary: {0}")]
    UserDict(#[from] senti_zh::ZhError),
    #[error("opening the model repository: {0}")]
    Models(#[from] senti_model::ModelError),
    #[error("{0}")]
    DefaultModel(String),
    #[error("binding {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
}

/// Binds the listener; `run` it with a shutdown future.
pub async fn bind(cfg: Config, router: LangRouter) -> Result<Server, StartError> {
    let jieba = match &cfg.user_dict {
        Some(p) => senti_zh::Jieba::with_user_dict(p)?,
        None => senti_zh::Jieba::new(),
    };
    let addr = cfg.addr;
    let metrics = state::AppState::metrics_for(&router);
    let models = match &cfg.model_repo {
        Some(dir) => Some(open_models(&cfg, dir.clone(), metrics.models.clone()).await?),
        None => None,
    };
    let state = Arc::new(state::AppState::new(cfg, router, jieba, metrics, models));
    if let (Some(repo), Some(spec)) = (&state.models, &state.default_model) {
        repo.get(spec).map_err(|e| {
            StartError::DefaultModel(format!(
                "--model {}: {e}",
                state.cfg.model.as_deref().unwrap_or_default()
            ))
        })?;
    }
    models::spawn_reloaders(&state);
    room_hub::spawn_ticker(&state);
    let app = app::build(state.clone());
    Server::bind(state, app)
        .await
        .map_err(|source| StartError::Bind { addr, source })
}

/// Opens the repository and loads its models (blocking work, off the runtime's workers).
async fn open_models(
    cfg: &Config,
    dir: std::path::PathBuf,
    observer: Arc<model_metrics::ModelMetrics>,
) -> Result<Arc<senti_model::ModelRepo>, StartError> {
    if let Some(lib) = &cfg.ort_library {
        senti_model::runtime::set_library_path(&lib.to_string_lossy());
    }
    let opts = senti_model::RepoOptions {
        model: senti_model::ModelOptions {
            device: cfg.device().map_err(StartError::DefaultModel)?,
            batch: cfg.batch(),
            observer,
        },
        versions: cfg.model_versions,
        settle: std::time::Duration::from_millis(cfg.model_settle_ms),
    };
    let repo = tokio::task::spawn_blocking(move || senti_model::ModelRepo::open(&dir, opts))
        .await
        .map_err(|e| StartError::DefaultModel(format!("loading models: {e}")))??;
    Ok(Arc::new(repo))
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
