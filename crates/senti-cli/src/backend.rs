//! Building the analyzer from command-line options.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use senti_vader::Vader;

#[derive(Args, Debug, Clone)]
pub struct BackendArgs {
    /// Extra VADER lexicon entries (vader_lexicon.txt format) that add to or override the
    /// built-in lexicon.
    #[arg(long, value_name = "PATH", env = "SENTI_LEXICON")]
    pub lexicon: Option<PathBuf>,
}

impl BackendArgs {
    pub fn build(&self) -> Result<Vader> {
        let vader = Vader::new();
        match &self.lexicon {
            Some(path) => vader
                .with_lexicon_file(path)
                .with_context(|| format!("loading --lexicon {}", path.display())),
            None => Ok(vader),
        }
    }
}
