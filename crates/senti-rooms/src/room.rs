//! Rooms and their registry.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use senti_core::{ErrorCode, Sentiment};
use serde::Serialize;

use crate::spike::{Spike, SpikeRule, SpikeState};
use crate::window::{SecondStats, TermStat, WINDOWS_S, WindowStats, Windows};

/// Clock seconds a snapshot reports one by one.
pub const SNAPSHOT_SECONDS: u64 = 10;

/// A comment as it arrives. `id` is required (later deduplication relies on it).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Comment {
    pub id: String,
    pub text: String,
    /// The client's timestamp (ms since the epoch).
    #[serde(default, deserialize_with = "whole_ms")]
    pub ts_ms: Option<i64>,
}

/// An integer, or a number without a fractional part (JSON Schema's `integer`: `5.0` is one),
/// in [-(2^63 - 1), 2^63 - 1]; or null. (-2^63 is out: an integer literal below it reaches
/// here as the float -2^63, which cannot be told from it.)
fn whole_ms<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    use serde::de::{Error, Unexpected, Visitor};
    struct Ms;
    impl<'de> Visitor<'de> for Ms {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an integer of ms since the epoch, or null")
        }
        fn visit_i64<E: Error>(self, v: i64) -> Result<Self::Value, E> {
            if v == i64::MIN {
                return Err(E::invalid_value(Unexpected::Signed(v), &self));
            }
            Ok(Some(v))
        }
        fn visit_u64<E: Error>(self, v: u64) -> Result<Self::Value, E> {
            i64::try_from(v)
                .map(Some)
                .map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
        }
        fn visit_f64<E: Error>(self, v: f64) -> Result<Self::Value, E> {
            // 2^63, exact as f64.
            const LIMIT: f64 = 9_223_372_036_854_775_808.0;
            if v.fract() == 0.0 && v > -LIMIT && v < LIMIT {
                Ok(Some(v as i64))
            } else {
                Err(E::invalid_value(Unexpected::Float(v), &self))
            }
        }
        fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }
    }
    d.deserialize_option(Ms)
}

/// Why a comment or a room was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RoomError {
    #[error("room id {0:?} must match [A-Za-z0-9_-]{{1,64}}")]
    InvalidRoom(String),
    #[error("comment id must be 1 to {max} bytes")]
    InvalidId { max: usize },
    #[error("comment text is {len} characters; the limit is {max}")]
    TextTooLong { len: usize, max: usize },
    #[error("{max} rooms are active, the limit; room {room:?} was not created")]
    TooManyRooms { room: String, max: usize },
    #[error("room {room:?} is at its rate limit of {max} comments per second")]
    RateLimited { room: String, max: u64 },
}

impl RoomError {
    /// The API code of this error (from the one table in `senti-core`).
    pub fn code(&self) -> ErrorCode {
        match self {
            RoomError::InvalidRoom(_) => ErrorCode::InvalidRoom,
            RoomError::InvalidId { .. } => ErrorCode::InvalidCommentId,
            RoomError::TextTooLong { .. } => ErrorCode::TextTooLong,
            RoomError::TooManyRooms { .. } => ErrorCode::TooManyRooms,
            RoomError::RateLimited { .. } => ErrorCode::RateLimited,
        }
    }
}

/// `[A-Za-z0-9_-]{1,64}`.
pub fn valid_room_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Limits of the registry.
#[derive(Debug, Clone, Copy)]
pub struct RoomLimits {
    pub max_rooms: usize,
    pub max_comment_chars: usize,
    pub max_id_bytes: usize,
    /// Comments per second per room (over the last 1 s window).
    pub max_rate: u64,
    /// A room with no comment for this long is dropped.
    pub idle_expiry_ms: u64,
    /// EWMA weight of each new comment's compound.
    pub ewma_alpha: f64,
    /// A comment id seen again in the same room within this window is counted once.
    pub dedup_window_ms: u64,
}

impl Default for RoomLimits {
    fn default() -> Self {
        RoomLimits {
            max_rooms: 10_000,
            max_comment_chars: 2_000,
            max_id_bytes: 128,
            max_rate: 200_000,
            idle_expiry_ms: 10 * 60 * 1000,
            ewma_alpha: 0.05,
            dedup_window_ms: 2 * 60 * 1000,
        }
    }
}

