//! `senti score`.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use senti_core::json::SentimentBody;
use senti_core::{AnalyzeOptions, Lang};

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
    #[command(flatten)]
    pub backend: BackendArgs,
}

pub fn run(args: ScoreArgs) -> Result<ExitCode> {
    let analyzer = args.backend.build_any()?;
    let lang = match args.lang.as_str() {
        "auto" => None,
        "mixed" => Some(Lang::Mixed),
        other => Lang::parse(other),
    };
    let opts = AnalyzeOptions {
        explain: args.explain,
        lang,
    };
    if let Some(text) = &args.text {
        let s = pollster::block_on(analyzer.analyze(text, opts))?;
        let body = SentimentBody::new(&s, text, args.explain);
        let mut out = io::stdout().lock();
        serde_json::to_writer(&mut out, &body)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let render = score_renderer(&*analyzer, opts);
    let mut file = args.file;
    if args.backend.uses_model() && file.threads.is_none() {
        // Each worker waits for its text's forward pass; with one worker per batch slot,
        // a full batch is always in flight.
        file.threads = Some(args.backend.max_batch_size.max(1));
    }
    run_file(&file, &args.result_field, &render, "score")
}
