//! The Chinese scorer on any text, alone and as the engine routes it (zh, mixed and
//! detected text; general and chat domains): scores in range, explanations on whole
//! characters, `explain` never changing the scores.
#![no_main]

use libfuzzer_sys::fuzz_target;
use senti_engine::Options;
use senti_fuzz::{ENGINE, check_scores, check_spans};
use senti_zh::ZhSentiment;
use std::sync::LazyLock;

static ZH: LazyLock<ZhSentiment> = LazyLock::new(ZhSentiment::new);

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = &*text;
    let mut out = Vec::new();
    let s = ZH.polarity_scores_explained(text, &mut out);
    check_scores(text, &s);
    check_spans(text, out.iter().map(|c| (c.start, c.end)));
    assert!(
        out.iter().all(|c| c.valence.is_finite()),
        "{text:?}: {out:?}"
    );
    assert_eq!(
        s,
        ZH.polarity_scores(text),
        "{text:?}: explain changed the scores"
    );
    assert!(ZH.logit(text).is_finite(), "{text:?}");

    if ENGINE.check_text(text).is_err() {
        return;
    }
    // The input's length picks how the engine routes it (one route per input is faster
    // than all six; across the corpus every route is taken).
    let lang = [Some("zh"), Some("mixed"), None][data.len() % 3];
    let domain = [None, Some("chat")][data.len() / 3 % 2];
    let plan = ENGINE
        .plan(&Options {
            lang,
            domain,
            explain: true,
            ..Default::default()
        })
        .expect("a valid plan");
    let r = ENGINE.analyze(&plan, text).into_ready();
    let Ok(Ok(s)) = r else {
        panic!("{text:?} {lang:?} {domain:?}: the lexicon scorers answer at once");
    };
    check_scores(text, &s.scores);
    check_spans(text, s.contributions.iter().map(|c| (c.start, c.end)));
});
