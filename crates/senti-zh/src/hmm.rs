//! `jieba.finalseg`: the HMM that re-segments runs of characters the dictionary route left as
//! single characters (`finalseg.cut(buf)` in `__cut_DAG`).
//!
//! `finalseg.cut` splits the run with `re_han = ([\u4E00-\u9FD5]+)`; Han runs go through the
//! Viterbi decoder and the rest is split with `re_skip = ([a-zA-Z0-9]+(?:\.\d+)?%?)`, yielding
//! the matches and the non-empty text between them. (The run comes from a `re_han_default`
//! block, so its non-Han characters are ASCII and `\d` can only meet `[0-9]`.)
//!
//! The Viterbi reproduces Python's floating-point result bit for bit: the same tables (exported
//! with `repr`, see `scripts/zh/export_jieba_tables.py`), `MIN_FLOAT = -3.14e100` for missing
//! emissions, sums in Python's order `(V[t-1][y0] + trans) + emit`, and Python's tie-breaking:
//! `max()` over `(prob, state)` tuples prefers the later letter when probabilities are equal.

use std::collections::HashSet;

use crate::cut::{Block, Sink};
use crate::tables::{HAN_FIRST, HAN_LAST, START, TRANS, tables};

const B: u8 = 0;
const M: u8 = 1;
const E: u8 = 2;
const S: u8 = 3;

/// `PrevStatus[y]` as (alphabetically lower, higher) state. Letters sort B < E < M < S, and a
/// tie in probability goes to the higher letter (tuple comparison in `max`).
const PREV: [(u8, u8); 4] = [
    (E, S), // B: 'ES'
    (B, M), // M: 'MB'
    (B, M), // E: 'BM'
    (E, S), // S: 'SE'
];

/// Reused buffers for the decoder.
#[derive(Default)]
pub(crate) struct HmmScratch {
    /// Back-pointers: for each position, the best previous state of each state.
    back: Vec<[u8; 4]>,
    /// The decoded state sequence.
    path: Vec<u8>,
}

#[inline]
pub(crate) fn is_han(c: u32) -> bool {
    (HAN_FIRST..=HAN_LAST).contains(&c)
}

/// `viterbi(obs, 'BMES', start_P, trans_P, emit_P)`; leaves the best path in `sc.path`.
fn viterbi(obs: &[u32], sc: &mut HmmScratch) {
    let emit = tables().emit;
    let row = |c: u32| -> &[f64] {
        let i = (c - HAN_FIRST) as usize * 4;
        &emit[i..i + 4]
    };
    let mut v = [0.0f64; 4];
    let e0 = row(obs[0]);
    for y in 0..4 {
        v[y] = START[y] + e0[y];
    }
    sc.back.clear();
    sc.back.push([0; 4]);
    for &c in &obs[1..] {
        let em = row(c);
        let mut nv = [0.0f64; 4];
        let mut bp = [0u8; 4];
        for y in 0..4 {
            let (lo, hi) = PREV[y];
            let p_lo = v[lo as usize] + TRANS[lo as usize][y] + em[y];
            let p_hi = v[hi as usize] + TRANS[hi as usize][y] + em[y];
            (nv[y], bp[y]) = if p_hi >= p_lo { (p_hi, hi) } else { (p_lo, lo) };
        }
        v = nv;
        sc.back.push(bp);
    }
    // max((V[-1][y], y) for y in 'ES'): S wins ties.
    let last = if v[S as usize] >= v[E as usize] { S } else { E };
    let n = obs.len();
    sc.path.clear();
    sc.path.resize(n, 0);
    sc.path[n - 1] = last;
    for t in (1..n).rev() {
        sc.path[t - 1] = sc.back[t][sc.path[t] as usize];
    }
}

/// `finalseg.cut` over `block` characters `lo..hi`.
pub(crate) fn cut<'a>(
    block: &Block<'a, '_>,
    lo: usize,
    hi: usize,
    force_split: &HashSet<String>,
    sc: &mut HmmScratch,
    sink: &mut impl Sink<'a>,
) {
    let chars = block.chars;
    let mut i = lo;
    while i < hi {
        let han = is_han(chars[i]);
        let j = i + chars[i..hi]
            .iter()
            .take_while(|&&c| is_han(c) == han)
            .count();
        if han {
            viterbi(&chars[i..j], sc);
            let mut emit = |a: usize, b: usize| {
                let tok = block.token(a, b);
                if !force_split.is_empty() && force_split.contains(tok.word) {
                    for k in a..b {
                        sink.push(block.token(k, k + 1));
                    }
                } else {
                    sink.push(tok);
                }
            };
            // __cut: B opens a word, E closes it, S is a word, M continues.
            let (mut begin, mut next) = (0, 0);
            for (k, &state) in sc.path.iter().enumerate() {
                match state {
                    B => begin = k,
                    E => {
                        emit(i + begin, i + k + 1);
                        next = k + 1;
                    }
                    S => {
                        emit(i + k, i + k + 1);
                        next = k + 1;
                    }
                    _ => {}
                }
            }
            if next < j - i {
                emit(i + next, j);
            }
        } else {
            re_skip_split(block, i, j, sink);
        }
        i = j;
    }
}

#[inline]
fn is_alnum(c: u32) -> bool {
    u8::try_from(c).is_ok_and(|b| b.is_ascii_alphanumeric())
}

#[inline]
fn is_digit(c: u32) -> bool {
    u8::try_from(c).is_ok_and(|b| b.is_ascii_digit())
}

/// `[x for x in re_skip.split(blk) if x]` with `re_skip = ([a-zA-Z0-9]+(?:\.\d+)?%?)`.
///
/// Every part of the pattern after `[a-zA-Z0-9]+` is optional, so the leftmost match starting
/// at an alphanumeric character is the greedy one and never backtracks.
fn re_skip_split<'a>(block: &Block<'a, '_>, lo: usize, hi: usize, sink: &mut impl Sink<'a>) {
    let c = block.chars;
    let (mut i, mut piece) = (lo, lo);
    while i < hi {
        if !is_alnum(c[i]) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < hi && is_alnum(c[j]) {
            j += 1;
        }
        if j + 1 < hi && c[j] == u32::from('.') && is_digit(c[j + 1]) {
            j += 2;
            while j < hi && is_digit(c[j]) {
                j += 1;
            }
        }
        if j < hi && c[j] == u32::from('%') {
            j += 1;
        }
        if piece < i {
            sink.push(block.token(piece, i));
        }
        sink.push(block.token(i, j));
        (i, piece) = (j, j);
    }
    if piece < hi {
        sink.push(block.token(piece, hi));
    }
}
