//! Language routing must not change English results: every VADER golden case without a Han
//! character, sent through the service's analyzer with no language hint, still gets exactly
//! vaderSentiment 3.3.2's scores (the golden files were written by Python).

use std::path::Path;

use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    text: String,
    neg: f64,
    neu: f64,
    pos: f64,
    compound: f64,
}

fn has_han(s: &str) -> bool {
    s.chars().any(|c| matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F))
}

#[test]
fn english_through_the_router_matches_vader_sentiment() {
    // Through the whole engine, built from the server's default settings.
    let engine = senti_engine::Engine::new(
        senti_server::Config::default().engine(std::sync::Arc::new(senti_model::NoObserver)),
        std::sync::Arc::new(senti_engine::NoObserver),
        None,
    )
    .unwrap();
    let plan = engine.plan(&senti_engine::Options::default()).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../senti-vader/tests/golden");
    let mut checked = 0;
    for name in ["groundtruth.jsonl", "generated.jsonl"] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        for line in text.lines() {
            let c: Case = serde_json::from_str(line).unwrap();
            if has_han(&c.text) {
                continue;
            }
            let s = engine
                .analyze(&plan, &c.text)
                .into_ready()
                .ok()
                .unwrap()
                .unwrap();
            assert_eq!(s.backend, "vader", "{:?}", c.text);
            let got = [s.scores.neg, s.scores.neu, s.scores.pos, s.scores.compound];
            let want = [c.neg, c.neu, c.pos, c.compound];
            assert!(
                got.iter()
                    .zip(want)
                    .all(|(g, w)| g.to_bits() == w.to_bits()),
                "{:?}: got {got:?}, want {want:?}",
                c.text
            );
            checked += 1;
        }
    }
    assert!(checked > 45_000, "only {checked} cases");
}
