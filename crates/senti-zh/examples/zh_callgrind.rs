//! One pass of one segmenter over a text file, for instruction counts under callgrind
//! (`bench/callgrind_zh.sh`): `zh_callgrind senti|jieba-rs hmm|no_hmm|all|search FILE`.
//!
//! Everything except `cut_pass` (start-up, reading the file, a warm-up pass over the first
//! 2,000 texts that grows the reused buffers) is left out of the count by running callgrind
//! with `--collect-atstart=no --toggle-collect=*cut_pass*`. jieba-rs is the pinned
//! dev-dependency the speed bench compares with.

use std::hint::black_box;

use senti_zh::{Jieba, Mode, Token};

#[inline(never)]
fn warm_up<'t>(texts: &'t [String], f: &mut dyn FnMut(&'t str) -> usize) -> usize {
    texts.iter().map(|t| f(black_box(t.as_str()))).sum()
}

#[inline(never)]
fn cut_pass<'t>(texts: &'t [String], f: &mut dyn FnMut(&'t str) -> usize) -> usize {
    texts.iter().map(|t| f(black_box(t.as_str()))).sum()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, lib, mode, file] = &args[..] else {
        panic!("usage: zh_callgrind senti|jieba-rs hmm|no_hmm|all|search FILE");
    };
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut texts: Vec<String> = text.split('\n').map(str::to_string).collect();
    if texts.last().is_some_and(String::is_empty) {
        texts.pop();
    }
    let mode = match mode.as_str() {
        "hmm" => Mode::Hmm,
        "no_hmm" => Mode::NoHmm,
        "all" => Mode::All,
        "search" => Mode::Search,
        m => panic!("unknown mode {m}"),
    };
    let warm = &texts[..texts.len().min(2000)];
    let tokens = match lib.as_str() {
        "senti" => {
            let jb = Jieba::new();
            let mut out: Vec<Token<'_>> = Vec::new();
            let mut f = |s| {
                out.clear();
                jb.cut(s, mode, &mut out);
                out.len()
            };
            warm_up(warm, &mut f);
            cut_pass(&texts, &mut f)
        }
        "jieba-rs" => {
            let jr = jieba_rs::Jieba::new();
            let mut f = |s: &str| match mode {
                Mode::Hmm => jr.cut(s, true).len(),
                Mode::NoHmm => jr.cut(s, false).len(),
                Mode::All => jr.cut_all(s).len(),
                Mode::Search => jr.cut_for_search(s, true).len(),
            };
            warm_up(warm, &mut f);
            cut_pass(&texts, &mut f)
        }
        l => panic!("unknown segmenter {l}"),
    };
    println!("{tokens}");
}
