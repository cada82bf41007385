//! The compact binary form of a cached result (Redis values).
//!
//! `[version][label][lang][backend][flags][compound][pos][neu][neg]`, then the explanation's
//! tokens and, for a model result, its id and label probabilities. Little-endian, lengths as
//! u16/u32. A value that does not decode (another format version, a foreign key) is a miss.

use std::sync::Arc;

use senti_core::{Contribution, Label, Lang, ModelMeta, Scores, Sentiment};

/// Bumped whenever the layout or the meaning of a cached value changes; it is also hashed
/// into every key, so old values are never read.
pub const FORMAT_VERSION: u8 = 1;

use crate::BACKENDS;

pub fn encode(s: &Sentiment) -> Option<Vec<u8>> {
    let backend = BACKENDS.iter().position(|b| *b == s.backend)? as u8;
    let mut out = Vec::with_capacity(64 + s.contributions.len() * 24);
    out.push(FORMAT_VERSION);
    out.push(match s.label {
        Label::Negative => 0,
        Label::Neutral => 1,
        Label::Positive => 2,
    });
    out.push(match s.lang {
        Lang::En => 0,
        Lang::Zh => 1,
        Lang::Mixed => 2,
    });
    out.push(backend);
    out.push(u8::from(s.truncated) | (u8::from(s.model.is_some()) << 1));
    for v in [s.scores.compound, s.scores.pos, s.scores.neu, s.scores.neg] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&u32::try_from(s.contributions.len()).ok()?.to_le_bytes());
    for c in &s.contributions {
        out.extend_from_slice(&u32::try_from(c.start).ok()?.to_le_bytes());
        out.extend_from_slice(&u32::try_from(c.end).ok()?.to_le_bytes());
        out.extend_from_slice(&c.valence.to_le_bytes());
        put_str(&mut out, &c.token)?;
    }
    if let Some(m) = &s.model {
        put_str(&mut out, &m.model)?;
        out.extend_from_slice(&u16::try_from(m.probabilities.len()).ok()?.to_le_bytes());
        for (label, p) in &m.probabilities {
            put_str(&mut out, label)?;
            out.extend_from_slice(&p.to_le_bytes());
        }
    }
    Some(out)
}

fn put_str(out: &mut Vec<u8>, s: &str) -> Option<()> {
    out.extend_from_slice(&u16::try_from(s.len()).ok()?.to_le_bytes());
    out.extend_from_slice(s.as_bytes());
    Some(())
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn f64(&mut self) -> Option<f64> {
        Some(f64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn str(&mut self) -> Option<&'a str> {
        let n = self.u16()? as usize;
        std::str::from_utf8(self.take(n)?).ok()
    }
}

pub fn decode(bytes: &[u8]) -> Option<Sentiment> {
    let mut r = Reader(bytes);
    if r.u8()? != FORMAT_VERSION {
        return None;
    }
    let label = match r.u8()? {
        0 => Label::Negative,
        1 => Label::Neutral,
        2 => Label::Positive,
        _ => return None,
    };
    let lang = match r.u8()? {
        0 => Lang::En,
        1 => Lang::Zh,
        2 => Lang::Mixed,
        _ => return None,
    };
    let backend = *BACKENDS.get(r.u8()? as usize)?;
    let flags = r.u8()?;
    let scores = Scores {
        compound: r.f64()?,
        pos: r.f64()?,
        neu: r.f64()?,
        neg: r.f64()?,
    };
    let n = r.u32()? as usize;
    let mut contributions = Vec::with_capacity(n.min(bytes.len() / 18));
    for _ in 0..n {
        let start = r.u32()? as usize;
        let end = r.u32()? as usize;
        let valence = r.f64()?;
        let token = r.str()?.to_string();
        contributions.push(Contribution {
            start,
            end,
            token,
            valence,
        });
    }
    let model = if flags & 2 != 0 {
        let id: Arc<str> = Arc::from(r.str()?);
        let n = r.u16()? as usize;
        let mut probabilities = Vec::with_capacity(n);
        for _ in 0..n {
            let label: Arc<str> = Arc::from(r.str()?);
            probabilities.push((label, r.f64()?));
        }
        Some(Box::new(ModelMeta {
            model: id,
            probabilities,
            timing: Default::default(),
        }))
    } else {
        None
    };
    if !r.0.is_empty() {
        return None;
    }
    let mut s = Sentiment::new(scores, lang, backend);
    s.label = label;
    s.contributions = contributions;
    s.truncated = flags & 1 != 0;
    s.model = model;
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_lexicon_and_model_results() {
        let mut s = Sentiment::new(
            Scores {
                compound: -0.5423,
                pos: 0.0,
                neu: 0.4,
                neg: 0.6,
            },
            Lang::Mixed,
            "vader+zh",
        );
        s.contributions.push(Contribution {
            start: 3,
            end: 9,
            token: "难过".into(),
            valence: -1.25,
        });
        assert_eq!(decode(&encode(&s).unwrap()), Some(s.clone()));

        let mut m = Sentiment::new(Scores::from_probabilities(0.9, 0.0, 0.1), Lang::En, "onnx");
        m.truncated = true;
        m.model = Some(Box::new(ModelMeta {
            model: Arc::from("sst2@3"),
            probabilities: vec![(Arc::from("negative"), 0.1), (Arc::from("positive"), 0.9)],
            timing: Default::default(),
        }));
        let bytes = encode(&m).unwrap();
        assert_eq!(decode(&bytes), Some(m));
        for cut in 0..bytes.len() {
            assert_eq!(decode(&bytes[..cut]), None, "a truncated value is a miss");
        }
        let mut other = bytes.clone();
        other[0] = FORMAT_VERSION + 1;
        assert_eq!(decode(&other), None);
    }
}
