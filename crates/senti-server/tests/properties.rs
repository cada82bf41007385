//! Over HTTP, `POST /v1/sentiment/batch` answers each item exactly as `POST /v1/sentiment`
//! answers its text alone (issue 14): the same score object, or the same error in place of
//! the single request's error body, for random texts (any Unicode, English and Chinese rule
//! words, texts over the length limit) and every language option, domain and `explain`.

mod common;

use std::sync::OnceLock;

use common::TestServer;
use proptest::prelude::*;
use senti_server::Config;
use serde_json::{Value, json};

/// One server for every case (a case costs a few requests, a server start far more).
fn server() -> &'static (tokio::runtime::Runtime, TestServer) {
    static S: OnceLock<(tokio::runtime::Runtime, TestServer)> = OnceLock::new();
    S.get_or_init(|| {
        let rt = tokio::runtime::Runtime::new().expect("a runtime");
        let cfg = Config {
            max_text_chars: 24,
            ..Config::default()
        };
        let s = rt.block_on(TestServer::start(cfg));
        (rt, s)
    })
}

async fn post(url: &str, body: &Value) -> (u16, Value) {
    let r = common::post_json(url, &body.to_string()).await;
    let status = r.status().as_u16();
    (status, r.json().await.expect("a JSON body"))
}

const POOL: &[&str] = &[
    "good",
    "not bad",
    "BUT",
    "very",
    "!",
    " ",
    "😁",
    "我很喜欢",
    "不好",
    "哈哈哈",
    "666",
    "lol",
    "\u{3000}",
    "\n",
    "e\u{301}",
    "\"",
    "\\",
];

fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<char>().prop_map(String::from),
        proptest::sample::select(POOL).prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..10).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn batch_items_equal_single_requests(
        texts in proptest::collection::vec(text(), 1..6),
        lang in proptest::sample::select(&["auto", "en", "zh", "mixed"][..]),
        domain in proptest::sample::select(&["general", "chat"][..]),
        explain in any::<bool>(),
    ) {
        let (rt, s) = server();
        rt.block_on(async {
            let opts = json!({"lang": lang, "domain": domain, "explain": explain});
            let items: Vec<Value> = texts
                .iter()
                .enumerate()
                .map(|(i, t)| json!({"id": i, "text": t}))
                .collect();
            let mut body = opts.clone();
            body["items"] = json!(items);
            let (st, batch) = post(&format!("{}/v1/sentiment/batch", s.url), &body).await;
            prop_assert_eq!(st, 200, "{}", batch);
            let results = batch["results"].as_array().expect("results");
            prop_assert_eq!(results.len(), texts.len());
            for (i, (t, got)) in texts.iter().zip(results).enumerate() {
                let mut one = opts.clone();
                one["text"] = json!(t);
                let (st, want) = post(&format!("{}/v1/sentiment", s.url), &one).await;
                let mut got = got.clone();
                prop_assert_eq!(got["id"].take(), json!(i));
                let got = Value::Object(
                    got.as_object().expect("an object").clone().into_iter()
                        .filter(|(k, _)| k != "id").collect(),
                );
                if st == 200 {
                    prop_assert_eq!(&got, &want, "{:?}", t);
                } else {
                    prop_assert_eq!(&got["error"], &want["error"], "{:?}: status {}", t, st);
                }
            }
            Ok(())
        })?;
    }
}
