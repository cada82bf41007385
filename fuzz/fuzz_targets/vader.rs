//! VADER on any text (bytes read as lossy UTF-8): scores in range, explanations on whole
//! characters of the input, and `explain` never changing the scores.
#![no_main]

use libfuzzer_sys::fuzz_target;
use senti_fuzz::{check_scores, check_spans};
use senti_vader::Vader;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let v = Vader::new();
    let mut out = Vec::new();
    let s = v.polarity_scores_explained(&text, &mut out);
    check_scores(&text, &s);
    check_spans(&text, out.iter().map(|c| (c.start, c.end)));
    assert!(
        out.iter().all(|c| c.valence.is_finite()),
        "{text:?}: {out:?}"
    );
    assert_eq!(
        s,
        v.polarity_scores(&text),
        "{text:?}: explain changed the scores"
    );
});
