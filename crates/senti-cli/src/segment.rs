//! `senti segment`: Chinese word segmentation, identical to Python jieba 0.42.1.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::Args;
use senti_engine::{Engine, EngineConfig, NoObserver};
use senti_zh::write_tokens_json;

use crate::files::{FileArgs, run_file};

#[derive(Args, Debug)]
pub struct SegmentArgs {
    /// The text to segment. Omit it and give --input to segment a file.
    #[arg(conflicts_with = "input")]
    pub text: Option<String>,
    #[command(flatten)]
    pub file: FileArgs,
    /// jieba mode: hmm (`jieba.lcut(s)`), no-hmm (`HMM=False`), all (`cut_all=True`) or
    /// search (`lcut_for_search`).
    #[arg(long, default_value = "hmm", value_parser = ["hmm", "no-hmm", "all", "search"])]
    pub mode: String,
    /// Tokens as {"word", "start", "end"} objects (character offsets) instead of strings.
    #[arg(long)]
    pub offsets: bool,
    /// A user dictionary in jieba's format (`word [freq] [tag]` per line).
    #[arg(long, value_name = "PATH", env = "SENTI_USER_DICT")]
    pub user_dict: Option<PathBuf>,
    /// Field the tokens are written under.
    #[arg(long, default_value = "tokens", value_name = "NAME")]
    pub result_field: String,
}

pub fn run(args: SegmentArgs) -> Result<ExitCode> {
    let engine = segment_engine(args.user_dict.clone())?;
    let mode = Engine::parse_mode(Some(&args.mode)).map_err(|e| anyhow!(e.message))?;
    let offsets = args.offsets;
    let render = move |text: &str, out: &mut Vec<u8>| -> Result<(), String> {
        let mut toks = Vec::with_capacity(text.len() / 2 + 1);
        engine.segment(text, mode, &mut toks);
        write_tokens_json(&toks, offsets, out);
        Ok(())
    };
    if let Some(text) = &args.text {
        let mut buf = b"{\"tokens\":".to_vec();
        render(text, &mut buf).map_err(|e| anyhow!(e))?;
        buf.extend_from_slice(b"}\n");
        io::stdout().lock().write_all(&buf)?;
        return Ok(ExitCode::SUCCESS);
    }
    run_file(&args.file, &args.result_field, &render, "segment")
}

/// The engine with the user dictionary (segmentation only needs its segmenter).
fn segment_engine(user_dict: Option<PathBuf>) -> Result<Engine> {
    let path = user_dict.clone();
    let cfg = EngineConfig {
        user_dict,
        ..Default::default()
    };
    Engine::new(cfg, std::sync::Arc::new(NoObserver), None).with_context(|| {
        format!(
            "loading --user-dict {}",
            path.as_deref()
                .unwrap_or(std::path::Path::new(""))
                .display()
        )
    })
}
