//! Timeouts, overload and graceful shutdown, over raw TCP where a client library would hide
//! the behaviour. Timeouts are short and the margins wide so the tests are not flaky.

mod common;

use std::time::{Duration, Instant};

use common::*;
use senti_server::Config;
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn incomplete_headers_close_the_connection() {
    let cfg = Config {
        header_timeout_ms: 300,
        ..Config::default()
    };
    let s = TestServer::start(cfg).await;
    let mut c = raw(s.addr).await;
    send(&mut c, "POST /v1/sentiment HTTP/1.1\r\nHost: t\r\n").await;
    let t0 = Instant::now();
    let (got, closed) = read_until_close(&mut c, Duration::from_secs(5)).await;
    let waited = t0.elapsed();
    assert!(closed, "connection should be closed");
    assert!(got.is_empty(), "no response expected, got {got:?}");
    assert!(
        waited >= Duration::from_millis(200),
        "closed too early: {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(3),
        "closed too late: {waited:?}"
    );

    // A connection that never sends anything is cut too.
    let mut silent = raw(s.addr).await;
    let (_, closed) = read_until_close(&mut silent, Duration::from_secs(5)).await;
    assert!(closed);
    let m = s.metrics().await;
    assert_eq!(
        sample(
            &m,
            r#"senti_http_connections_closed_by_server_total{code="header_timeout"}"#
        ),
        2.0
    );
}

#[tokio::test]
async fn slow_body_gets_408() {
    let cfg = Config {
        body_timeout_ms: 300,
        ..Config::default()
    };
    let s = TestServer::start(cfg).await;
    let mut c = raw(s.addr).await;
    send(&mut c, "POST /v1/sentiment HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"text\":").await;
    let (got, _) = read_until_close(&mut c, Duration::from_secs(5)).await;
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
    assert!(got.contains("\"request_timeout\""), "{got}");
}

