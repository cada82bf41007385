//! vaderSentiment 3.3.2's valence rules, statement for statement.
//!
//! Each function names the Python method it mirrors. The quirks are kept on purpose (a port
//! that "fixes" them stops matching the reference): see the comments marked QUIRK.

use crate::tokenize::Tok;
use crate::words::*;

/// The main loop of `polarity_scores` plus `sentiment_valence`: one valence per token.
///
/// Most tokens are in no lexicon and get 0, so the slots start at 0 and only lexicon words
/// are visited (boosters and the "kind" of "kind of" carry no valence of their own either).
pub(crate) fn valences(toks: &[Tok], is_cap_diff: bool, out: &mut Vec<f64>) {
    out.clear();
    let n = toks.len();
    out.resize(n, 0.0);
    for (i, t) in toks.iter().enumerate() {
        if !t.in_lex()
            || t.booster != 0.0
            || (i + 1 < n && t.word == W_KIND && toks[i + 1].word == W_OF)
        {
            continue;
        }
        out[i] = sentiment_valence(toks, i, is_cap_diff);
    }
}

fn sentiment_valence(toks: &[Tok], i: usize, is_cap_diff: bool) -> f64 {
    let t = &toks[i];
    if !t.in_lex() {
        return 0.0;
    }
    let n = toks.len();
    let mut valence = t.lex;
    // "no" before a lexicon word is a negation, not a negative word of its own.
    if t.word == W_NO && i != n - 1 && toks[i + 1].in_lex() {
        valence = 0.0;
    }
    if (i > 0 && toks[i - 1].word == W_NO)
        || (i > 1 && toks[i - 2].word == W_NO)
        || (i > 2 && toks[i - 3].word == W_NO && matches!(toks[i - 1].word, W_OR | W_NOR))
    {
        valence = t.lex * N_SCALAR;
    }
    if t.upper && is_cap_diff {
        // QUIRK: a valence of exactly 0 (a "no" set to 0 above) is pushed negative.
        if valence > 0.0 {
            valence += C_INCR;
        } else {
            valence -= C_INCR;
        }
    }
    for start_i in 0..3 {
        if i > start_i && !toks[i - (start_i + 1)].in_lex() {
            let mut s = scalar_inc_dec(&toks[i - (start_i + 1)], valence, is_cap_diff);
            if start_i == 1 && s != 0.0 {
                s *= 0.95;
            }
            if start_i == 2 && s != 0.0 {
                s *= 0.9;
            }
            valence += s;
            valence = negation_check(valence, toks, start_i, i);
            if start_i == 2 {
                valence = special_idioms_check(valence, toks, i);
            }
        }
    }
    least_check(valence, toks, i)
}

/// `scalar_inc_dec`: the push a preceding booster gives, signed like the valence.
fn scalar_inc_dec(word: &Tok, valence: f64, is_cap_diff: bool) -> f64 {
    let mut scalar = 0.0;
    if word.booster != 0.0 {
        scalar = word.booster;
        if valence < 0.0 {
            scalar *= -1.0;
        }
        if word.upper && is_cap_diff {
            if valence > 0.0 {
                scalar += C_INCR;
            } else {
                scalar -= C_INCR;
            }
        }
    }
    scalar
}

#[inline]
fn so_or_this(t: &Tok) -> bool {
    matches!(t.word, W_SO | W_THIS)
}

/// `_negation_check`.
fn negation_check(valence: f64, toks: &[Tok], start_i: usize, i: usize) -> f64 {
    match start_i {
        0 if toks[i - 1].negated => valence * N_SCALAR,
        1 => {
            if toks[i - 2].word == W_NEVER && so_or_this(&toks[i - 1]) {
                valence * 1.25
            } else if toks[i - 2].word == W_WITHOUT && toks[i - 1].word == W_DOUBT {
                valence
            } else if toks[i - 2].negated {
                valence * N_SCALAR
            } else {
                valence
            }
        }
        2 => {
            // QUIRK: Python's `A and (B or C) or (D or E)`: a "so"/"this" right before the
            // word boosts it ×1.25 even with no "never", and skips the negation branch.
            if (toks[i - 3].word == W_NEVER && so_or_this(&toks[i - 2])) || so_or_this(&toks[i - 1])
            {
                valence * 1.25
            } else if toks[i - 3].word == W_WITHOUT
                && (toks[i - 2].word == W_DOUBT || toks[i - 1].word == W_DOUBT)
            {
                valence
            } else if toks[i - 3].negated {
                valence * N_SCALAR
            } else {
                valence
            }
        }
        _ => valence,
    }
}

