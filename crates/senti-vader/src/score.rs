//! vaderSentiment's `score_valence`, `_punctuation_emphasis` and Python's `round`.

use senti_core::Scores;

/// `_amplify_ep` + `_amplify_qm` over the (emoji-rewritten) text: `text.count("!")` and
/// `text.count("?")`, in a loop the compiler vectorizes.
fn punctuation_emphasis(text: &str) -> f64 {
    let (mut ep, mut qm) = (0u32, 0u32);
    for chunk in text.as_bytes().chunks(1 << 16) {
        // u16 lanes cannot overflow within a chunk of 2^16 bytes.
        let (mut e, mut q) = (0u16, 0u16);
        for &b in chunk {
            e = e.wrapping_add(u16::from(b == b'!'));
            q = q.wrapping_add(u16::from(b == b'?'));
        }
        ep += u32::from(e);
        qm += u32::from(q);
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
    // One pass for Python 3.11's sum() (plain left-to-right double addition from 0) and
    // _sift_sentiment_scores, without a branch per token: adding +0.0 leaves each sum as it is
    // (no sum here can be -0.0: all start at +0.0, and +0.0 + -0.0 is +0.0).
    let (mut sum_s, mut pos_sum, mut neg_sum, mut neu_count) = (0.0f64, 0.0f64, 0.0f64, 0u64);
    for &s in sentiments {
        sum_s += s;
        pos_sum += if s > 0.0 { s + 1.0 } else { 0.0 };
        neg_sum += if s < 0.0 { s - 1.0 } else { 0.0 };
        neu_count += u64::from(s == 0.0);
    }
    let amp = punctuation_emphasis(text);
    if sum_s > 0.0 {
        sum_s += amp;
    } else if sum_s < 0.0 {
        sum_s -= amp;
    }
    let compound = normalize(sum_s);

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

/// Dekker's exact product: `a * b == p + e` exactly (no overflow assumed). Portable
/// replacement for `a.mul_add(b, -p)`, which without a hardware FMA in the compile target
/// becomes a slow software `fma` call.
#[inline]
fn two_product(a: f64, b: f64) -> (f64, f64) {
    #[inline]
    fn split(x: f64) -> (f64, f64) {
        let c = 134_217_729.0 * x; // 2^27 + 1
        let hi = c - (c - x);
        (hi, x - hi)
    }
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    let e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    (p, e)
}

/// Python's `round(x, ndigits)` for `ndigits` in 0..=15 and |x| < 2^50 / 10^ndigits (larger
/// values are returned unchanged; scores never come near).
///
/// Python rounds the exact binary value of `x` half-to-even at the decimal digit, then takes
/// the double nearest the rounded decimal. `(x * 1000.0).round() / 1000.0` gets both steps
/// wrong now and then: the product is itself rounded, and `round` breaks ties away from zero.
/// Here the product's rounding error is recovered exactly (Dekker's product), so the
/// comparison with the midpoint is exact; the final division of two exact integers is
/// correctly rounded by IEEE 754, as Python's decimal-to-double conversion is.
/// `ndigits` above 15 is treated as 15.
pub fn py_round(x: f64, ndigits: u32) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    // Half-to-even is symmetric, so work on |x| (which keeps every subtraction below exact)
    // and put the sign back at the end; Python returns -0.0 for small negatives too.
    let a = x.abs();
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let scale = POW10[ndigits.min(15) as usize]; // exact
    let (y, err) = two_product(a, scale); // a * scale == y + err exactly, |err| <= ulp(y) / 2
    if y >= 4_503_599_627_370_496.0 {
        return x; // 2^52: no fractional digits left at this scale
    }
    // y is positive and below 2^52 here, so truncation is floor (and, unlike f64::floor on
    // baseline x86-64, needs no libm call).
    let mut fl = (y as u64) as f64;
    if y == fl && err < 0.0 {
        fl -= 1.0;
    }
    // The exact value is fl + (y - fl) + err. `d` is exact when it is close to zero, and a
    // non-zero `d` is at least one ulp of y, so `err` only decides when `d` is zero.
    let d = (y - fl) - 0.5;
    // Round up when above the midpoint, or exactly on it with an odd lower neighbour.
    let exact_tie = d == 0.0 && err == 0.0;
    let up = d > 0.0 || (d == 0.0 && err > 0.0) || (exact_tie && (fl as u64) % 2 == 1);
    let k = if up { fl + 1.0 } else { fl };
    (k / scale).copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_marks_like_str_count() {
        for text in [
            "",
            "!",
            "a!b?c!!",
            "??????????!!!!!!!!!!!x",
            "é!ü?!",
            "no marks at all here",
        ] {
            let ep = text.matches('!').count().min(4) as f64 * 0.292;
            let qm = text.matches('?').count();
            let qm = if qm > 1 {
                if qm <= 3 { qm as f64 * 0.18 } else { 0.96 }
            } else {
                0.0
            };
            assert_eq!(punctuation_emphasis(text), ep + qm, "{text:?}");
        }
    }

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
