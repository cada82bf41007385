//! Live rooms over real HTTP: ingestion (JSON and NDJSON), snapshots, and the SSE stream
//! (comment and stats events, resumption with Last-Event-ID, `lagged` for a stalled reader).

mod common;

use std::time::Duration;

use common::{TestServer, client};
use serde_json::{Value, json};

async fn post(url: &str, body: String, ct: &str) -> reqwest::Response {
    client()
        .post(url)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Reads SSE frames until `n` events of interest arrived or the time runs out.
async fn read_events(
    resp: reqwest::Response,
    want: impl Fn(&[(String, String, String)]) -> bool,
    limit: Duration,
) -> Vec<(String, String, String)> {
    use futures_core::Stream;
    let mut stream = Box::pin(resp.bytes_stream());
    let mut buf = String::new();
    let mut out: Vec<(String, String, String)> = Vec::new();
    let deadline = tokio::time::Instant::now() + limit;
    while !want(&out) {
        let next = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx));
        let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, next).await else {
            break;
        };
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let (mut id, mut ev, mut data) = (String::new(), String::new(), String::new());
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("id: ") {
                    id = v.into();
                } else if let Some(v) = line.strip_prefix("event: ") {
                    ev = v.into();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data = v.into();
                }
            }
            if !ev.is_empty() {
                out.push((id, ev, data));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_snapshot_and_errors() {
    let srv = TestServer::default().await;
    let url = format!("{}/v1/rooms/live-1/comments", srv.url);
    let body = json!([
        {"id": "a", "text": "this is great"},
        {"id": "b", "text": "太差了，真无语"},
        {"id": "", "text": "no id"},
        {"id": "x".repeat(129), "text": "id too long"},
        {"id": "d", "text": "x".repeat(20_000)},
    ]);
    let r = post(&url, body.to_string(), "application/json").await;
    assert_eq!(r.status(), 202);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["accepted"], 2);
    let rejected = b["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 3);
    assert_eq!(rejected[0]["id"], "");
    assert_eq!(rejected[0]["error"]["code"], "invalid_comment_id");
    assert_eq!(rejected[1]["error"]["code"], "invalid_comment_id");
    assert_eq!(rejected[2]["id"], "d");
    assert_eq!(rejected[2]["error"]["code"], "text_too_long");

    let nd =
        "{\"id\":\"e\",\"text\":\"awful\"}\n\n{\"id\":\"f\",\"text\":\"好看\",\"ts_ms\":5.0}\n";
    let b: Value = post(&url, nd.into(), "application/x-ndjson")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(b["accepted"], 2);
    assert_eq!(b["rejected"].as_array().unwrap().len(), 0);

    let snap: Value = reqwest::get(format!("{}/v1/rooms/live-1", srv.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(snap["total"], 4);
    for w in snap["windows"].as_array().unwrap() {
        assert_eq!(w["count"], 4, "{w}");
        assert_eq!(w["positive"], 2);
        assert_eq!(w["negative"], 2);
    }
    assert!(!snap["top_terms"].as_array().unwrap().is_empty());
    // The last 10 clock seconds one by one: the four comments in the newest few.
    let secs = snap["seconds"].as_array().unwrap();
    assert_eq!(secs.len(), 10, "{snap}");
    let at: Vec<u64> = secs.iter().map(|s| s["at_ms"].as_u64().unwrap()).collect();
    assert!(at.windows(2).all(|p| p[1] == p[0] + 1000) && at[9].is_multiple_of(1000));
    assert!(at[9] <= snap["at_ms"].as_u64().unwrap());
    let count = |s: &Value| s["count"].as_u64().unwrap();
    assert_eq!(secs.iter().map(count).sum::<u64>(), 4, "{snap}");
    assert_eq!(secs[7..].iter().map(count).sum::<u64>(), 4, "{snap}");
    let negative: u64 = secs.iter().map(|s| s["negative"].as_u64().unwrap()).sum();
    assert_eq!(negative, 2);
    let empty: Value = reqwest::get(format!("{}/v1/rooms/nobody", srv.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(empty["total"], 0);
    let list: Value = reqwest::get(format!("{}/v1/rooms", srv.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["rooms"][0]["room"], "live-1");

    for (path, ct, status, code) in [
        (
            "/v1/rooms/bad%20room/comments",
            "application/json",
            400,
            "invalid_room",
        ),
        (
            "/v1/rooms/r/comments",
            "text/plain",
            415,
            "unsupported_media_type",
        ),
        (
            "/v1/rooms/r/comments",
            "application/json",
            400,
            "invalid_json",
        ),
    ] {
        let r = post(&format!("{}{path}", srv.url), "[{".into(), ct).await;
        assert_eq!(r.status(), status, "{path} {ct}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["code"], code);
    }
    let r = reqwest::get(format!("{}/v1/rooms/r/events?comments=some", srv.url))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

/// A comment of the wrong shape refuses the whole request with 400 and a JSON body naming it
/// (the document says each comment is `{"id": string, "text": string, "ts_ms"?: integer}`);
/// nothing of such a request is counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comments_of_the_wrong_shape_refuse_the_request() {
    let srv = TestServer::default().await;
    let url = format!("{}/v1/rooms/shape/comments", srv.url);
    let ok = r#"{"id": "a", "text": "good"}"#;
    for (body, ct, code, message) in [
        (
            format!("[{ok}, {{\"text\": \"no id\"}}]"),
            "application/json",
            "invalid_request",
            "comment 1: missing field `id`",
        ),
        (
            format!("[{ok}, {{\"id\": \"c\"}}]"),
            "application/json",
            "invalid_request",
            "comment 1: missing field `text`",
        ),
        (
            format!("[{ok}, 5]"),
            "application/json",
            "invalid_request",
            "comment 1: expected an object",
        ),
        (
            r#"[["a", "good"]]"#.to_string(),
            "application/json",
            "invalid_request",
            "comment 0: expected an object",
        ),
        (
            r#"[{"id": 1, "text": "x"}]"#.to_string(),
            "application/json",
            "invalid_request",
            "comment 0: invalid type: integer `1`",
        ),
        (
            r#"[{"id": "a", "text": "x", "ts_ms": 1.5}]"#.to_string(),
            "application/json",
            "invalid_request",
            "comment 0: invalid value: floating point `1.5`",
        ),
        (
            r#"[{"id": "a", "text": "x", "ts_ms": 1e19}]"#.to_string(),
            "application/json",
            "invalid_request",
            "comment 0: invalid value: floating point `1e+19`",
        ),
        (
            r#"[{"id": "a", "text": "x", "ts_ms": 9223372036854775808}]"#.to_string(),
            "application/json",
            "invalid_request",
            "comment 0: invalid value: integer `9223372036854775808`",
        ),
        (
            r#"[{"id": "a", "text": "x", "ts_ms": -9223372036854775808}]"#.to_string(),
            "application/json",
            "invalid_request",
            "comment 0: invalid value: integer `-9223372036854775808`",
        ),
        (
            r#"[{"id": "a", "text": "x", "ts_ms": -9223372036854775809}]"#.to_string(),
            "application/json",
            "invalid_request",
            "comment 0: invalid value: floating point",
        ),
        (
            r#"{"id": "a", "text": "x"}"#.to_string(),
            "application/json",
            "invalid_request",
            "expected a JSON array of comments",
        ),
        (
            format!("{ok}\n\nnot json\n"),
            "application/x-ndjson",
            "invalid_json",
            "line 3: expected ident",
        ),
        (
            format!("{ok}\n[1]\n"),
            "application/x-ndjson",
            "invalid_request",
            "line 2: expected an object",
        ),
    ] {
        let r = post(&url, body.clone(), ct).await;
        assert_eq!(r.status(), 400, "{body}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["code"], code, "{body}: {e}");
        let got = e["error"]["message"].as_str().unwrap();
        assert!(got.starts_with(message), "{body}: {got}");
    }
    let snap: Value = reqwest::get(format!("{}/v1/rooms/shape", srv.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(snap["total"], 0, "nothing of a refused request is counted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_streams_comments_stats_and_resumes() {
    let srv = TestServer::default().await;
    let events = client()
        .get(format!("{}/v1/rooms/r2/events?comments=all", srv.url))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 200);
    assert!(
        events.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let items: Vec<Value> = (0..5)
        .map(|i| json!({"id": format!("c{i}"), "text": if i % 2 == 0 { "love it" } else { "hate it" }}))
        .collect();
    let url = format!("{}/v1/rooms/r2/comments", srv.url);
    post(&url, Value::Array(items).to_string(), "application/json").await;
    // One room, one open stream, in the scrape.
    let m = srv.metrics().await;
    assert_eq!(common::sample(&m, "senti_rooms"), 1.0, "{m}");
    assert_eq!(common::sample(&m, "senti_room_watchers"), 1.0);
    let got = read_events(
        events,
        |evs| {
            evs.iter().any(|e| e.1 == "stats")
                && evs.iter().filter(|e| e.1 == "comment").count() >= 5
        },
        Duration::from_secs(5),
    )
    .await;
    let comments: Vec<Value> = got
        .iter()
        .filter(|e| e.1 == "comment")
        .map(|e| serde_json::from_str(&e.2).unwrap())
        .collect();
    let ids: Vec<&str> = comments.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["c0", "c1", "c2", "c3", "c4"], "in order");
    assert_eq!(comments[0]["label"], "positive");
    assert_eq!(comments[1]["label"], "negative");
    let stats = got
        .iter()
        .find(|e| e.1 == "stats")
        .expect("a stats event within a second or so");
    let s: Value = serde_json::from_str(&stats.2).unwrap();
    assert_eq!(s["total"], 5);

    // A fresh page (no Last-Event-ID) gets the last 60 s replayed: the comments and a stats.
    let fresh = client()
        .get(format!("{}/v1/rooms/r2/events?comments=all", srv.url))
        .send()
        .await
        .unwrap();
    let replayed = read_events(
        fresh,
        |evs| {
            evs.iter().filter(|e| e.1 == "comment").count() >= 5
                && evs.iter().any(|e| e.1 == "stats")
        },
        Duration::from_secs(3),
    )
    .await;
    assert_eq!(replayed.iter().filter(|e| e.1 == "comment").count(), 5);
    assert!(replayed.iter().any(|e| e.1 == "stats"));

    // Resume after the second comment: the rest follows, nothing before it.
    let second_id = &got.iter().filter(|e| e.1 == "comment").nth(1).unwrap().0;
    let resumed = client()
        .get(format!("{}/v1/rooms/r2/events?comments=all", srv.url))
        .header("last-event-id", second_id.as_str())
        .send()
        .await
        .unwrap();
    let again = read_events(
        resumed,
        |evs| evs.iter().filter(|e| e.1 == "comment").count() >= 3,
        Duration::from_secs(3),
    )
    .await;
    let ids: Vec<String> = again
        .iter()
        .filter(|e| e.1 == "comment")
        .map(|e| {
            serde_json::from_str::<Value>(&e.2).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, ["c2", "c3", "c4"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_subscriber_lags_without_slowing_ingestion() {
    let srv = TestServer::default().await;
    // Connected with a tiny receive buffer, then not read while far more events than the
    // channel holds are published.
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let mut stalled = sock.connect(srv.addr).await.unwrap();
    {
        use tokio::io::AsyncWriteExt;
        stalled
            .write_all(b"GET /v1/rooms/r3/events?comments=all HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let url = format!("{}/v1/rooms/r3/comments", srv.url);
    let t0 = std::time::Instant::now();
    for batch in 0..40 {
        let nd: String = (0..500)
            .map(|i| format!("{{\"id\":\"{batch}-{i}\",\"text\":\"comment number {i} is quite long so that the stream fills the socket buffers sooner than later\"}}\n"))
            .collect();
        let r = post(&url, nd, "application/x-ndjson").await;
        assert_eq!(r.status(), 202);
    }
    let ingest = t0.elapsed();
    // Now read: what the socket held, then a `lagged` event where events were skipped.
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut buf = vec![0u8; 65536];
    while !seen.contains("event: lagged") {
        use tokio::io::AsyncReadExt;
        match tokio::time::timeout_at(deadline, stalled.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {
                seen.push_str(&String::from_utf8_lossy(&buf[..n]));
                // Keep only the tail: the stream can be megabytes.
                if seen.len() > 1 << 16 {
                    seen.drain(..seen.len() - 1024);
                }
            }
            _ => break,
        }
    }
    assert!(seen.contains("event: lagged"), "no lagged event");
    assert!(
        ingest < Duration::from_secs(30),
        "ingestion took {ingest:?}"
    );
    let snap: Value = reqwest::get(format!("{}/v1/rooms/r3", srv.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(snap["total"], 20_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_post_is_counted_once_and_reported_as_duplicates() {
    let srv = TestServer::default().await;
    let url = format!("{}/v1/rooms/retry/comments", srv.url);
    let body = json!([
        {"id": "1", "text": "主播太强了"},
        {"id": "2", "text": "so boring"},
    ])
    .to_string();
    let first: Value = post(&url, body.clone(), "application/json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (first["accepted"].as_u64(), first["duplicates"].as_u64()),
        (Some(2), Some(0))
    );
    // The client timed out and sends it again, plus one new comment.
    let again = json!([
        {"id": "1", "text": "主播太强了"},
        {"id": "2", "text": "so boring"},
        {"id": "3", "text": "nice"},
    ])
    .to_string();
    let second: Value = post(&url, again, "application/json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (second["accepted"].as_u64(), second["duplicates"].as_u64()),
        (Some(3), Some(2))
    );
    let snap: Value = reqwest::get(format!("{}/v1/rooms/retry", srv.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(snap["total"], 3, "{snap}");
}
