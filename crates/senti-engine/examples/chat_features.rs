//! The chat classifier's features, for `scripts/chat/train_chat_model.py`: JSON lines with a
//! `text` on standard input, one line of `{"c": stage-1 compound, "f": [[bucket, value], ...]}`
//! per input on standard output
//! (the same code as at run time, so training and serving see the same ids).
//! `cargo run --release -p senti-engine --example chat_features < texts.jsonl`

use std::io::{BufRead, BufWriter, Write};
use std::sync::Arc;

use senti_engine::{Engine, EngineConfig, NoObserver};

fn main() -> std::io::Result<()> {
    let e = Engine::new(EngineConfig::default(), Arc::new(NoObserver), None).expect("engine");
    let stdin = std::io::stdin();
    let mut out = BufWriter::new(std::io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line?;
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        let text = v["text"].as_str().unwrap_or_default();
        let (c, f) = e.chat_features(text).unwrap_or_default();
        let row: Vec<String> = f.iter().map(|(i, x)| format!("[{i},{x}]")).collect();
        writeln!(out, "{{\"c\":{c},\"f\":[{}]}}", row.join(","))?;
    }
    out.flush()
}
