//! The compiled-in word table: lexicon valences, booster values, negation words and the ids of
//! the words the rules look for, merged so a token costs one lookup.
//!
//! A perfect hash built by build.rs (PTHash's scheme: a key's hash picks a bucket, the
//! bucket's 16-bit pilot, mixed into the hash, picks the slot), so a lookup is always the
//! same few instructions and one record: no probe loop, and no branch on whether a probe
//! hit, which mispredicted on every other token with the open-addressed table used before.
//! The pilots (4 KiB) stay in L1; a record is 32 bytes (the key as three zero-padded 64-bit
//! words, its length, four bytes of data), one half cache line. Slots no word reached hold a
//! record of length 255, which no token matches.

use crate::words::{
    BUCKETS, KEY_WORDS, MAX_KEY_LEN, SLOTS, W_NONE, bucket_of, hash_words, key_words, slot_of,
};

/// A word and everything the rules need to know about it.
#[derive(Debug)]
#[repr(C, align(32))]
pub(crate) struct Record {
    key: [u64; KEY_WORDS],
    /// Key length in bytes; 255 in an empty slot.
    len: u8,
    /// Index into `LEX_VALUES`; 255 when the word is not in the lexicon.
    lex: u8,
    /// Index into `BOOSTER_VALUES` (0: not a booster).
    booster: u8,
    /// One of the `W_*` ids of `words.rs`.
    word: u8,
    /// Member of `NEGATE`.
    negate: bool,
}

impl Record {
    const EMPTY: Record = Record {
        key: [0; KEY_WORDS],
        len: 255,
        lex: 255,
        booster: 0,
        word: W_NONE,
        negate: false,
    };
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
    let r = &RECORDS[slot_of(h, PILOTS[bucket_of(h)])];
    if r.key != *w || usize::from(r.len) != len {
        return Entry::NONE;
    }
    Entry {
        lex: if r.lex == 255 {
            f64::NAN
        } else {
            LEX_VALUES[usize::from(r.lex)]
        },
        booster: BOOSTER_VALUES[usize::from(r.booster)],
        word: r.word,
        negate: r.negate,
    }
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