/// `SPECIAL_CASES` two-word phrases. ("badass" is a one-word key and can never match a
/// two- or three-word sequence, so it is absent.)
fn special2(a: u8, b: u8) -> Option<f64> {
    match (a, b) {
        (W_THE, W_SHIT) | (W_THE, W_BOMB) => Some(3.0),
        (W_BAD, W_ASS) => Some(1.5),
        (W_BUS, W_STOP) => Some(0.0),
        (W_YEAH, W_RIGHT) => Some(-2.0),
        (W_BEATING, W_HEART) => Some(3.5),
        _ => None,
    }
}

/// `SPECIAL_CASES` three-word phrases.
fn special3(a: u8, b: u8, c: u8) -> Option<f64> {
    match (a, b, c) {
        (W_KISS, W_OF, W_DEATH) => Some(-1.5),
        (W_TO, W_DIE, W_FOR) => Some(3.0),
        _ => None,
    }
}

/// Two-word `BOOSTER_DICT` keys ("just enough", "kind of", "sort of"), all dampeners.
fn booster2(a: u8, b: u8) -> bool {
    matches!((a, b), (W_JUST, W_ENOUGH) | (W_KIND, W_OF) | (W_SORT, W_OF))
}

/// `_special_idioms_check`; only reached with `i >= 3` (QUIRK: so phrases near the start of
/// a sentence never fire, vaderSentiment issue #144).
fn special_idioms_check(mut valence: f64, toks: &[Tok], i: usize) -> f64 {
    let w = |k: usize| toks[k].word;
    let n = toks.len();
    // onezero, twoonezero, twoone, threetwoone, threetwo: the first that matches wins.
    let hit = special2(w(i - 1), w(i))
        .or_else(|| special3(w(i - 2), w(i - 1), w(i)))
        .or_else(|| special2(w(i - 2), w(i - 1)))
        .or_else(|| special3(w(i - 3), w(i - 2), w(i - 1)))
        .or_else(|| special2(w(i - 3), w(i - 2)));
    if let Some(v) = hit {
        valence = v;
    }
    if n - 1 > i
        && let Some(v) = special2(w(i), w(i + 1))
    {
        valence = v;
    }
    if n - 1 > i + 1
        && let Some(v) = special3(w(i), w(i + 1), w(i + 2))
    {
        valence = v;
    }
    // threetwoone is three words and never a booster key; threetwo, then twoone.
    if booster2(w(i - 3), w(i - 2)) {
        valence += B_DECR;
    }
    if booster2(w(i - 2), w(i - 1)) {
        valence += B_DECR;
    }
    valence
}

/// `_least_check`.
fn least_check(valence: f64, toks: &[Tok], i: usize) -> f64 {
    if i > 1 && !toks[i - 1].in_lex() && toks[i - 1].word == W_LEAST {
        if toks[i - 2].word != W_AT && toks[i - 2].word != W_VERY {
            return valence * N_SCALAR;
        }
        valence
    } else if i > 0 && !toks[i - 1].in_lex() && toks[i - 1].word == W_LEAST {
        valence * N_SCALAR
    } else {
        valence
    }
}

/// `_but_check`: ×0.5 before the first "but", ×1.5 after it.
///
/// QUIRK: Python walks the list and finds each value's slot with `sentiments.index(value)`,
/// i.e. the *first* slot holding an equal value, which may be an earlier slot already rescaled.
/// This replays that walk exactly. Zeros are skipped (rescaling 0 leaves 0), and only the
/// non-zero slots are searched, so the replay stays cheap for long texts.
pub(crate) fn but_check(toks: &[Tok], sentiments: &mut [f64], nonzero: &mut Vec<u32>) {
    let Some(bi) = toks.iter().position(|t| t.word == W_BUT) else {
        return;
    };
    nonzero.clear();
    nonzero.extend(
        sentiments
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0.0)
            .map(|(k, _)| k as u32),
    );
    for k in 0..sentiments.len() {
        let value = sentiments[k];
        if value == 0.0 {
            continue;
        }
        let si = nonzero
            .iter()
            .map(|&j| j as usize)
            .find(|&j| sentiments[j] == value)
            .unwrap_or(k);
        if si < bi {
            sentiments[si] = value * 0.5;
        } else if si > bi {
            sentiments[si] = value * 1.5;
        }
    }
}
