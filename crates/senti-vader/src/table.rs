//! The compiled-in word table: lexicon valences, booster values, negation words and the ids of
//! the words the rules look for, merged so a token costs one lookup.
//!
//! Open addressing with linear probing at a load factor below 1/2, built by build.rs. A slot
//! is 32 bits: 16 bits of the hash beside the entry index, so a probe that meets another word
//! is rejected without touching the keys, and the slot array (64 KiB) stays in cache. Keys
//! are compared as three zero-padded 64-bit words; the rest of an entry is four bytes.
//! (Whole 32-byte records in the slots measured slower: 512 KiB of slots miss more often than
//! the small, hot set of entries that real text touches.)

use crate::words::{KEY_WORDS, MAX_KEY_LEN, W_NONE, hash_words, key_words};

/// Everything but the key, in four bytes.
#[derive(Debug)]
pub(crate) struct Data {
    /// Index into `LEX_VALUES`; 255 when the word is not in the lexicon.
    lex: u8,
    /// Index into `BOOSTER_VALUES` (0: not a booster).
    booster: u8,
    /// One of the `W_*` ids of `words.rs`.
    word: u8,
    /// Member of `NEGATE`.
    negate: bool,
}

include!(concat!(env!("OUT_DIR"), "/tables.rs"));

/// What the table knows about a word. [`Entry::NONE`] for a word it does not hold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Entry {
    /// Lexicon valence; NaN when the word is not in the lexicon.
    pub lex: f64,
    /// `BOOSTER_DICT` value; 0.0 when the word is no booster (no booster is worth 0).
    pub booster: f64,
    pub word: u8,
    pub negate: bool,
}

impl Entry {
    pub const NONE: Entry = Entry {
        lex: f64::NAN,
        booster: 0.0,
        word: W_NONE,
        negate: false,
    };
}

/// Looks up a lowercased word given as padded words (see [`key_words`]) and its length.
#[inline]
pub(crate) fn lookup_words(w: &[u64; KEY_WORDS], len: usize) -> Entry {
    let h = hash_words(w, len);
    let tag = (h >> 48) as u32;
    let mask = SLOTS.len() - 1;
    let mut p = h as usize & mask;
    for _ in 0..=MAX_PROBE {
        let slot = SLOTS[p];
        if slot == u32::MAX {
            break;
        }
        if slot >> 16 == tag {
            let idx = (slot & 0xFFFF) as usize;
            let (kw, klen) = &KEYS[idx];
            if kw == w && *klen as usize == len {
                let d = &DATA[idx];
                return Entry {
                    lex: if d.lex == 255 {
                        f64::NAN
                    } else {
                        LEX_VALUES[d.lex as usize]
                    },
                    booster: BOOSTER_VALUES[d.booster as usize],
                    word: d.word,
                    negate: d.negate,
                };
            }
        }
        p = (p + 1) & mask;
    }
    Entry::NONE
}

/// Looks up an already lowercased word.
#[inline]
pub(crate) fn lookup(word: &str) -> Entry {
    let b = word.as_bytes();
    if b.len() > MAX_KEY_LEN {
        return Entry::NONE;
    }
    lookup_words(&key_words(b), b.len())
}

/// Description of a single-code-point emoji, as vaderSentiment's `emojis` dict maps it.
#[inline]
pub(crate) fn emoji(c: char) -> Option<&'static str> {
    if c.is_ascii() {
        return None;
    }
    EMOJI
        .binary_search_by_key(&c, |&(k, _)| k)
        .ok()
        .map(|i| EMOJI[i].1)
}

/// The compiled-in lexicon (word, valence), after duplicate keys were resolved.
pub(crate) fn lexicon_entries() -> impl Iterator<Item = (&'static str, f64)> {
    LEXICON.iter().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_is_found() {
        for (k, v) in lexicon_entries() {
            assert_eq!(lookup(k).lex, v, "{k}");
        }
        for (w, b) in crate::words::BOOSTERS {
            assert_eq!(lookup(w).booster, *b);
        }
        for w in crate::words::NEGATE {
            assert!(lookup(w).negate);
        }
        for (w, id) in crate::words::WORD_IDS {
            assert_eq!(lookup(w).word, *id);
        }
        assert!(lookup("definitely-not-a-word").lex.is_nan());
        assert!(lookup("").lex.is_nan() && lookup("").word == W_NONE);
        assert!(
            lookup("good\0").lex.is_nan(),
            "padding must not make a key match"
        );
        assert!(lookup(&"x".repeat(100)).lex.is_nan());
    }

    #[test]
    fn duplicate_lexicon_keys_keep_the_last_value() {
        // vader_lexicon.txt lists "lol" twice; Python's dict keeps the later 1.8 (issue #122).
        assert_eq!(lookup("lol").lex, 1.8);
        assert_eq!(lexicon_entries().count(), 7506);
    }

    #[test]
    fn emoji_lookup() {
        assert_eq!(emoji('😁'), Some("beaming face with smiling eyes"));
        assert_eq!(emoji('a'), None);
        assert!(EMOJI.len() > 1000);
    }
}
