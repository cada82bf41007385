//! What `senti score` and `senti segment` share: reading a file of texts in any format and
//! writing one JSONL line per input line, in order, with exit codes 0/1/2.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::formats::{Format, Render};
use crate::pipeline::{self, PipelineOptions};

#[derive(Args, Debug)]
pub struct FileArgs {
    /// Input file, or - for standard input.
    #[arg(long, short, value_name = "FILE|-")]
    pub input: Option<String>,
    /// Output file (JSONL). Default: standard output.
    #[arg(long, short, value_name = "FILE", requires = "input")]
    pub output: Option<PathBuf>,
    /// Input format; auto picks by extension (.jsonl/.ndjson/.json, .csv, .txt), else by the
    /// first line.
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    pub format: Format,
    /// Field (JSONL) or column (CSV) that holds the text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_field: String,
    /// Stop at the first bad line (exit code 1) instead of reporting it and going on.
    #[arg(long)]
    pub strict: bool,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Longest input line accepted, in bytes; longer lines are reported as bad lines.
    #[arg(long, default_value_t = 16 << 20, value_name = "BYTES")]
    pub max_line_bytes: usize,
    /// Show a progress bar even when standard error is not a terminal (never when false).
    #[arg(long, value_name = "BOOL")]
    pub progress: Option<bool>,
}

/// Processes `--input` with `render`, writing each result under `result_field`.
pub fn run_file(
    args: &FileArgs,
    result_field: &str,
    render: Render<'_>,
    what: &str,
) -> Result<ExitCode> {
    let Some(input) = &args.input else {
        bail!("give a text, or --input FILE|- (see `senti {what} --help`)");
    };
    let (reader, size, name): (Box<dyn Read + Send>, Option<u64>, &str) = if input == "-" {
        (Box::new(io::stdin()), None, "-")
    } else {
        let f = File::open(input).with_context(|| format!("opening {input}"))?;
        let size = f.metadata().ok().map(|m| m.len());
        (Box::new(f), size, input.as_str())
    };
    let mut reader = BufReader::with_capacity(1 << 20, reader);
    let format = args.format.resolve(name, &mut reader)?;

    let show = args.progress.unwrap_or_else(|| io::stderr().is_terminal());
    let bar = show.then(|| make_bar(size));

    let sink: Box<dyn Write + Send> = match &args.output {
        Some(p) => Box::new(File::create(p).with_context(|| format!("creating {}", p.display()))?),
        None => Box::new(io::stdout()),
    };
    let mut writer = BufWriter::with_capacity(1 << 20, sink);
    let popts = PipelineOptions {
        format,
        text_field: args.text_field.clone(),
        result_field: result_field.to_string(),
        strict: args.strict,
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        max_line: args.max_line_bytes,
    };
    let summary = pipeline::run(reader, &mut writer, render, &popts, bar.as_ref())?;
    writer.flush().context("writing output")?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if summary.failed > 0 {
        let stopped = if args.strict {
            " (stopped: --strict)"
        } else {
            ""
        };
        eprintln!(
            "senti: {} of {} lines failed{stopped}",
            summary.failed, summary.lines
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn make_bar(size: Option<u64>) -> ProgressBar {
    match size {
        Some(n) => {
            let bar = ProgressBar::new(n);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta}) {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        }
        None => {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bytes} ({bytes_per_sec}) {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar
        }
    }
}
