//! The Chinese segmenter in every mode on any text: tokens are slices of the input on
//! character boundaries with consistent character offsets; the dictionary modes' tokens
//! follow each other and cover the text exactly; the JSON form of the tokens is JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use senti_zh::{Jieba, Mode, write_tokens_json};
use std::sync::LazyLock;

static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = &*text;
    let mut toks = Vec::new();
    for mode in [Mode::Hmm, Mode::NoHmm, Mode::All, Mode::Search] {
        toks.clear();
        JIEBA.cut(text, mode, &mut toks);
        for t in &toks {
            assert!(
                t.byte_start <= t.byte_end && t.byte_end <= text.len(),
                "{text:?} {mode:?}: {t:?}"
            );
            assert!(
                text.is_char_boundary(t.byte_start) && text.is_char_boundary(t.byte_end),
                "{text:?} {mode:?}: {t:?}"
            );
            assert_eq!(t.word, &text[t.byte_start..t.byte_end], "{text:?} {mode:?}");
            assert_eq!(
                t.start,
                text[..t.byte_start].chars().count(),
                "{text:?} {mode:?}: {t:?}"
            );
            assert_eq!(
                t.end - t.start,
                t.word.chars().count(),
                "{text:?} {mode:?}: {t:?}"
            );
            assert!(
                mode == Mode::All || !t.word.is_empty(),
                "{text:?} {mode:?}: empty token"
            );
        }
        if matches!(mode, Mode::Hmm | Mode::NoHmm) {
            let mut at = 0;
            for t in &toks {
                assert_eq!(
                    t.byte_start, at,
                    "{text:?} {mode:?}: gap or overlap at {t:?}"
                );
                at = t.byte_end;
            }
            assert_eq!(at, text.len(), "{text:?} {mode:?}: tokens stop short");
        }
        let mut json = Vec::new();
        write_tokens_json(&toks, mode == Mode::Hmm, &mut json);
        let back: Vec<serde::de::IgnoredAny> = serde_json::from_slice(&json).expect("tokens JSON");
        assert_eq!(back.len(), toks.len());
    }
});
