//! The engine of `senti score` and `senti segment`, from command-line options: the same
//! pipeline `senti serve` runs (`senti-engine`), without the HTTP crate.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Result, anyhow};
use clap::Args;
use senti_engine::{Engine, EngineConfig, NoObserver};

#[derive(Args, Debug, Clone)]
pub struct BackendArgs {
    /// Extra VADER lexicon entries (vader_lexicon.txt format) that add to or override the
    /// built-in lexicon.
    #[arg(long, value_name = "PATH", env = "SENTI_LEXICON")]
    pub lexicon: Option<PathBuf>,
    /// Extra or overriding terms of the `chat` domain (term<TAB>valence<TAB>fit per line).
    #[arg(long, value_name = "PATH", env = "SENTI_CHAT_LEXICON")]
    pub chat_lexicon: Option<PathBuf>,
    /// A model repository (DIR/<name>/<version>/...); with --model, texts go to that model
    /// instead of the lexicon scorers (with --cascade, only the texts the lexicon is unsure
    /// of).
    #[arg(long, value_name = "DIR", env = "SENTI_MODEL_REPO")]
    pub model_repo: Option<PathBuf>,
    /// The model, `name` or `name@version`.
    #[arg(
        long,
        value_name = "NAME",
        env = "SENTI_MODEL",
        requires = "model_repo"
    )]
    pub model: Option<String>,
    /// cpu, cuda[:N] or tensorrt[:N] (falls back to the CPU with a warning).
    #[arg(long, default_value = "cpu", env = "SENTI_DEVICE")]
    pub device: String,
    /// Most texts per forward pass (default: the server's default).
    #[arg(long, value_name = "N")]
    pub max_batch_size: Option<usize>,
    /// ONNX Runtime intra-op threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub model_threads: Option<usize>,
    /// The cascade: score with the lexicon first and send a text to the model only when the
    /// lexicon is unsure (|compound| under --cascade-threshold); each result says its
    /// "path" ("lexicon" or "model").
    #[arg(long, env = "SENTI_CASCADE")]
    pub cascade: bool,
    /// |compound| under which the cascade sends a text to the model: X for every language,
    /// or en=X,zh=Y,mixed=Z (default: the swept thresholds, en 0.7 / zh 0.05 / mixed 0.7;
    /// see BENCHMARKS.md "Cascade").
    #[arg(long, value_name = "X|LANG=X,...", env = "SENTI_CASCADE_THRESHOLD")]
    pub cascade_threshold: Option<String>,
    /// The cascade's model per language, `en=NAME[@V],zh=NAME[@V]` (a language left out
    /// takes --model; without one it keeps the lexicon's answer).
    #[arg(
        long,
        value_name = "LANG=MODEL,...",
        env = "SENTI_CASCADE_MODEL",
        requires = "model_repo"
    )]
    pub cascade_model: Option<String>,
}

impl BackendArgs {
    pub fn uses_model(&self) -> bool {
        self.model.is_some() || self.cascade_model.is_some()
    }

    /// The cascade's settings (on for every text with --cascade).
    fn cascade(&self) -> Result<senti_engine::CascadeConfig> {
        let thresholds = match &self.cascade_threshold {
            Some(s) => senti_engine::Thresholds::parse(s)
                .map_err(|e| anyhow!("--cascade-threshold {e}"))?,
            None => senti_engine::CASCADE_THRESHOLDS,
        };
        let models = match &self.cascade_model {
            Some(s) => senti_engine::CascadeConfig::parse_models(s)
                .map_err(|e| anyhow!("--cascade-model {e}"))?,
            None => Vec::new(),
        };
        if self.cascade && !self.uses_model() {
            return Err(anyhow!(
                "--cascade needs a model: give --model-repo with --model or --cascade-model"
            ));
        }
        if self.model_repo.is_some() && !self.uses_model() {
            return Err(anyhow!("--model-repo needs --model or --cascade-model"));
        }
        Ok(senti_engine::CascadeConfig {
            default_on: self.cascade,
            thresholds,
            models,
        })
    }

    pub fn max_batch_size(&self) -> usize {
        self.max_batch_size
            .unwrap_or(senti_model::BatchConfig::default().max_batch_size)
            .max(1)
    }

    /// The engine for files: no length limit (a file's lines are the user's own), no result
    /// cache (each line is scored once), the model (if any) batching as fast as it can.
    pub fn engine(&self, user_dict: Option<PathBuf>) -> Result<Engine> {
        let device = senti_model::Device::parse(&self.device).map_err(anyhow::Error::msg)?;
        let cascade = self.cascade()?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let d = EngineConfig::default();
        let cfg = EngineConfig {
            max_text_chars: usize::MAX,
            max_batch_items: usize::MAX,
            lexicon: self.lexicon.clone(),
            chat_lexicon: self.chat_lexicon.clone(),
            user_dict,
            model_repo: self.model_repo.clone(),
            default_model: self.model.clone(),
            repo: senti_model::RepoOptions {
                model: senti_model::ModelOptions {
                    device,
                    batch: senti_model::BatchConfig {
                        max_batch_size: self.max_batch_size(),
                        intra_threads: self.model_threads.unwrap_or(cores),
                        // A file is scored as fast as the model allows: nothing waits in a
                        // queue for a client, so no queue limit applies.
                        max_queue: usize::MAX,
                        queue_timeout: std::time::Duration::from_secs(86_400),
                        ..Default::default()
                    },
                    observer: Arc::new(senti_model::NoObserver),
                },
                versions: 1,
                settle: std::time::Duration::ZERO,
            },
            cache: senti_engine::CacheConfig {
                models: false,
                lexicon: false,
                ..d.cache
            },
            cascade,
            ..d
        };
        let engine = Engine::new(cfg, Arc::new(NoObserver), None).map_err(|e| match e {
            senti_engine::BuildError::Lexicon(e) => anyhow!(
                "loading --lexicon {}: {e}",
                self.lexicon
                    .as_deref()
                    .unwrap_or(std::path::Path::new(""))
                    .display()
            ),
            senti_engine::BuildError::Models(e) => anyhow!(
                "opening --model-repo {}: {e}",
                self.model_repo
                    .as_deref()
                    .unwrap_or(std::path::Path::new(""))
                    .display()
            ),
            other => other.into(),
        })?;
        if let Ok(Some(m)) = engine.resolve_model(None)
            && let Some(why) = m.fallback_reason()
        {
            eprintln!(
                "warning: {} could not start ({why}); running on the CPU",
                self.device
            );
        }
        Ok(engine)
    }
}
