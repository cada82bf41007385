//! Room ingestion, for HTTP and gRPC alike: where an accepted comment goes.
//!
//! Alone, a replica scores each comment through the engine and counts it in its own rooms at
//! once. In a cluster (`--nats-url`), it only publishes the comment to JetStream and answers
//! after JetStream acknowledged it (accepted means durable); scoring happens on whichever
//! replica the shared consumer hands it to, and every replica counts it when the scored
//! result comes back through the scored stream ([`Fold`]). Either way a comment id seen
//! again in its room within the dedup window is counted once and reported as a duplicate.

use std::sync::Arc;

use senti_cluster::{ClusterObserver, Folder, Scorer, WireComment, WireScored};
use senti_core::{Label, Sentiment};
use senti_rooms::{Added, Comment};
use serde::Serialize;

use crate::error::{ApiError, ErrorCode};
use crate::room_hub::publish_spike;
use crate::state::AppState;
use tracing::Instrument;

/// What became of a request's comments.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Comments taken (new ones and duplicates).
    pub accepted: usize,
    /// Of those, how many were already counted (a retry): not counted again.
    pub duplicates: usize,
    /// Comments refused, with their id when known.
    pub rejected: Vec<(Option<String>, ApiError)>,
}

/// A scored comment as `comment` events carry it.
#[derive(Serialize)]
struct CommentEvent<'a> {
    id: &'a str,
    text: &'a str,
    label: Label,
    compound: f64,
    lang: senti_core::Lang,
    #[serde(skip_serializing_if = "Option::is_none")]
    ts_ms: Option<i64>,
    /// Arrival time at the accepting server (ms since the epoch).
    at_ms: u64,
}

/// Counts a scored comment in its room (once per id and window) and publishes it to the
/// room's subscribers.
fn apply(
    st: &AppState,
    room: &str,
    c: &Comment,
    at_ms: u64,
    s: &Sentiment,
    check_rate: bool,
) -> Result<Added, ApiError> {
    let added = st.rooms.add_once(room, &c.id, at_ms, s, check_rate)?;
    if let Added::Counted(spike) = &added {
        let ev = CommentEvent {
            id: &c.id,
            text: &c.text,
            label: s.label,
            compound: s.scores.compound,
            lang: s.lang,
            ts_ms: c.ts_ms,
            at_ms,
        };
        st.hubs.hub(room).publish(
            "comment",
            at_ms,
            serde_json::to_string(&ev).unwrap_or_default(),
        );
        if let Some(sp) = spike {
            publish_spike(&st.hubs, room, sp);
        }
    }
    Ok(added)
}

/// Takes a request's comments for `room` (each already decoded, or refused in place), under
/// the `room.ingest` stage span.
pub async fn accept(
    st: &AppState,
    room: &str,
    comments: Vec<Result<Comment, (Option<String>, ApiError)>>,
    at_ms: u64,
) -> Result<Outcome, ApiError> {
    let span = tracing::debug_span!(
        target: "senti::stage",
        "room.ingest",
        senti.room = %room,
        senti.comments = comments.len(),
        senti.accepted = tracing::field::Empty,
    );
    let rec = span.clone();
    let r = accept_traced(st, room, comments, at_ms)
        .instrument(span)
        .await;
    if let Ok(o) = &r
        && !rec.is_none()
    {
        rec.record("senti.accepted", o.accepted);
    }
    r
}

async fn accept_traced(
    st: &AppState,
    room: &str,
    comments: Vec<Result<Comment, (Option<String>, ApiError)>>,
    at_ms: u64,
) -> Result<Outcome, ApiError> {
    if !senti_rooms::valid_room_id(room) {
        return Err(senti_rooms::RoomError::InvalidRoom(room.to_string()).into());
    }
    let mut out = Outcome::default();
    let mut valid = Vec::with_capacity(comments.len());
    for c in comments {
        match c.and_then(|c| match st.rooms.validate(&c) {
            Ok(()) => Ok(c),
            Err(e) => Err((Some(c.id.clone()), e.into())),
        }) {
            Ok(c) => valid.push(c),
            Err(r) => out.rejected.push(r),
        }
    }
    match &st.cluster {
        None => {
            // The room must exist (or be creatable) before anything is counted.
            st.rooms.room(room)?;
            for c in valid {
                let r = st
                    .engine
                    .score_comment(&c.text)
                    .map_err(ApiError::from)
                    .and_then(|s| apply(st, room, &c, at_ms, &s, true));
                match r {
                    Ok(added) => {
                        out.accepted += 1;
                        out.duplicates += (added == Added::Duplicate) as usize;
                    }
                    Err(e) => out.rejected.push((Some(c.id), e)),
                }
            }
        }
        Some(cluster) => {
            let wire: Vec<WireComment> = valid
                .into_iter()
                .map(|c| WireComment {
                    room: room.to_string(),
                    id: c.id,
                    text: c.text,
                    ts_ms: c.ts_ms,
                    at_ms,
                })
                .collect();
            let publish = tracing::debug_span!(
                target: "senti::stage",
                "room.publish",
                senti.comments = wire.len()
            );
            let acks = futures_util::future::join_all(wire.iter().map(|c| cluster.publish(c)))
                .instrument(publish)
                .await;
            for ack in acks {
                // One comment not durable fails the request: the client retries it whole,
                // and what was already published comes back as duplicates.
                let duplicate =
                    ack.map_err(|e| ApiError::new(ErrorCode::Unavailable, e.to_string()))?;
                out.accepted += 1;
                out.duplicates += duplicate as usize;
            }
        }
    }
    Ok(out)
}

/// The engine's room path, for the cluster's scorer.
pub struct Score(pub Arc<AppState>);

impl Scorer for Score {
    fn score(&self, c: &WireComment) -> Option<WireScored> {
        let s = self.0.engine.score_comment(&c.text).ok()?;
        Some(WireScored {
            comment: c.clone(),
            label: s.label,
            scores: s.scores,
            lang: s.lang,
            backend: s.backend.to_string(),
            terms: s.contributions,
        })
    }
}

/// Every scored comment of the cluster into this replica's rooms.
pub struct Fold(pub Arc<AppState>);

impl Folder for Fold {
    fn fold(&self, w: WireScored) {
        let backend = senti_engine::BACKENDS
            .iter()
            .find(|b| **b == w.backend)
            .copied()
            .unwrap_or("vader");
        let mut s = Sentiment::new(w.scores, w.lang, backend);
        s.label = w.label;
        s.contributions = w.terms;
        let c = Comment {
            id: w.comment.id,
            text: w.comment.text,
            ts_ms: w.comment.ts_ms,
        };
        // Every replica must count the same comments: no per-room rate limit here (in a
        // cluster JetStream absorbs the bursts; the limit applies to single replicas).
        if let Err(e) = apply(&self.0, &w.comment.room, &c, w.comment.at_ms, &s, false) {
            tracing::warn!(room = %w.comment.room, error = %e.message, "a scored comment was not counted");
        }
    }
}

impl ClusterObserver for crate::metrics::Metrics {
    fn scored(&self, n: u64) {
        self.cluster_scored.inc_by(n);
    }
    fn redelivered(&self) {
        self.cluster_redelivered.inc();
    }
    fn folded(&self) {
        self.cluster_folded.inc();
    }
}
