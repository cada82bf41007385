//! `cut_for_search` / `tokenize(mode='search')`: the accurate (HMM) cut, with each word longer
//! than two characters preceded by its 2-grams, and each word longer than three characters
//! also by its 3-grams, that are dictionary words with non-zero frequency — all 2-grams
//! first, left to right, then all 3-grams, then the word itself. Offsets are each token's own,
//! as `tokenize(mode='search')` reports them.

use crate::Token;
use crate::cut::Sink;
use crate::dict::{Dict, ROOT};

/// Wraps the output of the accurate cut and inserts the n-grams before each word.
pub(crate) struct SearchSink<'o, 'a, 'd> {
    pub out: &'o mut Vec<Token<'a>>,
    pub dict: &'d Dict,
}

impl<'a> SearchSink<'_, 'a, '_> {
    /// The dictionary n-grams of `w`, `n` = 2 or 3.
    fn grams(&mut self, w: &Token<'a>, n: usize) {
        // Sliding window of the last `n` characters: (byte offset in the word, code point).
        let mut win = [(0usize, 0u32); 3];
        for (i, (b, c)) in w.word.char_indices().enumerate() {
            win.copy_within(1..3, 0);
            win[2] = (b, u32::from(c));
            if i + 1 < n {
                continue;
            }
            let first = 3 - n;
            let node = win[first..]
                .iter()
                .try_fold(ROOT, |node, &(_, c)| self.dict.child(node, c));
            if node.is_some_and(|node| self.dict.word_ln(node).is_some()) {
                let lo = win[first].0;
                let hi = b + c.len_utf8();
                let start = w.start + i + 1 - n;
                self.out.push(Token {
                    word: &w.word[lo..hi],
                    start,
                    end: start + n,
                    byte_start: w.byte_start + lo,
                    byte_end: w.byte_start + hi,
                });
            }
        }
    }
}

impl<'a> Sink<'a> for SearchSink<'_, 'a, '_> {
    #[inline]
    fn push(&mut self, t: Token<'a>) {
        let len = t.end - t.start;
        if len > 2 {
            self.grams(&t, 2);
        }
        if len > 3 {
            self.grams(&t, 3);
        }
        self.out.push(t);
    }
}
