//! The cascade over real connections: HTTP single and batch requests, gRPC unary, batch and
//! streaming, the server-wide default (`--cascade`) and a request turning it off, per-language
//! models (`--cascade-model`), and the errors a client can read. Needs ONNX Runtime (see
//! `senti_model::testing::ort_available`).

mod common;

use std::path::Path;

use common::{TestServer, post_json};
use senti_server::Config;
use senti_server::grpc::pb;
use senti_server::grpc::pb::sentiment_client::SentimentClient;
use serde_json::Value;

/// VADER scores it 0.9 and more: the lexicon is sure.
const SURE: &str = "I love this, it is wonderful and amazing!";
/// No word VADER knows: compound 0, so the model answers.
const UNSURE: &str = "the plot moved along";

fn repo(root: &Path) -> Config {
    senti_model::testing::install_fixture(root, "en", 1, "tiny-en");
    senti_model::testing::install_fixture(root, "zh", 1, "zh-char");
    Config {
        model_repo: Some(root.to_path_buf()),
        model_poll_ms: 0,
        model_settle_ms: 0,
        ..Config::default()
    }
}

async fn body(url: &str, path: &str, json: &str) -> (u16, Value) {
    let r = post_json(&format!("{url}{path}"), json).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_take_the_lexicon_when_it_is_sure_and_the_model_when_not() {
    if !senti_model::testing::ort_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(Config {
        cascade_model: Some("en=en".into()),
        ..repo(dir.path())
    })
    .await;
    let url = &srv.url;

    let (st, v) = body(
        url,
        "/v1/sentiment",
        &format!(r#"{{"text":"{SURE}","cascade":true}}"#),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (v["path"].as_str(), v["backend"].as_str()),
        (Some("lexicon"), Some("vader"))
    );
    assert!(v["compound"].as_f64().unwrap() >= 0.9, "{v}");
    assert!(v.get("model").is_none());

    let (st, v) = body(
        url,
        "/v1/sentiment",
        &format!(r#"{{"text":"{UNSURE}","cascade":true}}"#),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (v["path"].as_str(), v["backend"].as_str()),
        (Some("model"), Some("onnx"))
    );
    assert_eq!(v["model"], "en@1");

    // Without "cascade" the server's default (off) holds: the lexicon, no path.
    let (_, v) = body(url, "/v1/sentiment", &format!(r#"{{"text":"{UNSURE}"}}"#)).await;
    assert_eq!(
        (v["backend"].as_str(), v.get("path")),
        (Some("vader"), None)
    );

    // Chinese has no cascade model here and no default model: the lexicon keeps it.
    let (_, v) = body(
        url,
        "/v1/sentiment",
        r#"{"text":"这个东西","cascade":true}"#,
    )
    .await;
    assert_eq!(
        (v["backend"].as_str(), v["path"].as_str()),
        (Some("zh"), Some("lexicon"))
    );

    // A request's own model answers for every language.
    let (_, v) = body(
        url,
        "/v1/sentiment",
        r#"{"text":"这个东西","cascade":true,"model":"zh"}"#,
    )
    .await;
    assert_eq!(
        (v["model"].as_str(), v["path"].as_str()),
        (Some("zh@1"), Some("model"))
    );

    // Each batch item takes its own path, in order, with its id.
    let (st, v) = body(
        url,
        "/v1/sentiment/batch",
        &format!(
            r#"{{"cascade":true,"items":[{{"id":1,"text":"{SURE}"}},{{"id":2,"text":"{UNSURE}"}},{{"id":3,"text":"terrible, awful, I hate it"}},{{"id":4,"text":"{UNSURE} again"}}]}}"#
        ),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let paths: Vec<(i64, &str, &str)> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_i64().unwrap(),
                r["path"].as_str().unwrap(),
                r["backend"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        paths,
        [
            (1, "lexicon", "vader"),
            (2, "model", "onnx"),
            (3, "lexicon", "vader"),
            (4, "model", "onnx")
        ]
    );

    // A wrong type is a readable 400.
    let (st, v) = body(url, "/v1/sentiment", r#"{"text":"x","cascade":"yes"}"#).await;
    assert_eq!(st, 400, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("boolean"),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_default_and_its_errors() {
    if !senti_model::testing::ort_available() {
        return;
    }
    // No model anywhere: a cascade request is told why.
    let srv = TestServer::default().await;
    let (st, v) = body(&srv.url, "/v1/sentiment", r#"{"text":"x","cascade":true}"#).await;
    assert_eq!(st, 404, "{v}");
    assert_eq!(v["error"]["code"], "model_not_found");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("cascade"),
        "{v}"
    );

    // --cascade with --model: on for every request that does not turn it off.
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(Config {
        cascade: true,
        model: Some("en".into()),
        cascade_threshold: Some("0.95".into()),
        ..repo(dir.path())
    })
    .await;
    let (_, v) = body(
        &srv.url,
        "/v1/sentiment",
        &format!(r#"{{"text":"{UNSURE}"}}"#),
    )
    .await;
    assert_eq!(v["path"], "model");
    // Under the raised threshold even a clearly positive text (0.93) goes to the model.
    let (_, v) = body(
        &srv.url,
        "/v1/sentiment",
        r#"{"text":"I love this, it is great!"}"#,
    )
    .await;
    assert_eq!(v["path"], "model", "{v}");
    let (_, v) = body(
        &srv.url,
        "/v1/sentiment",
        &format!(r#"{{"text":"{UNSURE}","cascade":false}}"#),
    )
    .await;
    assert_eq!((v["backend"].as_str(), v.get("path")), (Some("onnx"), None));

    // The gRPC API: unset takes the server's default; false turns it off.
    let mut c = SentimentClient::connect(format!("http://{}", srv.grpc.unwrap()))
        .await
        .unwrap();
    let s = c
        .analyze(pb::AnalyzeRequest {
            text: SURE.into(),
            cascade: Some(false),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .score
        .unwrap();
    assert_eq!((s.backend.as_str(), s.path.as_str()), ("onnx", ""));
    let r = c
        .analyze_batch(pb::AnalyzeBatchRequest {
            items: [UNSURE, "I love this, it is great!"]
                .iter()
                .map(|t| pb::Item {
                    id: t.to_string(),
                    text: t.to_string(),
                })
                .collect(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let paths: Vec<String> = r
        .results
        .iter()
        .map(|r| match &r.result {
            Some(pb::item_result::Result::Score(s)) => s.path.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(paths, ["model", "model"]);
    let items = tokio_stream::iter(vec![pb::StreamItem {
        id: "a".into(),
        text: SURE.into(),
        cascade: Some(true),
        ..Default::default()
    }]);
    let mut out = c.analyze_stream(items).await.unwrap().into_inner();
    use tokio_stream::StreamExt;
    let first = out.next().await.unwrap().unwrap();
    match first.result {
        Some(pb::item_result::Result::Score(s)) => {
            assert_eq!(s.path, "model", "0.95 is above SURE's compound");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cascade_settings_are_checked_at_start() {
    // Settings that cannot work are refused before anything starts, naming the setting.
    for (args, want) in [
        (
            senti_server::ServeArgs {
                cascade_model: Some("fr=en".into()),
                ..Default::default()
            },
            "unknown language",
        ),
        (
            senti_server::ServeArgs {
                cascade_threshold: Some("1.5".into()),
                ..Default::default()
            },
            "cascade_threshold",
        ),
    ] {
        let e = Config::resolve(&args).map(|_| ()).unwrap_err().to_string();
        assert!(e.contains(want), "{want}: {e}");
    }
    if !senti_model::testing::ort_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let base = repo(dir.path());
    for (cfg, want) in [
        (
            Config {
                cascade: true,
                ..base.clone()
            },
            "--cascade needs a model",
        ),
        (
            Config {
                cascade_model: Some("en=missing".into()),
                ..base.clone()
            },
            "--cascade-model en=missing",
        ),
    ] {
        let e = match senti_server::bind(cfg).await {
            Ok(_) => panic!("{want}: started"),
            Err(e) => format!("{e:#}"),
        };
        assert!(e.contains(want), "{want}: {e}");
    }
}
