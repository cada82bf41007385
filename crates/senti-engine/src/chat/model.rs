//! The chat classifier: three classes (negative, neutral, positive) from what the lexicon
//! stage found plus the comment's own shape and character n-grams.
//!
//! Why a classifier after the lexicons: a live comment's sentiment is often in no dictionary
//! word (起立, 手在抖, 坐牢三小时, "chat he actually did it"), and the question "is this
//! neutral?" is not a threshold on one score: a question mark, a greeting formula or a gift
//! thank-you is neutral whatever words it holds. The lexicon stage's compound stays the
//! strongest single feature (binned per language, so the model learns each scorer's neutral
//! band); character and word n-grams over a normalised text (case folded, runs cut to two:
//! 哈哈哈哈 and 哈哈 are one feature) carry what the lexicons miss. It is a linear model, so
//! a comment costs one hash and three multiply-adds per feature, no allocation beyond the
//! feature list.
//!
//! Weights are compiled in (`data/chat_model.bin`, written by `scripts/chat/train_chat_model.py`
//! from `data/danmaku/train.jsonl` and the `tune` split, our own writing; `chat_model.md` says
//! what it was trained on). Training reads the features through `examples/chat_features.rs`,
//! this very code, so training and run time cannot disagree about ids.

use senti_core::{Scores, Sentiment};

use super::lexicon::{Hit, is_han};

static MODEL_BYTES: &[u8] = include_bytes!("../../data/chat_model.bin");

const MAGIC: &[u8; 4] = b"SCHM";
const HEADER: usize = 28;

/// log2 of the number of hashed buckets.
pub const BUCKET_BITS: u32 = 18;
/// Number of hashed buckets.
pub const BUCKETS: u32 = 1 << BUCKET_BITS;

/// Edges of the compound bins (a compound of exactly 0, no evidence at all, has its own).
const BINS: [f64; 10] = [-0.6, -0.3, -0.1, -0.05, -0.02, 0.02, 0.05, 0.1, 0.3, 0.6];

