//! `GET /debug/pprof/profile` over real HTTP: off without an admin token, 401 without the
//! right one, its query checked, a real pprof protobuf of this process under load (decoded,
//! with samples in senti's own functions), a flamegraph SVG, and one profile at a time.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{TestServer, client};
use pprof::protos::Message;
use senti_server::Config;
use serde_json::Value;

async fn get(url: &str, token: Option<&str>) -> reqwest::Response {
    let mut r = client().get(url);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.unwrap()
}

async fn error_code(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    (status, body["error"]["code"].as_str().unwrap().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn profiles_need_the_admin_token_and_are_real() {
    // Off without a token: the route does not exist.
    let off = TestServer::default().await;
    let r = get(&format!("{}/debug/pprof/profile?seconds=1", off.url), None).await;
    assert_eq!(error_code(r).await, (404, "not_found".into()));

    let srv = TestServer::start(Config {
        admin_token: Some("s3cret".into()),
        ..Config::default()
    })
    .await;
    let url = format!("{}/debug/pprof/profile", srv.url);
    let r = get(&format!("{url}?seconds=1"), None).await;
    assert_eq!(error_code(r).await, (401, "unauthorized".into()));
    let r = get(&format!("{url}?seconds=1"), Some("wrong")).await;
    assert_eq!(error_code(r).await, (401, "unauthorized".into()));
    for bad in [
        "seconds=0",
        "seconds=301",
        "seconds=x",
        "format=png",
        "sec=1",
    ] {
        let r = get(&format!("{url}?{bad}"), Some("s3cret")).await;
        assert_eq!(
            error_code(r).await,
            (400, "invalid_request".into()),
            "{bad}"
        );
    }

    // Load while profiling, so the profile has senti's scoring in it.
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for _ in 0..3 {
        let (stop, u) = (stop.clone(), format!("{}/v1/sentiment", srv.url));
        load.push(tokio::spawn(async move {
            let c = client();
            while !stop.load(Ordering::Relaxed) {
                let r = c
                    .post(&u)
                    .header("content-type", "application/json")
                    .body(r#"{"text":"The plot was not great, but the acting was superb!!"}"#)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
            }
        }));
    }

    // Two at once: one profiles, the other is told to wait.
    let (two, one) = (format!("{url}?seconds=2"), format!("{url}?seconds=1"));
    let (a, b) = tokio::join!(get(&two, Some("s3cret")), async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        get(&one, Some("s3cret")).await
    });
    assert_eq!(error_code(b).await, (409, "profile_in_progress".into()));
    assert_eq!(a.status(), 200);
    assert_eq!(a.headers()["content-type"], "application/octet-stream");
    let bytes = a.bytes().await.unwrap();
    let p = pprof::protos::Profile::decode(bytes.as_ref()).expect("a pprof protobuf");
    assert!(!p.sample.is_empty(), "no samples in 2 s under load");
    assert!(p.period > 0 && !p.sample_type.is_empty());
    let names: Vec<&str> = p
        .function
        .iter()
        .filter_map(|f| p.string_table.get(f.name as usize).map(String::as_str))
        .collect();
    assert!(
        names.iter().any(|n| n.contains("senti_")),
        "no senti function among {} sampled functions",
        names.len()
    );

    // The slot is free again; a flamegraph this time.
    let r = get(&format!("{url}?seconds=1&format=svg"), Some("s3cret")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    let svg = r.text().await.unwrap();
    assert!(svg.contains("<svg") && svg.contains("</svg>"));

    stop.store(true, Ordering::Relaxed);
    for l in load {
        l.await.unwrap();
    }
}
