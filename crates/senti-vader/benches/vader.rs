//! Criterion latency of single sentences (per-call cost, one thread).
use criterion::{Criterion, criterion_group, criterion_main};
use senti_vader::Vader;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let v = Vader::new();
    let cases = [
        ("short", "The book was good."),
        (
            "tweet",
            "Somehow I was blessed with some really amazing friends in my life who love me and send encouragement when I'm not feeling awesome. So lucky.",
        ),
        (
            "but_caps",
            "The plot was GOOD, but the characters are uncompelling and the dialog is not great!!",
        ),
        ("emoji", "Catch utf-8 emoji such as 💘 and 💋 and 😁"),
    ];
    for (name, text) in cases {
        c.bench_function(&format!("polarity_scores/{name}"), |b| {
            b.iter(|| v.polarity_scores(black_box(text)))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
