//! Streaming, parallel, order-preserving scoring of a file.
//!
//! One thread reads the input into chunks of about 1 MiB, a pool of workers scores chunks and
//! renders their output lines, and the calling thread writes finished chunks in input order.
//! All channels are bounded, so memory stays constant whatever the input size: at most
//! `2 × threads` chunks wait on each side. A line longer than `max_line` is not buffered
//! whole; it is skipped and reported as a bad line.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use crossbeam_channel::{Receiver, Sender, bounded};
use indicatif::ProgressBar;

use crate::formats::{Format, LineCtx, Outcome, Render, error_line};

const CHUNK_BYTES: usize = 1 << 20;
const CHUNK_ITEMS: usize = 8192;

pub struct PipelineOptions {
    pub format: Format,
    pub text_field: String,
    pub result_field: String,
    pub strict: bool,
    pub threads: usize,
    /// Longest input line scored; longer ones are reported as errors, never buffered whole.
    pub max_line: usize,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub lines: u64,
    pub failed: u64,
}

enum Items {
    /// Concatenated lines with their (start, end) in `buf`; `None` marks an over-long line.
    Lines {
        buf: Vec<u8>,
        spans: Vec<Option<(u32, u32)>>,
    },
    Csv(Vec<(u64, csv::ByteRecord)>),
}

struct Chunk {
    seq: u64,
    first_line: u64,
    bytes: u64,
    items: Items,
}

struct Done {
    seq: u64,
    out: Vec<u8>,
    summary: Summary,
    /// With --strict: output length up to and including the first failed line.
    stop_at: Option<usize>,
    bytes: u64,
}

pub fn run<R: BufRead + Send>(
    reader: R,
    writer: &mut dyn Write,
    render: Render<'_>,
    opts: &PipelineOptions,
    bar: Option<&ProgressBar>,
) -> Result<Summary> {
    let threads = opts.threads.max(1);
    let (work_tx, work_rx) = bounded::<Chunk>(threads * 2);
    let (done_tx, done_rx) = bounded::<Done>(threads * 2);

    let mut csv_reader = None;
    let mut line_reader = None;
    let mut csv_meta = None;
    if opts.format != Format::Csv {
        line_reader = Some(reader);
    } else {
        let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
        let headers: Vec<String> = r
            .byte_headers()
            .context("reading the CSV header")?
            .iter()
            .map(|h| String::from_utf8(h.to_vec()).context("CSV header is not UTF-8"))
            .collect::<Result<_>>()?;
        let Some(idx) = headers.iter().position(|h| h == &opts.text_field) else {
            bail!(
                "CSV has no column {:?} (columns: {})",
                opts.text_field,
                headers.join(", ")
            );
        };
        if headers.iter().any(|h| h == &opts.result_field) {
            bail!(
                "CSV column {:?} collides with --result-field",
                opts.result_field
            );
        }
        csv_meta = Some((Arc::new(headers), idx));
        csv_reader = Some(r);
    }

    std::thread::scope(|scope| -> Result<Summary> {
        let reader_handle = match (csv_reader, line_reader) {
            (Some(r), _) => scope.spawn(move || read_csv(r, work_tx)),
            (None, Some(r)) => scope.spawn(move || read_lines(r, work_tx, opts.max_line)),
            (None, None) => bail!("no input reader"),
        };
        for _ in 0..threads {
            let rx = work_rx.clone();
            let tx = done_tx.clone();
            let meta = csv_meta.clone();
            scope.spawn(move || work(rx, tx, render, opts, meta));
        }
        drop(work_rx);
        drop(done_tx);
        let written = write_in_order(done_rx, writer, opts.strict, bar);
        let read = reader_handle
            .join()
            .unwrap_or_else(|_| bail!("reader thread panicked"));
        let summary = written?;
        // A reader stopped by --strict fails to send; that is not an I/O error.
        if summary.failed == 0 || !opts.strict {
            read?;
        }
        Ok(summary)
    })
}

fn write_in_order(
    rx: Receiver<Done>,
    writer: &mut dyn Write,
    strict: bool,
    bar: Option<&ProgressBar>,
) -> Result<Summary> {
    let mut pending = BTreeMap::new();
    let mut next = 0u64;
    let mut total = Summary::default();
    for done in rx.iter() {
        pending.insert(done.seq, done);
        while let Some(d) = pending.remove(&next) {
            next += 1;
            if let Some(bar) = bar {
                bar.inc(d.bytes);
            }
            if strict && let Some(end) = d.stop_at {
                writer.write_all(&d.out[..end]).context("writing output")?;
                total.lines += d.summary.lines;
                total.failed += 1;
                return Ok(total);
            }
            writer.write_all(&d.out).context("writing output")?;
            total.lines += d.summary.lines;
            total.failed += d.summary.failed;
        }
    }
    Ok(total)
}

