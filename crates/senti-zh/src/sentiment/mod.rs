//! Chinese sentiment for short reviews and live comments: a linear model over hashed features
//! of jieba-segmented text plus a hand-written slang/emoji/kaomoji lexicon, with negation and
//! degree rules (`features.rs`). At run time it is a table lookup: no file is read, the
//! weights are compiled in (`data/zh_sentiment.bin`, written by
//! `scripts/zh/train_zh_sentiment.py`).
//!
//! Score and shape:
//!
//! * `s = sum(weight[id] * value)` over the text's features (the lexicon feature's weight is
//!   the model's `lex` coefficient). `s` is the logit of a logistic regression trained without
//!   an intercept, so a text with no evidence scores 0.
//! * `compound`: 0 for `s = 0`; `0.0499 * s / d` inside the dead zone `|s| <= d` (neutral,
//!   sign kept); else `sign(s) * (0.05 + 0.95 * tanh((|s| - d) / t))`. `d` and `t` are stored
//!   in the model file (tuned on the `tune` split of `data/danmaku`). The sign of compound is
//!   the sign of `s`, so binary accuracy does not depend on `d` or `t`.
//! * shares: `pos = max(compound, 0)`, `neg = max(-compound, 0)`, `neu = 1 - |compound|`, so
//!   `pos + neu + neg = 1` and `compound = pos - neg` (as for the classifiers).

pub mod features;
mod lexicon;

use std::cell::RefCell;

use senti_core::{
    AnalyzeError, AnalyzeOptions, Analyzer, Contribution, Lang, Pending, Scores, Sentiment,
};

use crate::Jieba;
use features::{Feature, Kind, LEX_ID, Scratch};

static MODEL_BYTES: &[u8] = include_bytes!("../../data/zh_sentiment.bin");

const MAGIC: &[u8; 4] = b"SZHW";
const HEADER: usize = 28;

/// The compiled-in weights: header (magic, version, bucket count, i16 scale, lexicon weight,
/// dead zone, temperature; little-endian) then one i16 per bucket.
#[derive(Clone, Copy)]
struct Model {
    weights: &'static [u8],
    buckets: u32,
    scale: f32,
    lex: f32,
    dead_zone: f32,
    temperature: f32,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("buckets", &self.buckets)
            .field("lex", &self.lex)
            .field("dead_zone", &self.dead_zone)
            .field("temperature", &self.temperature)
            .finish_non_exhaustive()
    }
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn le_f32(b: &[u8], at: usize) -> f32 {
    f32::from_bits(le_u32(b, at))
}

impl Model {
    fn parse(b: &'static [u8]) -> Model {
        assert!(
            b.len() >= HEADER && &b[..4] == MAGIC && le_u32(b, 4) == 1,
            "zh_sentiment.bin: bad header"
        );
        let buckets = le_u32(b, 8);
        assert_eq!(
            b.len(),
            HEADER + 2 * buckets as usize,
            "zh_sentiment.bin: bad size"
        );
        Model {
            weights: &b[HEADER..],
            buckets,
            scale: le_f32(b, 12),
            lex: le_f32(b, 16),
            dead_zone: le_f32(b, 20),
            temperature: le_f32(b, 24),
        }
    }

    fn weight(&self, id: u32) -> f64 {
        if id == LEX_ID {
            return f64::from(self.lex);
        }
        if id >= self.buckets {
            return 0.0;
        }
        let i = 2 * id as usize;
        let q = i16::from_le_bytes([self.weights[i], self.weights[i + 1]]);
        f64::from(q) * f64::from(self.scale)
    }
}

/// The logit-to-compound mapping described in the module docs.
pub fn compound_of(s: f64, dead_zone: f64, temperature: f64) -> f64 {
    if s == 0.0 {
        0.0
    } else if s.abs() <= dead_zone {
        0.0499 * s / dead_zone
    } else {
        let t = if temperature > 0.0 { temperature } else { 1.0 };
        s.signum() * (0.05 + 0.95 * ((s.abs() - dead_zone) / t).tanh())
    }
}

/// Shares consistent with `compound`: `pos - neg = compound`, `pos + neu + neg = 1`.
pub fn scores_of(compound: f64) -> Scores {
    Scores {
        compound,
        pos: compound.max(0.0),
        neu: 1.0 - compound.abs(),
        neg: (-compound).max(0.0),
    }
}

