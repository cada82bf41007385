//! The Chinese sentiment scorer's bridge to Python (scripts/zh/*.py): texts in, one JSON
//! string per line on standard input.
//!
//! * `zh_features features`: one line per text, `id:value id:value ...` (the hashed feature ids
//!   the trainer fits; the lexicon feature is id 2^20).
//! * `zh_features score [DEAD_ZONE TEMPERATURE]`: one line per text, `logit<TAB>compound`; the
//!   time spent scoring (all texts read first, output written after) goes to standard error as
//!   `texts=N seconds=S texts_per_s=R` (one thread).

use std::io::{BufRead, BufWriter, Write};
use std::time::Instant;

use senti_zh::sentiment::ZhSentiment;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map(String::as_str).unwrap_or("");
    let stdin = std::io::stdin();
    let texts: Vec<String> = stdin
        .lock()
        .lines()
        .map(|l| serde_json::from_str(&l.expect("read stdin")).expect("a JSON string per line"))
        .collect();
    let mut zh = ZhSentiment::new();
    let out = std::io::stdout();
    let mut out = BufWriter::new(out.lock());
    match mode {
        "features" => {
            let mut feats = Vec::new();
            for t in &texts {
                zh.features(t, &mut feats);
                let line: Vec<String> = feats
                    .iter()
                    .map(|f| format!("{}:{}", f.id, f.value))
                    .collect();
                writeln!(out, "{}", line.join(" ")).expect("write");
            }
        }
        "score" => {
            if args.len() == 3 {
                let d: f64 = args[1].parse().expect("dead zone");
                let t: f64 = args[2].parse().expect("temperature");
                zh = zh.with_calibration(d, t);
            }
            // Warm-up, then the timed pass.
            for t in texts.iter().take(100) {
                std::hint::black_box(zh.polarity_scores(t));
            }
            let t0 = Instant::now();
            let scores: Vec<f64> = texts
                .iter()
                .map(|t| zh.polarity_scores(t).compound)
                .collect();
            let secs = t0.elapsed().as_secs_f64();
            for (t, c) in texts.iter().zip(&scores) {
                writeln!(out, "{}\t{}", zh.logit(t), c).expect("write");
            }
            eprintln!(
                "texts={} seconds={:.6} texts_per_s={:.1}",
                texts.len(),
                secs,
                texts.len() as f64 / secs.max(1e-12)
            );
        }
        _ => {
            eprintln!("usage: zh_features features|score [DEAD_ZONE TEMPERATURE] < texts.jsonl");
            std::process::exit(2);
        }
    }
}
