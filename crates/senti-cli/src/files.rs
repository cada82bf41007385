//! What `senti score` and `senti segment` share: reading a file of texts in any format and
//! writing one JSONL line per input line, in order, with exit codes 0/1/2.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
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

    let mut output = Output::open(args.output.as_deref())?;
    let mut writer = BufWriter::with_capacity(1 << 20, output.sink()?);
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
    let sink = writer
        .into_inner()
        .map_err(|e| anyhow::Error::new(e.into_error()))
        .context("writing output")?;
    output.commit(sink)?;
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

/// Where the results go. A regular file is written under a temporary name beside it, synced,
/// and renamed over the final name only once complete: on a full disk, a write error or a
/// crash, the final name holds the file it held before (or nothing), never a truncated
/// output that looks finished; the temporary file is removed. Standard output and other
/// files that are not regular (a pipe, /dev/full) are written directly; a failure there
/// still ends in exit code 2 with the error on stderr.
struct Output {
    /// (temporary, final) for a staged regular file.
    staged: Option<(PathBuf, PathBuf)>,
    direct: Option<PathBuf>,
    committed: bool,
}

impl Output {
    fn open(path: Option<&Path>) -> Result<Output> {
        let Some(path) = path else {
            return Ok(Output {
                staged: None,
                direct: None,
                committed: false,
            });
        };
        let regular = match std::fs::metadata(path) {
            Ok(m) => m.is_file(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => true,
            Err(e) => return Err(e).with_context(|| format!("opening {}", path.display())),
        };
        if !regular {
            return Ok(Output {
                staged: None,
                direct: Some(path.to_path_buf()),
                committed: false,
            });
        }
        let name = path
            .file_name()
            .with_context(|| format!("{} is not a file name", path.display()))?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".senti-{}.tmp", std::process::id()));
        let tmp = path.with_file_name(tmp_name);
        Ok(Output {
            staged: Some((tmp, path.to_path_buf())),
            direct: None,
            committed: false,
        })
    }

    fn sink(&mut self) -> Result<Sink> {
        if let Some((tmp, dest)) = &self.staged {
            let f = File::create(tmp).with_context(|| format!("creating {}", dest.display()))?;
            return Ok(Sink::File(f));
        }
        if let Some(p) = &self.direct {
            let f = File::create(p).with_context(|| format!("opening {}", p.display()))?;
            return Ok(Sink::File(f));
        }
        Ok(Sink::Stdout(io::stdout()))
    }

    /// Everything was written: make it durable and give it its final name.
    fn commit(&mut self, sink: Sink) -> Result<()> {
        match sink {
            Sink::Stdout(mut out) => out.flush().context("writing output")?,
            Sink::File(f) => {
                if let Some((tmp, dest)) = &self.staged {
                    f.sync_all()
                        .with_context(|| format!("writing {}", dest.display()))?;
                    drop(f);
                    std::fs::rename(tmp, dest)
                        .with_context(|| format!("renaming the output to {}", dest.display()))?;
                }
            }
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let (false, Some((tmp, _))) = (self.committed, &self.staged) {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

enum Sink {
    File(File),
    Stdout(io::Stdout),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::File(f) => f.write(buf),
            Sink::Stdout(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::File(f) => f.flush(),
            Sink::Stdout(s) => s.flush(),
        }
    }
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
