//! Near-duplicate lookup: SimHash-64 fingerprints found through a banded index (Manku, Jain
//! and Das Sarma, "Detecting near-duplicates for web crawling", WWW 2007).
//!
//! A fingerprint is cut into 4 bands of 16 bits. Two fingerprints at Hamming distance ≤ 3
//! differ in at most 3 bands, so they agree exactly on at least one: looking up the 4 bands
//! of a query in 4 tables finds every fingerprint within distance 3 with 4 probes, never a
//! scan. Each table bucket keeps the few most recent fingerprints that fell into it.
//!
//! Features: character trigrams of the text lowercased with whitespace removed (so it works
//! for Chinese, which has no spaces, and English alike); a text shorter than 3 characters is
//! its own only feature.

use std::sync::{Arc, Mutex, PoisonError};

use xxhash_rust::xxh3::xxh3_64;

pub const BANDS: usize = 4;
/// Fingerprints kept per bucket (newest first).
pub const BUCKET: usize = 8;

pub fn simhash(text: &str) -> u64 {
    let chars: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    let mut acc = [0i32; 64];
    let mut add = |h: u64| {
        for (i, a) in acc.iter_mut().enumerate() {
            *a += if h >> i & 1 == 1 { 1 } else { -1 };
        }
    };
    let mut buf = [0u8; 12];
    if chars.len() < 3 {
        let s: String = chars.iter().collect();
        add(xxh3_64(s.as_bytes()));
    } else {
        for w in chars.windows(3) {
            let mut n = 0;
            for c in w {
                n += c.encode_utf8(&mut buf[n..]).len();
            }
            add(xxh3_64(&buf[..n]));
        }
    }
    acc.iter()
        .enumerate()
        .fold(0u64, |fp, (i, &a)| if a > 0 { fp | 1 << i } else { fp })
}

pub fn band(fp: u64, i: usize) -> u16 {
    (fp >> (16 * i)) as u16
}

/// The in-process banded index: (scope, band number, band value) -> recent (fingerprint,
/// exact key) pairs. Bounded by moka (buckets) and by [`BUCKET`] (entries per bucket).
pub struct NearIndex {
    buckets: moka::sync::Cache<(u128, u8, u16), Arc<Mutex<Vec<(u64, u128)>>>>,
}

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
        let a = simhash("主播今天这波操作太强了吧哈哈哈哈");
        let b = simhash("主播今天这波操作太强了吧哈哈哈哈哈");
        let c = simhash("this stream is so boring, I am leaving now");
        assert!((a ^ b).count_ones() <= 3, "{}", (a ^ b).count_ones());
        assert!((a ^ c).count_ones() > 10);
        assert_eq!(simhash("Hello  World"), simhash("helloworld"));
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
