//! Building the analyzer from command-line options.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use senti_core::LangRouter;

#[derive(Args, Debug, Clone)]
pub struct BackendArgs {
    /// Extra VADER lexicon entries (vader_lexicon.txt format) that add to or override the
    /// built-in lexicon.
    #[arg(long, value_name = "PATH", env = "SENTI_LEXICON")]
    pub lexicon: Option<PathBuf>,
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
}
