//! What near-duplicate cache hits cost in precision (bench/cache/near_precision.sh): texts of
//! labelled sets go through an engine with near-duplicate hits on (L1), in file order, then a
//! perturbed copy of each (a longer repeat, added punctuation or 哈, one character dropped or
//! doubled), and every near hit's label is compared with the label computed for that text
//! itself. Prints one JSON line per file.
//!
//! `near_precision FILE... ` (`.jsonl` with "text", `.tsv` with a "sentence" column or
//! `label<TAB>text`, `.txt` one text per line); `MODEL_REPO` and `MODEL` for a model path,
//! `NEAR_MIN_CHARS` and `NEAR_DISTANCE` to change the rule.

use std::sync::Arc;

use senti_core::CacheTier;
use senti_engine::{CacheConfig, Engine, EngineConfig, NoObserver, Options};

fn texts(path: &str) -> Vec<String> {
    let raw = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    if path.ends_with(".jsonl") {
        return raw
            .lines()
            .filter_map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).ok()?;
                Some(v.get("text")?.as_str()?.to_string())
            })
            .collect();
    }
    if path.ends_with(".tsv") {
        let mut lines = raw.lines();
        let head = lines.next().unwrap_or_default();
        let col = head.split('\t').position(|c| c == "sentence");
        let mut out: Vec<String> = Vec::new();
        if col.is_none() {
            out.extend(head.split('\t').nth(1).map(str::to_string));
        }
        for l in lines {
            let f: Vec<&str> = l.split('\t').collect();
            let t = match col {
                Some(c) => f.get(c),
                None => f.get(1),
            };
            out.extend(t.map(|t| t.to_string()));
        }
        return out;
    }
    raw.lines().map(str::to_string).collect()
}

fn perturb(t: &str, k: usize) -> String {
    let chars: Vec<char> = t.chars().collect();
    match k % 5 {
        0 => format!("{t}哈哈哈"),
        1 => format!("{t}!!!"),
        2 if chars.len() > 4 => chars[..chars.len() - 1].iter().collect(),
        3 if !chars.is_empty() => {
            let mut c = chars.clone();
            let i = c.len() / 2;
            c.insert(i, c[i]);
            c.into_iter().collect()
        }
        _ => format!("{t} 。"),
    }
}

fn engine(near: bool) -> Engine {
    let env = |k: &str| std::env::var(k).ok();
    let model = env("MODEL_REPO").is_some();
    let cfg = EngineConfig {
        model_repo: env("MODEL_REPO").map(Into::into),
        default_model: env("MODEL"),
        cache: CacheConfig {
            lexicon: near && !model,
            models: near && model,
            near_lexicon: near,
            near_models: near,
            near_min_chars: env("NEAR_MIN_CHARS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(12),
            near_distance: env("NEAR_DISTANCE")
                .and_then(|v| v.parse().ok())
                .unwrap_or(3),
            ..CacheConfig::default()
        },
        max_text_chars: usize::MAX,
        ..EngineConfig::default()
    };
    Engine::new(cfg, Arc::new(NoObserver), None).expect("engine")
}

fn main() {
    let near = engine(true);
    let exact = engine(false);
    let plan_n = near.plan(&Options::default()).expect("plan");
    let plan_e = exact.plan(&Options::default()).expect("plan");
    let score = |e: &Engine, p, t: &str| pollster::block_on(e.analyze(p, t)).expect("score");
    for path in std::env::args().skip(1) {
        let originals = texts(&path);
        let all: Vec<String> = originals
            .iter()
            .cloned()
            .chain(originals.iter().enumerate().map(|(k, t)| perturb(t, k)))
            .collect();
        let (mut hits, mut changed, mut dsum) = (0u64, 0u64, 0.0f64);
        let (mut natural_hits, mut natural_changed) = (0u64, 0u64);
        for (i, t) in all.iter().enumerate() {
            let s = score(&near, &plan_n, t);
            if s.cached != Some(CacheTier::L1Near) {
                continue;
            }
            let truth = score(&exact, &plan_e, t);
            let differs = truth.label != s.label;
            hits += 1;
            changed += differs as u64;
            dsum += (truth.scores.compound - s.scores.compound).abs();
            if i < originals.len() {
                natural_hits += 1;
                natural_changed += differs as u64;
            }
        }
        println!(
            "{{\"file\":\"{}\",\"texts\":{},\"lookups\":{},\"near_hits\":{},\"label_changed\":{},\"changed_share_of_hits\":{:.4},\"mean_abs_compound_delta\":{:.4},\"near_hits_among_originals\":{},\"changed_among_originals\":{}}}",
            path.rsplit("/shared/").next().unwrap_or(&path),
            originals.len(),
            all.len(),
            hits,
            changed,
            if hits > 0 {
                changed as f64 / hits as f64
            } else {
                0.0
            },
            if hits > 0 { dsum / hits as f64 } else { 0.0 },
            natural_hits,
            natural_changed,
        );
    }
}
