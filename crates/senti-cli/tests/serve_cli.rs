//! `senti serve` as a process: configuration precedence, JSON logs, SIGTERM.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_ready(url: &str) {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(20) {
        if let Ok(r) = reqwest::get(format!("{url}/readyz")).await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server at {url} did not become ready");
}

#[tokio::test]
async fn config_precedence_logs_and_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("senti.toml");
    std::fs::write(
        &cfg,
        "idle_timeout_ms = 1234\nmax_batch_items = 5\nmax_text_chars = 99\n",
    )
    .unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_senti"))
        .env("SENTI_GRPC_ADDR", "127.0.0.1:0")
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--config",
            cfg.to_str().unwrap(),
        ])
        .args(["--max-batch-items", "3", "--access-log-sample", "1"])
        .env("SENTI_MAX_BATCH_ITEMS", "9") // the flag wins
        .env("SENTI_MAX_TEXT_CHARS", "7") // the environment beats the file
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_ready(&url).await;

    let info: serde_json::Value = reqwest::get(format!("{url}/v1/info"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["limits"]["max_batch_items"], 3, "flag > env");
    assert_eq!(info["limits"]["max_text_chars"], 7, "env > file");
    assert_eq!(info["limits"]["idle_timeout_ms"], 1234, "file > default");
    assert_eq!(info["limits"]["header_timeout_ms"], 500, "default");

    let r = reqwest::Client::new()
        .post(format!("{url}/v1/sentiment"))
        .header("content-type", "application/json")
        .header("x-request-id", "rid-42")
        .body(r#"{"text": "good"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let t0 = Instant::now();
    let code = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(15),
            "senti serve did not exit after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(code.code(), Some(0));

    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let access = lines
        .iter()
        .find(|l| l["target"] == "senti::access" && l["fields"]["request_id"] == "rid-42")
        .unwrap_or_else(|| panic!("no access line with the request id in:\n{out}"));
    assert_eq!(access["fields"]["status"], 200);
    assert_eq!(access["fields"]["route"], "/v1/sentiment");
    assert!(lines.iter().any(|l| l["fields"]["message"] == "listening"));
    assert!(lines.iter().any(|l| l["fields"]["message"] == "stopped"));
}

#[test]
fn bad_config_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "no_such_setting = 1\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_senti"))
        .env("SENTI_GRPC_ADDR", "127.0.0.1:0")
        .args(["serve", "--config", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no_such_setting"));
}
