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
    /// With the cascade: `"lexicon"` (the lexicon was sure) or `"model"` (sent to the model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<&'static str>,
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
            path: s.path.map(crate::CascadePath::as_str),
        }
    }
}

impl SentimentBody<'_> {
    /// Appends the body to `out` exactly as `serde_json::to_writer` would, byte for byte, when
    /// it is a plain score: no tokens, model or probabilities, no degraded reason, and numbers
    /// that are decimals of at most four places (every lexicon score: VADER rounds to 3 and 4
    /// places, the other scorers too). Returns false, with `out` untouched, for anything else,
    /// and the caller serializes it with serde.
    ///
    /// Why: on the lexicon paths formatting the answer cost more than scoring it (serde's
    /// generic map writer plus the general shortest-float algorithm, about 2,300 instructions
    /// a body, against about 850 here under callgrind). Tested against serde_json on every
    /// 4-place decimal in [-1, 1] and their neighbours.
    pub fn write_plain(&self, out: &mut Vec<u8>) -> bool {
        if self.tokens.is_some()
            || self.model.is_some()
            || self.probabilities.is_some()
            || self.degraded_reason.is_some()
            || !self
                .backend
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return false;
        }
        let mut nums = [[0u8; 7]; 4];
        let mut lens = [0usize; 4];
        for (i, x) in [self.compound, self.pos, self.neu, self.neg]
            .into_iter()
            .enumerate()
        {
            match plain_decimal(x, &mut nums[i]) {
                Some(n) => lens[i] = n,
                None => return false,
            }
        }
        out.extend_from_slice(b"{\"label\":\"");
        out.extend_from_slice(self.label.as_str().as_bytes());
        for (key, (num, len)) in [
            &b"\",\"compound\":"[..],
            b",\"pos\":",
            b",\"neu\":",
            b",\"neg\":",
        ]
        .into_iter()
        .zip(nums.iter().zip(lens))
        {
            out.extend_from_slice(key);
            out.extend_from_slice(&num[..len]);
        }
        out.extend_from_slice(b",\"lang\":\"");
        out.extend_from_slice(self.lang.as_str().as_bytes());
        out.extend_from_slice(b"\",\"backend\":\"");
        out.extend_from_slice(self.backend.as_bytes());
        out.push(b'"');
        if self.truncated {
            out.extend_from_slice(b",\"truncated\":true");
        }
        if let Some(tier) = self.cached {
            out.extend_from_slice(b",\"cached\":\"");
            out.extend_from_slice(tier.as_bytes());
            out.push(b'"');
        }
        if self.degraded {
            out.extend_from_slice(b",\"degraded\":true");
        }
        if let Some(path) = self.path {
            out.extend_from_slice(b",\"path\":\"");
            out.extend_from_slice(path.as_bytes());
            out.push(b'"');
        }
        out.push(b'}');
        true
    }
}

/// `x` in serde_json's notation when it is a decimal of at most four places with
/// 0.001 <= |x| <= 1, or zero: its shortest round-trip digits are then exactly those places,
/// trailing zeros trimmed ("0.9571", "0.5", "1.0", "-0.0"). Returns the length written.
fn plain_decimal(x: f64, buf: &mut [u8; 7]) -> Option<usize> {
    let a = x.abs();
    let mut n = 0;
    if x.is_sign_negative() {
        buf[0] = b'-';
        n = 1;
    }
    if a == 0.0 {
        buf[n..n + 3].copy_from_slice(b"0.0");
        return Some(n + 3);
    }
    if !(0.001..=1.0).contains(&a) {
        return None;
    }
    let k = (a * 10_000.0).round();
    // The exact-decimal test: k / 10^4 (correctly rounded) is the double itself.
    if k / 10_000.0 != a {
        return None;
    }
    let k = k as u32; // 10..=10_000
    buf[n] = b'0' + (k / 10_000) as u8;
    buf[n + 1] = b'.';
    n += 2;
    let mut frac = k % 10_000;
    if frac == 0 {
        buf[n] = b'0';
        return Some(n + 1);
    }
    let mut digits = 4;
    while frac.is_multiple_of(10) {
        frac /= 10;
        digits -= 1;
    }
    for i in (0..digits).rev() {
        buf[n + i] = b'0' + (frac % 10) as u8;
        frac /= 10;
    }
    Some(n + digits)
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

    fn plain_and_serde(body: &SentimentBody<'_>) -> (Option<String>, String) {
        let mut out = b"prefix".to_vec();
        let plain = body
            .write_plain(&mut out)
            .then(|| String::from_utf8(out[6..].to_vec()).unwrap());
        (plain, serde_json::to_string(body).unwrap())
    }

    #[test]
    fn plain_writer_matches_serde_json_on_every_decimal_it_takes() {
        let s = Sentiment::new(Scores::default(), Lang::En, "vader");
        let mut body = SentimentBody::new(&s, "", false);
        let (mut taken, mut refused) = (0, 0);
        // Every 4-place decimal in [-1, 1] and its neighbours, in each of the four slots.
        for k in -10_000i32..=10_000 {
            let exact = f64::from(k) / 10_000.0;
            let rest = f64::from(10_000 - k.abs()) / 10_000.0;
            for x in [exact, exact.next_up(), exact.next_down()] {
                body.compound = x;
                body.pos = x.abs();
                body.neu = rest;
                body.neg = -x;
                let (plain, serde) = plain_and_serde(&body);
                match plain {
                    Some(p) => {
                        assert_eq!(p, serde, "{x:e}");
                        taken += 1;
                    }
                    None => refused += 1,
                }
            }
        }
        assert!(taken > 19_000 && refused > 40_000, "{taken} {refused}");
        for x in [0.0, -0.0, 1.0, -1.0, 0.001, -0.001, 0.0009, 2.0, f64::NAN] {
            body.compound = x;
            let (plain, serde) = plain_and_serde(&body);
            if let Some(p) = plain {
                assert_eq!(p, serde, "{x:e}");
            }
        }
    }

    #[test]
    fn plain_writer_covers_the_flags_and_refuses_the_rest() {
        let mut s = Sentiment::new(
            Scores {
                compound: -0.5461,
                pos: 0.0,
                neu: 0.221,
                neg: 0.779,
            },
            Lang::Zh,
            "chat",
        );
        s.truncated = true;
        s.cached = Some(crate::CacheTier::L2);
        s.path = Some(crate::CascadePath::Lexicon);
        let mut body = SentimentBody::new(&s, "", false);
        body.degraded = true;
        let (plain, serde) = plain_and_serde(&body);
        assert_eq!(plain.as_deref(), Some(serde.as_str()));
        body.degraded_reason = Some("model_unavailable");
        assert_eq!(plain_and_serde(&body).0, None);
        body.degraded_reason = None;
        body.backend = "a\"b";
        assert_eq!(plain_and_serde(&body).0, None);
        let with_tokens = SentimentBody::new(&s, "", true);
        assert_eq!(plain_and_serde(&with_tokens).0, None);
    }

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