fn work(
    rx: Receiver<Chunk>,
    tx: Sender<Done>,
    render: Render<'_>,
    opts: &PipelineOptions,
    csv_meta: Option<(Arc<Vec<String>>, usize)>,
) {
    let ctx = LineCtx {
        render,
        text_field: &opts.text_field,
        result_field: &opts.result_field,
    };
    for chunk in rx.iter() {
        // About the input plus a result per item, so a small input costs a small buffer.
        let items = match &chunk.items {
            Items::Lines { spans, .. } => spans.len(),
            Items::Csv(records) => records.len(),
        };
        let mut out = Vec::with_capacity(
            (chunk.bytes as usize + 160 * items).min(CHUNK_BYTES + CHUNK_BYTES / 2),
        );
        let mut summary = Summary::default();
        let mut stop_at = None;
        let mut record = |outcome: Outcome, out: &Vec<u8>| {
            if outcome != Outcome::Skipped {
                summary.lines += 1;
            }
            if outcome == Outcome::Failed {
                summary.failed += 1;
                stop_at.get_or_insert(out.len());
            }
        };
        match &chunk.items {
            Items::Lines { buf, spans } => {
                for (i, span) in spans.iter().enumerate() {
                    let line_no = chunk.first_line + i as u64;
                    let outcome = match span {
                        None => error_line(
                            &mut out,
                            line_no,
                            &format!("line longer than {} bytes", opts.max_line),
                        ),
                        Some((s, e)) => {
                            let line = &buf[*s as usize..*e as usize];
                            match opts.format {
                                Format::Text => ctx.text(line_no, line, &mut out),
                                _ => ctx.jsonl(line_no, line, &mut out),
                            }
                        }
                    };
                    record(outcome, &out);
                }
            }
            Items::Csv(records) => {
                let Some((headers, idx)) = &csv_meta else {
                    continue;
                };
                for (line_no, rec) in records {
                    let outcome = ctx.csv(*line_no, headers, *idx, rec, &mut out);
                    record(outcome, &out);
                }
            }
        }
        let done = Done {
            seq: chunk.seq,
            out,
            summary,
            stop_at,
            bytes: chunk.bytes,
        };
        if tx.send(done).is_err() {
            return;
        }
    }
}

/// Reads one line (without its '\n') into `buf`, keeping at most `max` bytes of it.
/// Returns the bytes consumed (0 at end of input) and whether the line fit.
fn read_line_capped(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<(usize, bool)> {
    let start = buf.len();
    let mut consumed = 0;
    let mut fits = true;
    loop {
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            break;
        }
        let (take, done) = match memchr::memchr(b'\n', avail) {
            Some(p) => (p, true),
            None => (avail.len(), false),
        };
        if fits && buf.len() - start + take <= max {
            buf.extend_from_slice(&avail[..take]);
        } else {
            fits = false;
            buf.truncate(start);
        }
        let n = take + done as usize;
        r.consume(n);
        consumed += n;
        if done {
            break;
        }
    }
    Ok((consumed, fits))
}

fn read_lines(mut r: impl BufRead, tx: Sender<Chunk>, max_line: usize) -> Result<()> {
    let mut seq = 0;
    let mut line_no = 1;
    loop {
        // Grown as lines come (to about CHUNK_BYTES), so a small input costs a small buffer.
        let mut buf = Vec::with_capacity(64 << 10);
        let mut spans = Vec::with_capacity(1024);
        let mut bytes = 0u64;
        while buf.len() < CHUNK_BYTES && spans.len() < CHUNK_ITEMS {
            let start = buf.len();
            let (n, fits) =
                read_line_capped(&mut r, &mut buf, max_line).context("reading input")?;
            if n == 0 {
                break;
            }
            bytes += n as u64;
            spans.push(fits.then_some((start as u32, buf.len() as u32)));
        }
        if spans.is_empty() {
            return Ok(());
        }
        let count = spans.len() as u64;
        let chunk = Chunk {
            seq,
            first_line: line_no,
            bytes,
            items: Items::Lines { buf, spans },
        };
        if tx.send(chunk).is_err() {
            bail!("workers stopped");
        }
        seq += 1;
        line_no += count;
    }
}

fn read_csv<R: std::io::Read>(mut r: csv::Reader<R>, tx: Sender<Chunk>) -> Result<()> {
    let mut seq = 0;
    let mut last_byte = r.position().byte();
    loop {
        let mut records = Vec::with_capacity(1024);
        let mut size = 0;
        let mut first_line = 0;
        while size < CHUNK_BYTES && records.len() < CHUNK_ITEMS {
            let mut rec = csv::ByteRecord::new();
            if !r.read_byte_record(&mut rec).context("reading CSV")? {
                break;
            }
            let line = rec.position().map_or(0, |p| p.line());
            if records.is_empty() {
                first_line = line;
            }
            size += rec.as_slice().len() + 2 * rec.len();
            records.push((line, rec));
        }
        if records.is_empty() {
            return Ok(());
        }
        let pos = r.position().byte();
        let bytes = pos - last_byte;
        last_byte = pos;
        let chunk = Chunk {
            seq,
            first_line,
            bytes,
            items: Items::Csv(records),
        };
        if tx.send(chunk).is_err() {
            bail!("workers stopped");
        }
        seq += 1;
    }
}
