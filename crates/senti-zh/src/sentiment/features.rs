//! Feature extraction, shared by scoring and by the trainer (through
//! `examples/zh_features.rs`), so that training and run time see the same ids by construction.
//!
//! A text becomes a list of `(id, value, byte span)`:
//!
//! * `W:word` for each jieba token (HMM mode; ASCII lowercased), value = the degree multiplier
//!   in force (1 without one); `N:word` instead when the word is inside a negation scope.
//!   Negators and degree adverbs are features too (value 1).
//! * `B:xy` for each pair of adjacent Han/alphanumeric characters (lowercased), value 1.
//! * one [`LEX_ID`] feature per hand-lexicon hit (`lexicon.rs`), value = the entry's valence
//!   x degree multiplier (x -0.8 when negated, x 1.3 when repeated, `哈哈哈哈`).
//!
//! Words and bigrams that overlap a lexicon hit are dropped: the hand entry decides there.
//! Ids of `W`/`N`/`B` features are FNV-1a-64 hashes of the tag byte and the text, folded to
//! [`BUCKETS`] buckets; the lexicon feature is the extra id `BUCKETS`.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::lexicon::{
    DEGREE, DEGREE_PREFIXES, Fit, LEXICON, NEG_SCOPE, NEGATORS, NOT_DEGREE_SPLIT, TRANSPARENT,
};
use crate::{Jieba, Mode, Token};

/// log2 of the number of hashed buckets.
pub const BUCKET_BITS: u32 = 20;
/// Number of hashed buckets; the model has one weight per bucket plus the lexicon weight.
pub const BUCKETS: u32 = 1 << BUCKET_BITS;
/// The id of the hand-lexicon feature.
pub const LEX_ID: u32 = BUCKETS;

/// What kind of evidence a feature is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Word,
    NegatedWord,
    Bigram,
    Lexicon,
}

/// One feature occurrence: its id, value and the byte span of the text it comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Feature {
    pub id: u32,
    pub value: f32,
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

fn fnv(tag: u8, s: &str) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in std::iter::once(tag).chain(s.bytes().map(|b| b.to_ascii_lowercase())) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    ((h ^ (h >> 32)) as u32) & (BUCKETS - 1)
}

/// The hashed id of a word (`tag` b'W' or b'N') or bigram (b'B'); exposed for tests.
pub fn feature_id(tag: u8, s: &str) -> u32 {
    fnv(tag, s)
}

struct Tables {
    lex: HashMap<char, Vec<usize>>,
    neg: HashMap<&'static str, ()>,
    degree: HashMap<&'static str, f32>,
    no_split: HashMap<&'static str, ()>,
    transparent: HashMap<&'static str, ()>,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let mut lex: HashMap<char, Vec<usize>> = HashMap::new();
        for (i, (e, _, _)) in LEXICON.iter().enumerate() {
            let c = e.chars().next().expect("non-empty entry");
            lex.entry(c).or_default().push(i);
        }
        for v in lex.values_mut() {
            v.sort_by_key(|&i| std::cmp::Reverse(LEXICON[i].0.len()));
        }
        let set = |l: &[&'static str]| l.iter().map(|w| (*w, ())).collect();
        Tables {
            lex,
            neg: set(NEGATORS),
            degree: DEGREE.iter().copied().collect(),
            no_split: set(NOT_DEGREE_SPLIT),
            transparent: set(TRANSPARENT),
        }
    })
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn is_wordy(c: char) -> bool {
    is_han(c) || c.is_alphanumeric()
}

/// A lexicon hit: byte span, entry valence x repetition boost.
#[derive(Clone, Copy, Debug)]
struct Hit {
    start: usize,
    end: usize,
    valence: f32,
}

fn fits(text: &str, start: usize, end: usize, fit: Fit) -> bool {
    let prev = text[..start].chars().next_back();
    let next = text[end..].chars().next();
    let bad = |c: Option<char>, f: fn(char) -> bool| c.is_some_and(f);
    match fit {
        Fit::Anywhere => true,
        Fit::AsciiWord => {
            !bad(prev, |c| c.is_ascii_alphanumeric()) && !bad(next, |c| c.is_ascii_alphanumeric())
        }
        Fit::Isolated => !bad(prev, is_wordy) && !bad(next, is_wordy),
    }
}

/// Finds lexicon hits, longest entry first, left to right, without overlaps.
fn lexicon_hits(text: &str, out: &mut Vec<Hit>) {
    let t = tables();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let c = text[i..].chars().next().expect("char boundary");
        let lc = c.to_ascii_lowercase();
        let mut advanced = false;
        if let Some(cands) = t.lex.get(&lc) {
            for &k in cands {
                let (entry, valence, fit) = LEXICON[k];
                let end = i + entry.len();
                if end > bytes.len() || !bytes[i..end].eq_ignore_ascii_case(entry.as_bytes()) {
                    continue;
                }
                // Repetitions of the entry's own characters (and emoji joiners) belong to it.
                let mut stop = end;
                let mut extra = 0;
                for r in text[end..].chars() {
                    let r_l = r.to_ascii_lowercase();
                    if entry.contains(r_l) || r == '\u{fe0f}' || r == '\u{200d}' {
                        stop += r.len_utf8();
                        extra += 1;
                    } else {
                        break;
                    }
                }
                if !fits(text, i, stop, fit) {
                    continue;
                }
                let boost = if extra >= entry.chars().count() {
                    1.3
                } else {
                    1.0
                };
                out.push(Hit {
                    start: i,
                    end: stop,
                    valence: valence * boost,
                });
                i = stop;
                advanced = true;
                break;
            }
        }
        if !advanced {
            i += c.len_utf8();
        }
    }
}

