//! `senti score --input FILE.csv` on any bytes: the CSV header checks, the record reader,
//! the pipeline and the CSV line format, with the real renderer. A bad header is an error
//! value; otherwise every record gives one JSON object line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use senti_cli::formats::{Format, score_renderer};
use senti_cli::pipeline::{self, PipelineOptions};
use senti_engine::Options;
use senti_fuzz::ENGINE;

fuzz_target!(|data: &[u8]| {
    let explain = data.len() % 2 == 1;
    let plan = ENGINE
        .plan(&Options {
            explain,
            ..Default::default()
        })
        .expect("a valid plan");
    let render = score_renderer(&ENGINE, &plan);
    let opts = PipelineOptions {
        format: Format::Csv,
        text_field: "text".into(),
        result_field: "sentiment".into(),
        strict: false,
        threads: 1,
        max_line: 16 << 20,
    };
    let mut out = Vec::new();
    let Ok(summary) = pipeline::run(data, &mut out, &render, &opts, None) else {
        return; // no text column, a header that is not UTF-8, an unreadable record
    };
    let written: Vec<&[u8]> = out
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        written.len() as u64,
        summary.lines,
        "one output line per record"
    );
    for l in written {
        assert!(
            senti_fuzz::is_json_object(l),
            "{}",
            String::from_utf8_lossy(l)
        );
    }
});
