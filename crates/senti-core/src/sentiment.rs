//! The one score shape every backend returns.

use serde::{Deserialize, Serialize};

/// Three-way label derived from `compound` with VADER's thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Positive,
    Neutral,
    Negative,
}

impl Label {
    /// Positive if `compound >= 0.05`, negative if `compound <= -0.05`, else neutral.
    ///
    /// These are VADER's published thresholds; classifiers use them too (their compound is
    /// p(positive) - p(negative)) so that one label rule holds across the whole project.
    pub fn from_compound(compound: f64) -> Label {
        if compound >= 0.05 {
            Label::Positive
        } else if compound <= -0.05 {
            Label::Negative
        } else {
            Label::Neutral
        }
    }

    /// Binary polarity used for every accuracy figure in the project: the sign of compound,
    /// with zero counted as positive.
    pub fn binary_positive(compound: f64) -> bool {
        compound >= 0.0
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Label::Positive => "positive",
            Label::Neutral => "neutral",
            Label::Negative => "negative",
        }
    }
}

/// `compound` in [-1, 1] and the positive/neutral/negative shares.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Scores {
    pub compound: f64,
    pub pos: f64,
    pub neu: f64,
    pub neg: f64,
}

impl Scores {
    /// Scores of a probabilistic classifier: compound = p(positive) - p(negative).
    pub fn from_probabilities(p_pos: f64, p_neu: f64, p_neg: f64) -> Scores {
        Scores {
            compound: (p_pos - p_neg).clamp(-1.0, 1.0),
            pos: p_pos,
            neu: p_neu,
            neg: p_neg,
        }
    }

    pub fn label(&self) -> Label {
        Label::from_compound(self.compound)
    }
}

/// What one token contributed to the final score, after every rule of the backend.
///
/// Offsets are byte offsets into the text the caller passed in, so a contribution is a
/// zero-copy view: `&text[start..end]`. For an emoji that a lexicon rewrote into words, every
/// word of its description points at the emoji itself. Used by `explain` and by live rooms'
/// "terms that moved the score".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub start: usize,
    pub end: usize,
    /// The token as the backend saw it (differs from `&text[start..end]` for rewritten
    /// emoji, whose description words are scored).
    pub token: String,
    pub valence: f64,
}

/// A scored text.
#[derive(Debug, Clone, PartialEq)]
pub struct Sentiment {
    pub label: Label,
    pub scores: Scores,
    pub lang: crate::Lang,
    /// Name of the backend that produced the scores (e.g. "vader").
    pub backend: &'static str,
    /// Per-token contributions; empty unless asked for with [`crate::AnalyzeOptions::explain`].
    pub contributions: Vec<Contribution>,
    /// True when a model backend cut the text to its input limit.
    pub truncated: bool,
    /// Which model answered and how long each stage took; `None` for lexicon backends.
    /// Boxed so that a lexicon result stays small.
    pub model: Option<Box<ModelMeta>>,
    /// Set when the result came from a cache tier instead of a backend.
    pub cached: Option<CacheTier>,
    /// Set when the asked-for backend could not answer and a fallback did: why.
    pub degraded: Option<std::sync::Arc<str>>,
    /// Set when the cascade decided who answers: the lexicon, sure enough, or the model.
    pub path: Option<CascadePath>,
}

/// Which side of the cascade (lexicon first, the model when the lexicon is unsure) a text
/// took.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CascadePath {
    /// The lexicon was sure: |compound| at or above the threshold.
    Lexicon,
    /// The lexicon was unsure and the text went to the model (whose breaker may still have
    /// sent it back to the lexicon: then `degraded` says so).
    Model,
}

impl CascadePath {
    pub fn as_str(self) -> &'static str {
        match self {
            CascadePath::Lexicon => "lexicon",
            CascadePath::Model => "model",
        }
    }
}

/// Where a cached result was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheTier {
    /// The in-process cache, exact text.
    L1,
    /// Redis, exact text.
    L2,
    /// The in-process cache, a near-duplicate text (SimHash).
    L1Near,
    /// Redis, a near-duplicate text (SimHash).
    L2Near,
}

impl CacheTier {
    pub fn as_str(self) -> &'static str {
        match self {
            CacheTier::L1 => "l1",
            CacheTier::L2 => "l2",
            CacheTier::L1Near => "l1-near",
            CacheTier::L2Near => "l2-near",
        }
    }
}

/// What a model backend adds to a result.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelMeta {
    /// The model that answered, as `name@version`.
    pub model: std::sync::Arc<str>,
    /// Every label's probability (softmax or sigmoid), in the model's label order.
    pub probabilities: Vec<(std::sync::Arc<str>, f64)>,
    pub timing: StageTiming,
}

/// Per-stage times of one model request, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StageTiming {
    /// Tokenization on the tokenizer pool.
    pub tokenize_us: u64,
    /// From tokenized to the start of its batch's forward pass.
    pub queue_us: u64,
    /// The forward pass of the batch this text ran in (post-processing included).
    pub inference_us: u64,
    /// How many texts shared that forward pass.
    pub batch_size: u32,
}

impl Sentiment {
    pub fn new(scores: Scores, lang: crate::Lang, backend: &'static str) -> Sentiment {
        Sentiment {
            label: scores.label(),
            scores,
            lang,
            backend,
            contributions: Vec::new(),
            truncated: false,
            model: None,
            cached: None,
            degraded: None,
            path: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_inclusive() {
        assert_eq!(Label::from_compound(0.05), Label::Positive);
        assert_eq!(Label::from_compound(0.0499), Label::Neutral);
        assert_eq!(Label::from_compound(-0.05), Label::Negative);
        assert_eq!(Label::from_compound(-0.0499), Label::Neutral);
        assert!(Label::binary_positive(0.0));
        assert!(!Label::binary_positive(-0.0001));
    }

    #[test]
    fn classifier_compound() {
        let s = Scores::from_probabilities(0.7, 0.1, 0.2);
        assert!((s.compound - 0.5).abs() < 1e-12);
        assert_eq!(s.label(), Label::Positive);
        assert_eq!(
            serde_json::to_string(&Label::Negative).unwrap(),
            "\"negative\""
        );
    }
}
