//! The JSON shape of a scored text, shared by the CLI and the HTTP API.

use serde::Serialize;

use crate::{Label, Lang, Sentiment};

/// `{"label","compound","pos","neu","neg","lang","backend"}`, plus `"truncated": true` when a
/// model cut the text and `"tokens"` when an explanation was asked for.
#[derive(Debug, Serialize)]
pub struct SentimentBody<'a> {
    pub label: Label,
    pub compound: f64,
    pub pos: f64,
    pub neu: f64,
    pub neg: f64,
    pub lang: Lang,
    pub backend: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// `name@version` of the model that answered (model backends only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<&'a str>,
    /// `{label: probability}` in the model's label order (model backends only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probabilities: Option<Probabilities<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Vec<TokenBody<'a>>>,
    /// `"l1"`, `"l2"`, `"l1-near"` or `"l2-near"` when a cache tier answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cached: Option<&'static str>,
    /// True when the asked-for model could not answer and the lexicon scorer did.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub degraded: bool,
    /// Why the answer is degraded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degraded_reason: Option<&'a str>,
}

/// A model's label probabilities, serialized as a JSON object in label order.
#[derive(Debug)]
pub struct Probabilities<'a>(pub &'a [(std::sync::Arc<str>, f64)]);

impl Serialize for Probabilities<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(&**k, v)?;
        }
        m.end()
    }
}

/// One token of an explanation. `start`/`end` count Unicode code points (as Python string
/// indices and JavaScript's `Array.from(text)` do), not bytes.
#[derive(Debug, Serialize)]
pub struct TokenBody<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
    pub valence: f64,
}

impl<'a> SentimentBody<'a> {
    /// `text` must be the text that was scored; `explain` adds the tokens.
    pub fn new(s: &'a Sentiment, text: &str, explain: bool) -> SentimentBody<'a> {
        let tokens = explain.then(|| {
            let mut conv = CharOffsets::new(text);
            s.contributions
                .iter()
                .map(|c| TokenBody {
                    text: &c.token,
                    start: conv.char_index(c.start),
                    end: conv.char_index(c.end),
                    valence: c.valence,
                })
                .collect()
        });
        SentimentBody {
            label: s.label,
            compound: s.scores.compound,
            pos: s.scores.pos,
            neu: s.scores.neu,
            neg: s.scores.neg,
            lang: s.lang,
            backend: s.backend,
            truncated: s.truncated,
            model: s.model.as_ref().map(|m| &*m.model),
            probabilities: s.model.as_ref().map(|m| Probabilities(&m.probabilities)),
            tokens,
            cached: s.cached.map(crate::CacheTier::as_str),
            degraded: s.degraded.is_some(),
            degraded_reason: s.degraded.as_deref(),
        }
    }
}

/// Byte offset -> code point index, cheap for offsets that mostly increase.
struct CharOffsets<'t> {
    text: &'t str,
    byte: usize,
    chars: usize,
}

impl<'t> CharOffsets<'t> {
    fn new(text: &'t str) -> Self {
        CharOffsets {
            text,
            byte: 0,
            chars: 0,
        }
    }

    fn char_index(&mut self, byte: usize) -> usize {
        let byte = byte.min(self.text.len());
        if byte < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        let seg = self.text.get(self.byte..byte).unwrap_or("");
        self.chars += seg.chars().count();
        self.byte = byte;
        self.chars
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Contribution, Scores};

    #[test]
    fn char_offsets_and_shape() {
        let text = "é ok";
        let mut s = Sentiment::new(
            Scores {
                compound: 0.3,
                pos: 0.5,
                neu: 0.5,
                neg: 0.0,
            },
            Lang::En,
            "vader",
        );
        s.contributions = vec![
            Contribution {
                start: 0,
                end: 2,
                token: "é".into(),
                valence: 0.0,
            },
            Contribution {
                start: 3,
                end: 5,
                token: "ok".into(),
                valence: 1.2,
            },
        ];
        let v = serde_json::to_value(SentimentBody::new(&s, text, true)).unwrap();
        assert_eq!(v["tokens"][1]["start"], 2);
        assert_eq!(v["tokens"][1]["end"], 4);
        assert_eq!(v["label"], "positive");
        let plain = serde_json::to_string(&SentimentBody::new(&s, text, false)).unwrap();
        assert_eq!(
            plain,
            r#"{"label":"positive","compound":0.3,"pos":0.5,"neu":0.5,"neg":0.0,"lang":"en","backend":"vader"}"#
        );
    }
}