/// A room's state at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    pub room: String,
    pub at_ms: u64,
    /// Comments since the room was created.
    pub total: u64,
    /// The 1 s, 10 s and 60 s windows.
    pub windows: Vec<WindowStats>,
    /// Exponentially weighted mean of compound over comments (weight `ewma_alpha` each).
    pub ewma_compound: f64,
    /// Counts of each of the last 10 clock seconds, oldest first (the last one is still
    /// filling). A comment counts in the second it arrived even when it was counted after a
    /// snapshot of that second went out, so a chart keeps each second's newest counts.
    pub seconds: Vec<SecondStats>,
    /// Top 5 terms of the last 10 s by |contribution|.
    pub top_terms: Vec<TermStat>,
    /// Whether a spike is in progress.
    pub spike: bool,
    pub last_spike: Option<Spike>,
}

/// One room.
#[derive(Debug, Clone, Default)]
pub struct Room {
    windows: Windows,
    ewma: Option<f64>,
    total: u64,
    spike: SpikeState,
    last_spike: Option<Spike>,
    last_seen_ms: u64,
    last_check_slot: u64,
    /// Comment ids counted within the dedup window, with their arrival times.
    seen: HashMap<String, u64>,
    /// The same ids in arrival order, to forget them once out of the window.
    seen_order: std::collections::VecDeque<(u64, String)>,
    /// The newest arrival time counted (out-of-order arrivals never move it back).
    newest_ms: u64,
}

/// What adding a comment did.
#[derive(Debug, Clone, PartialEq)]
pub enum Added {
    /// Counted; a spike started with it, perhaps.
    Counted(Option<Spike>),
    /// Its id was already counted in this room within the dedup window: not counted again.
    Duplicate,
}

impl Room {
    /// Counts a scored comment; returns a spike if this comment's arrival started one.
    pub fn add(
        &mut self,
        now_ms: u64,
        s: &Sentiment,
        alpha: f64,
        rule: &SpikeRule,
    ) -> Option<Spike> {
        let terms = s
            .contributions
            .iter()
            .map(|c| (c.token.as_str(), c.valence));
        self.windows.add(now_ms, s.label, s.scores.compound, terms);
        let c = s.scores.compound;
        self.ewma = Some(match self.ewma {
            None => c,
            Some(e) => e + alpha * (c - e),
        });
        self.total += 1;
        self.last_seen_ms = now_ms;
        // The rule reads hundreds of buckets: evaluate it once per 100 ms slot, not per comment.
        let slot = now_ms / crate::window::BUCKET_MS;
        if slot != self.last_check_slot {
            self.last_check_slot = slot;
            self.windows.trim_terms(now_ms);
            return self.check(now_ms, rule);
        }
        None
    }

    /// Evaluates the spike rule (the stats tick calls this too).
    /// Whether `id` was counted within `window_ms` before `at_ms`; remembers it if not.
    fn first_sighting(&mut self, id: &str, at_ms: u64, window_ms: u64) -> bool {
        self.newest_ms = self.newest_ms.max(at_ms);
        let horizon = self.newest_ms.saturating_sub(window_ms);
        while let Some((t, _)) = self.seen_order.front() {
            if *t >= horizon {
                break;
            }
            if let Some((t, old)) = self.seen_order.pop_front()
                && self.seen.get(&old) == Some(&t)
            {
                self.seen.remove(&old);
            }
        }
        if let Some(&t) = self.seen.get(id)
            && at_ms.abs_diff(t) <= window_ms
        {
            return false;
        }
        self.seen.insert(id.to_string(), at_ms);
        self.seen_order.push_back((at_ms, id.to_string()));
        true
    }

    pub fn check(&mut self, now_ms: u64, rule: &SpikeRule) -> Option<Spike> {
        let s = self.spike.check(rule, &self.windows, now_ms);
        if s.is_some() {
            self.last_spike = s;
        }
        s
    }

    pub fn rate_1s(&self, now_ms: u64) -> u64 {
        self.windows.window(now_ms, 1).count
    }

    pub fn snapshot(&self, room: &str, now_ms: u64) -> Snapshot {
        Snapshot {
            room: room.to_string(),
            at_ms: now_ms,
            total: self.total,
            windows: WINDOWS_S
                .iter()
                .map(|&s| self.windows.window(now_ms, s))
                .collect(),
            ewma_compound: self.ewma.unwrap_or(0.0),
            seconds: self.windows.per_second(now_ms, SNAPSHOT_SECONDS),
            top_terms: self.windows.top_terms(now_ms, 5),
            spike: self.spike.active(),
            last_spike: self.last_spike,
        }
    }
}

/// All rooms. Each room has its own lock, so rooms never wait on each other; the map's lock
/// is held only to find or create a room.
#[derive(Default)]
pub struct Rooms {
    pub limits: RoomLimits,
    pub rule: SpikeRule,
    map: Mutex<HashMap<String, Arc<Mutex<Room>>>>,
}

