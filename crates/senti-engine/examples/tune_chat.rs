//! Chooses the `chat` domain's Chinese dead zone on data/danmaku's `tune` split (never the
//! holdouts): 3-class accuracy for each candidate. `cargo run -p senti-engine --example tune_chat`
//! The chat classifier sits on top and was trained on lexicon-stage compounds made with
//! `CHAT_DEAD_ZONE`: after changing it, retrain (`scripts/chat/train_chat_model.py`).

use std::sync::Arc;

use senti_core::Label;
use senti_engine::{Engine, EngineConfig, NoObserver, Options};

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/danmaku/comments.jsonl"
    );
    let rows: Vec<(String, Label)> = std::fs::read_to_string(path)
        .expect("data/danmaku/comments.jsonl")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["split"] == "tune")
        .map(|v| {
            let label = match v["label"].as_str() {
                Some("positive") => Label::Positive,
                Some("negative") => Label::Negative,
                _ => Label::Neutral,
            };
            (v["text"].as_str().unwrap_or_default().to_string(), label)
        })
        .collect();
    for d in [0.0, 0.1, 0.2, 0.3, 0.4, 0.55, 0.7] {
        let cfg = EngineConfig {
            chat_dead_zone: Some(d),
            ..Default::default()
        };
        let e = Engine::new(cfg, Arc::new(NoObserver), None).expect("engine");
        let plan = e
            .plan(&Options {
                domain: Some("chat"),
                ..Default::default()
            })
            .expect("plan");
        let right = rows
            .iter()
            .filter(|(t, l)| pollster::block_on(e.analyze(&plan, t)).map(|s| s.label) == Ok(*l))
            .count();
        println!(
            "dead zone {d:.2}: tune 3-class accuracy {:.4} ({right}/{})",
            right as f64 / rows.len() as f64,
            rows.len()
        );
    }
}
