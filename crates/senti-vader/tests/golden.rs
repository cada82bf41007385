//! Golden tests: every expected value was written by Python vaderSentiment 3.3.2
//! (scripts/golden/vader_golden.py, versions pinned there). No Python is needed to run them.

use std::path::Path;

use senti_vader::{Vader, py_round};
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    src: String,
    text: String,
    neg: f64,
    neu: f64,
    pos: f64,
    compound: f64,
}

fn golden(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Scores every case and fails with the first differences listed.
fn check(name: &str, min_cases: usize) {
    let v = Vader::new();
    let mut n = 0;
    let mut failures = Vec::new();
    for line in golden(name).lines() {
        let c: Case = serde_json::from_str(line).unwrap();
        n += 1;
        let got = v.polarity_scores(&c.text);
        let diffs = [
            ("neg", got.neg, c.neg),
            ("neu", got.neu, c.neu),
            ("pos", got.pos, c.pos),
            ("compound", got.compound, c.compound),
        ];
        for (field, g, want) in diffs {
            if (g - want).abs() >= 1e-9 {
                failures.push(format!(
                    "{} {field}: got {g}, want {want}; text {:?}",
                    c.src, c.text
                ));
            }
        }
    }
    assert!(
        n >= min_cases,
        "{name}: only {n} cases, expected at least {min_cases}"
    );
    assert!(
        failures.is_empty(),
        "{name}: {} of {n} cases differ from vaderSentiment 3.3.2:\n{}",
        failures.len(),
        failures
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn groundtruth_sentences_match_python() {
    check("groundtruth.jsonl", 23_703);
}

#[test]
fn generated_rule_cases_match_python() {
    check("generated.jsonl", 5_000);
}

#[derive(Deserialize)]
struct RoundCase {
    x: String,
    n: u32,
    r: String,
}

#[test]
fn round_matches_python() {
    let mut n = 0;
    for line in golden("pyround.jsonl").lines() {
        let c: RoundCase = serde_json::from_str(line).unwrap();
        let x: f64 = c.x.parse().unwrap();
        let want: f64 = c.r.parse().unwrap();
        let got = py_round(x, c.n);
        assert!(
            got.to_bits() == want.to_bits(),
            "round({}, {}) = {} in Python, {got:?} here",
            c.x,
            c.n,
            c.r
        );
        n += 1;
    }
    assert!(n >= 20_000, "only {n} rounding cases");
}
