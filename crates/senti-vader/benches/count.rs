//! Instruction counts, which do not move with the machine's noise: scores every ground-truth
//! sentence once inside `measured`, the only function `bench/callgrind_vader.sh` collects
//! (`valgrind --tool=callgrind --toggle-collect=*measured*`). A first pass outside it warms the
//! per-thread buffers. Prints the sentence count, so the script can divide.

mod common;

use std::hint::black_box;

use senti_vader::Vader;

fn pass(v: &Vader, texts: &[String]) -> f64 {
    texts
        .iter()
        .map(|t| v.polarity_scores(black_box(t)).compound)
        .sum()
}

#[inline(never)]
fn measured(v: &Vader, texts: &[String]) -> f64 {
    pass(v, texts)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench` probes harness=false benches with --list
    }
    let mut texts = common::load_texts();
    // SENTI_COUNT_LIMIT: the first N sentences only (the Python side is slow under valgrind).
    if let Some(n) = std::env::var("SENTI_COUNT_LIMIT")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        texts.truncate(n);
    }
    let v = Vader::new();
    black_box(pass(&v, &texts));
    let sum = measured(&v, black_box(&texts));
    println!(
        "{{\"sentences\": {}, \"compound_sum\": {sum}}}",
        texts.len()
    );
}
