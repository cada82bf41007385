//! Properties of the VADER scorer on arbitrary Unicode (issue 14): it never panics, its
//! scores are in range, `explain` does not change them, and every explained token points at
//! whole characters of the input, left to right. The golden tests pin exact values; these
//! pin what must hold for *any* input, including ones no reference run ever saw.

use proptest::prelude::*;
use senti_vader::Vader;

/// Words and characters that steer VADER's rules (negation, boosters, "but", caps, emoji,
/// Python's Unicode whitespace and case quirks), so that random texts reach the rules and
/// not only the "no lexicon word" path.
const POOL: &[&str] = &[
    "good",
    "GREAT",
    "bad",
    "not",
    "isn't",
    "but",
    "BUT",
    "very",
    "kind of",
    "no",
    "least",
    "never",
    "so",
    "without doubt",
    "!",
    "?",
    "!!!",
    " ",
    "\t",
    "\n",
    "\u{a0}",
    "\u{3000}",
    "\u{1c}",
    "😁",
    "❤️",
    "👍🏽",
    "🇫🇷",
    "é",
    "e\u{301}",
    "İ",
    "ß",
    "ǅ",
    "\u{212a}",
    "中文",
    "很好",
    ":)",
    "n't",
    "'",
    "…",
    "\u{0}",
    "ﬀ",
];

/// Arbitrary code points (any::<char> favours the awkward ones) mixed with rule words.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<char>().prop_map(String::from),
        proptest::sample::select(POOL).prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

fn check_scores(text: &str, s: &senti_core::Scores) {
    assert!((-1.0..=1.0).contains(&s.compound), "{text:?}: {s:?}");
    for v in [s.pos, s.neu, s.neg] {
        assert!((0.0..=1.0).contains(&v), "{text:?}: {s:?}");
    }
    let total = s.pos + s.neu + s.neg;
    assert!(
        total == 0.0 || (total - 1.0).abs() < 0.0021,
        "{text:?}: {s:?}"
    );
}

proptest! {
    #[test]
    fn scores_are_in_range(text in text()) {
        let v = Vader::new();
        check_scores(&text, &v.polarity_scores(&text));
    }

    #[test]
    fn lossy_bytes_score_in_range(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
        let text = String::from_utf8_lossy(&bytes);
        check_scores(&text, &Vader::new().polarity_scores(&text));
    }

    #[test]
    fn explained_tokens_are_whole_characters_in_order(text in text()) {
        let v = Vader::new();
        let mut out = Vec::new();
        let s = v.polarity_scores_explained(&text, &mut out);
        prop_assert_eq!(s, v.polarity_scores(&text), "explain must not change the scores");
        let mut last_start = 0;
        for c in &out {
            prop_assert!(c.start < c.end && c.end <= text.len(), "{:?}: {:?}", text, c);
            prop_assert!(
                text.is_char_boundary(c.start) && text.is_char_boundary(c.end),
                "{:?}: {:?}", text, c
            );
            prop_assert!(c.start >= last_start, "{:?}: out of order at {:?}", text, c);
            prop_assert!(c.valence.is_finite(), "{:?}: {:?}", text, c);
            last_start = c.start;
        }
    }
}
