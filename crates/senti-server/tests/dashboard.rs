//! The dashboard in a real browser: headless Chromium driven over WebDriver (Debian's
//! chromium and chromium-driver) against a running server while known comments arrive.
//! Without them the test is skipped with a message, except under CI=true (`.ci/run` installs
//! them), where it fails.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use common::{TestServer, client};
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const DRIVER: &str = "/usr/bin/chromedriver";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn available() -> bool {
    if std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(DRIVER).exists() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("chromium and chromedriver are needed under CI=true (.ci/run installs them)");
    }
    eprintln!("SKIPPED: {CHROMIUM} or {DRIVER} missing (apt-get install chromium chromium-driver)");
    false
}

async fn wd(method: reqwest::Method, url: &str, body: Option<Value>) -> Value {
    let mut req = client().request(method, url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let v: Value = r.json().await.unwrap();
    v
}

async fn post_comments(url: &str, comments: Value) {
    let r = client()
        .post(url)
        .header("content-type", "application/json")
        .body(comments.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_shows_rate_newest_comment_and_chart() {
    if !available() {
        return;
    }
    let srv = TestServer::default().await;
    let ingest = format!("{}/v1/rooms/e2e/comments", srv.url);
    post_comments(
        &ingest,
        json!([{"id": "w0", "text": "warming up, this is fine"}]),
    )
    .await;

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _driver = Driver(
        Command::new(DRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let wd_url = format!("http://127.0.0.1:{port}");
    let t0 = Instant::now();
    while reqwest::get(format!("{wd_url}/status")).await.is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let profile = tempfile::tempdir().unwrap();
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
                     "--window-size=1280,900",
                     format!("--user-data-dir={}", profile.path().display())]
        }
    }}});
    let s = wd(
        reqwest::Method::POST,
        &format!("{wd_url}/session"),
        Some(caps),
    )
    .await;
    let sid = s["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no session: {s}"))
        .to_string();
    let session = format!("{wd_url}/session/{sid}");
    wd(
        reqwest::Method::POST,
        &format!("{session}/url"),
        Some(json!({"url": format!("{}/rooms/e2e", srv.url)})),
    )
    .await;

    // Known comments keep arriving while the page is open.
    let feeder = {
        let ingest = ingest.clone();
        tokio::spawn(async move {
            for i in 0..25 {
                post_comments(
                    &ingest,
                    json!([
                        {"id": format!("p{i}"), "text": "太棒了，主播最强！"},
                        {"id": format!("n{i}"), "text": "this stream is awful and boring"},
                    ]),
                )
                .await;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            post_comments(
                &ingest,
                json!([{"id": "last", "text": "I love this, great job!"}]),
            )
            .await;
        })
    };
    feeder.await.unwrap();

    let probe = r#"
        var li = document.querySelector('#comments li');
        return {
          rate: parseFloat(document.getElementById('rate').textContent),
          points: parseInt(document.getElementById('chart').getAttribute('data-points'), 10),
          dots: document.querySelectorAll('#chart circle').length,
          newest: li ? {id: li.getAttribute('data-id'), cls: li.className, text: li.textContent} : null,
          negative: document.querySelectorAll('#comments li.comment.negative').length,
          status: document.getElementById('status').textContent
        };"#;
    let mut state = Value::Null;
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(10) {
        let r = wd(
            reqwest::Method::POST,
            &format!("{session}/execute/sync"),
            Some(json!({"script": probe, "args": []})),
        )
        .await;
        state = r["value"].clone();
        let done = state["rate"].as_f64().is_some_and(|r| r > 0.0)
            && state["points"].as_u64().is_some_and(|p| p >= 2)
            && state["newest"]["id"] == "last";
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(state["rate"].as_f64().unwrap_or(0.0) > 0.0, "rate: {state}");
    assert!(state["points"].as_u64().unwrap_or(0) >= 2, "chart: {state}");
    assert!(
        state["dots"].as_u64().unwrap_or(0) >= 2,
        "chart dots: {state}"
    );
    assert_eq!(state["newest"]["id"], "last", "{state}");
    assert_eq!(state["newest"]["cls"], "comment positive", "{state}");
    assert_eq!(state["newest"]["text"], "I love this, great job!");
    assert!(state["negative"].as_u64().unwrap_or(0) >= 1, "{state}");

    let shot = wd(reqwest::Method::GET, &format!("{session}/screenshot"), None).await;
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["value"].as_str().unwrap())
        .unwrap();
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard.png");
    std::fs::write(&out, &png).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(&png));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = &buf[..info.buffer_size()];
    let step = info.color_type.samples();
    let mut colours = std::collections::HashSet::new();
    for p in px.chunks(step).step_by(7) {
        colours.insert(p.to_vec());
        if colours.len() > 20 {
            break;
        }
    }
    assert!(
        colours.len() > 20,
        "the screenshot ({}) is (nearly) blank",
        out.display()
    );
    wd(reqwest::Method::DELETE, &session, None).await;
}
