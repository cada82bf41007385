//! vaderSentiment's `score_valence`, `_punctuation_emphasis` and Python's `round`.

use senti_core::Scores;

/// `_amplify_ep` + `_amplify_qm` over the (emoji-rewritten) text.
fn punctuation_emphasis(text: &str) -> f64 {
    let (mut ep, mut qm) = (0usize, 0usize);
    for b in text.bytes() {
        ep += (b == b'!') as usize;
        qm += (b == b'?') as usize;
    }
    let ep_amplifier = ep.min(4) as f64 * 0.292;
    let qm_amplifier = if qm > 1 {
        if qm <= 3 { qm as f64 * 0.18 } else { 0.96 }
    } else {
        0.0
    };
    ep_amplifier + qm_amplifier
}

/// `normalize(score, alpha=15)`.
fn normalize(score: f64) -> f64 {
    let norm = score / (score * score + 15.0).sqrt();
    norm.clamp(-1.0, 1.0)
}

/// `score_valence`: from per-token valences to the rounded four scores.
pub(crate) fn score_valence(sentiments: &[f64], text: &str) -> Scores {
    if sentiments.is_empty() {
        return Scores::default();
    }
    // Python 3.11's sum(): plain left-to-right double addition from 0.
    let mut sum_s: f64 = sentiments.iter().fold(0.0, |acc, v| acc + v);
    let amp = punctuation_emphasis(text);
    if sum_s > 0.0 {
        sum_s += amp;
    } else if sum_s < 0.0 {
        sum_s -= amp;
    }
    let compound = normalize(sum_s);

    // _sift_sentiment_scores
    let (mut pos_sum, mut neg_sum, mut neu_count) = (0.0f64, 0.0f64, 0u64);
    for &s in sentiments {
        if s > 0.0 {
            pos_sum += s + 1.0;
        }
        if s < 0.0 {
            neg_sum += s - 1.0;
        }
        if s == 0.0 {
            neu_count += 1;
        }
    }
    if pos_sum > neg_sum.abs() {
        pos_sum += amp;
    } else if pos_sum < neg_sum.abs() {
        neg_sum -= amp;
    }
    let total = pos_sum + neg_sum.abs() + neu_count as f64;
    Scores {
        compound: py_round(compound, 4),
        pos: py_round((pos_sum / total).abs(), 3),
        neu: py_round((neu_count as f64 / total).abs(), 3),
        neg: py_round((neg_sum / total).abs(), 3),
    }
}

/// Python's `round(x, ndigits)` for `ndigits` in 0..=15 and |x| < 2^50 / 10^ndigits.
///
/// Python rounds the exact binary value of `x` half-to-even at the decimal digit, then takes
/// the double nearest the rounded decimal. `(x * 1000.0).round() / 1000.0` gets both steps
/// wrong now and then: the product is itself rounded, and `round` breaks ties away from zero.
/// Here the product's rounding error is recovered exactly with a fused multiply-add, so the
/// comparison with the midpoint is exact; the final division of two exact integers is
/// correctly rounded by IEEE 754, as Python's decimal-to-double conversion is.
pub fn py_round(x: f64, ndigits: u32) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    // Half-to-even is symmetric, so work on |x| (which keeps every subtraction below exact)
    // and put the sign back at the end; Python returns -0.0 for small negatives too.
    let a = x.abs();
    let scale = 10f64.powi(ndigits as i32); // exact for ndigits <= 22
    let y = a * scale;
    let err = a.mul_add(scale, -y); // a * scale == y + err exactly, |err| <= ulp(y) / 2
    let mut fl = y.floor();
    if y == fl && err < 0.0 {
        fl -= 1.0;
    }
    // The exact value is fl + (y - fl) + err. `d` is exact when it is close to zero, and a
    // non-zero `d` is at least one ulp of y, so `err` only decides when `d` is zero.
    let d = (y - fl) - 0.5;
    let k = if d > 0.0 || (d == 0.0 && err > 0.0) {
        fl + 1.0
    } else if d == 0.0 && err == 0.0 && fl % 2.0 != 0.0 {
        fl + 1.0 // an exact tie goes to the even neighbour
    } else {
        fl
    };
    (k / scale).copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_half_even_on_exact_ties() {
        assert_eq!(py_round(0.0625, 3), 0.062);
        assert_eq!(py_round(0.1875, 3), 0.188);
        assert_eq!(py_round(2.5, 0), 2.0);
        assert_eq!(py_round(3.5, 0), 4.0);
        assert_eq!(py_round(-0.0625, 3), -0.062);
    }

    #[test]
    fn round_uses_the_exact_binary_value() {
        // 0.0005 and 0.0015 are slightly above their decimals in binary, 1.0005 slightly below.
        assert_eq!(py_round(0.0005, 3), 0.001);
        assert_eq!(py_round(0.0015, 3), 0.002);
        assert_eq!(py_round(1.0005, 3), 1.0);
        assert!(py_round(-0.00004, 4).is_sign_negative());
        assert_eq!(py_round(-0.00004, 4), 0.0);
    }
}
