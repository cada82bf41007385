//! From logits to the common score shape.

use senti_core::{Label, Scores};

use crate::config::{ModelConfig, ProblemType};

/// Probabilities per label: a numerically stable softmax (the maximum logit is subtracted
/// before `exp`, so large logits cannot overflow) or an independent sigmoid per label.
pub fn probabilities(problem: ProblemType, logits: &[f32], out: &mut Vec<f64>) {
    out.clear();
    match problem {
        ProblemType::SingleLabel => {
            let max = logits
                .iter()
                .fold(f64::NEG_INFINITY, |m, &x| m.max(f64::from(x)));
            let mut sum = 0.0;
            for &x in logits {
                let e = (f64::from(x) - max).exp();
                sum += e;
                out.push(e);
            }
            for p in out.iter_mut() {
                *p /= sum;
            }
        }
        ProblemType::MultiLabel => {
            out.extend(logits.iter().map(|&x| sigmoid(f64::from(x))));
        }
    }
}

/// `1 / (1 + e^-x)` without overflow for large negative `x`.
fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Positive, neutral and negative shares from label probabilities.
///
/// Single-label: each share is the sum of its labels' probabilities; `neu` also takes the
/// labels that map to no sentiment, so the three shares sum to 1. Multi-label: each share is
/// its labels' largest sigmoid, and `neu` is 0 unless a label maps to neutral. In both
/// cases `compound = p(positive) - p(negative)`.
pub fn scores(cfg: &ModelConfig, probs: &[f64]) -> Scores {
    let (mut pos, mut neu, mut neg) = (0.0f64, 0.0f64, 0.0f64);
    for (p, role) in probs.iter().zip(&cfg.roles) {
        let slot = match role {
            Some(Label::Positive) => &mut pos,
            Some(Label::Negative) => &mut neg,
            Some(Label::Neutral) => &mut neu,
            None if cfg.problem == ProblemType::SingleLabel => &mut neu,
            None => continue,
        };
        match cfg.problem {
            ProblemType::SingleLabel => *slot += p,
            ProblemType::MultiLabel => *slot = slot.max(*p),
        }
    }
    Scores::from_probabilities(pos, neu, neg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_is_stable_and_sums_to_one() {
        let mut out = Vec::new();
        probabilities(ProblemType::SingleLabel, &[1000.0, 999.0], &mut out);
        assert!(out.iter().all(|p| p.is_finite()));
        assert!((out[0] + out[1] - 1.0).abs() < 1e-15);
        assert!((out[0] - 1.0 / (1.0 + (-1.0f64).exp())).abs() < 1e-15);
        probabilities(ProblemType::SingleLabel, &[-1e30, 0.0, 1e30], &mut out);
        assert_eq!(out, vec![0.0, 0.0, 1.0]);
    }

    #[test]
    fn sigmoid_has_no_overflow() {
        let mut out = Vec::new();
        probabilities(ProblemType::MultiLabel, &[-1000.0, 0.0, 1000.0], &mut out);
        assert_eq!(out, vec![0.0, 0.5, 1.0]);
    }

    #[test]
    fn shares_and_compound() {
        let cfg = crate::ModelConfig::from_json(
            br#"{"id2label":{"0":"neg","1":"neu","2":"pos","3":"other"}}"#,
        )
        .unwrap();
        let s = scores(&cfg, &[0.1, 0.2, 0.6, 0.1]);
        assert!((s.compound - 0.5).abs() < 1e-12);
        assert!((s.neu - 0.3).abs() < 1e-12);
        assert_eq!(s.label(), Label::Positive);
    }
}
