//! Building the analyzer from command-line options.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use senti_core::{Analyzer, LangRouter};

#[derive(Args, Debug, Clone)]
pub struct BackendArgs {
    /// Extra VADER lexicon entries (vader_lexicon.txt format) that add to or override the
    /// built-in lexicon.
    #[arg(long, value_name = "PATH", env = "SENTI_LEXICON")]
    pub lexicon: Option<PathBuf>,
    /// A model repository (DIR/<name>/<version>/...); with --model, texts go to that model
    /// instead of the lexicon scorers.
    #[arg(long, value_name = "DIR", env = "SENTI_MODEL_REPO", requires = "model")]
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
    /// Most texts per forward pass.
    #[arg(long, default_value_t = 32, value_name = "N")]
    pub max_batch_size: usize,
    /// ONNX Runtime intra-op threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub model_threads: Option<usize>,
}

impl BackendArgs {
    /// The same analyzer as `senti serve`: VADER for English (the default), the Chinese
    /// scorer for Chinese, by detected language.
    pub fn build(&self) -> Result<LangRouter> {
        senti_server::build_analyzer(self.lexicon.as_deref()).with_context(|| {
            let path = self.lexicon.as_deref().unwrap_or(std::path::Path::new(""));
            format!("loading --lexicon {}", path.display())
        })
    }

    pub fn uses_model(&self) -> bool {
        self.model.is_some()
    }

    /// The model if one is asked for, else the lexicon router.
    pub fn build_any(&self) -> Result<Box<dyn Analyzer>> {
        let (Some(repo), Some(name)) = (&self.model_repo, &self.model) else {
            return Ok(Box::new(self.build()?));
        };
        let spec = senti_model::ModelSpec::parse(name)?;
        let device = senti_model::Device::parse(&self.device).map_err(anyhow::Error::msg)?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let opts = senti_model::RepoOptions {
            model: senti_model::ModelOptions {
                device,
                batch: senti_model::BatchConfig {
                    max_batch_size: self.max_batch_size.max(1),
                    intra_threads: self.model_threads.unwrap_or(cores),
                    // A file is scored as fast as the model allows: nothing waits in a
                    // queue for a client, so no queue limit applies.
                    max_queue: usize::MAX,
                    queue_timeout: std::time::Duration::from_secs(86_400),
                    ..Default::default()
                },
                observer: std::sync::Arc::new(senti_model::NoObserver),
            },
            versions: 1,
            settle: std::time::Duration::ZERO,
        };
        let r = senti_model::ModelRepo::open(repo, opts)
            .with_context(|| format!("opening --model-repo {}", repo.display()))?;
        match r.get(&spec) {
            Ok(m) => {
                if let Some(why) = m.fallback_reason() {
                    eprintln!(
                        "warning: {} could not start ({why}); running on the CPU",
                        self.device
                    );
                }
                Ok(Box::new(m))
            }
            Err(e) => {
                let why: Vec<String> = r
                    .status()
                    .into_iter()
                    .filter(|s| s.name == spec.name)
                    .flat_map(|s| s.versions)
                    .map(|v| format!("version {}: {:?}", v.version, v.state))
                    .collect();
                bail!(
                    "{e}{}{}",
                    if why.is_empty() { "" } else { "; " },
                    why.join("; ")
                )
            }
        }
    }
}
