//! Any input scores without panicking, with scores in range and explanations that point into
//! the input. (Exact values are the golden tests' job.)

use senti_vader::Vader;

const POOL: &[&str] = &[
    "good",
    "BAD",
    "not",
    "but",
    "BUT",
    "very",
    "kind",
    "of",
    "no",
    "least",
    "never",
    "so",
    "!",
    "?",
    " ",
    "\t",
    "\n",
    "\u{1c}",
    "\u{a0}",
    "\u{3000}",
    "\u{200b}",
    "😁",
    "❤️",
    "👍🏽",
    "🇫🇷",
    "é",
    "e\u{301}",
    "İ",
    "Σ",
    "ß",
    "ǅ",
    "\u{212a}",
    "中文",
    "好!!",
    ":)",
    "(:",
    "n't",
    "'",
    "-",
    "…",
    "\u{0}",
    "Ⅰ",
    "ﬀ",
    "disadvantageousness",
    "averyveryveryveryveryverylongword",
];

#[test]
fn random_inputs_are_scored_sanely() {
    let v = Vader::new();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut out = Vec::new();
    for _ in 0..30_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let n = (seed % 24) as usize;
        let mut text = String::new();
        let mut s = seed;
        for _ in 0..n {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            text.push_str(POOL[(s >> 33) as usize % POOL.len()]);
        }
        let sc = v.polarity_scores_explained(&text, &mut out);
        assert!((-1.0..=1.0).contains(&sc.compound), "{text:?}");
        let total = sc.pos + sc.neu + sc.neg;
        assert!(
            total == 0.0 || (total - 1.0).abs() < 0.0021,
            "{text:?}: {sc:?}"
        );
        for c in &out {
            assert!(c.start < c.end && c.end <= text.len(), "{text:?}: {c:?}");
            assert!(
                text.is_char_boundary(c.start) && text.is_char_boundary(c.end),
                "{text:?}: {c:?}"
            );
        }
        assert_eq!(
            sc,
            v.polarity_scores(&text),
            "explain must not change the scores"
        );
    }
}
