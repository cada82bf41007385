//! Sentences per second over the four VADER ground-truth files (preloaded; scoring time only),
//! on one thread and on all cores, plus heap allocations per scored sentence, counted by a
//! counting global allocator. Prints one JSON object. Run: `bench/vader_speed.sh`.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use senti_vader::Vader;

struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` over the whole set repeatedly for at least `min` and returns the best
/// sentences/second of the rounds (the least disturbed by other load on a shared machine)
/// and the median.
fn rate(n: usize, min: Duration, mut f: impl FnMut()) -> (f64, f64) {
    let mut rates = Vec::new();
    let start = Instant::now();
    while start.elapsed() < min || rates.len() < 5 {
        let t = Instant::now();
        f();
        rates.push(n as f64 / t.elapsed().as_secs_f64());
    }
    rates.sort_by(|a, b| a.total_cmp(b));
    (rates[rates.len() - 1], rates[rates.len() / 2])
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench` probes harness=false benches with --list
    }
    let texts = common::load_texts();
    let v = Vader::new();
    let secs: u64 = std::env::var("SENTI_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let min = Duration::from_secs(secs);

    // Warm the per-thread buffers, then count allocations sentence by sentence.
    for t in &texts {
        black_box(v.polarity_scores(t));
    }
    let mut allocs: Vec<u64> = texts
        .iter()
        .map(|t| {
            let before = ALLOCS.load(Relaxed);
            black_box(v.polarity_scores(black_box(t)));
            ALLOCS.load(Relaxed) - before
        })
        .collect();
    allocs.sort_unstable();

    let (single_best, single_median) = rate(texts.len(), min, || {
        for t in &texts {
            black_box(v.polarity_scores(black_box(t)));
        }
    });
    let threads = rayon::current_num_threads();
    let (multi_best, multi_median) = rate(texts.len(), min, || {
        texts.par_iter().for_each(|t| {
            black_box(v.polarity_scores(black_box(t)));
        });
    });
    let out = serde_json::json!({
        "sentences": texts.len(),
        "single_thread_sentences_per_s": { "best": single_best, "median": single_median },
        "all_cores_sentences_per_s": { "best": multi_best, "median": multi_median, "threads": threads },
        "allocations_per_sentence": {
            "median": allocs[allocs.len() / 2],
            "max": allocs[allocs.len() - 1],
            "mean": allocs.iter().sum::<u64>() as f64 / allocs.len() as f64,
        },
    });
    println!("{out}");
}
