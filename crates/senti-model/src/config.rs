//! `config.json` of a model directory, as Hugging Face exports it, plus senti's own block.
//!
//! Only what scoring needs is read: `id2label`, `problem_type`, the input limit
//! (`max_position_embeddings`) and an optional `"senti"` object:
//! `{"label_map": {"LABEL_0": "negative", ...}, "max_length": 128}`.

use std::collections::BTreeMap;
use std::path::Path;

use senti_core::Label;
use serde::Deserialize;

use crate::ModelError;

/// Softmax over all labels, or an independent sigmoid per label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemType {
    SingleLabel,
    MultiLabel,
}

/// What the loader takes from `config.json`.
#[derive(Debug, Clone)]
pub struct ModelConfig {
    /// Label names in id order.
    pub labels: Vec<String>,
    /// Which sentiment each label stands for; `None` for labels that count toward none
    /// (a multi-label model's "toxic", say).
    pub roles: Vec<Option<Label>>,
    pub problem: ProblemType,
    /// Longest input in tokens (special tokens included); longer texts are truncated.
    pub max_length: usize,
}

#[derive(Deserialize)]
struct RawConfig {
    #[serde(default)]
    id2label: BTreeMap<String, String>,
    #[serde(default)]
    problem_type: Option<String>,
    #[serde(default)]
    max_position_embeddings: Option<usize>,
    #[serde(default)]
    senti: Option<SentiBlock>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SentiBlock {
    #[serde(default)]
    label_map: BTreeMap<String, String>,
    #[serde(default)]
    max_length: Option<usize>,
}

/// Used when neither `senti.max_length` nor `max_position_embeddings` is given (BERT's limit).
pub const DEFAULT_MAX_LENGTH: usize = 512;

impl ModelConfig {
    pub fn from_file(path: &Path) -> Result<ModelConfig, ModelError> {
        let bytes = std::fs::read(path).map_err(|e| ModelError::File {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        ModelConfig::from_json(&bytes)
    }

    pub fn from_json(bytes: &[u8]) -> Result<ModelConfig, ModelError> {
        let raw: RawConfig =
            serde_json::from_slice(bytes).map_err(|e| ModelError::Config(e.to_string()))?;
        let n = raw.id2label.len();
        if n == 0 {
            return Err(ModelError::Config("id2label is missing or empty".into()));
        }
        let mut labels = vec![None; n];
        for (k, v) in raw.id2label {
            let id: usize =
                k.parse().ok().filter(|&i| i < n).ok_or_else(|| {
                    ModelError::Config(format!("id2label key {k:?} is not 0..{n}"))
                })?;
            labels[id] = Some(v);
        }
        let labels: Vec<String> = labels.into_iter().map(|l| l.unwrap_or_default()).collect();
        let problem = match raw.problem_type.as_deref() {
            None | Some("single_label_classification") => ProblemType::SingleLabel,
            Some("multi_label_classification") => ProblemType::MultiLabel,
            Some(other) => {
                return Err(ModelError::Config(format!(
                    "problem_type {other:?} is not a classification (use single_label_classification or multi_label_classification)"
                )));
            }
        };
        let senti = raw.senti.unwrap_or(SentiBlock {
            label_map: BTreeMap::new(),
            max_length: None,
        });
        let roles = roles(&labels, &senti.label_map)?;
        let max_length = senti
            .max_length
            .or(raw.max_position_embeddings)
            .unwrap_or(DEFAULT_MAX_LENGTH);
        if max_length < 2 {
            return Err(ModelError::Config(format!(
                "max length {max_length} leaves no room for text"
            )));
        }
        Ok(ModelConfig {
            labels,
            roles,
            problem,
            max_length,
        })
    }
}

fn parse_role(s: &str) -> Result<Option<Label>, ModelError> {
    match s.to_ascii_lowercase().as_str() {
        "positive" => Ok(Some(Label::Positive)),
        "negative" => Ok(Some(Label::Negative)),
        "neutral" => Ok(Some(Label::Neutral)),
        "none" | "ignore" => Ok(None),
        _ => Err(ModelError::Config(format!(
            "senti.label_map value {s:?} is not positive, negative, neutral or none"
        ))),
    }
}

/// The sentiment of each label: `senti.label_map` first; otherwise from the label's name
/// ("neg…", "pos…", "neu…" in any case); otherwise, for generic names such as `LABEL_0`,
/// the usual order (2 labels: negative, positive; 3: negative, neutral, positive).
fn roles(
    labels: &[String],
    map: &BTreeMap<String, String>,
) -> Result<Vec<Option<Label>>, ModelError> {
    for k in map.keys() {
        if !labels.iter().any(|l| l == k) {
            return Err(ModelError::Config(format!(
                "senti.label_map names {k:?}, which is not in id2label"
            )));
        }
    }
    let mut roles = Vec::with_capacity(labels.len());
    for l in labels {
        roles.push(match map.get(l) {
            Some(r) => parse_role(r)?,
            None if !map.is_empty() => None,
            None => by_name(l),
        });
    }
    if map.is_empty() && roles.iter().all(Option::is_none) {
        roles = match labels.len() {
            2 => vec![Some(Label::Negative), Some(Label::Positive)],
            3 => vec![
                Some(Label::Negative),
                Some(Label::Neutral),
                Some(Label::Positive),
            ],
            _ => roles,
        };
    }
    let has = |x| roles.contains(&Some(x));
    if !has(Label::Positive) && !has(Label::Negative) {
        return Err(ModelError::Config(format!(
            "no label of {labels:?} maps to positive or negative; add \"senti\": {{\"label_map\": {{...}}}}"
        )));
    }
    Ok(roles)
}

fn by_name(label: &str) -> Option<Label> {
    let l = label.to_ascii_lowercase();
    if l.starts_with("neg") {
        Some(Label::Negative)
    } else if l.starts_with("pos") {
        Some(Label::Positive)
    } else if l.starts_with("neu") {
        Some(Label::Neutral)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(json: &str) -> Result<ModelConfig, ModelError> {
        ModelConfig::from_json(json.as_bytes())
    }

    #[test]
    fn names_generic_and_mapped_labels() {
        let c = cfg(r#"{"id2label":{"0":"NEGATIVE","1":"POSITIVE"},"max_position_embeddings":64}"#)
            .unwrap();
        assert_eq!(c.roles, vec![Some(Label::Negative), Some(Label::Positive)]);
        assert_eq!(c.max_length, 64);
        assert_eq!(c.problem, ProblemType::SingleLabel);

        let c = cfg(r#"{"id2label":{"1":"LABEL_1","0":"LABEL_0","2":"LABEL_2"}}"#).unwrap();
        assert_eq!(c.labels, vec!["LABEL_0", "LABEL_1", "LABEL_2"]);
        assert_eq!(c.roles[1], Some(Label::Neutral));
        assert_eq!(c.max_length, DEFAULT_MAX_LENGTH);

        let c = cfg(
            r#"{"id2label":{"0":"a","1":"b"},"senti":{"label_map":{"a":"positive","b":"negative"},"max_length":9}}"#,
        )
        .unwrap();
        assert_eq!(c.roles, vec![Some(Label::Positive), Some(Label::Negative)]);
        assert_eq!(c.max_length, 9);

        let c = cfg(
            r#"{"id2label":{"0":"negative","1":"positive","2":"toxic"},"problem_type":"multi_label_classification"}"#,
        )
        .unwrap();
        assert_eq!(c.roles[2], None);
        assert_eq!(c.problem, ProblemType::MultiLabel);
    }

    #[test]
    fn rejects_what_cannot_be_scored() {
        for bad in [
            "{}",
            "not json",
            r#"{"id2label":{"0":"x","1":"y","2":"z","3":"w"}}"#,
            r#"{"id2label":{"0":"a","5":"b"}}"#,
            r#"{"id2label":{"0":"a","1":"b"},"problem_type":"regression"}"#,
            r#"{"id2label":{"0":"a","1":"b"},"senti":{"label_map":{"c":"positive"}}}"#,
            r#"{"id2label":{"0":"a","1":"b"},"senti":{"label_map":{"a":"happy"}}}"#,
            r#"{"id2label":{"0":"neg","1":"pos"},"max_position_embeddings":1}"#,
        ] {
            assert!(cfg(bad).is_err(), "{bad}");
        }
    }
}
