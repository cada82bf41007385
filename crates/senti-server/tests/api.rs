//! Every endpoint and error case over real HTTP.

mod common;

use common::*;
use senti_server::Config;
use serde_json::{Value, json};

async fn json_of(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

#[tokio::test]
async fn scores_and_explains() {
    let s = TestServer::default().await;
    let (st, v) = json_of(
        post_json(
            &format!("{}/v1/sentiment", s.url),
            r#"{"text": "VADER is smart, handsome, and funny."}"#,
        )
        .await,
    )
    .await;
    assert_eq!(st, 200);
    // vaderSentiment 3.3.2: {'neg': 0.0, 'neu': 0.254, 'pos': 0.746, 'compound': 0.8316}
    assert_eq!(
        v,
        json!({"label": "positive", "compound": 0.8316, "pos": 0.746, "neu": 0.254, "neg": 0.0, "lang": "en", "backend": "vader"})
    );
    let (st, v2) = json_of(
        post_json(
            &format!("{}/analyze", s.url),
            r#"{"text": "VADER is smart, handsome, and funny."}"#,
        )
        .await,
    )
    .await;
    assert_eq!((st, &v2), (200, &v));

    let (_, e) = json_of(
        post_json(
            &format!("{}/v1/sentiment", s.url),
            r#"{"text": "not bad 😁", "explain": true, "lang": "en"}"#,
        )
        .await,
    )
    .await;
    let toks = e["tokens"].as_array().unwrap();
    assert_eq!(toks.len(), 7);
    assert_eq!(
        toks[1],
        json!({"text": "bad", "start": 4, "end": 7, "valence": 1.85})
    );
    assert_eq!(
        (toks[2]["start"].as_u64(), toks[2]["end"].as_u64()),
        (Some(8), Some(9))
    );
}

#[tokio::test]
async fn request_ids_are_echoed_or_created() {
    let s = TestServer::default().await;
    let r = client()
        .get(format!("{}/healthz", s.url))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "abc-123");
    let r = client()
        .get(format!("{}/nope", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"].len(), 36);
}

#[tokio::test]
async fn batch_answers_every_item_in_order() {
    let s = TestServer::start(Config {
        max_text_chars: 20,
        ..Config::default()
    })
    .await;
    let body = json!({"items": [{"id": 1, "text": "good"}, {"id": "b", "text": "x".repeat(21)}, {"id": [3], "text": "bad"}, {"text": "bad"}, {"id": null, "text": "the table"}]});
    let (st, v) =
        json_of(post_json(&format!("{}/v1/sentiment/batch", s.url), &body.to_string()).await).await;
    assert_eq!(st, 200);
    let r = v["results"].as_array().unwrap();
    assert_eq!(r.len(), 5);
    assert_eq!(
        (r[0]["id"].clone(), r[0]["label"].clone()),
        (json!(1), json!("positive"))
    );
    // A text too long is answered in its place; the others are scored.
    assert_eq!(
        r[1],
        json!({"id": "b", "error": {"code": "text_too_long", "message": "text is 21 characters long; the limit is 20"}})
    );
    assert_eq!(
        (r[2]["id"].clone(), r[2]["label"].clone()),
        (json!([3]), json!("negative"))
    );
    assert_eq!(r[3]["label"], "negative");
    assert!(r[3].get("id").is_none());
    assert_eq!(r[4]["label"], "neutral");

    let m = s.metrics().await;
    assert_eq!(
        sample(&m, r#"senti_errors_total{code="text_too_long"}"#),
        1.0
    );
    assert_eq!(
        sample(&m, r#"senti_texts_total{lang="en",backend="vader"}"#),
        4.0
    );
}

async fn expect_error(r: reqwest::Response, status: u16, code: &str) {
    let got = r.status().as_u16();
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (got, v["error"]["code"].as_str().unwrap_or("")),
        (status, code),
        "{v}"
    );
    assert!(!v["error"]["message"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn bad_input_gets_clear_errors() {
    let cfg = Config {
        max_text_chars: 10,
        max_body_bytes: 200,
        max_batch_items: 2,
        ..Config::default()
    };
    let s = TestServer::start(cfg).await;
    let url = format!("{}/v1/sentiment", s.url);
    expect_error(
        post_json(&url, r#"{"text": "unterminated"#).await,
        400,
        "invalid_json",
    )
    .await;
    expect_error(post_json(&url, "").await, 400, "invalid_json").await;
    expect_error(
        post_json(&url, r#"{"text": 5}"#).await,
        400,
        "invalid_request",
    )
    .await;
    expect_error(post_json(&url, r#"["text"]"#).await, 400, "invalid_request").await;
    expect_error(
        post_json(&url, r#"{"txt": "hi"}"#).await,
        400,
        "invalid_request",
    )
    .await;
    expect_error(post_json(&url, r#"{}"#).await, 400, "missing_text").await;
    expect_error(
        post_json(&url, r#"{"text": "hi", "lang": "fr"}"#).await,
        400,
        "unsupported_lang",
    )
    .await;
    // Chinese has a backend now: naming it scores.
    assert_eq!(
        post_json(&url, r#"{"text": "hi", "lang": "zh"}"#)
            .await
            .status(),
        200
    );
    expect_error(
        post_json(&url, r#"{"text": "hi", "explain": "yes"}"#).await,
        400,
        "invalid_request",
    )
    .await;
    expect_error(
        post_json(&url, r#"{"text": "this is longer than ten"}"#).await,
        400,
        "text_too_long",
    )
    .await;
    // Ten characters in more than ten bytes are fine.
    assert_eq!(
        post_json(&url, r#"{"text": "éééééééééé"}"#).await.status(),
        200
    );
    let invalid_utf8 = client()
        .post(&url)
        .header("content-type", "application/json")
        .body(b"{\"text\": \"bad \xff\"}".to_vec())
        .send()
        .await
        .unwrap();
    expect_error(invalid_utf8, 400, "invalid_json").await;
    let big = format!(r#"{{"text": "{}"}}"#, "a".repeat(300));
    expect_error(post_json(&url, &big).await, 413, "body_too_large").await;
    // Chunked, so no Content-Length to check up front: cut off while streaming.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..10).map(|_| Ok(vec![b' '; 50])).collect();
    let chunked = client()
        .post(&url)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_stream(chunks)))
        .send()
        .await
        .unwrap();
    expect_error(chunked, 413, "body_too_large").await;
    let wrong_type = client()
        .post(&url)
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await
        .unwrap();
    expect_error(wrong_type, 415, "unsupported_media_type").await;
    let no_type = client()
        .post(&url)
        .body(r#"{"text": "hi"}"#)
        .send()
        .await
        .unwrap();
    expect_error(no_type, 415, "unsupported_media_type").await;
    expect_error(
        client()
            .get(format!("{}/v2/nothing", s.url))
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    expect_error(
        client().get(&url).send().await.unwrap(),
        405,
        "method_not_allowed",
    )
    .await;
    expect_error(
        client()
            .delete(format!("{}/healthz", s.url))
            .send()
            .await
            .unwrap(),
        405,
        "method_not_allowed",
    )
    .await;
    let batch = format!("{}/v1/sentiment/batch", s.url);
    expect_error(
        post_json(
            &batch,
            r#"{"items": [{"text": "a"}, {"text": "b"}, {"text": "c"}]}"#,
        )
        .await,
        400,
        "batch_too_large",
    )
    .await;
    expect_error(
        post_json(&batch, r#"{"items": {"text": "a"}}"#).await,
        400,
        "invalid_request",
    )
    .await;
    expect_error(
        post_json(&batch, r#"{"items": [{"text": "a"}], "lang": "xx"}"#).await,
        400,
        "unsupported_lang",
    )
    .await;

    // Still serving after all that.
    assert_eq!(post_json(&url, r#"{"text": "fine"}"#).await.status(), 200);
}

fn futures_stream(
    chunks: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    tokio_stream::iter(chunks)
}

#[tokio::test]
async fn ops_endpoints() {
    let s = TestServer::default().await;
    let (st, v) = json_of(
        client()
            .get(format!("{}/healthz", s.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((st, v), (200, json!({"status": "ok"})));
    let (st, v) = json_of(
        client()
            .get(format!("{}/readyz", s.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((st, v), (200, json!({"status": "ready"})));
    let (st, v) = json_of(
        client()
            .get(format!("{}/v1/info", s.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(v["backends"][0]["name"], "vader");
    assert_eq!(v["limits"]["max_text_chars"], 10_000);
    assert_eq!(v["limits"]["max_batch_items"], 1000);
    assert_eq!(v["limits"]["max_body_bytes"], 1 << 20);

    let (st, doc) = json_of(
        client()
            .get(format!("{}/openapi.json", s.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/v1/sentiment",
        "/v1/sentiment/batch",
        "/analyze",
        "/healthz",
        "/readyz",
        "/metrics",
        "/v1/info",
        "/openapi.json",
    ] {
        assert!(
            doc["paths"].get(p).is_some(),
            "{p} missing from the OpenAPI document"
        );
    }
    let codes: Vec<&str> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for c in senti_server::error::ErrorCode::ALL {
        assert!(
            codes.contains(&c.as_str()),
            "{} missing from the OpenAPI ErrorCode schema",
            c.as_str()
        );
    }
}

#[tokio::test]
async fn metrics_count_exactly() {
    let s = TestServer::default().await;
    let url = format!("{}/v1/sentiment", s.url);
    for _ in 0..5 {
        assert_eq!(post_json(&url, r#"{"text": "good"}"#).await.status(), 200);
    }
    for _ in 0..3 {
        post_json(&url, "{").await;
    }
    client()
        .get(format!("{}/x/y/z", s.url))
        .send()
        .await
        .unwrap();
    client().get(format!("{}/x/q", s.url)).send().await.unwrap();
    client().get(&url).send().await.unwrap();
    let m = s.metrics().await;
    assert_eq!(
        sample(
            &m,
            r#"senti_http_requests_total{route="/v1/sentiment",method="POST",status="200"}"#
        ),
        5.0
    );
    assert_eq!(
        sample(
            &m,
            r#"senti_http_requests_total{route="/v1/sentiment",method="POST",status="400"}"#
        ),
        3.0
    );
    assert_eq!(
        sample(
            &m,
            r#"senti_http_requests_total{route="/v1/sentiment",method="GET",status="405"}"#
        ),
        1.0
    );
    // Unknown paths share one label: the raw path never becomes a label.
    assert_eq!(
        sample(
            &m,
            r#"senti_http_requests_total{route="unmatched",method="GET",status="404"}"#
        ),
        2.0
    );
    assert!(!m.contains("/x/y/z"));
    assert_eq!(
        sample(
            &m,
            r#"senti_http_request_duration_seconds_count{route="/v1/sentiment"}"#
        ),
        9.0
    );
    assert!(
        m.contains(
            r#"senti_http_request_duration_seconds_bucket{le="1e-6",route="/v1/sentiment"}"#
        ) || m.contains(
            r#"senti_http_request_duration_seconds_bucket{le="0.000001",route="/v1/sentiment"}"#
        )
    );
    assert_eq!(
        sample(
            &m,
            r#"senti_analyze_duration_seconds_count{backend="vader"}"#
        ),
        5.0
    );
    assert_eq!(
        sample(&m, r#"senti_texts_total{lang="en",backend="vader"}"#),
        5.0
    );
    assert_eq!(
        sample(&m, r#"senti_errors_total{code="invalid_json"}"#),
        3.0
    );
    assert_eq!(sample(&m, r#"senti_errors_total{code="not_found"}"#), 2.0);
    assert_eq!(
        sample(&m, r#"senti_errors_total{code="method_not_allowed"}"#),
        1.0
    );
    // The scrape itself is in flight while it renders.
    assert_eq!(sample(&m, "senti_http_requests_in_flight"), 1.0);
    let m2 = s.metrics().await;
    assert_eq!(
        sample(
            &m2,
            r#"senti_http_requests_total{route="/metrics",method="GET",status="200"}"#
        ),
        1.0
    );
}

#[tokio::test]
async fn segments_chinese() {
    let s = TestServer::default().await;
    let url = format!("{}/v1/segment", s.url);
    let (st, v) = json_of(post_json(&url, r#"{"text": "我来到北京清华大学"}"#).await).await;
    assert_eq!(
        (st, v),
        (200, json!({"tokens": ["我", "来到", "北京", "清华大学"]}))
    );
    let (_, v) =
        json_of(post_json(&url, r#"{"text": "我来到北京清华大学", "mode": "all"}"#).await).await;
    assert_eq!(
        v["tokens"],
        json!(["我", "来到", "北京", "清华", "清华大学", "华大", "大学"])
    );
    let (_, v) = json_of(post_json(&url, r#"{"text": "北京 abc", "offsets": true}"#).await).await;
    assert_eq!(v["tokens"][2], json!({"word": "abc", "start": 3, "end": 6}));
    expect_error(
        post_json(&url, r#"{"text": "x", "mode": "fast"}"#).await,
        400,
        "invalid_mode",
    )
    .await;
    expect_error(
        post_json(&url, r#"{"mode": "all"}"#).await,
        400,
        "missing_text",
    )
    .await;
    let m = s.metrics().await;
    assert_eq!(
        sample(
            &m,
            r#"senti_http_requests_total{route="/v1/segment",method="POST",status="200"}"#
        ),
        3.0
    );
}

#[tokio::test]
async fn scores_chinese_with_the_zh_backend() {
    let s = TestServer::default().await;
    let url = format!("{}/v1/sentiment", s.url);
    let (st, v) = json_of(post_json(&url, r#"{"text": "这家店的服务很好，下次还来"}"#).await).await;
    assert_eq!(st, 200);
    assert_eq!(
        (v["lang"].as_str(), v["backend"].as_str()),
        (Some("zh"), Some("zh"))
    );
    assert_eq!(v["label"], "positive");
    let (_, v) = json_of(
        post_json(
            &url,
            r#"{"text": "主播yyds", "lang": "zh", "explain": true}"#,
        )
        .await,
    )
    .await;
    assert_eq!(v["backend"], "zh");
    let toks = v["tokens"].as_array().unwrap();
    assert!(
        toks.iter()
            .any(|t| t["text"] == "yyds" && t["start"] == 2 && t["end"] == 6)
    );
    let (_, v) = json_of(post_json(&url, r#"{"text": "无语"}"#).await).await;
    assert_eq!(
        (v["label"].as_str(), v["backend"].as_str()),
        (Some("negative"), Some("zh"))
    );
    // English still goes to VADER.
    let (_, v) = json_of(post_json(&url, r#"{"text": "great"}"#).await).await;
    assert_eq!(v["backend"], "vader");
    let m = s.metrics().await;
    assert_eq!(
        sample(&m, r#"senti_texts_total{lang="zh",backend="zh"}"#),
        3.0
    );
}

#[tokio::test]
async fn routes_mixed_text_without_a_hint() {
    let s = TestServer::default().await;
    let url = format!("{}/v1/sentiment", s.url);
    let (st, v) = json_of(
        post_json(
            &url,
            r#"{"text": "I really love this song 这首歌太好听了"}"#,
        )
        .await,
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(
        (v["lang"].as_str(), v["backend"].as_str()),
        (Some("mixed"), Some("vader+zh"))
    );
    let (_, v) =
        json_of(post_json(&url, r#"{"text": "VADER is smart, handsome, and funny."}"#).await).await;
    assert_eq!(
        (v["backend"].as_str(), v["compound"].as_f64()),
        (Some("vader"), Some(0.8316))
    );
    let m = s.metrics().await;
    assert_eq!(
        sample(&m, r#"senti_texts_total{lang="mixed",backend="vader+zh"}"#),
        1.0
    );
}
