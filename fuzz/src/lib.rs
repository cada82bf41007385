//! What the fuzz targets share: one engine built once per process (building it per input
//! would spend the fuzzer's time on lexicon tables), and the range checks of a score.

use std::sync::{Arc, LazyLock};

use senti_core::Scores;
use senti_engine::{Engine, EngineConfig, NoObserver};

/// The engine `senti serve` and `senti score` build with no flags: lexicon scorers, no
/// model, no cache.
pub static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    Engine::new(EngineConfig::default(), Arc::new(NoObserver), None)
        .expect("the default engine builds")
});

/// compound in [-1, 1]; pos, neu and neg in [0, 1], summing to 1 (or all 0).
pub fn check_scores(what: &str, s: &Scores) {
    assert!((-1.0..=1.0).contains(&s.compound), "{what}: {s:?}");
    for v in [s.pos, s.neu, s.neg] {
        assert!((0.0..=1.0).contains(&v), "{what}: {s:?}");
    }
    let total = s.pos + s.neu + s.neg;
    assert!(
        total == 0.0 || (total - 1.0).abs() < 0.0021,
        "{what}: {s:?}"
    );
}

/// Every explained token covers whole characters of `text`.
pub fn check_spans(text: &str, spans: impl IntoIterator<Item = (usize, usize)>) {
    for (start, end) in spans {
        assert!(start < end && end <= text.len(), "{text:?}: {start}..{end}");
        assert!(
            text.is_char_boundary(start) && text.is_char_boundary(end),
            "{text:?}: {start}..{end}"
        );
    }
}

/// Whether `bytes` are JSON: UTF-8 first (serde_json does not check the strings it skips),
/// then read with `IgnoredAny`, not `serde_json::Value`: with serde_json's `raw_value` feature
/// (on in this build, as in senti's), `Value` takes an object whose first key is
/// `$serde_json::private::RawValue` for a raw value and re-parses its string, so a valid line
/// with a column or field of that name would not read back.
pub fn is_json(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes)
        .is_ok_and(|s| serde_json::from_str::<serde::de::IgnoredAny>(s).is_ok())
}

/// Whether `line` is one JSON object (see [`is_json`]).
pub fn is_json_object(line: &[u8]) -> bool {
    line.first() == Some(&b'{') && is_json(line)
}