#[tokio::test]
async fn keep_alive_outlives_the_header_timeout_and_idles_out() {
    let cfg = Config {
        header_timeout_ms: 200,
        idle_timeout_ms: 1500,
        ..Config::default()
    };
    let s = TestServer::start(cfg).await;
    let mut c = raw(s.addr).await;
    send(&mut c, &request("/v1/sentiment", r#"{"text": "good"}"#)).await;
    assert!(read_response(&mut c).await.starts_with("HTTP/1.1 200"));
    // Idle for well over the header timeout, then reuse the connection.
    tokio::time::sleep(Duration::from_millis(700)).await;
    send(&mut c, &request("/v1/sentiment", r#"{"text": "bad"}"#)).await;
    let second = read_response(&mut c).await;
    assert!(
        second.starts_with("HTTP/1.1 200") && second.contains("negative"),
        "{second}"
    );
    // Now idle past the idle timeout: the server closes it.
    let t0 = Instant::now();
    let (_, closed) = read_until_close(&mut c, Duration::from_secs(6)).await;
    assert!(closed, "idle connection should be closed");
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_millis(1200),
        "closed after {waited:?}, before the idle timeout"
    );
    let m = s.metrics().await;
    assert_eq!(
        sample(
            &m,
            r#"senti_http_connections_closed_by_server_total{code="idle_timeout"}"#
        ),
        1.0
    );
}

#[tokio::test]
async fn overload_is_503_with_retry_after_not_a_queue() {
    let cfg = Config {
        max_in_flight: 1,
        ..Config::default()
    };
    let s = TestServer::start(cfg).await;
    // Hold the only permit: a request whose body has not finished arriving.
    let mut slow = raw(s.addr).await;
    send(&mut slow, "POST /v1/sentiment HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"text\":").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let r = post_json(&format!("{}/v1/sentiment", s.url), r#"{"text": "good"}"#).await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "1");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "overloaded");
    // Health checks are not subject to the limit.
    assert_eq!(
        reqwest::get(format!("{}/healthz", s.url))
            .await
            .unwrap()
            .status(),
        200
    );
    // Finish the slow one; the permit is free again.
    send(&mut slow, " \"good\"}").await;
    assert!(read_response(&mut slow).await.starts_with("HTTP/1.1 200"));
    let r = post_json(&format!("{}/v1/sentiment", s.url), r#"{"text": "good"}"#).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn graceful_shutdown_drains_and_finishes_in_flight_requests() {
    let cfg = Config {
        drain_delay_ms: 600,
        shutdown_grace_ms: 5000,
        ..Config::default()
    };
    let mut s = TestServer::start(cfg).await;
    let mut inflight = raw(s.addr).await;
    send(&mut inflight, "POST /v1/sentiment HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"text\":").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    s.signal_shutdown();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // During the drain delay: readiness fails, liveness holds.
    let r = reqwest::get(format!("{}/readyz", s.url)).await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["status"],
        "draining"
    );
    // The in-flight request completes.
    send(&mut inflight, " \"good\"}").await;
    let resp = read_response(&mut inflight).await;
    assert!(
        resp.starts_with("HTTP/1.1 200") && resp.contains("positive"),
        "{resp}"
    );
    // The server stops by itself, cleanly, and takes no new connections.
    let task = s.task.take().unwrap();
    let r = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("server did not stop");
    assert!(r.unwrap().is_ok());
    assert!(
        tokio::net::TcpStream::connect(s.addr).await.is_err(),
        "listener should be closed"
    );
}

/// A client that sends its whole body before reading (as Python's urllib does) still reads
/// the 413: the server sends it with `Connection: close`, then reads and discards the rest
/// of the body until the client closes, instead of resetting the connection under it.
#[tokio::test]
async fn refused_body_is_read_to_the_end_before_the_close() {
    let s = TestServer::default().await;
    let mut c = raw(s.addr).await;
    let len = 4 << 20;
    send(&mut c, &format!("POST /v1/sentiment HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n")).await;
    // Send all of it without reading: every write must succeed (a reset would fail one).
    let chunk = vec![b'a'; 64 * 1024];
    for _ in 0..len / chunk.len() {
        tokio::time::timeout(Duration::from_secs(5), c.write_all(&chunk))
            .await
            .expect("the server stopped reading")
            .expect("the connection was reset while the body was being sent");
    }
    let (got, closed) = read_until_close(&mut c, Duration::from_secs(5)).await;
    assert!(got.starts_with("HTTP/1.1 413"), "{got}");
    assert!(
        got.to_ascii_lowercase().contains("connection: close"),
        "{got}"
    );
    assert!(got.contains("\"body_too_large\""), "{got}");
    assert!(closed, "the server closes once the client is done");
    let m = s.metrics().await;
    assert_eq!(
        sample(
            &m,
            r#"senti_http_connections_closed_by_server_total{code="lingering"}"#
        ),
        1.0
    );
}

/// The lingering close is bounded: a client that keeps sending past `lingering_max_bytes`
/// is cut off, and one that never closes is closed after `lingering_time_ms`.
#[tokio::test]
async fn lingering_is_bounded_in_time_and_size() {
    let cfg = Config {
        lingering_time_ms: 300,
        lingering_max_bytes: 256 * 1024,
        ..Config::default()
    };
    let s = TestServer::start(cfg).await;
    // Time: the answer and the server's FIN come at once, then the server goes on reading
    // (writes succeed) until 300 ms have passed, then closes (writes fail).
    let mut c = raw(s.addr).await;
    send(&mut c, "POST /v1/sentiment HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 2000000\r\n\r\nabc").await;
    let (got, closed) = read_until_close(&mut c, Duration::from_secs(5)).await;
    assert!(got.starts_with("HTTP/1.1 415"), "{got}");
    assert!(closed, "half-closed after the answer");
    tokio::time::sleep(Duration::from_millis(100)).await;
    c.write_all(&[b'z'; 1024])
        .await
        .expect("still read 100 ms in");
    tokio::time::sleep(Duration::from_millis(600)).await;
    let mut late = Ok(());
    for _ in 0..20 {
        late = c.write_all(&[b'z'; 1024]).await;
        if late.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        late.is_err(),
        "still open 700 ms in, past a 300 ms lingering time"
    );
    // Size: past 256 KiB of discarded body the server stops reading and closes.
    let mut c = raw(s.addr).await;
    send(&mut c, "POST /v1/sentiment HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n").await;
    let chunk = vec![b'a'; 64 * 1024];
    let mut failed = false;
    for _ in 0..(64 << 20) / chunk.len() {
        match tokio::time::timeout(Duration::from_secs(5), c.write_all(&chunk)).await {
            Ok(Ok(())) => {}
            _ => {
                failed = true;
                break;
            }
        }
    }
    assert!(failed, "64 MiB were taken, past a 256 KiB lingering limit");
}

/// On shutdown, a keep-alive connection between requests is not closed under a client that
/// is sending its next request: that request is answered, with `Connection: close`.
#[tokio::test]
async fn a_request_arriving_at_shutdown_is_answered() {
    let cfg = Config {
        shutdown_grace_ms: 5000,
        ..Config::default()
    };
    let mut s = TestServer::start(cfg).await;
    let mut c = raw(s.addr).await;
    send(&mut c, &request("/v1/sentiment", r#"{"text":"fine"}"#)).await;
    let first = read_response(&mut c).await;
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    assert!(!first.to_ascii_lowercase().contains("connection: close"));
    s.signal_shutdown();
    tokio::time::sleep(Duration::from_millis(100)).await;
    send(
        &mut c,
        &request("/v1/sentiment", r#"{"text":"still fine"}"#),
    )
    .await;
    let (second, closed) = read_until_close(&mut c, Duration::from_secs(5)).await;
    assert!(second.starts_with("HTTP/1.1 200"), "{second}");
    assert!(
        second.to_ascii_lowercase().contains("connection: close"),
        "{second}"
    );
    assert!(closed);
    let task = s.task.take().unwrap();
    let r = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("server did not stop");
    assert!(r.unwrap().is_ok());
}
