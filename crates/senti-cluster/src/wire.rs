//! What travels on the streams (JSON: readable with `nats stream view`, and a decode costs
//! little next to scoring).

use senti_core::{Contribution, Label, Lang, Scores};
use serde::{Deserialize, Serialize};

/// An accepted comment, as published to `<prefix>.comments.<room>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireComment {
    pub room: String,
    pub id: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ts_ms: Option<i64>,
    /// Arrival time at the accepting replica (ms since the epoch): every replica's windows.
    pub at_ms: u64,
}

impl WireComment {
    /// JetStream's de-duplication id.
    pub fn msg_id(&self) -> String {
        format!("{}/{}", self.room, self.id)
    }
}

/// A scored comment, as published to `<prefix>.scored.<room>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireScored {
    #[serde(flatten)]
    pub comment: WireComment,
    pub label: Label,
    pub scores: Scores,
    pub lang: Lang,
    pub backend: String,
    /// Per-token contributions (rooms rank the terms that moved the score).
    #[serde(default)]
    pub terms: Vec<Contribution>,
}
