//! `__cut_all`: full mode, every dictionary word in the block, in jieba 0.42.1's order.
//!
//! Walking positions `k` left to right with `L = DAG[k]`:
//! - a position whose only entry is one word and that no earlier word covered (`k > old_j`)
//!   yields that word, except that words starting with an ASCII letter or digit are collected
//!   in `eng_buf` and yielded together when the next non-ASCII-alphanumeric position is
//!   reached (or at the end of the block);
//! - otherwise every word `k..=j` with `j > k` is yielded (a single character is not), and
//!   `old_j` moves to the last of them.
//!
//! Because `eng_buf` is only flushed at a non-alphanumeric character, words found meanwhile go
//! out before it (`xT恤` with a `T` word gives `T恤` then `x`), and in principle `eng_buf` can
//! glue pieces that are not adjacent in the text. That needs a word of two or more ASCII
//! letters/digits together with a one-letter word at its start, and jieba's dict.txt has no
//! word made only of ASCII letters and digits; with such user words Python yields the glued
//! string (`"MP3"` and `"M"` added: `xMP3y` → `MP3`, `xy`), which is not a slice of the input,
//! so here each adjacent piece is its own token (`MP3`, `x`, `y`).

use crate::cut::{Block, Sink, is_eng};
use crate::dict::Dict;

/// Reused buffers for full mode.
#[derive(Default)]
pub(crate) struct AllScratch {
    /// `eng_buf` as adjacent character ranges.
    eng: Vec<(usize, usize)>,
}

/// Python's loop, with `DAG[k]` walked in place rather than stored: the ends come out of the
/// trie walk in ascending order, and which branch a position takes is known at its first end
/// when the position is covered (`k <= old_j`), else at its second end (or at the end of the
/// walk, when there is at most one).
pub(crate) fn cut_all<'a>(
    block: &Block<'a, '_>,
    dict: &Dict,
    sc: &mut AllScratch,
    sink: &mut impl Sink<'a>,
) {
    let chars = block.chars;
    let flush = |eng: &mut Vec<(usize, usize)>, sink: &mut _| {
        for &(a, b) in eng.iter() {
            Sink::push(sink, block.token(a, b));
        }
        eng.clear();
    };
    let mut old_j: Option<usize> = None;
    let mut eng_scan = false;
    sc.eng.clear();
    for k in 0..chars.len() {
        if eng_scan && !is_eng(chars[k]) {
            eng_scan = false;
            flush(&mut sc.eng, sink);
        }
        // `multi`: the `else` branch (every end j > k is a word to yield).
        let mut multi = old_j.is_some_and(|j| k <= j);
        let mut first: Option<usize> = None;
        let mut cur = dict.root();
        for (j, &c) in (k..).zip(&chars[k..]) {
            let Some(next) = dict.step(cur, c) else {
                break;
            };
            cur = next;
            if !dict.cursor_is_word(cur) {
                continue;
            }
            if !multi {
                let Some(j0) = first else {
                    first = Some(j);
                    continue;
                };
                multi = true;
                if j0 > k {
                    sink.push(block.token(k, j0 + 1));
                    old_j = Some(j0);
                }
            }
            if j > k {
                sink.push(block.token(k, j + 1));
                old_j = Some(j);
            }
        }
        if multi {
            continue;
        }
        // `len(DAG[k]) == 1 and k > old_j`; no word starting at k means `DAG[k] == [k]`.
        let j = first.unwrap_or(k);
        if is_eng(chars[k]) {
            if !eng_scan {
                eng_scan = true;
                sc.eng.clear();
                sc.eng.push((k, j + 1));
            } else {
                match sc.eng.last_mut() {
                    Some(last) if last.1 == k => last.1 = j + 1,
                    _ => sc.eng.push((k, j + 1)),
                }
            }
        }
        if !eng_scan {
            sink.push(block.token(k, j + 1));
        }
        old_j = Some(j);
    }
    if eng_scan {
        flush(&mut sc.eng, sink);
    }
}