#[derive(Default)]
struct Buffers {
    scratch: Scratch,
    feats: Vec<Feature>,
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

/// The Chinese scorer. Cheap to create and to share between threads.
#[derive(Clone, Debug)]
pub struct ZhSentiment {
    jieba: Jieba,
    model: Model,
    dead_zone: f64,
    temperature: f64,
}

impl Default for ZhSentiment {
    fn default() -> Self {
        Self::new()
    }
}

impl ZhSentiment {
    /// The scorer with the compiled-in model and jieba's default dictionary.
    pub fn new() -> ZhSentiment {
        let model = Model::parse(MODEL_BYTES);
        ZhSentiment {
            jieba: Jieba::new(),
            dead_zone: f64::from(model.dead_zone),
            temperature: f64::from(model.temperature),
            model,
        }
    }

    /// Overrides the dead zone and temperature of the compound mapping (for tuning).
    pub fn with_calibration(mut self, dead_zone: f64, temperature: f64) -> ZhSentiment {
        self.dead_zone = dead_zone;
        self.temperature = temperature;
        self
    }

    /// The dead zone and temperature of the compound mapping.
    pub fn calibration(&self) -> (f64, f64) {
        (self.dead_zone, self.temperature)
    }

    /// The features of `text` (ids as in training), into `out`.
    pub fn features(&self, text: &str, out: &mut Vec<Feature>) {
        let mut scratch = Scratch::default();
        features::extract(&self.jieba, text, &mut scratch, out);
    }

    /// The model's logit `s` for `text` (0 when nothing in it carries weight).
    pub fn logit(&self, text: &str) -> f64 {
        self.run(text, None)
    }

    /// The scores of `text`.
    pub fn polarity_scores(&self, text: &str) -> Scores {
        scores_of(compound_of(
            self.logit(text),
            self.dead_zone,
            self.temperature,
        ))
    }

    /// Like [`ZhSentiment::polarity_scores`], and writes what carried weight to `out`: one
    /// entry per span of `text` (byte offsets) with the summed weight of the features there
    /// (word, character bigram, lexicon entry); negated words are named `NEG_word`.
    pub fn polarity_scores_explained(&self, text: &str, out: &mut Vec<Contribution>) -> Scores {
        let s = self.run(text, Some(out));
        scores_of(compound_of(s, self.dead_zone, self.temperature))
    }

    fn run(&self, text: &str, explain: Option<&mut Vec<Contribution>>) -> f64 {
        BUFFERS.with(|cell| match cell.try_borrow_mut() {
            Ok(mut b) => self.run_with(text, explain, &mut b),
            Err(_) => self.run_with(text, explain, &mut Buffers::default()),
        })
    }

    fn run_with(
        &self,
        text: &str,
        explain: Option<&mut Vec<Contribution>>,
        b: &mut Buffers,
    ) -> f64 {
        let Buffers { scratch, feats } = b;
        features::extract(&self.jieba, text, scratch, feats);
        let mut s = 0.0f64;
        for f in feats.iter() {
            s += self.model.weight(f.id) * f64::from(f.value);
        }
        if let Some(out) = explain {
            out.clear();
            for f in feats.iter() {
                let valence = self.model.weight(f.id) * f64::from(f.value);
                if valence == 0.0 {
                    continue;
                }
                let span = &text[f.start..f.end];
                let token = match f.kind {
                    Kind::NegatedWord => format!("NEG_{span}"),
                    Kind::Word | Kind::Bigram | Kind::Lexicon => span.to_string(),
                };
                out.push(Contribution {
                    start: f.start,
                    end: f.end,
                    token,
                    valence,
                });
            }
            // One entry per span: a word and the bigram with the same two characters are
            // summed (the word, pushed first, names it).
            out.sort_by_key(|c| (c.start, c.end));
            out.dedup_by(|b, a| {
                let same = (a.start, a.end) == (b.start, b.end);
                if same {
                    a.valence += b.valence;
                }
                same
            });
            out.retain(|c| c.valence != 0.0);
        }
        s
    }
}

impl Analyzer for ZhSentiment {
    fn backend(&self) -> &'static str {
        "zh"
    }

    fn langs(&self) -> &'static [Lang] {
        &[Lang::Zh]
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
        let mut s = Sentiment::new(scores, Lang::Zh, "zh");
        s.contributions = contributions;
        Pending::ready(Ok(s))
    }
}

#[cfg(test)]
mod tests;
