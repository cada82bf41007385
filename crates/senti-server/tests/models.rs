//! Model serving over real HTTP: model selection, errors, /v1/models, the admin reload,
//! queue limits, device fallback, metrics, and versions swapped under load without a failed
//! request. Needs ONNX Runtime (see `senti_model::testing::ort_available`).

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::{TestServer, client, post_json, sample};
use senti_server::Config;
use serde_json::{Value, json};

fn ort() -> bool {
    senti_model::testing::ort_available()
}

fn add_version(root: &Path, name: &str, v: u64, fixture: &str) {
    senti_model::testing::install_fixture(root, name, v, fixture);
}

fn config(root: &Path) -> Config {
    Config {
        model_repo: Some(root.to_path_buf()),
        model_poll_ms: 0,
        model_settle_ms: 0,
        admin_token: Some("s3cret".into()),
        ..Config::default()
    }
}

async fn models(url: &str) -> Value {
    reqwest::get(format!("{url}/v1/models"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn reload(url: &str, name: &str, token: Option<&str>) -> reqwest::Response {
    let mut req = client().post(format!("{url}/admin/models/{name}/reload"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn model_requests_errors_and_listing() {
    if !ort() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    add_version(dir.path(), "en", 1, "tiny-en");
    add_version(dir.path(), "en", 2, "tiny-custom-labels");
    add_version(dir.path(), "zh", 1, "zh-char");
    add_version(dir.path(), "bad", 1, "broken");
    let mut cfg = config(dir.path());
    cfg.model_versions = 2;
    let srv = TestServer::start(cfg).await;
    let url = &srv.url;

    let r = post_json(
        &format!("{url}/v1/sentiment"),
        r#"{"text":"good great","model":"en"}"#,
    )
    .await;
    assert_eq!(r.status(), 200);
    for h in [
        "x-queue-time-us",
        "x-inference-time-us",
        "x-tokenize-time-us",
    ] {
        let v = r.headers()[h].to_str().unwrap();
        assert!(v.parse::<u64>().is_ok(), "{h}: {v}");
    }
    assert_eq!(r.headers()["x-batch-size"], "1");
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["backend"], "onnx");
    assert_eq!(b["model"], "en@2");
    assert_eq!(b["label"], "positive");
    let p = &b["probabilities"];
    let c = b["compound"].as_f64().unwrap();
    // compound = p(pos) - p(neg), given with 4 decimals like every score; the probabilities
    // keep their full precision.
    let diff = p["LABEL_1"].as_f64().unwrap() - p["LABEL_0"].as_f64().unwrap();
    assert_eq!(c, (diff * 1e4).round() / 1e4);

    let b: Value = post_json(
        &format!("{url}/v1/sentiment"),
        r#"{"text":"good","model":"en@1"}"#,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(b["model"], "en@1");
    let long = "the movie was good ".repeat(10);
    let b: Value = post_json(
        &format!("{url}/v1/sentiment"),
        &json!({"text": long, "model": "en@1"}).to_string(),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(b["truncated"], true);
    let b: Value = post_json(
        &format!("{url}/v1/sentiment"),
        r#"{"text":"太差了，很烂","model":"zh"}"#,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(b["label"], "negative");
    assert_eq!(b["lang"], "zh");

    // Without "model", the lexicon scorers answer as before.
    let b: Value = post_json(&format!("{url}/v1/sentiment"), r#"{"text":"good"}"#)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(b["backend"], "vader");
    assert!(b.get("model").is_none());

    for (body, code) in [
        (r#"{"text":"x","model":"nope"}"#, "model_not_found"),
        (r#"{"text":"x","model":"en@9"}"#, "model_not_found"),
        (r#"{"text":"x","model":"bad"}"#, "model_not_found"),
        (r#"{"text":"x","model":"../etc"}"#, "model_not_found"),
        (r#"{"text":"x","model":"en@x"}"#, "model_not_found"),
        (r#"{"text":"x","model":7}"#, "invalid_request"),
    ] {
        let r = post_json(&format!("{url}/v1/sentiment"), body).await;
        let status = r.status();
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["code"], code, "{body}");
        assert_eq!(
            status,
            if code == "invalid_request" { 400 } else { 404 },
            "{body}"
        );
    }

    // Batch: one model for all items, ids kept, errors in place.
    let r = post_json(
        &format!("{url}/v1/sentiment/batch"),
        &json!({"model": "en@1", "items": [{"id": 1, "text": "good"}, {"id": 2, "text": "bad"}, {"id": 3, "text": "x".repeat(10_001)}]}).to_string(),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-inference-time-us"));
    let b: Value = r.json().await.unwrap();
    let res = b["results"].as_array().unwrap();
    assert_eq!(res[0]["label"], "positive");
    assert_eq!(res[1]["label"], "negative");
    assert_eq!(res[1]["model"], "en@1");
    assert_eq!(res[2]["error"]["code"], "text_too_long");

    let m = models(url).await;
    assert_eq!(m["onnxruntime"]["loaded"], true);
    let list = m["models"].as_array().unwrap();
    let names: Vec<&str> = list.iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["bad", "en", "zh"]);
    assert_eq!(list[0]["serving"], Value::Null);
    assert_eq!(list[0]["versions"][0]["state"], "failed");
    assert!(
        list[0]["versions"][0]["error"]
            .as_str()
            .unwrap()
            .contains("onnxruntime")
    );
    assert_eq!(list[1]["serving"], 2);
    assert_eq!(list[1]["versions"][0]["device"], "cpu");
    assert_eq!(list[1]["versions"][1]["state"], "ready");
    assert_eq!(list[1]["versions"][1]["serving"], false);

    // Admin: token required; unknown names are 404.
    assert_eq!(reload(url, "en", None).await.status(), 401);
    assert_eq!(reload(url, "en", Some("wrong")).await.status(), 401);
    assert_eq!(reload(url, "nope", Some("s3cret")).await.status(), 404);
    let r = reload(url, "en", Some("s3cret")).await;
    assert_eq!(r.status(), 200);
    let st: Value = r.json().await.unwrap();
    assert_eq!(st["serving"], 2);

    let metrics = srv.metrics().await;
    assert!(sample(&metrics, r#"senti_model_batch_size_count{model="en@1"}"#) >= 2.0);
    assert!(
        sample(
            &metrics,
            r#"senti_model_inference_duration_seconds_count{model="en@2"}"#
        ) >= 1.0
    );
    assert!(
        sample(
            &metrics,
            r#"senti_model_queue_duration_seconds_count{model="en@2"}"#
        ) >= 1.0
    );
    assert!(
        sample(
            &metrics,
            r#"senti_model_tokenize_duration_seconds_count{model="zh@1"}"#
        ) >= 1.0
    );
    // Authorized requests count, whether or not the name exists ("nope" and "en").
    assert_eq!(
        sample(&metrics, r#"senti_model_reloads_total{trigger="admin"}"#),
        2.0
    );
    assert!(
        sample(
            &metrics,
            r#"senti_http_requests_total{route="/admin/models/{name}/reload",method="POST",status="401"}"#
        ) >= 2.0
    );
}

#[tokio::test]
async fn admin_routes_are_off_without_a_token_and_models_need_a_repository() {
    let srv = TestServer::default().await;
    let r = reload(&srv.url, "en", Some("anything")).await;
    assert_eq!(r.status(), 404);
    let r = post_json(
        &format!("{}/v1/sentiment", srv.url),
        r#"{"text":"x","model":"en"}"#,
    )
    .await;
    assert_eq!(r.status(), 404);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "model_not_found");
    let m = models(&srv.url).await;
    assert_eq!(m["repository"], Value::Null);
    assert_eq!(m["models"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_model_queue_answers_503_with_retry_after() {
    if !ort() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    add_version(dir.path(), "slow", 1, "slow");
    let mut cfg = config(dir.path());
    cfg.model = Some("slow".into());
    cfg.max_batch_size = 1;
    cfg.model_max_queue = 2;
    let srv = TestServer::start(cfg).await;
    let url = format!("{}/v1/sentiment", srv.url);
    let mut tasks = Vec::new();
    for i in 0..24 {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            // Different texts: the result cache would answer repeats of one text at once.
            let r = post_json(&url, &format!(r#"{{"text":"good {i}"}}"#)).await;
            let retry = r.headers().get("retry-after").cloned();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap();
            (status, retry, body)
        }));
    }
    let mut ok = 0;
    let mut busy = 0;
    for t in tasks {
        let (status, retry, body) = t.await.unwrap();
        match status {
            200 => {
                ok += 1;
                assert_eq!(body["model"], "slow@1", "--model is the default");
            }
            503 => {
                busy += 1;
                assert!(retry.is_some());
                assert_eq!(body["error"]["code"], "overloaded");
            }
            s => panic!("unexpected status {s}: {body}"),
        }
    }
    assert!(ok >= 2 && busy >= 10, "{ok} ok, {busy} refused");
    let metrics = srv.metrics().await;
    assert_eq!(
        sample(
            &metrics,
            r#"senti_model_dropped_total{model="slow@1",reason="queue_full"}"#
        ),
        busy as f64
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cuda_requested_on_a_machine_without_it_falls_back_and_says_so() {
    if !ort() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    add_version(dir.path(), "en", 1, "tiny-en");
    let mut cfg = config(dir.path());
    cfg.device = "cuda:0".into();
    let srv = TestServer::start(cfg).await;
    let m = models(&srv.url).await;
    let v = &m["models"][0]["versions"][0];
    assert_eq!(v["requested_device"], "cuda:0");
    if v["device"] == "cpu" {
        assert!(v["fallback_reason"].as_str().unwrap().len() > 5, "{v}");
        let metrics = srv.metrics().await;
        assert_eq!(
            sample(
                &metrics,
                r#"senti_model_device_fallbacks_total{model="en@1",requested="cuda:0"}"#
            ),
            1.0
        );
    }
    let r = post_json(
        &format!("{}/v1/sentiment", srv.url),
        r#"{"text":"good","model":"en"}"#,
    )
    .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_request_fails_while_versions_are_reloaded_under_load() {
    if !ort() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    add_version(&root, "en", 1, "tiny-en");
    let mut cfg = config(&root);
    cfg.model = Some("en".into());
    let srv = TestServer::start(cfg).await;
    let url = format!("{}/v1/sentiment", srv.url);
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (url, stop, done) = (url.clone(), stop.clone(), done.clone());
        clients.push(tokio::spawn(async move {
            let mut seen = std::collections::BTreeSet::new();
            while !stop.load(Ordering::Relaxed) {
                let r = post_json(&url, r#"{"text":"a good movie"}"#).await;
                assert_eq!(r.status(), 200, "a request failed during a reload");
                let b: Value = r.json().await.unwrap();
                assert_eq!(b["label"], "positive");
                seen.insert(b["model"].as_str().unwrap().to_string());
                done.fetch_add(1, Ordering::Relaxed);
            }
            seen
        }));
    }
    for v in 2..=6u64 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Version 4 is broken and version 5 half-copied (no tokenizer.json): neither may
        // disturb anything.
        let fixture = if v == 4 { "broken" } else { "tiny-en" };
        add_version(&root, "en", v, fixture);
        if v == 5 {
            std::fs::remove_file(root.join("en/5/tokenizer.json")).unwrap();
        }
        let r = reload(&srv.url, "en", Some("s3cret")).await;
        assert_eq!(r.status(), 200);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, Ordering::Relaxed);
    let mut seen = std::collections::BTreeSet::new();
    for c in clients {
        seen.extend(c.await.expect("a client saw a failed request"));
    }
    assert!(done.load(Ordering::Relaxed) > 50);
    assert!(seen.contains("en@1") && seen.contains("en@6"), "{seen:?}");
    assert!(!seen.contains("en@4") && !seen.contains("en@5"));
    let m = models(&srv.url).await;
    let versions = m["models"][0]["versions"].as_array().unwrap();
    let state = |v: u64| {
        versions
            .iter()
            .find(|x| x["version"] == v)
            .map(|x| x["state"].as_str().unwrap().to_string())
    };
    assert_eq!(state(6).as_deref(), Some("ready"));
    assert_eq!(state(5).as_deref(), Some("pending"));
    assert_eq!(state(4).as_deref(), Some("failed"));
    assert_eq!(m["models"][0]["serving"], 6);
}