fn fnv(parts: &[&[u8]]) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, p) in parts.iter().enumerate() {
        if k > 0 {
            h ^= 0x1f;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        for &b in *p {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    ((h ^ (h >> 32)) as u32) & (BUCKETS - 1)
}

/// One unit of the normalised text: an ASCII letter/digit run (a word) or any other
/// non-space character.
#[derive(Clone, Copy)]
struct Unit {
    start: usize,
    end: usize,
    word: bool,
}

/// Per-call buffers.
#[derive(Default)]
pub struct Scratch {
    norm: String,
    units: Vec<Unit>,
}

/// The features of a comment, given the lexicon stage's answer `s` for it and the chat
/// lexicon's `hits`, into `out` (cleared first) as `(bucket, value)` pairs.
pub fn features(
    text: &str,
    s: &Sentiment,
    hits: &[Hit],
    scratch: &mut Scratch,
    out: &mut Vec<(u32, f32)>,
) {
    out.clear();
    let group: &[u8] = match s.backend {
        "vader" => b"en",
        "zh" => b"zh",
        _ => b"mx",
    };
    let c = s.scores.compound;
    out.push((fnv(&[b"L", group]), 1.0));
    out.push((fnv(&[b"C", group]), c as f32));
    out.push((fnv(&[b"A", group]), c.abs() as f32));
    let bin = if c == 0.0 {
        u8::MAX
    } else {
        BINS.iter().take_while(|&&e| c >= e).count() as u8
    };
    out.push((fnv(&[b"K", group, &[bin]]), 1.0));
    let (mut hp, mut hn) = (0.0f64, 0.0f64);
    for h in hits {
        if h.valence > 0.0 {
            hp += h.valence;
        } else {
            hn += h.valence;
        }
    }
    if !hits.is_empty() {
        out.push((fnv(&[b"H+"]), (hp / 4.0) as f32));
        out.push((fnv(&[b"H-"]), (hn / 4.0) as f32));
    }

    // Normalise: lowercase, runs of one character cut to two.
    let norm = &mut scratch.norm;
    norm.clear();
    let (mut prev, mut run, mut repeated) = ('\0', 0usize, false);
    let (mut chars, mut questions, mut bangs, mut alnum, mut digits_only) =
        (0usize, 0usize, false, false, true);
    for ch in text.chars().flat_map(char::to_lowercase) {
        if ch.is_whitespace() {
            if prev != ' ' {
                norm.push(' ');
            }
            prev = ' ';
            run = 0;
            continue;
        }
        chars += 1;
        questions += usize::from(matches!(ch, '?' | '？'));
        bangs |= matches!(ch, '!' | '！');
        alnum |= ch.is_alphanumeric() || is_han(ch);
        digits_only &= ch.is_ascii_digit();
        if ch == prev {
            run += 1;
            if run >= 2 {
                repeated = true;
                continue;
            }
        } else {
            run = 0;
        }
        prev = ch;
        norm.push(ch);
    }
    let norm = &scratch.norm;
    let len_bucket: u8 = match chars {
        0..=1 => 0,
        2 => 1,
        3..=4 => 2,
        5..=8 => 3,
        9..=16 => 4,
        17..=32 => 5,
        _ => 6,
    };
    out.push((fnv(&[b"S:len", &[len_bucket]]), 1.0));
    if questions > 0 {
        out.push((fnv(&[b"S:q", &[questions.min(2) as u8]]), 1.0));
    }
    if bangs {
        out.push((fnv(&[b"S:!"]), 1.0));
    }
    if repeated {
        out.push((fnv(&[b"S:rep"]), 1.0));
    }
    if !alnum {
        out.push((fnv(&[b"S:symbols"]), 1.0));
    } else if digits_only {
        out.push((fnv(&[b"S:digits"]), 1.0));
    }

    // Units, then their 1-, 2- and 3-grams (spaces do not break them: English word pairs).
    let units = &mut scratch.units;
    units.clear();
    let mut word_start: Option<usize> = None;
    for (i, ch) in norm.char_indices() {
        let wordy = ch.is_ascii_alphanumeric() || ch == '\'';
        match (wordy, word_start) {
            (true, None) => word_start = Some(i),
            (true, Some(_)) => {}
            (false, Some(st)) => {
                units.push(Unit {
                    start: st,
                    end: i,
                    word: true,
                });
                word_start = None;
            }
            (false, None) => {}
        }
        if !wordy && ch != ' ' {
            units.push(Unit {
                start: i,
                end: i + ch.len_utf8(),
                word: false,
            });
        }
    }
    if let Some(st) = word_start {
        units.push(Unit {
            start: st,
            end: norm.len(),
            word: true,
        });
    }
    let b = norm.as_bytes();
    let u = |k: usize| &b[units[k].start..units[k].end];
    for k in 0..units.len() {
        let tag: &[u8] = if units[k].word { b"W" } else { b"U" };
        out.push((fnv(&[tag, u(k)]), 1.0));
        if k + 1 < units.len() {
            out.push((fnv(&[b"B", u(k), u(k + 1)]), 1.0));
        }
        if k + 2 < units.len() {
            out.push((fnv(&[b"T", u(k), u(k + 1), u(k + 2)]), 1.0));
        }
    }
}

/// The compiled-in classifier.
#[derive(Clone, Copy)]
pub struct ChatModel {
    weights: &'static [u8],
    scale: f32,
    bias: [f32; 3],
}

impl std::fmt::Debug for ChatModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatModel")
            .field("bias", &self.bias)
            .finish_non_exhaustive()
    }
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn le_f32(b: &[u8], at: usize) -> f32 {
    f32::from_bits(le_u32(b, at))
}

impl Default for ChatModel {
    fn default() -> Self {
        Self::builtin()
    }
}

impl ChatModel {
    /// The weights compiled into the binary (checked by the tests: a bad file is a build bug).
    pub fn builtin() -> ChatModel {
        let b = MODEL_BYTES;
        assert!(
            b.len() >= HEADER && &b[..4] == MAGIC && le_u32(b, 4) == 1,
            "chat_model.bin: bad header"
        );
        assert_eq!(le_u32(b, 8), BUCKETS, "chat_model.bin: bucket count");
        assert_eq!(
            b.len(),
            HEADER + 6 * BUCKETS as usize,
            "chat_model.bin: bad size"
        );
        ChatModel {
            weights: &b[HEADER..],
            scale: le_f32(b, 12),
            bias: [le_f32(b, 16), le_f32(b, 20), le_f32(b, 24)],
        }
    }

    /// A hash of the weights (part of the result cache's scope).
    pub fn fingerprint(&self) -> u64 {
        xxhash_rust::xxh3::xxh3_64(MODEL_BYTES)
    }

    /// Class probabilities (negative, neutral, positive) for a feature list.
    pub fn probabilities(&self, feats: &[(u32, f32)]) -> [f64; 3] {
        let mut z = [0f64; 3];
        let mut q = [0i64; 3];
        for &(id, v) in feats {
            let i = 6 * (id & (BUCKETS - 1)) as usize;
            let w = &self.weights[i..i + 6];
            for (k, zk) in z.iter_mut().enumerate() {
                let wk = i16::from_le_bytes([w[2 * k], w[2 * k + 1]]);
                if v == 1.0 {
                    q[k] += i64::from(wk);
                } else {
                    *zk += f64::from(wk) * f64::from(v);
                }
            }
        }
        let scale = f64::from(self.scale);
        for k in 0..3 {
            z[k] = (z[k] + q[k] as f64) * scale + f64::from(self.bias[k]);
        }
        let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let e = z.map(|x| (x - m).exp());
        let sum: f64 = e.iter().sum();
        e.map(|x| x / sum)
    }
}

/// Scores consistent with the most probable class: its label comes out of the usual
/// thresholds on `compound` (±0.05), and `compound` still moves with `p(pos) - p(neg)`.
pub fn scores_of(p: [f64; 3]) -> Scores {
    let m = p[2] - p[0];
    let compound = if p[1] >= p[0] && p[1] >= p[2] {
        0.0499 * m
    } else if p[2] > p[0] {
        0.05 + 0.95 * m
    } else {
        -(0.05 - 0.95 * m)
    };
    // What rounds to 0 at 4 decimals is 0, not -0.
    let compound = if compound.abs() < 5e-5 { 0.0 } else { compound };
    Scores {
        compound,
        pos: compound.max(0.0),
        neu: 1.0 - compound.abs(),
        neg: (-compound).max(0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use senti_core::Label;

    #[test]
    fn the_builtin_weights_load() {
        let m = ChatModel::builtin();
        let p = m.probabilities(&[]);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn scores_follow_the_most_probable_class() {
        let cases = [
            ([0.2, 0.5, 0.3], Label::Neutral),
            ([0.45, 0.1, 0.45], Label::Negative),
            ([0.1, 0.3, 0.6], Label::Positive),
            ([0.34, 0.33, 0.33], Label::Negative),
            ([0.0, 1.0, 0.0], Label::Neutral),
        ];
        for (p, want) in cases {
            let s = scores_of(p);
            assert_eq!(s.label(), want, "{p:?} -> {s:?}");
            assert!(s.compound.abs() <= 1.0);
            assert!((s.pos + s.neu + s.neg - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn runs_fold_and_units_cover_words_and_characters() {
        let s = Sentiment {
            label: Label::Neutral,
            scores: Scores::default(),
            lang: senti_core::Lang::Zh,
            backend: "zh",
            contributions: Vec::new(),
            truncated: false,
            model: None,
            cached: None,
            degraded: None,
            path: None,
        };
        let (mut sc, mut a, mut b) = (Scratch::default(), Vec::new(), Vec::new());
        features("哈哈哈哈哈 主播YYDS", &s, &[], &mut sc, &mut a);
        features("哈哈 主播yyds", &s, &[], &mut sc, &mut b);
        // Same n-grams; only the repeat flag differs.
        assert_eq!(a.len(), b.len() + 1);
        assert!(a.contains(&(fnv(&[b"B", "播".as_bytes(), b"yyds"]), 1.0)));
        assert!(a.contains(&(fnv(&[b"S:rep"]), 1.0)));
        assert!(!b.contains(&(fnv(&[b"S:rep"]), 1.0)));
    }
}
