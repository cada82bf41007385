//! `senti replay` against a real `senti serve`: every comment arrives, at about the rate.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

#[test]
fn replay_pushes_every_comment_into_the_room() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let grpc_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_senti"))
        .env("SENTI_GRPC_ADDR", format!("127.0.0.1:{grpc_port}"))
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--log-level",
            "warn",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("comments.jsonl");
    let texts = [
        "主播太强了",
        "this is so boring",
        "哈哈哈哈",
        "what a play!",
        "卡了卡了",
    ];
    let lines: Vec<String> = (0..500)
        .map(|i| {
            format!(
                "{{\"id\":\"c{i}\",\"text\":\"{}\"}}",
                texts[i % texts.len()]
            )
        })
        .collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    let t0 = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_senti"))
        .args([
            "replay",
            file.to_str().unwrap(),
            "--room",
            "demo",
            "--rate",
            "1000",
        ])
        .args(["--batch", "50", "--http", &url])
        .output()
        .unwrap();
    let took = t0.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["sent"], 500);
    assert_eq!(summary["accepted"], 500);
    assert_eq!(summary["rejected"], 0);
    // 500 comments at 1,000/s: paced, so it takes about half a second, not a few ms.
    assert!(took >= Duration::from_millis(400), "{took:?}");
    let snap = Command::new("curl")
        .args(["-sf", &format!("{url}/v1/rooms/demo")])
        .output()
        .unwrap();
    let snap: Value = serde_json::from_slice(&snap.stdout).unwrap();
    assert_eq!(snap["total"], 500);
    // The same file over gRPC Ingest (100 comments a message) into another room.
    let out = Command::new(env!("CARGO_BIN_EXE_senti"))
        .args([
            "replay",
            file.to_str().unwrap(),
            "--room",
            "demo-grpc",
            "--rate",
            "0",
        ])
        .args([
            "--batch",
            "100",
            "--grpc",
            &format!("http://127.0.0.1:{grpc_port}"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["accepted"], 500, "{summary}");
    let snap = Command::new("curl")
        .args(["-sf", &format!("{url}/v1/rooms/demo-grpc")])
        .output()
        .unwrap();
    let snap: Value = serde_json::from_slice(&snap.stdout).unwrap();
    assert_eq!(snap["total"], 500);
    let bad = Command::new(env!("CARGO_BIN_EXE_senti"))
        .args([
            "replay",
            file.to_str().unwrap(),
            "--room",
            "no room",
            "--http",
            &url,
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let _ = server.kill();
    let _ = server.wait();
}
