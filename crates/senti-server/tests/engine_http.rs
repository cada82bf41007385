//! The engine's cache, breaker and deadlines seen through the real server: HTTP and gRPC
//! answers say `cached` and `degraded`, errors have their table's status and JSON body, and
//! the metrics count them. Uses the machine's Redis on 127.0.0.1:6379 and ONNX Runtime.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{TestServer, post_json, sample};
use senti_server::Config;
use senti_server::grpc::pb;
use senti_server::grpc::pb::sentiment_client::SentimentClient;
use serde_json::Value;

fn ort() -> bool {
    senti_model::testing::ort_available()
}

fn config(root: &Path, fixture_model: &str) -> Config {
    Config {
        model_repo: Some(root.to_path_buf()),
        model: Some(fixture_model.into()),
        model_poll_ms: 0,
        model_settle_ms: 0,
        ..Config::default()
    }
}

fn prefix(t: &str) -> String {
    format!(
        "senti-http-{t}-{}-{:?}",
        std::process::id(),
        std::time::Instant::now()
    )
}

type Grpc = SentimentClient<tonic::transport::Channel>;

async fn grpc(srv: &TestServer) -> Grpc {
    SentimentClient::connect(format!("http://{}", srv.grpc.unwrap()))
        .await
        .unwrap()
}

/// A unary `Analyze` of `text` (with `strict`), its score or its status.
async fn grpc_score(c: &mut Grpc, text: &str, strict: bool) -> Result<pb::Score, tonic::Status> {
    let r = c
        .analyze(pb::AnalyzeRequest {
            text: text.into(),
            strict,
            ..Default::default()
        })
        .await?;
    Ok(r.into_inner().score.unwrap_or_default())
}

