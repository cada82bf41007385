//! The compiled-in word table: lexicon valences, booster values, negation words and the ids of
//! the words the rules look for, merged so a token costs one lookup.

use crate::words::table_hash;

/// One word of the merged table.
#[derive(Debug)]
pub(crate) struct Entry {
    pub key: &'static str,
    /// Lexicon valence; NaN when the word is not in the lexicon.
    pub lex: f64,
    /// `BOOSTER_DICT` value; 0.0 when the word is not a booster (no booster is worth 0).
    pub booster: f64,
    /// One of the `W_*` ids of `words.rs`.
    pub word: u8,
    /// Member of `NEGATE`.
    pub negate: bool,
}

include!(concat!(env!("OUT_DIR"), "/tables.rs"));

/// Looks up an already lowercased word.
#[inline]
pub(crate) fn lookup(word: &str) -> Option<&'static Entry> {
    let mask = SLOTS.len() - 1;
    let mut h = table_hash(word.as_bytes()) as usize & mask;
    for _ in 0..=MAX_PROBE {
        let idx = SLOTS[h];
        if idx == u16::MAX {
            return None;
        }
        let e = &ENTRIES[idx as usize];
        if e.key == word {
            return Some(e);
        }
        h = (h + 1) & mask;
    }
    None
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

/// Iterates over the compiled-in lexicon (word, valence), for `/v1/info` and tests.
pub(crate) fn lexicon_entries() -> impl Iterator<Item = (&'static str, f64)> {
    ENTRIES.iter().filter(|e| !e.lex.is_nan()).map(|e| (e.key, e.lex))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_found() {
        for e in ENTRIES.iter() {
            assert!(std::ptr::eq(lookup(e.key).unwrap(), e), "{}", e.key);
        }
        assert!(lookup("definitely-not-a-word").is_none());
        assert!(lookup("").is_none());
    }

    #[test]
    fn duplicate_lexicon_keys_keep_the_last_value() {
        // vader_lexicon.txt lists "lol" twice; Python's dict keeps the later 1.8 (issue #122).
        assert_eq!(lookup("lol").unwrap().lex, 1.8);
        assert_eq!(lexicon_entries().count(), 7506);
    }

    #[test]
    fn emoji_lookup() {
        assert_eq!(emoji('😁'), Some("beaming face with smiling eyes"));
        assert_eq!(emoji('a'), None);
        assert!(EMOJI.len() > 1000);
    }
}
