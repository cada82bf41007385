//! `get_DAG` + `calc` (the best route through the dictionary) and the two accurate-mode block
//! cutters, `__cut_DAG` (HMM on) and `__cut_DAG_NO_HMM`.
//!
//! `calc` walks right to left and needs `DAG[idx]` only at `idx`, so the DAG is never stored:
//! each position's word ends come straight from a trie walk. The route value is computed
//! exactly as Python does, `(log(FREQ.get(frag) or 1) - logtotal) + route[x + 1][0]`, and ties
//! go to the larger end `x` (`max()` over `(prob, x)` tuples).

use std::collections::HashSet;

use crate::cut::{Block, Sink};
use crate::dict::Dict;
use crate::hmm::{self, HmmScratch};

/// `calc(sentence, get_DAG(sentence), route)`: `route[idx] = (log prob, end)` for the block's
/// characters; `route[n] = (0, 0)`.
pub(crate) fn calc(dict: &Dict, chars: &[u32], route: &mut Vec<(f64, usize)>) {
    let n = chars.len();
    route.clear();
    route.resize(n + 1, (0.0, 0));
    let log_total = dict.log_total();
    for idx in (0..n).rev() {
        let mut best: Option<(f64, usize)> = None;
        let mut cur = dict.root();
        for (x, &c) in (idx..).zip(&chars[idx..]) {
            let Some(next) = dict.step(cur, c) else {
                break;
            };
            cur = next;
            if let Some(ln) = dict.cursor_ln(cur) {
                let p = ln - log_total + route[x + 1].0;
                if best.is_none_or(|(bp, _)| p >= bp) {
                    best = Some((p, x));
                }
            }
        }
        // No word starts here: DAG[idx] = [idx], and FREQ.get(char) is 0 or None -> log(1).
        let (p, x) = best.unwrap_or((0.0 - log_total + route[idx + 1].0, idx));
        route[idx] = (p, x);
    }
}

/// Reused buffers for the accurate modes.
#[derive(Default)]
pub(crate) struct RouteScratch {
    pub route: Vec<(f64, usize)>,
    pub hmm: HmmScratch,
}

/// `__cut_DAG`: follow the route; runs of single characters collect in `buf`, which goes out
/// as one character, as its characters (when `buf` itself is a dictionary word), or through
/// `finalseg.cut`.
pub(crate) fn cut_hmm<'a>(
    block: &Block<'a, '_>,
    dict: &Dict,
    force_split: &HashSet<String>,
    sc: &mut RouteScratch,
    sink: &mut impl Sink<'a>,
) {
    let chars = block.chars;
    let n = chars.len();
    calc(dict, chars, &mut sc.route);
    let mut flush = |lo: usize, hi: usize, sink: &mut _| {
        if hi - lo == 1 {
            Sink::push(sink, block.token(lo, hi));
        } else if dict
            .lookup_chars(&chars[lo..hi])
            .is_none_or(|n| dict.freq(n) == 0)
        {
            hmm::cut(block, lo, hi, force_split, &mut sc.hmm, sink);
        } else {
            for k in lo..hi {
                Sink::push(sink, block.token(k, k + 1));
            }
        }
    };
    let mut x = 0;
    let mut buf: Option<usize> = None;
    while x < n {
        let y = sc.route[x].1 + 1;
        if y - x == 1 {
            buf.get_or_insert(x);
        } else {
            if let Some(lo) = buf.take() {
                flush(lo, x, sink);
            }
            sink.push(block.token(x, y));
        }
        x = y;
    }
    if let Some(lo) = buf {
        flush(lo, n, sink);
    }
}

/// `__cut_DAG_NO_HMM`: follow the route, gluing consecutive single ASCII letters and digits
/// (`re_eng.match(l_word) and len(l_word) == 1`) into one token.
pub(crate) fn cut_no_hmm<'a>(
    block: &Block<'a, '_>,
    dict: &Dict,
    sc: &mut RouteScratch,
    sink: &mut impl Sink<'a>,
) {
    let chars = block.chars;
    let n = chars.len();
    calc(dict, chars, &mut sc.route);
    let mut x = 0;
    let mut buf: Option<usize> = None;
    while x < n {
        let y = sc.route[x].1 + 1;
        if y - x == 1 && crate::cut::is_eng(chars[x]) {
            buf.get_or_insert(x);
        } else {
            if let Some(lo) = buf.take() {
                sink.push(block.token(lo, x));
            }
            sink.push(block.token(x, y));
        }
        x = y;
    }
    if let Some(lo) = buf {
        sink.push(block.token(lo, n));
    }
}