async fn json(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn answers_say_which_cache_tier_served_them() {
    if !ort() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    senti_model::testing::install_fixture(dir.path(), "en", 1, "tiny-en");
    let p = prefix("tiers");
    let mut cfg = config(dir.path(), "en");
    cfg.redis_url = Some("redis://127.0.0.1:6379".into());
    cfg.redis_prefix = p.clone();
    // This test is about the tiers, not the Redis timeout: 20 ms (the default) is missed now
    // and then on a loaded machine, and a write that times out is not retried.
    cfg.redis_timeout_ms = 1000;
    let a = TestServer::start(cfg.clone()).await;
    let url = format!("{}/v1/sentiment", a.url);
    let body = r#"{"text":"a wonderful, moving film"}"#;
    let (s, first) = json(post_json(&url, body).await).await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(first.get("cached"), None, "computed: {first}");
    let (_, again) = json(post_json(&url, body).await).await;
    assert_eq!(again["cached"], "l1");
    assert_eq!(again["compound"], first["compound"]);
    assert_eq!(again["model"], "en@1");
    let m = a.metrics().await;
    assert!(
        sample(
            &m,
            r#"senti_cache_lookups_total{tier="l1",target="en",result="hit"}"#
        ) >= 1.0
    );

    // Another replica on the same Redis: L2, in a batch too. A's write to Redis goes out
    // after its answer, so B may ask before it lands (and then computes the text itself and
    // keeps it in its L1): each try uses a text A has just scored and gives the write time.
    let b = TestServer::start(cfg.clone()).await;
    let burl = format!("{}/v1/sentiment/batch", b.url);
    let mut seen_l2 = None;
    for i in 0..20 {
        let text = format!("a wonderful, moving film, take {i}");
        let (_, mine) = json(post_json(&url, &format!(r#"{{"text":"{text}"}}"#)).await).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (_, r) = json(
            post_json(
                &burl,
                &format!(r#"{{"items":[{{"id":1,"text":"{text}"}},{{"id":2,"text":"fresh"}}]}}"#),
            )
            .await,
        )
        .await;
        if r["results"][0]["cached"] == "l2" {
            assert_eq!(r["results"][0]["compound"], mine["compound"]);
            seen_l2 = Some(text);
            break;
        }
    }
    let seen = seen_l2.expect("the second replica never read Redis");

    // gRPC says it too (B keeps what it read from Redis in its L1).
    let mut c = grpc(&b).await;
    let s = grpc_score(&mut c, &seen, false).await.unwrap();
    assert_eq!(s.cached, "l1");
    assert!(!s.degraded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_open_breaker_answers_from_the_lexicon_or_503_when_strict() {
    if !ort() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    senti_model::testing::install_fixture(dir.path(), "slow", 1, "slow");
    let mut cfg = config(dir.path(), "slow");
    // Every forward pass of the slow fixture (~28 ms) counts as a slow call.
    cfg.breaker_slow_ms = 1;
    cfg.breaker_min_calls = 3;
    cfg.breaker_open_ms = 60_000;
    cfg.cache_models = false;
    let srv = TestServer::start(cfg).await;
    let url = format!("{}/v1/sentiment", srv.url);
    for i in 0..3 {
        let (s, r) = json(post_json(&url, &format!(r#"{{"text":"good {i}"}}"#)).await).await;
        assert_eq!((s, r["backend"].as_str()), (200, Some("onnx")), "{r}");
    }
    let (s, r) = json(post_json(&url, r#"{"text":"what a great stream"}"#).await).await;
    assert_eq!(s, 200);
    assert_eq!(r["backend"], "vader");
    assert_eq!(r["degraded"], true);
    assert!(
        r["degraded_reason"]
            .as_str()
            .unwrap()
            .contains("model:slow circuit open"),
        "{r}"
    );
    let r = post_json(&url, r#"{"text":"what a great stream","strict":true}"#).await;
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(r.headers()["retry-after"], "1");
    let (_, body) = json(r).await;
    assert_eq!(body["error"]["code"], "model_unavailable");
    let m = srv.metrics().await;
    assert_eq!(
        sample(&m, r#"senti_breaker_state{target="model:slow"}"#),
        1.0
    );
    assert_eq!(
        sample(&m, r#"senti_degraded_total{target="model:slow"}"#),
        1.0
    );
    assert_eq!(
        sample(&m, r#"senti_errors_total{code="model_unavailable"}"#),
        1.0
    );

    // gRPC: the same table gives UNAVAILABLE.
    let mut c = grpc(&srv).await;
    let e = grpc_score(&mut c, "good", true).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unavailable);
    assert!(
        e.message().starts_with("model_unavailable:"),
        "{}",
        e.message()
    );
    let s = grpc_score(&mut c, "good", false).await.unwrap();
    assert!(s.degraded && s.backend == "vader" && !s.degraded_reason.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn past_the_request_timeout_texts_are_dropped_with_503_deadline_exceeded() {
    if !ort() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    senti_model::testing::install_fixture(dir.path(), "slow", 1, "slow");
    let mut cfg = config(dir.path(), "slow");
    cfg.request_timeout_ms = Some(60);
    cfg.max_batch_size = 1;
    cfg.cache_models = false;
    cfg.breaker_min_calls = 1000;
    let srv = TestServer::start(cfg).await;
    let url = format!("{}/v1/sentiment", srv.url);
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let url = url.clone();
            tokio::spawn(async move {
                let r = post_json(&url, &format!(r#"{{"text":"good {i}"}}"#)).await;
                let retry = r.headers().get("retry-after").is_some();
                let (s, b) = json(r).await;
                (s, retry, b)
            })
        })
        .collect();
    let (mut ok, mut late) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            (200, _, _) => ok += 1,
            (503, true, b) => {
                assert_eq!(b["error"]["code"], "deadline_exceeded", "{b}");
                late += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(ok >= 1 && late >= 8, "{ok} ok, {late} late");
    // The caller is answered at its deadline; the queue drops the text at its next event
    // (the end of the forward pass under way), before any forward pass of its own.
    let mut dropped = 0.0;
    for _ in 0..100 {
        let m = srv.metrics().await;
        dropped = sample(
            &m,
            r#"senti_model_dropped_total{model="slow@1",reason="deadline"}"#,
        );
        if dropped >= 1.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(dropped >= 1.0, "no text was dropped for its deadline");

    // A gRPC deadline goes into the queue the same way.
    let mut c = grpc(&srv).await;
    let calls: Vec<_> = (0..8)
        .map(|i| {
            let mut c = c.clone();
            tokio::spawn(async move {
                let mut req = tonic::Request::new(pb::AnalyzeRequest {
                    text: format!("fine {i}"),
                    ..Default::default()
                });
                req.set_timeout(Duration::from_millis(40));
                c.analyze(req).await.map(|_| ()).map_err(|e| e.code())
            })
        })
        .collect();
    let mut codes = Vec::new();
    for t in calls {
        codes.push(t.await.unwrap());
    }
    // tonic's own timeout may answer first (CANCELLED); either way the text left the queue
    // unscored, which the drop counter shows.
    assert!(
        codes.iter().any(|c| matches!(
            c,
            Err(tonic::Code::DeadlineExceeded | tonic::Code::Cancelled)
        )),
        "{codes:?}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = grpc_score(&mut c, "x", false).await;
    let m = srv.metrics().await;
    let after = sample(
        &m,
        r#"senti_model_dropped_total{model="slow@1",reason="deadline"}"#,
    ) + sample(
        &m,
        r#"senti_model_dropped_total{model="slow@1",reason="client_gone"}"#,
    );
    assert!(
        after > dropped,
        "gRPC calls past their deadline were dropped too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_comments_are_counted_as_texts() {
    let srv = TestServer::default().await;
    let r = post_json(
        &format!("{}/v1/rooms/count-me/comments", srv.url),
        r#"[{"id":"1","text":"主播太强了"},{"id":"2","text":"so good"}]"#,
    )
    .await;
    assert_eq!(r.status().as_u16(), 202);
    let m = srv.metrics().await;
    assert_eq!(
        sample(&m, r#"senti_texts_total{lang="zh",backend="zh"}"#),
        1.0
    );
    assert_eq!(
        sample(&m, r#"senti_texts_total{lang="en",backend="vader"}"#),
        1.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn analyze_stream_items_take_in_flight_permits() {
    if !ort() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    senti_model::testing::install_fixture(dir.path(), "slow", 1, "slow");
    let mut cfg = config(dir.path(), "slow");
    cfg.max_in_flight = 1;
    cfg.cache_models = false;
    let srv = TestServer::start(cfg).await;
    let mut c = grpc(&srv).await;
    let items: Vec<pb::StreamItem> = (0..6)
        .map(|i| pb::StreamItem {
            id: format!("s{i}"),
            text: format!("good {i}"),
            ..Default::default()
        })
        .collect();
    let mut out = c
        .analyze_stream(tokio_stream::iter(items))
        .await
        .unwrap()
        .into_inner();
    let (mut ok, mut refused) = (0, 0);
    use tokio_stream::StreamExt;
    while let Some(r) = out.next().await {
        match r.unwrap().result {
            Some(pb::item_result::Result::Score(_)) => ok += 1,
            Some(pb::item_result::Result::Error(e)) => {
                assert_eq!(e.code, "overloaded");
                refused += 1;
            }
            None => panic!("an item without a result"),
        }
    }
    // One permit: while an item waits for its forward pass (~28 ms), the others are refused
    // in place, as a unary call would be.
    assert!(ok >= 1 && refused >= 1, "{ok} scored, {refused} refused");
    assert_eq!(ok + refused, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_domain_on_http_grpc_and_rooms() {
    let srv = TestServer::default().await;
    let url = format!("{}/v1/sentiment", srv.url);
    // general (the default): VADER knows no chat slang, and its English scores stay exact.
    let (_, g) = json(post_json(&url, r#"{"text":"666666"}"#).await).await;
    assert_eq!(g["label"], "neutral");
    let (_, v) =
        json(post_json(&url, r#"{"text":"VADER is smart, handsome, and funny!"}"#).await).await;
    assert_eq!(v["compound"], 0.8439);
    for (text, want) in [
        ("666666", "positive"),
        ("yyds", "positive"),
        ("主播太强了", "positive"),
        ("主播好菜啊", "negative"),
        ("this is so mid", "negative"),
        ("L", "negative"),
    ] {
        let body = serde_json::json!({"text": text, "domain": "chat"}).to_string();
        let (s, r) = json(post_json(&url, &body).await).await;
        assert_eq!((s, r["label"].as_str()), (200, Some(want)), "{text}: {r}");
    }
    let (s, e) = json(post_json(&url, r#"{"text":"x","domain":"sports"}"#).await).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (400, Some("invalid_domain"))
    );
    // Scores carry 4 decimals, whatever the backend.
    let (_, z) = json(post_json(&url, r#"{"text":"这家店的服务态度很好"}"#).await).await;
    let c = z["compound"].as_f64().unwrap();
    assert_eq!(c, (c * 1e4).round() / 1e4, "{z}");

    let mut g = grpc(&srv).await;
    let s = g
        .analyze(pb::AnalyzeRequest {
            text: "下饭操作".into(),
            domain: "chat".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .score
        .unwrap();
    assert_eq!(s.label, "negative");

    // Rooms score in the chat domain by default.
    let r = post_json(
        &format!("{}/v1/rooms/chatty/comments", srv.url),
        r#"[{"id":"1","text":"666666"},{"id":"2","text":"yyds"}]"#,
    )
    .await;
    assert_eq!(r.status().as_u16(), 202);
    let snap: Value = reqwest::get(format!("{}/v1/rooms/chatty", srv.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(snap["windows"][2]["positive"], 2, "{snap}");
}
