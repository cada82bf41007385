//! VADER sentiment, ported from vaderSentiment 3.3.2 result for result.
//!
//! [`Vader::polarity_scores`] returns what Python's
//! `SentimentIntensityAnalyzer().polarity_scores(text)` returns, to the last decimal, for every
//! input: the golden tests check 23.7k human-rated sentences and thousands of generated rule
//! cases against the reference (scripts/golden). That includes the reference's quirks (see
//! `rules.rs`), Python's Unicode semantics for `split`, `isupper` and `lower` (the
//! `senti-pyunicode` crate) and Python's `round`.
//!
//! Both lexicons are compiled into the binary (build.rs); a user lexicon can be layered on top
//! with [`Vader::with_lexicon_file`]. Scoring allocates nothing in the steady state: tokens are
//! ranges of the input, and the buffers for emoji rewriting and lowercasing are per-thread and
//! reused.

mod lexicon;
mod rules;
mod score;
mod table;
mod tokenize;
// Shared with build.rs, which uses the lists the crate itself reaches only through the table.
#[allow(dead_code)]
mod words;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use senti_core::{
    AnalyzeError, AnalyzeOptions, Analyzer, Contribution, Lang, Pending, Scores, Sentiment,
};

pub use lexicon::{LexiconError, parse_lexicon};
pub use score::py_round;

/// Reused per-thread buffers, so that scoring does not allocate.
#[derive(Default)]
struct Scratch {
    rewritten: String,
    lower: String,
    padded: Vec<u8>,
    toks: Vec<tokenize::Tok>,
    sentiments: Vec<f64>,
    nonzero: Vec<u32>,
    offsets: Vec<(u32, u32)>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// The VADER analyzer. Cheap to share: it holds only the optional user lexicon.
#[derive(Debug, Clone, Default)]
pub struct Vader {
    overlay: Option<HashMap<String, f64>>,
}

impl Vader {
    /// The analyzer with the compiled-in lexicons of vaderSentiment 3.3.2.
    pub fn new() -> Vader {
        Vader::default()
    }

    /// Adds or overrides lexicon entries from a file in vader_lexicon.txt format.
    pub fn with_lexicon_file(mut self, path: &Path) -> Result<Vader, LexiconError> {
        lexicon::read_lexicon(path, self.overlay.get_or_insert_with(HashMap::new))?;
        Ok(self)
    }

    /// Adds or overrides lexicon entries given as vader_lexicon.txt text.
    pub fn with_lexicon_text(mut self, text: &str) -> Result<Vader, LexiconError> {
        parse_lexicon(text, self.overlay.get_or_insert_with(HashMap::new))?;
        Ok(self)
    }

    /// Number of entries in the effective lexicon (compiled-in plus user entries).
    pub fn lexicon_len(&self) -> usize {
        let extra = self.overlay.as_ref().map_or(0, |o| {
            o.keys().filter(|k| table::lookup(k).lex.is_nan()).count()
        });
        table::lexicon_entries().count() + extra
    }

    /// `SentimentIntensityAnalyzer().polarity_scores(text)`.
    pub fn polarity_scores(&self, text: &str) -> Scores {
        self.run(text, None)
    }

    /// Like [`Vader::polarity_scores`], and writes every token's final valence (after all
    /// rules, including "but") to `out`, with byte offsets into `text`.
    pub fn polarity_scores_explained(&self, text: &str, out: &mut Vec<Contribution>) -> Scores {
        self.run(text, Some(out))
    }

    fn run(&self, text: &str, explain: Option<&mut Vec<Contribution>>) -> Scores {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut s) => self.run_with(text, explain, &mut s),
            Err(_) => self.run_with(text, explain, &mut Scratch::default()),
        })
    }

    fn run_with(
        &self,
        text: &str,
        explain: Option<&mut Vec<Contribution>>,
        s: &mut Scratch,
    ) -> Scores {
        let Scratch {
            rewritten,
            lower,
            padded,
            toks,
            sentiments,
            nonzero,
            offsets,
        } = s;
        let want_map = explain.is_some();
        let work: &str =
            if tokenize::replace_emoji(text, rewritten, want_map.then_some(&mut *offsets)) {
                rewritten
            } else {
                offsets.clear();
                text
            };
        tokenize::tokenize(work, self.overlay.as_ref(), lower, padded, toks);
        let upper = toks.iter().filter(|t| t.upper).count();
        let is_cap_diff = upper > 0 && upper < toks.len();
        rules::valences(toks, is_cap_diff, sentiments);
        rules::but_check(toks, sentiments, nonzero);
        if let Some(out) = explain {
            out.clear();
            out.extend(toks.iter().zip(sentiments.iter()).map(|(t, &valence)| {
                let (start, end) = if offsets.is_empty() {
                    (t.start as usize, t.end as usize)
                } else {
                    (
                        offsets[t.start as usize].0 as usize,
                        offsets[t.end as usize - 1].1 as usize,
                    )
                };
                Contribution {
                    start,
                    end,
                    token: work[t.start as usize..t.end as usize].to_string(),
                    valence,
                }
            }));
        }
        score::score_valence(sentiments, work)
    }
}

impl Analyzer for Vader {
    fn backend(&self) -> &'static str {
        "vader"
    }

    fn langs(&self) -> &'static [Lang] {
        &[Lang::En]
    }

    fn analyze(
        &self,
        text: &str,
        opts: AnalyzeOptions,
    ) -> Pending<Result<Sentiment, AnalyzeError>> {
        let mut contributions = Vec::new();
        let scores = if opts.explain {
            self.polarity_scores_explained(text, &mut contributions)
        } else {
            self.polarity_scores(text)
        };
        let mut s = Sentiment::new(scores, Lang::En, "vader");
        s.contributions = contributions;
        Pending::ready(Ok(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(t: &str) -> (f64, f64, f64, f64) {
        let s = Vader::new().polarity_scores(t);
        (s.neg, s.neu, s.pos, s.compound)
    }

    #[test]
    fn readme_examples() {
        // Values printed by vaderSentiment 3.3.2's own demo.
        assert_eq!(
            scores("VADER is smart, handsome, and funny."),
            (0.0, 0.254, 0.746, 0.8316)
        );
        assert_eq!(
            scores("VADER is not smart, handsome, nor funny."),
            (0.646, 0.354, 0.0, -0.7424)
        );
        assert_eq!(scores("Today SUX!"), (0.779, 0.221, 0.0, -0.5461));
        assert_eq!(scores("Not bad at all"), (0.0, 0.513, 0.487, 0.431));
        assert_eq!(scores(""), (0.0, 0.0, 0.0, 0.0));
    }

    #[test]
    fn user_lexicon_overrides() {
        let v = Vader::new()
            .with_lexicon_text("frobnicate\t3.0\ngood\t-1.0\n")
            .unwrap();
        assert!(v.polarity_scores("frobnicate").compound > 0.5);
        assert!(v.polarity_scores("good").compound < 0.0);
        assert_eq!(v.lexicon_len(), 7507);
    }

    #[test]
    fn explain_offsets_point_into_the_input() {
        let text = "so 😁 but NOT bad";
        let mut out = Vec::new();
        Vader::new().polarity_scores_explained(text, &mut out);
        let spans: Vec<&str> = out.iter().map(|c| &text[c.start..c.end]).collect();
        assert_eq!(
            spans,
            vec!["so", "😁", "😁", "😁", "😁", "😁", "but", "NOT", "bad"]
        );
        assert_eq!(out[1].token, "beaming");
        assert!(out[8].valence > 0.0);
    }
}
