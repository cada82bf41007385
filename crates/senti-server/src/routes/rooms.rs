//! Live rooms over HTTP: `POST /v1/rooms/{room}/comments`, `GET /v1/rooms`,
//! `GET /v1/rooms/{room}` and the SSE stream `GET /v1/rooms/{room}/events`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use futures_util::stream::{self, Stream};
use senti_rooms::{Comment, valid_room_id};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorCode, ErrorDetail};
use crate::extract::{ApiPath, ApiQuery, json_or_ndjson, read_limited};
use crate::room_hub::{RoomEvent, now_ms};
use crate::routes::json_response;
use crate::state::Shared;

fn check_room(room: &str) -> Result<(), ApiError> {
    if valid_room_id(room) {
        Ok(())
    } else {
        Err(senti_rooms::RoomError::InvalidRoom(room.to_string()).into())
    }
}

/// A comment not taken: invalid_comment_id, text_too_long, rate_limited, or why it could not
/// be scored.
#[derive(Serialize, ToSchema)]
struct Rejected {
    /// The comment's id.
    #[schema(required = true)]
    id: Option<String>,
    error: ErrorDetail,
}

/// What became of the request's comments.
#[derive(Serialize, ToSchema)]
struct Accepted {
    /// Comments taken (duplicates included).
    accepted: usize,
    /// Of those, already counted (same id in this room within the dedup window).
    duplicates: usize,
    rejected: Vec<Rejected>,
}

/// The comments of a body: a JSON array, or NDJSON lines. A comment of the wrong shape (not
/// an object, no `id` or `text`, a member of the wrong type) refuses the whole request, naming
/// it; rules on well-formed comments (id length, text length) reject only that comment.
pub(crate) fn parse_comments(bytes: &[u8], ndjson: bool) -> Result<Vec<Comment>, ApiError> {
    let one = |raw: &str, what: &str, i: usize| -> Result<Comment, ApiError> {
        if !raw.trim_start().starts_with('{') {
            return Err(match serde_json::from_str::<serde::de::IgnoredAny>(raw) {
                Ok(_) => ApiError::new(
                    ErrorCode::InvalidRequest,
                    format!("{what} {i}: expected an object"),
                ),
                Err(e) => ApiError::new(ErrorCode::InvalidJson, format!("{what} {i}: {e}")),
            });
        }
        serde_json::from_str::<Comment>(raw).map_err(|e| {
            let code = if e.is_data() {
                ErrorCode::InvalidRequest
            } else {
                ErrorCode::InvalidJson
            };
            ApiError::new(code, format!("{what} {i}: {e}"))
        })
    };
    if ndjson {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| ApiError::new(ErrorCode::InvalidJson, format!("NDJSON body: {e}")))?;
        return text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| one(l, "line", i + 1))
            .collect();
    }
    let items: Vec<&serde_json::value::RawValue> = serde_json::from_slice(bytes).map_err(|e| {
        let code = if e.is_data() {
            ErrorCode::InvalidRequest
        } else {
            ErrorCode::InvalidJson
        };
        ApiError::new(code, format!("expected a JSON array of comments: {e}"))
    })?;
    items
        .iter()
        .enumerate()
        .map(|(i, r)| one(r.get(), "comment", i))
        .collect()
}

/// Adds comments to a room (created by its first comment).
#[utoipa::path(post, path = "/v1/rooms/{room}/comments", operation_id = "ingest_comments",
    params(("room" = crate::openapi::RoomId, Path)),
    request_body(description = "The comments, as a JSON array or as NDJSON (one comment per line; blank lines are skipped).",
        content((Vec<crate::openapi::Comment> = "application/json"), (crate::openapi::Comment = "application/x-ndjson"))),
    responses(
        (status = 202, description = "Taken; comments that broke a per-comment rule are in `rejected`", body = Accepted),
        (status = 400, description = "invalid_room, invalid_json, invalid_request (not an array, a comment that is not an object, lacks id or text, or has a member of the wrong type)", body = crate::error::ErrorBody),
        (status = 404, description = "not_found: an empty room segment matches no route", body = crate::error::ErrorBody),
        (status = 408, description = "request_timeout: the body did not arrive within `body_timeout_ms`", body = crate::error::ErrorBody),
        (status = 413, description = "body_too_large: more than `max_body_bytes` (default 1048576)", body = crate::error::ErrorBody),
        (status = 415, description = "unsupported_media_type: send application/json or application/x-ndjson (also application/ndjson, application/jsonl, application/x-jsonlines)", body = crate::error::ErrorBody),
        (status = 429, description = "too_many_rooms: `max_rooms` (default 10000) rooms are active and this one is new", body = crate::error::ErrorBody),
        (status = 503, description = "overloaded; unavailable (clustered: JetStream did not take the comments; retrying is safe)", body = crate::error::ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait: 1"))),
    ))]