fn is_punct_token(w: &str) -> bool {
    !w.chars().any(is_wordy)
}

/// Per-call buffers, reused by the caller.
#[derive(Default)]
pub struct Scratch {
    hits: Vec<Hit>,
}

/// Extracts the features of `text` into `out` (cleared first).
pub fn extract(jieba: &Jieba, text: &str, scratch: &mut Scratch, out: &mut Vec<Feature>) {
    out.clear();
    let t = tables();
    let hits = &mut scratch.hits;
    hits.clear();
    lexicon_hits(text, hits);
    let overlaps = |s: usize, e: usize| hits.iter().any(|h| h.start < e && s < h.end);

    let mut toks: Vec<Token<'_>> = Vec::new();
    jieba.cut(text, Mode::Hmm, &mut toks);
    let mut neg = false;
    let mut neg_left = 0u8;
    let mut last_negator = "";
    let mut mult = 1.0f32;
    let mut next_hit = 0usize;
    for tok in &toks {
        let w = tok.word;
        let (s, e) = (tok.byte_start, tok.byte_end);
        if w.chars().all(char::is_whitespace) || is_punct_token(w) {
            neg = false;
            neg_left = 0;
            mult = 1.0;
            if !w.chars().all(char::is_whitespace) && !overlaps(s, e) {
                push_word(out, b'W', w, 1.0, s, e);
            }
            while next_hit < hits.len() && hits[next_hit].start < e {
                push_hit(out, hits[next_hit], 1.0, false);
                next_hit += 1;
            }
            continue;
        }
        let masked = overlaps(s, e);
        // Lexicon hits starting inside this token take the state in force before it.
        let mut took_hit = false;
        while next_hit < hits.len() && hits[next_hit].start < e {
            push_hit(out, hits[next_hit], mult, neg);
            next_hit += 1;
            took_hit = true;
        }
        if t.neg.contains_key(w) {
            if !masked {
                push_word(out, b'W', w, 1.0, s, e);
            }
            neg = !neg;
            neg_left = if neg { NEG_SCOPE } else { 0 };
            last_negator = w;
            continue;
        }
        if let Some(&m) = t.degree.get(w) {
            if !masked {
                push_word(out, b'W', w, 1.0, s, e);
            }
            if neg && last_negator == "不要" && w.starts_with('太') {
                // 不要太 X: "very X", not a negation.
                neg = false;
                neg_left = 0;
            }
            mult *= m;
            continue;
        }
        if t.transparent.contains_key(w) {
            if !masked {
                push_word(out, b'W', w, 1.0, s, e);
            }
            continue;
        }
        if !masked && !took_hit {
            // 很好 -> 很 applied to 好.
            let (word, m) = split_degree(t, w);
            let tag = if neg { b'N' } else { b'W' };
            let ws = e - word.len();
            push_word(out, tag, word, mult * m, ws, e);
        }
        mult = 1.0;
        if neg {
            neg_left = neg_left.saturating_sub(1);
            if neg_left == 0 {
                neg = false;
            }
        }
    }
    while next_hit < hits.len() {
        push_hit(out, hits[next_hit], 1.0, false);
        next_hit += 1;
    }
    bigrams(text, &overlaps, out);
}

fn split_degree<'a>(t: &Tables, w: &'a str) -> (&'a str, f32) {
    if t.no_split.contains_key(w) {
        return (w, 1.0);
    }
    for p in DEGREE_PREFIXES {
        match w.strip_prefix(p) {
            Some(rest) if rest.chars().next().is_some_and(is_han) => {
                return (rest, t.degree.get(*p).copied().unwrap_or(1.0));
            }
            _ => {}
        }
    }
    (w, 1.0)
}

fn push_word(out: &mut Vec<Feature>, tag: u8, w: &str, value: f32, start: usize, end: usize) {
    let kind = if tag == b'N' {
        Kind::NegatedWord
    } else {
        Kind::Word
    };
    out.push(Feature {
        id: fnv(tag, w),
        value,
        start,
        end,
        kind,
    });
}

fn push_hit(out: &mut Vec<Feature>, h: Hit, mult: f32, neg: bool) {
    if h.valence == 0.0 {
        return;
    }
    let flip = if neg { -0.8 } else { 1.0 };
    out.push(Feature {
        id: LEX_ID,
        value: h.valence * mult * flip,
        start: h.start,
        end: h.end,
        kind: Kind::Lexicon,
    });
}

fn bigrams(text: &str, overlaps: &dyn Fn(usize, usize) -> bool, out: &mut Vec<Feature>) {
    let mut prev: Option<(usize, char)> = None;
    let mut buf = [0u8; 8];
    for (i, c) in text.char_indices() {
        if !is_wordy(c) {
            prev = None;
            continue;
        }
        let c = c.to_ascii_lowercase();
        if let Some((pi, pc)) = prev {
            let end = i + c.len_utf8();
            if !overlaps(pi, end) {
                let n = pc.encode_utf8(&mut buf).len();
                let m = c.encode_utf8(&mut buf[n..]).len();
                let s = std::str::from_utf8(&buf[..n + m]).expect("utf-8");
                out.push(Feature {
                    id: fnv(b'B', s),
                    value: 1.0,
                    start: pi,
                    end,
                    kind: Kind::Bigram,
                });
            }
        }
        prev = Some((i, c));
    }
}
