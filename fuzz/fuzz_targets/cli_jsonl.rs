//! `senti score --input` on any JSONL or plain-text file: the reader, the parallel
//! pipeline and the line formats of the CLI, with the real renderer (the default engine).
//! Every input line gives exactly one output line (blank JSONL lines none), each a JSON
//! object; bad lines are reported in place, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use senti_cli::formats::{Format, score_renderer};
use senti_cli::pipeline::{self, PipelineOptions};
use senti_engine::Options;
use senti_fuzz::ENGINE;

/// Small, so that over-long lines (reported, never buffered) are reached.
const MAX_LINE: usize = 512;

fn run(data: &[u8], format: Format, explain: bool) {
    let plan = ENGINE
        .plan(&Options {
            explain,
            ..Default::default()
        })
        .expect("a valid plan");
    let render = score_renderer(&ENGINE, &plan);
    let opts = PipelineOptions {
        format,
        text_field: "text".into(),
        result_field: "sentiment".into(),
        strict: false,
        threads: 1,
        max_line: MAX_LINE,
    };
    let mut out = Vec::new();
    let summary =
        pipeline::run(data, &mut out, &render, &opts, None).expect("reading memory cannot fail");
    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let expected = lines
        .iter()
        .filter(|l| format == Format::Text || l.len() > MAX_LINE || !l.trim_ascii().is_empty())
        .count() as u64;
    assert_eq!(summary.lines, expected, "{format:?}: lines counted");
    let written = out
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>();
    assert_eq!(
        written.len() as u64,
        expected,
        "{format:?}: one output line per input line"
    );
    for l in written {
        assert!(
            senti_fuzz::is_json_object(l),
            "{format:?}: {}",
            String::from_utf8_lossy(l)
        );
    }
}

fuzz_target!(|data: &[u8]| {
    // The input's length picks the format and explain (one pipeline run per input is
    // faster than both, and any text can be fuzzed as either format).
    let format = if data.len() % 2 == 0 {
        Format::Jsonl
    } else {
        Format::Text
    };
    let explain = data.len() % 4 >= 2;
    run(data, format, explain);
});
