//! Properties of the Chinese segmenter and scorer on arbitrary Unicode (issue 14): no panic;
//! every token is a slice of the input on character boundaries whose character offsets agree
//! with its byte offsets; the dictionary modes (HMM, no-HMM) cut the text into tokens that
//! follow each other and cover it exactly; scores are in range. The golden tests pin jieba's
//! exact output; these pin what must hold for any input.

use proptest::prelude::*;
use senti_zh::{Jieba, Mode, Token, ZhSentiment};

/// Words, characters and separators that reach the dictionary route, the HMM and the
/// sentiment rules (negation, degree words), next to arbitrary code points.
const POOL: &[&str] = &[
    "我",
    "们",
    "喜欢",
    "北京",
    "天安门",
    "不",
    "很",
    "非常",
    "好",
    "差",
    "太",
    "了",
    "的",
    "中华人民共和国",
    "研究生命起源",
    "小明硕士毕业于中国科学院计算所",
    "，",
    "。",
    "！",
    "？",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\u{3000}",
    "abc",
    "Abc123",
    "3.14",
    "_",
    "-",
    "😁",
    "e\u{301}",
    "\u{0}",
    "ｱ",
    "가",
    "ß",
];

fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<char>().prop_map(String::from),
        proptest::sample::select(POOL).prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

const MODES: [Mode; 4] = [Mode::Hmm, Mode::NoHmm, Mode::All, Mode::Search];

fn check_token(text: &str, t: &Token<'_>) -> Result<(), TestCaseError> {
    prop_assert!(
        t.byte_start <= t.byte_end && t.byte_end <= text.len(),
        "{:?}: {:?}",
        text,
        t
    );
    prop_assert!(
        text.is_char_boundary(t.byte_start) && text.is_char_boundary(t.byte_end),
        "{:?}: {:?}",
        text,
        t
    );
    prop_assert_eq!(t.word, &text[t.byte_start..t.byte_end]);
    prop_assert_eq!(
        t.start,
        text[..t.byte_start].chars().count(),
        "{:?}: {:?}",
        text,
        t
    );
    prop_assert_eq!(
        t.end - t.start,
        t.word.chars().count(),
        "{:?}: {:?}",
        text,
        t
    );
    Ok(())
}

proptest! {
    #[test]
    fn tokens_are_slices_on_character_boundaries(text in text()) {
        let jb = Jieba::new();
        for mode in MODES {
            let mut toks = Vec::new();
            jb.cut(&text, mode, &mut toks);
            for t in &toks {
                check_token(&text, t)?;
            }
            if mode != Mode::All {
                // Only cut_all yields Python's empty strings around whitespace.
                prop_assert!(toks.iter().all(|t| !t.word.is_empty()), "{:?} {:?}", text, mode);
            }
        }
    }

    #[test]
    fn dictionary_modes_cover_the_text_in_order(text in text()) {
        let jb = Jieba::new();
        for mode in [Mode::Hmm, Mode::NoHmm] {
            let mut toks = Vec::new();
            jb.cut(&text, mode, &mut toks);
            let mut at = 0;
            for t in &toks {
                prop_assert_eq!(t.byte_start, at, "{:?} {:?}: gap or overlap at {:?}", text, mode, t);
                at = t.byte_end;
            }
            prop_assert_eq!(at, text.len(), "{:?} {:?}: the tokens stop short", text, mode);
        }
    }

    #[test]
    fn search_mode_holds_the_default_cut(text in text()) {
        // cut_for_search puts a word's dictionary 2- and 3-grams before the word itself, so
        // the tokens that are not inside the next token are exactly the HMM cut.
        let jb = Jieba::new();
        let (mut hmm, mut search) = (Vec::new(), Vec::new());
        jb.cut(&text, Mode::Hmm, &mut hmm);
        jb.cut(&text, Mode::Search, &mut search);
        let mut outer = Vec::new();
        let mut i = 0;
        for h in &hmm {
            while i < search.len() && (search[i].byte_start, search[i].byte_end) != (h.byte_start, h.byte_end) {
                prop_assert!(
                    search[i].byte_start >= h.byte_start && search[i].byte_end <= h.byte_end,
                    "{:?}: {:?} is not inside {:?}", text, search[i], h
                );
                i += 1;
            }
            prop_assert!(i < search.len(), "{:?}: {:?} missing from the search cut", text, h);
            outer.push(search[i]);
            i += 1;
        }
        prop_assert_eq!(i, search.len(), "{:?}: search tokens after the last word", text);
        prop_assert_eq!(outer, hmm);
    }

    #[test]
    fn scores_are_in_range_and_explanations_point_into_the_text(text in text()) {
        let zh = ZhSentiment::new();
        let mut out = Vec::new();
        let s = zh.polarity_scores_explained(&text, &mut out);
        prop_assert_eq!(s, zh.polarity_scores(&text), "explain must not change the scores");
        prop_assert!((-1.0..=1.0).contains(&s.compound), "{:?}: {:?}", text, s);
        for v in [s.pos, s.neu, s.neg] {
            prop_assert!((0.0..=1.0).contains(&v), "{:?}: {:?}", text, s);
        }
        for c in &out {
            prop_assert!(c.start < c.end && c.end <= text.len(), "{:?}: {:?}", text, c);
            prop_assert!(
                text.is_char_boundary(c.start) && text.is_char_boundary(c.end),
                "{:?}: {:?}", text, c
            );
            prop_assert!(c.valence.is_finite(), "{:?}: {:?}", text, c);
        }
    }
}