pub async fn ingest(
    State(st): State<Shared>,
    ApiPath(room): ApiPath<String>,
    req: Request,
) -> Result<Response, ApiError> {
    check_room(&room)?;
    let _permit = st.admit()?;
    let (parts, body) = req.into_parts();
    let ndjson = json_or_ndjson(&parts.headers)?;
    let bytes = read_limited(
        &parts.headers,
        body,
        st.cfg.max_body_bytes,
        st.cfg.body_timeout(),
    )
    .await?;
    let parsed = parse_comments(&bytes, ndjson)?
        .into_iter()
        .map(Ok)
        .collect();
    let o = crate::ingest::accept(&st, &room, parsed, now_ms()).await?;
    let out = Accepted {
        accepted: o.accepted,
        duplicates: o.duplicates,
        rejected: o
            .rejected
            .into_iter()
            .map(|(id, e)| Rejected {
                id,
                error: ErrorDetail {
                    code: e.code,
                    message: e.message,
                },
            })
            .collect(),
    };
    let mut resp = json_response(serde_json::to_vec(&out).unwrap_or_default());
    *resp.status_mut() = StatusCode::ACCEPTED;
    Ok(resp)
}

#[derive(Serialize, ToSchema)]
struct RoomSummary {
    room: String,
    total: u64,
    rate_10s: f64,
    ewma_compound: f64,
    spike: bool,
}

#[derive(Serialize, ToSchema)]
struct RoomList {
    rooms: Vec<RoomSummary>,
}

/// Active rooms.
#[utoipa::path(get, path = "/v1/rooms", operation_id = "list_rooms",
    responses((status = 200, description = "The active rooms, sorted by id", body = RoomList)))]
pub async fn list(State(st): State<Shared>) -> Response {
    let now = now_ms();
    let rooms: Vec<RoomSummary> = st
        .rooms
        .list()
        .into_iter()
        .filter_map(|id| st.rooms.snapshot(&id, now).ok())
        .map(|s| RoomSummary {
            total: s.total,
            rate_10s: s.windows.get(1).map_or(0.0, |w| w.rate),
            ewma_compound: s.ewma_compound,
            spike: s.spike,
            room: s.room,
        })
        .collect();
    json_response(serde_json::to_vec(&RoomList { rooms }).unwrap_or_default())
}

/// A room's current statistics (empty for an unknown room).
#[utoipa::path(get, path = "/v1/rooms/{room}", operation_id = "get_room",
    params(("room" = crate::openapi::RoomId, Path)),
    responses((status = 200, description = "The snapshot", body = crate::openapi::RoomSnapshot),
        (status = 400, description = "invalid_room, invalid_request (a segment that does not decode)", body = crate::error::ErrorBody),
        (status = 404, description = "not_found: an empty room segment matches no route", body = crate::error::ErrorBody)))]
pub async fn get(
    State(st): State<Shared>,
    ApiPath(room): ApiPath<String>,
) -> Result<Response, ApiError> {
    let snap = st.rooms.snapshot(&room, now_ms())?;
    Ok(json_response(serde_json::to_vec(&snap).unwrap_or_default()))
}

#[derive(Deserialize)]
pub struct EventsQuery {
    /// "all", "sampled" (at most 10 a second) or "none" (default).
    #[serde(default)]
    comments: Option<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum CommentMode {
    None,
    Sampled,
    All,
}

/// Sampled mode's cap.
const SAMPLED_PER_SECOND: u32 = 10;

struct Sub {
    replay: std::vec::IntoIter<Arc<RoomEvent>>,
    rx: tokio::sync::broadcast::Receiver<Arc<RoomEvent>>,
    last_id: u64,
    mode: CommentMode,
    second: u64,
    sent_this_second: u32,
}

impl Sub {
    fn wants(&mut self, ev: &RoomEvent) -> bool {
        if ev.id <= self.last_id {
            return false;
        }
        if ev.kind != "comment" {
            return true;
        }
        match self.mode {
            CommentMode::None => false,
            CommentMode::All => true,
            CommentMode::Sampled => {
                let s = ev.at_ms / 1000;
                if s != self.second {
                    self.second = s;
                    self.sent_this_second = 0;
                }
                self.sent_this_second += 1;
                self.sent_this_second <= SAMPLED_PER_SECOND
            }
        }
    }
}

/// Server-sent events of a room: `stats` every second, `spike`, `comment` (when asked),
/// `lagged` when this subscriber fell behind and skipped events.
#[utoipa::path(get, path = "/v1/rooms/{room}/events", operation_id = "room_events",
    params(("room" = crate::openapi::RoomId, Path),
        ("comments" = Option<crate::openapi::CommentsMode>, Query),
        ("Last-Event-ID" = Option<String>, Header, nullable = false, description = "Resume after this event id (a number; anything else starts afresh)")),
    responses((status = 200, description = "An endless event stream; a `:` comment line every 15 s without events", content_type = "text/event-stream", body = crate::openapi::RoomEventSchema),
        (status = 400, description = "invalid_room, invalid_request (a bad `comments`, a parameter given twice, a segment that does not decode)", body = crate::error::ErrorBody),
        (status = 404, description = "not_found: an empty room segment matches no route", body = crate::error::ErrorBody)))]