impl Rooms {
    pub fn new(limits: RoomLimits, rule: SpikeRule) -> Rooms {
        Rooms {
            limits,
            rule,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// Checks a comment against the limits (before it is scored).
    pub fn validate(&self, c: &Comment) -> Result<(), RoomError> {
        if c.id.is_empty() || c.id.len() > self.limits.max_id_bytes {
            return Err(RoomError::InvalidId {
                max: self.limits.max_id_bytes,
            });
        }
        if c.text.len() > self.limits.max_comment_chars {
            let len = c.text.chars().count();
            if len > self.limits.max_comment_chars {
                return Err(RoomError::TextTooLong {
                    len,
                    max: self.limits.max_comment_chars,
                });
            }
        }
        Ok(())
    }

    /// The room, created if it does not exist and the room limit allows.
    pub fn room(&self, id: &str) -> Result<Arc<Mutex<Room>>, RoomError> {
        if !valid_room_id(id) {
            return Err(RoomError::InvalidRoom(id.to_string()));
        }
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(r) = map.get(id) {
            return Ok(r.clone());
        }
        if map.len() >= self.limits.max_rooms {
            return Err(RoomError::TooManyRooms {
                room: id.to_string(),
                max: self.limits.max_rooms,
            });
        }
        let r = Arc::new(Mutex::new(Room::default()));
        map.insert(id.to_string(), r.clone());
        Ok(r)
    }

    /// Counts a scored comment in a room. Returns a spike when one starts.
    pub fn add(&self, room: &str, now_ms: u64, s: &Sentiment) -> Result<Option<Spike>, RoomError> {
        let r = self.room(room)?;
        let mut r = r.lock().unwrap_or_else(PoisonError::into_inner);
        if r.rate_1s(now_ms) >= self.limits.max_rate {
            return Err(RoomError::RateLimited {
                room: room.to_string(),
                max: self.limits.max_rate,
            });
        }
        Ok(r.add(now_ms, s, self.limits.ewma_alpha, &self.rule))
    }

    /// Evaluates a room's spike rule now (the stats tick); `None` for unknown rooms.
    /// Counts a comment once per id and dedup window (a client that retries a POST must not
    /// count twice). `check_rate`: apply the room's rate limit (off where the comments were
    /// already accepted elsewhere, as replicas folding a shared stream are).
    pub fn add_once(
        &self,
        room: &str,
        id: &str,
        at_ms: u64,
        s: &Sentiment,
        check_rate: bool,
    ) -> Result<Added, RoomError> {
        let r = self.room(room)?;
        let mut r = r.lock().unwrap_or_else(PoisonError::into_inner);
        if check_rate && r.rate_1s(at_ms) >= self.limits.max_rate {
            return Err(RoomError::RateLimited {
                room: room.to_string(),
                max: self.limits.max_rate,
            });
        }
        if !r.first_sighting(id, at_ms, self.limits.dedup_window_ms) {
            return Ok(Added::Duplicate);
        }
        Ok(Added::Counted(r.add(
            at_ms,
            s,
            self.limits.ewma_alpha,
            &self.rule,
        )))
    }

    pub fn check(&self, room: &str, now_ms: u64) -> Option<Spike> {
        let r = self
            .map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(room)?
            .clone();
        let mut r = r.lock().unwrap_or_else(PoisonError::into_inner);
        r.check(now_ms, &self.rule)
    }

    /// A room's snapshot; an unknown room gives empty statistics.
    pub fn snapshot(&self, room: &str, now_ms: u64) -> Result<Snapshot, RoomError> {
        if !valid_room_id(room) {
            return Err(RoomError::InvalidRoom(room.to_string()));
        }
        let map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(match map.get(room) {
            Some(r) => r
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .snapshot(room, now_ms),
            None => Room::default().snapshot(room, now_ms),
        })
    }

    /// Active room ids, sorted.
    /// How many rooms exist now.
    pub fn len(&self) -> usize {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn list(&self) -> Vec<String> {
        let map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        let mut ids: Vec<String> = map.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// Drops rooms idle for longer than the expiry; returns how many.
    pub fn expire(&self, now_ms: u64) -> usize {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        let before = map.len();
        let ttl = self.limits.idle_expiry_ms;
        map.retain(|_, r| {
            let r = r.lock().unwrap_or_else(PoisonError::into_inner);
            now_ms.saturating_sub(r.last_seen_ms) < ttl
        });
        before - map.len()
    }
}
