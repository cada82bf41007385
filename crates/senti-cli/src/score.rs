//! `senti score`.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use clap::Args;
use senti_core::json::SentimentBody;
use senti_engine::Options;

use crate::backend::BackendArgs;
use crate::files::{FileArgs, run_file};
use crate::formats::score_renderer;

#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// The text to score. Omit it and give --input to score a file.
    #[arg(conflicts_with = "input")]
    pub text: Option<String>,
    #[command(flatten)]
    pub file: FileArgs,
    /// Field the result is written under; an input that already has it is reported as an
    /// error rather than overwritten.
    #[arg(long, default_value = "sentiment", value_name = "NAME")]
    pub result_field: String,
    /// Add per-token valences ("tokens") to each result.
    #[arg(long)]
    pub explain: bool,
    /// Language: auto detects it per text (English to VADER, Chinese to the Chinese scorer,
    /// mixed text to both); en, zh or mixed forces a scorer.
    #[arg(long, default_value = "auto", value_parser = ["auto", "en", "zh", "mixed"])]
    pub lang: String,
    /// general (reviews, posts: English exactly as vaderSentiment) or chat (live-chat slang,
    /// emoji and repeats count, in any script).
    #[arg(long, default_value = "general", value_parser = ["general", "chat"])]
    pub domain: String,
    #[command(flatten)]
    pub backend: BackendArgs,
}

pub fn run(args: ScoreArgs) -> Result<ExitCode> {
    let engine = args.backend.engine(None)?;
    let plan = engine
        .plan(&Options {
            lang: Some(args.lang.as_str()),
            domain: Some(args.domain.as_str()),
            explain: args.explain,
            ..Default::default()
        })
        .map_err(|e| anyhow!(e.message))?;
    if let Some(text) = &args.text {
        let s = pollster::block_on(engine.analyze(&plan, text)).map_err(|e| anyhow!(e.message))?;
        let body = SentimentBody::new(&s, text, args.explain);
        let mut out = io::stdout().lock();
        serde_json::to_writer(&mut out, &body)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let render = score_renderer(&engine, &plan);
    let mut file = args.file;
    if args.backend.uses_model() && file.threads.is_none() {
        // Each worker waits for its text's forward pass; with one worker per batch slot,
        // a full batch is always in flight.
        file.threads = Some(args.backend.max_batch_size());
    }
    run_file(&file, &args.result_field, &render, "score")
}