pub async fn events(
    State(st): State<Shared>,
    ApiPath(room): ApiPath<String>,
    ApiQuery(q): ApiQuery<EventsQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_room(&room)?;
    let mode = match q.comments.as_deref() {
        None | Some("none") => CommentMode::None,
        Some("all") => CommentMode::All,
        Some("sampled") => CommentMode::Sampled,
        Some(other) => {
            return Err(ApiError::new(
                ErrorCode::InvalidRequest,
                format!("comments={other:?}: use all, sampled or none"),
            ));
        }
    };
    let hub = st.hubs.hub(&room);
    // Subscribe first, then read what is kept: nothing falls between the two (duplicates are
    // skipped by id).
    let rx = hub.tx.subscribe();
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let replay = match resume.and_then(|id| hub.since(id)) {
        Some(evs) => evs,
        None => {
            // A fresh page: the last 60 s of stats and spikes, and of comments still kept.
            let now = now_ms();
            let mut evs = hub.history(now);
            if mode != CommentMode::None {
                evs.extend(hub.since(0).unwrap_or_default().into_iter().filter(|e| {
                    e.kind == "comment" && e.at_ms + crate::room_hub::HISTORY_MS >= now
                }));
                evs.sort_by_key(|e| e.id);
            }
            evs
        }
    };
    let sub = Sub {
        replay: replay.into_iter(),
        rx,
        last_id: resume.unwrap_or(0),
        mode,
        second: 0,
        sent_this_second: 0,
    };
    let mut resp = Response::new(Body::from_stream(event_stream(sub)));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(resp)
}

/// Most events written in one chunk: whatever is already waiting goes out in one write.
const MAX_EVENTS_PER_CHUNK: usize = 256;
/// A comment line is sent after this long without events, so proxies keep the stream open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The subscriber's byte stream: the replay first, then live events, each chunk holding
/// every event already waiting (so a busy room costs one socket write per chunk, not per
/// event); `lagged` when the channel dropped events this subscriber had not read.
fn event_stream(sub: Sub) -> impl Stream<Item = Result<Bytes, Infallible>> {
    stream::unfold(sub, |mut sub| async move {
        let mut chunk = BytesMut::new();
        while let Some(ev) = sub.replay.next() {
            if sub.wants(&ev) {
                sub.last_id = ev.id;
                chunk.extend_from_slice(&ev.frame);
            }
        }
        if !chunk.is_empty() {
            return Some((Ok(chunk.freeze()), sub));
        }
        loop {
            let first = match tokio::time::timeout(KEEP_ALIVE, sub.rx.recv()).await {
                Err(_) => return Some((Ok(Bytes::from_static(b":\n\n")), sub)),
                Ok(r) => r,
            };
            let mut next = Some(first);
            let mut n = 0;
            while let Some(r) = next.take() {
                match r {
                    Ok(ev) => {
                        if sub.wants(&ev) {
                            sub.last_id = ev.id;
                            chunk.extend_from_slice(&ev.frame);
                            n += 1;
                        }
                    }
                    Err(RecvError::Lagged(skipped)) => {
                        chunk.extend_from_slice(
                            format!("event: lagged\ndata: {{\"skipped\":{skipped}}}\n\n")
                                .as_bytes(),
                        );
                        n += 1;
                    }
                    Err(RecvError::Closed) => {
                        return (!chunk.is_empty()).then(|| (Ok(chunk.freeze()), sub));
                    }
                }
                if n < MAX_EVENTS_PER_CHUNK {
                    match sub.rx.try_recv() {
                        Ok(ev) => next = Some(Ok(ev)),
                        Err(tokio::sync::broadcast::error::TryRecvError::Lagged(k)) => {
                            next = Some(Err(RecvError::Lagged(k)))
                        }
                        Err(_) => {}
                    }
                }
            }
            if !chunk.is_empty() {
                return Some((Ok(chunk.freeze()), sub));
            }
        }
    })
}
