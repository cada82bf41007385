//! Room events for subscribers (SSE): a broadcast channel per room, the last 1,000 events for
//! `Last-Event-ID` resumption, the last 60 s of `stats`/`spike` events for a page that
//! (re)connects, and the 1 s stats ticker.
//!
//! Publishing never waits for a subscriber: `tokio::sync::broadcast` overwrites the oldest
//! message for a receiver that fell behind, which then sees `Lagged` and skips ahead (the SSE
//! route sends it a `lagged` event). So a stalled subscriber cannot slow ingestion or others.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::broadcast;

use crate::state::Shared;

/// Events kept per room for `Last-Event-ID`.
pub const RESUME_EVENTS: usize = 1000;
/// How far back a fresh subscriber's `stats` history goes.
pub const HISTORY_MS: u64 = 60_000;

/// One event: `id`, `event` name and its SSE frame, encoded once when published (so a
/// hundred subscribers cost a hundred copies of bytes, not a hundred encodings).
#[derive(Debug)]
pub struct RoomEvent {
    pub id: u64,
    pub kind: &'static str,
    pub at_ms: u64,
    /// `id: …\nevent: …\ndata: <one-line JSON>\n\n`.
    pub frame: bytes::Bytes,
}

pub struct Hub {
    pub tx: broadcast::Sender<Arc<RoomEvent>>,
    next: AtomicU64,
    recent: Mutex<VecDeque<Arc<RoomEvent>>>,
    stats: Mutex<VecDeque<Arc<RoomEvent>>>,
}

impl Hub {
    fn new() -> Hub {
        Hub {
            tx: broadcast::channel(4096).0,
            next: AtomicU64::new(1),
            recent: Mutex::new(VecDeque::with_capacity(RESUME_EVENTS)),
            stats: Mutex::new(VecDeque::new()),
        }
    }

    pub fn publish(&self, kind: &'static str, at_ms: u64, data: String) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        // serde_json writes JSON on one line, so `data` needs no splitting.
        let frame = format!("id: {id}\nevent: {kind}\ndata: {data}\n\n");
        let ev = Arc::new(RoomEvent {
            id,
            kind,
            at_ms,
            frame: bytes::Bytes::from(frame),
        });
        {
            let mut r = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
            if r.len() == RESUME_EVENTS {
                r.pop_front();
            }
            r.push_back(ev.clone());
        }
        if kind != "comment" {
            let mut s = self.stats.lock().unwrap_or_else(PoisonError::into_inner);
            while s.front().is_some_and(|e| e.at_ms + HISTORY_MS < at_ms) {
                s.pop_front();
            }
            s.push_back(ev.clone());
        }
        // No receiver is not an error: nobody is watching.
        let _ = self.tx.send(ev);
    }

    /// Events after `last_id` still kept (resumption), or `None` when some were already
    /// dropped (the caller then falls back to the 60 s history).
    pub fn since(&self, last_id: u64) -> Option<Vec<Arc<RoomEvent>>> {
        let r = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        let oldest = r.front().map_or(u64::MAX, |e| e.id);
        if last_id > 0 && last_id + 1 < oldest && !r.is_empty() {
            return None;
        }
        Some(r.iter().filter(|e| e.id > last_id).cloned().collect())
    }

    /// `stats` and `spike` events of the last 60 s.
    pub fn history(&self, now_ms: u64) -> Vec<Arc<RoomEvent>> {
        let s = self.stats.lock().unwrap_or_else(PoisonError::into_inner);
        s.iter()
            .filter(|e| e.at_ms + HISTORY_MS >= now_ms)
            .cloned()
            .collect()
    }
}

/// Every room's hub.
#[derive(Default)]
pub struct Hubs {
    map: Mutex<HashMap<String, Arc<Hub>>>,
}

impl Hubs {
    pub fn hub(&self, room: &str) -> Arc<Hub> {
        let mut m = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        // Called per comment: look up without allocating the key; allocate only to insert.
        if let Some(h) = m.get(room) {
            return h.clone();
        }
        m.entry(room.to_string())
            .or_insert_with(|| Arc::new(Hub::new()))
            .clone()
    }

    /// Open event streams over every room.
    pub fn watchers(&self) -> usize {
        let m = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        m.values().map(|h| h.tx.receiver_count()).sum()
    }

    /// Drops hubs of rooms that no longer exist and nobody watches.
    fn retain(&self, rooms: &[String]) {
        let mut m = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        m.retain(|id, h| h.tx.receiver_count() > 0 || rooms.binary_search(id).is_ok());
    }
}

/// Wall-clock milliseconds (arrival time of comments, timestamps of events).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[derive(Serialize)]
struct SpikeEvent<'a> {
    room: &'a str,
    #[serde(flatten)]
    spike: &'a senti_rooms::Spike,
}

pub fn publish_spike(hubs: &Hubs, room: &str, spike: &senti_rooms::Spike) {
    let data = serde_json::to_string(&SpikeEvent { room, spike }).unwrap_or_default();
    hubs.hub(room).publish("spike", spike.at_ms, data);
}

/// Every second: each room's `stats` event (and the spike rule, so a spike also starts or
/// ends in a room that went quiet), idle rooms expired.
pub fn spawn_ticker(st: &Shared) {
    let st = st.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            let now = now_ms();
            st.rooms.expire(now);
            let ids = st.rooms.list();
            for id in &ids {
                if let Some(spike) = st.rooms.check(id, now) {
                    publish_spike(&st.hubs, id, &spike);
                }
                if let Ok(snap) = st.rooms.snapshot(id, now) {
                    let data = serde_json::to_string(&snap).unwrap_or_default();
                    st.hubs.hub(id).publish("stats", now, data);
                }
            }
            st.hubs.retain(&ids);
        }
    });
}
