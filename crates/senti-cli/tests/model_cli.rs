//! Models through the `senti` binary: ONNX Runtime stays out of a process with no model,
//! SIGHUP picks up a new version, and `senti score --model-repo --model` scores a file.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn ort_lib() -> Option<String> {
    if !senti_model::testing::ort_available() {
        return None;
    }
    Some(senti_model::runtime::library_path())
}

fn add_version(root: &Path, name: &str, v: u64, fixture: &str) {
    senti_model::testing::install_fixture(root, name, v, fixture);
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(args: &[&str], lib: &str) -> (Server, String) {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_senti"))
        .env("SENTI_GRPC_ADDR", "127.0.0.1:0")
        .arg("serve")
        .args([
            "--addr",
            &addr,
            "--log-format",
            "text",
            "--log-level",
            "warn",
        ])
        .args(args)
        .env("ORT_DYLIB_PATH", lib)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (Server(child), format!("http://{addr}"))
}

fn get_json(url: &str) -> Option<Value> {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(20) {
        if let Ok(out) = Command::new("curl").args(["-sf", url]).output()
            && out.status.success()
        {
            return serde_json::from_slice(&out.stdout).ok();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

fn maps_onnxruntime(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/maps"))
        .unwrap()
        .contains("libonnxruntime")
}

#[test]
fn onnx_runtime_is_loaded_only_with_a_model_and_sighup_reloads() {
    let Some(lib) = ort_lib() else { return };
    // No model configured: the library is never mapped into the process.
    let (plain, url) = serve(&[], &lib);
    let m = get_json(&format!("{url}/v1/models")).expect("server up");
    assert_eq!(m["onnxruntime"]["loaded"], false);
    assert!(!maps_onnxruntime(plain.0.id()));
    drop(plain);

    let dir = tempfile::tempdir().unwrap();
    add_version(dir.path(), "en", 1, "tiny-en");
    let repo = dir.path().to_str().unwrap();
    let (srv, url) = serve(
        &[
            "--model-repo",
            repo,
            "--model-poll-ms",
            "0",
            "--model-settle-ms",
            "0",
        ],
        &lib,
    );
    let m = get_json(&format!("{url}/v1/models")).expect("server up");
    assert_eq!(m["onnxruntime"]["loaded"], true);
    assert_eq!(m["models"][0]["serving"], 1);
    assert!(maps_onnxruntime(srv.0.id()));

    add_version(dir.path(), "en", 2, "tiny-en");
    let pid = srv.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap()
            .success()
    );
    let t0 = Instant::now();
    loop {
        let m = get_json(&format!("{url}/v1/models")).unwrap();
        if m["models"][0]["serving"] == 2 {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "SIGHUP did not load version 2: {m}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn score_a_file_with_a_model() {
    let Some(lib) = ort_lib() else { return };
    let dir = tempfile::tempdir().unwrap();
    add_version(dir.path(), "en", 3, "tiny-en");
    let input = dir.path().join("in.jsonl");
    let lines: Vec<String> = (0..100)
        .map(|i| {
            let t = if i % 2 == 0 {
                "good great"
            } else {
                "bad awful"
            };
            format!("{{\"id\":{i},\"text\":\"{t}\"}}")
        })
        .collect();
    std::fs::write(&input, lines.join("\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_senti"))
        .args([
            "score",
            "--model-repo",
            dir.path().to_str().unwrap(),
            "--model",
            "en",
        ])
        .args(["--input", input.to_str().unwrap()])
        .env("ORT_DYLIB_PATH", &lib)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 100);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["id"], i);
        assert_eq!(r["sentiment"]["model"], "en@3");
        let want = if i % 2 == 0 { "positive" } else { "negative" };
        assert_eq!(r["sentiment"]["label"], want);
    }

    // A model that does not exist: a clear error and exit code 2.
    let out = Command::new(env!("CARGO_BIN_EXE_senti"))
        .args([
            "score",
            "--model-repo",
            dir.path().to_str().unwrap(),
            "--model",
            "nope",
            "x",
        ])
        .env("ORT_DYLIB_PATH", &lib)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no model named"));
}

#[test]
fn score_a_file_through_the_cascade() {
    let Some(lib) = ort_lib() else { return };
    let dir = tempfile::tempdir().unwrap();
    add_version(dir.path(), "en", 1, "tiny-en");
    let input = dir.path().join("in.jsonl");
    // Sure for VADER (|compound| well over 0.5), then no lexicon word at all.
    let texts = ["I love it, wonderful!", "the plot moved along"];
    let lines: Vec<String> = (0..40)
        .map(|i| format!("{{\"id\":{i},\"text\":\"{}\"}}", texts[i % 2]))
        .collect();
    std::fs::write(&input, lines.join("\n")).unwrap();
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_senti"))
            .args(["score", "--model-repo", dir.path().to_str().unwrap()])
            .args(extra)
            .env("ORT_DYLIB_PATH", &lib)
            .output()
            .unwrap()
    };
    let out = run(&[
        "--cascade-model",
        "en=en",
        "--cascade",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 40);
    for (i, r) in rows.iter().enumerate() {
        let s = &r["sentiment"];
        let want = if i % 2 == 0 {
            ("lexicon", "vader")
        } else {
            ("model", "onnx")
        };
        assert_eq!(
            (s["path"].as_str().unwrap(), s["backend"].as_str().unwrap()),
            want,
            "{r}"
        );
    }
    // Threshold 0: nothing is unsure except a text with no lexicon hit... which has
    // |compound| = 0, not below 0: the lexicon answers everything.
    let out = run(&[
        "--model",
        "en",
        "--cascade",
        "--cascade-threshold",
        "0",
        "the plot moved along",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["path"].as_str(), v["backend"].as_str()),
        (Some("lexicon"), Some("vader"))
    );

    // Errors name the flag, exit code 2.
    for (args, want) in [
        (&["--cascade", "x"][..], "--cascade needs a model"),
        (&["--cascade-model", "en", "x"][..], "use LANG=MODEL"),
        (
            &["--model", "en", "--cascade-threshold", "2", "x"][..],
            "--cascade-threshold",
        ),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    }
}
