//! Scoring Chinese-English mixed text: each script's part by its own backend, combined by
//! length.
//!
//! The rule: the text is split into its Han part and its English part (`split_scripts`); the
//! Chinese backend scores the Han part, the English backend the rest; compound and the
//! pos/neu/neg shares are the averages of the two results weighted by each part's number of
//! characters (whitespace excluded). Token contributions keep pointing into the original text.

use std::sync::Arc;

use crate::{
    AnalyzeError, AnalyzeOptions, Analyzer, Contribution, Lang, Pending, Scores, Sentiment,
    split_scripts,
};

pub(crate) struct MixedAnalyzer {
    pub en: Arc<dyn Analyzer>,
    pub zh: Arc<dyn Analyzer>,
}

/// One script's part of the text: the concatenated ranges and where each came from.
struct Part {
    text: String,
    /// (offset in `text`, start in the original, length).
    map: Vec<(usize, usize, usize)>,
    chars: usize,
}

impl Part {
    fn new(orig: &str, ranges: &[(usize, usize)]) -> Part {
        let mut text = String::new();
        let mut map = Vec::with_capacity(ranges.len());
        for &(a, b) in ranges {
            map.push((text.len(), a, b - a));
            text.push_str(&orig[a..b]);
        }
        let chars = text.chars().filter(|c| !c.is_whitespace()).count();
        Part { text, map, chars }
    }

    /// Maps a byte offset of the part to the original text; `end` picks the range an offset on
    /// a boundary closes rather than the one it opens.
    fn map(&self, off: usize, end: bool) -> usize {
        for &(p, o, len) in &self.map {
            if (off >= p && off < p + len) || (end && off == p + len) {
                return o + (off - p);
            }
        }
        self.map.last().map_or(0, |&(_, o, len)| o + len)
    }
}

fn combine(en: Sentiment, en_part: &Part, zh: Sentiment, zh_part: &Part) -> Sentiment {
    let total = (en_part.chars + zh_part.chars).max(1) as f64;
    let (we, wz) = (en_part.chars as f64 / total, zh_part.chars as f64 / total);
    let mix = |a: f64, b: f64| we * a + wz * b;
    let scores = Scores {
        compound: mix(en.scores.compound, zh.scores.compound).clamp(-1.0, 1.0),
        pos: mix(en.scores.pos, zh.scores.pos),
        neu: mix(en.scores.neu, zh.scores.neu),
        neg: mix(en.scores.neg, zh.scores.neg),
    };
    let mut out = Sentiment::new(scores, Lang::Mixed, "vader+zh");
    out.truncated = en.truncated || zh.truncated;
    let remap = |c: Contribution, part: &Part| Contribution {
        start: part.map(c.start, false),
        end: part.map(c.end, true),
        ..c
    };
    let mut contributions: Vec<Contribution> = en
        .contributions
        .into_iter()
        .map(|c| remap(c, en_part))
        .chain(zh.contributions.into_iter().map(|c| remap(c, zh_part)))
        .collect();
    contributions.sort_by_key(|c| c.start);
    out.contributions = contributions;
    out
}

impl Analyzer for MixedAnalyzer {
    fn backend(&self) -> &'static str {
        "vader+zh"
    }

    fn langs(&self) -> &'static [Lang] {
        &[Lang::Mixed]
    }

    fn analyze(
        &self,
        text: &str,
        opts: AnalyzeOptions,
    ) -> Pending<Result<Sentiment, AnalyzeError>> {
        let (zh_ranges, en_ranges) = split_scripts(text);
        let (en_part, zh_part) = (Part::new(text, &en_ranges), Part::new(text, &zh_ranges));
        let pe = self.en.analyze(
            &en_part.text,
            AnalyzeOptions {
                lang: Some(Lang::En),
                ..opts
            },
        );
        let pz = self.zh.analyze(
            &zh_part.text,
            AnalyzeOptions {
                lang: Some(Lang::Zh),
                ..opts
            },
        );
        match (pe.into_ready(), pz.into_ready()) {
            (Ok(e), Ok(z)) => {
                Pending::ready(e.and_then(|e| z.map(|z| combine(e, &en_part, z, &zh_part))))
            }
            // A backend that answers later (a queued model): wait for both.
            (e, z) => {
                let pe = e.map_or_else(|p| p, Pending::ready);
                let pz = z.map_or_else(|p| p, Pending::ready);
                Pending::deferred(async move {
                    let (e, z) = (pe.await?, pz.await?);
                    Ok(combine(e, &en_part, z, &zh_part))
                })
            }
        }
    }
}
