//! Near-duplicate lookup: SimHash-64 fingerprints found through a banded index (Manku, Jain
//! and Das Sarma, "Detecting near-duplicates for web crawling", WWW 2007).
//!
//! A fingerprint is cut into 4 bands of 16 bits. Two fingerprints at Hamming distance ≤ 3
//! differ in at most 3 bands, so they agree exactly on at least one: looking up the 4 bands
//! of a query in 4 tables finds every fingerprint within distance 3 with 4 probes, never a
//! scan. Each table bucket keeps the few most recent fingerprints that fell into it.
//!
//! Features: the set of character 1-, 2- and 3-grams (so it works for Chinese, which has no
//! spaces, and English alike) of the text lowercased, without whitespace and punctuation,
//! with runs of a repeated character cut to two: live comments mostly repeat each other with
//! more 哈, more !, another emoji.

use std::sync::{Arc, Mutex, PoisonError};

use xxhash_rust::xxh3::xxh3_64;

pub const BANDS: usize = 4;
/// Fingerprints kept per bucket (newest first).
pub const BUCKET: usize = 8;

pub fn simhash(text: &str) -> u64 {
    let chars = normalise(text);
    // The set of character 1-, 2- and 3-grams: a set, so that a longer run of a repeated
    // character ("哈哈哈哈哈") adds nothing, and short texts still have dozens of features.
    let mut feats: Vec<u64> = Vec::with_capacity(chars.len() * 3);
    let mut buf = [0u8; 12];
    for n in 1..=3 {
        for w in chars.windows(n) {
            let mut len = 0;
            for c in w {
                len += c.encode_utf8(&mut buf[len..]).len();
            }
            feats.push(xxh3_64(&buf[..len]) ^ n as u64);
        }
    }
    feats.sort_unstable();
    feats.dedup();
    let mut acc = [0i32; 64];
    for h in feats {
        for (i, a) in acc.iter_mut().enumerate() {
            *a += if h >> i & 1 == 1 { 1 } else { -1 };
        }
    }
    acc.iter()
        .enumerate()
        .fold(0u64, |fp, (i, &a)| if a > 0 { fp | 1 << i } else { fp })
}

/// Lowercased letters, digits and other symbols (emoji), without whitespace and punctuation,
/// with runs of one character cut to two: "太强了哈哈哈哈!!!" and "太强了 哈哈" are one text.
fn normalise(text: &str) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_whitespace() || c.is_ascii_punctuation() || is_cjk_punctuation(c) {
            continue;
        }
        let n = out.len();
        if n >= 2 && out[n - 1] == c && out[n - 2] == c {
            continue;
        }
        out.push(c);
    }
    out
}

fn is_cjk_punctuation(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65 | 0x2010..=0x2027)
}

pub fn band(fp: u64, i: usize) -> u16 {
    (fp >> (16 * i)) as u16
}

/// The in-process banded index: (scope, band number, band value) -> recent (fingerprint,
/// exact key) pairs. Bounded by moka (buckets) and by [`BUCKET`] (entries per bucket).
pub struct NearIndex {
    buckets: moka::sync::Cache<(u128, u8, u16), Bucket>,
}

/// Recent (fingerprint, exact key) pairs, newest first.
type Bucket = Arc<Mutex<Vec<(u64, u128)>>>;

impl NearIndex {
    pub fn new(max_buckets: u64) -> NearIndex {
        NearIndex {
            buckets: moka::sync::Cache::new(max_buckets.max(16)),
        }
    }

    pub fn insert(&self, scope: u128, fp: u64, key: u128) {
        for i in 0..BANDS {
            let b = self
                .buckets
                .get_with((scope, i as u8, band(fp, i)), Default::default);
            let mut v = b.lock().unwrap_or_else(PoisonError::into_inner);
            if v.iter().any(|&(_, k)| k == key) {
                continue;
            }
            v.insert(0, (fp, key));
            v.truncate(BUCKET);
        }
    }

    /// The exact key of the nearest indexed fingerprint within `max_distance`, if any.
    pub fn find(&self, scope: u128, fp: u64, max_distance: u32) -> Option<u128> {
        let mut best: Option<(u32, u128)> = None;
        for i in 0..BANDS {
            let Some(b) = self.buckets.get(&(scope, i as u8, band(fp, i))) else {
                continue;
            };
            let v = b.lock().unwrap_or_else(PoisonError::into_inner);
            best = nearest(best, v.iter().copied(), fp, max_distance);
        }
        best.map(|(_, k)| k)
    }
}

/// The closest of `candidates` to `fp` within `max_distance`, kept against `best`.
pub fn nearest(
    mut best: Option<(u32, u128)>,
    candidates: impl Iterator<Item = (u64, u128)>,
    fp: u64,
    max_distance: u32,
) -> Option<(u32, u128)> {
    for (other, key) in candidates {
        let d = (other ^ fp).count_ones();
        if d <= max_distance && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, key));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_texts_are_close_and_different_texts_are_not() {
        let d = |a: &str, b: &str| (simhash(a) ^ simhash(b)).count_ones();
        assert_eq!(d("主播太强了哈哈哈哈!!!", "主播太强了 哈哈。"), 0);
        assert_eq!(d("Hello  World", "hello, world!"), 0);
        assert_eq!(d("好好笑哈哈哈", "好好笑哈哈哈哈哈"), 0, "runs of a repeat");
        let long =
            "今天这场比赛真的太精彩了，主播的操作一次比一次秀，弹幕都在刷666，我也忍不住跟着喊起来";
        let edit =
            "今天这场比赛真的太精彩了，主播的操作一次比一次秀，弹幕都在刷666，我也忍不住跟着叫起来";
        assert!(d(long, edit) <= 6, "{}", d(long, edit));
        assert!(d("主播太强了", "this stream is so boring, I am leaving now") > 10);
    }

    #[test]
    fn the_banded_index_finds_every_fingerprint_within_3_bits() {
        let idx = NearIndex::new(1 << 16);
        let fp = 0x0123_4567_89ab_cdefu64;
        idx.insert(7, fp, 42);
        // Any 3 flipped bits, spread over bands or not.
        for (x, y, z) in [
            (0, 1, 2),
            (0, 17, 33),
            (15, 31, 47),
            (60, 61, 63),
            (5, 21, 53),
        ] {
            let q = fp ^ (1 << x) ^ (1 << y) ^ (1 << z);
            assert_eq!(idx.find(7, q, 3), Some(42), "bits {x},{y},{z}");
            assert_eq!(idx.find(7, q, 2), None);
        }
        // 4 bits, one in each band: no band agrees, so it is not found (nor should it be).
        assert_eq!(idx.find(7, fp ^ 1 ^ 1 << 16 ^ 1 << 32 ^ 1 << 48, 3), None);
        assert_eq!(idx.find(8, fp, 3), None, "another scope");
    }
}
