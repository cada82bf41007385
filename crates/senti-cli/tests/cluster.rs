//! Replicas on NATS JetStream as real processes (`senti serve --nats-url`): three replicas
//! split the scoring, one is killed (SIGKILL) midway, and every survivor reports every room
//! exactly as one process scoring the same comments would; NATS unreachable at start and
//! restarted mid-stream loses nothing. Uses the machine's NATS (127.0.0.1:4222) with a unique
//! prefix, and `nats-server`s of its own for the restart case.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const TEXTS: &[&str] = &[
    "主播太强了",
    "这波操作好菜啊",
    "this stream is so boring",
    "what a great play!",
    "今天的比赛一般般",
    "笑死我了哈哈哈",
    "I hate this lag",
    "好好听",
    "ok",
    "血压上来了",
];

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn prefix(t: &str) -> String {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("t{t}{}x{n}", std::process::id())
}

struct Replica {
    url: String,
    grpc: String,
    child: Child,
}

impl Replica {
    fn start(nats: &str, prefix: &str) -> Replica {
        let port = free_port();
        let grpc = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_senti"))
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .args([
                "--grpc-addr",
                &format!("127.0.0.1:{grpc}"),
                "--log-level",
                "warn",
            ])
            .args(["--nats-url", nats, "--nats-prefix", prefix])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Replica {
            url: format!("http://127.0.0.1:{port}"),
            grpc: format!("http://127.0.0.1:{grpc}"),
            child,
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
    panic!("{url} never became ready");
}

/// Waits until the replica takes its share of the scoring and folds the scored stream.
async fn wait_member(url: &str) {
    let t0 = Instant::now();
    loop {
        let info: Value = reqwest::get(format!("{url}/v1/info"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let c = &info["cluster"];
        if c["ready"] == true && c["scoring"] == true && c["folding"] == true {
            return;
        }
        assert!(t0.elapsed() < Duration::from_secs(20), "{url}: {c}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn post(url: &str, room: &str, body: &Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{url}/v1/rooms/{room}/comments"))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Posts until the cluster takes the batch (it answers 503 until NATS and the streams are up).
async fn post_accepted(url: &str, room: &str, body: &Value) -> Value {
    let t0 = Instant::now();
    loop {
        let (s, b) = post(url, room, body).await;
        if s == 202 {
            return b;
        }
        assert_eq!(s, 503, "{b}");
        assert_eq!(b["error"]["code"], "unavailable", "{b}");
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "never accepted: {b}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn room(url: &str, room: &str) -> Value {
    reqwest::get(format!("{url}/v1/rooms/{room}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0.0)
}

async fn metrics(url: &str) -> String {
    reqwest::get(format!("{url}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The comments of room `r`: ids and texts.
fn comments(r: usize, n: usize) -> Vec<(String, &'static str)> {
    (0..n)
        .map(|i| (format!("r{r}c{i}"), TEXTS[(i * 7 + r) % TEXTS.len()]))
        .collect()
}

fn body(cs: &[(String, &str)]) -> Value {
    Value::Array(
        cs.iter()
            .map(|(id, t)| serde_json::json!({"id": id, "text": t}))
            .collect(),
    )
}

/// What one process scoring the same comments counts: (positive, neutral, negative).
fn expected(cs: &[(String, &str)]) -> (u64, u64, u64) {
    let e = senti_engine::Engine::new(
        senti_engine::EngineConfig::default(),
        std::sync::Arc::new(senti_engine::NoObserver),
        None,
    )
    .unwrap();
    let mut n = (0, 0, 0);
    for (_, t) in cs {
        match e.score_comment(t).unwrap().label {
            senti_core::Label::Positive => n.0 += 1,
            senti_core::Label::Neutral => n.1 += 1,
            senti_core::Label::Negative => n.2 += 1,
        }
    }
    n
}

/// Waits until `url` reports every room with its exact totals and label counts.
async fn assert_exact(url: &str, rooms: &[(String, Vec<(String, &'static str)>)]) {
    let t0 = Instant::now();
    loop {
        let mut wrong = Vec::new();
        for (name, cs) in rooms {
            let s = room(url, name).await;
            let w60 = &s["windows"][2];
            let got = (
                s["total"].as_u64().unwrap_or(0),
                w60["positive"].as_u64().unwrap_or(0),
                w60["neutral"].as_u64().unwrap_or(0),
                w60["negative"].as_u64().unwrap_or(0),
            );
            let (p, u, n) = expected(cs);
            if got != (cs.len() as u64, p, u, n) {
                wrong.push(format!(
                    "{name}: got {got:?}, want {:?}",
                    (cs.len(), p, u, n)
                ));
            }
        }
        if wrong.is_empty() {
            return;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "{url} after 30 s: {wrong:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `n` comments `<id>0..` into room `live` with `senti replay` and `args`; its summary.
fn replay(dir: &std::path::Path, id: &str, n: usize, args: &[&str]) -> Value {
    let file = dir.join(format!("{id}.jsonl"));
    let lines: String = (0..n)
        .map(|i| {
            format!(
                "{{\"id\":\"{id}{i}\",\"text\":\"{}\"}}\n",
                TEXTS[i % TEXTS.len()]
            )
        })
        .collect();
    std::fs::write(&file, lines).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_senti"))
        .args([
            "replay",
            file.to_str().unwrap(),
            "--room",
            "live",
            "--rate",
            "0",
        ])
        .args(["--batch", "10"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn drop_streams(nats: &str, prefix: &str) {
    if let Ok(c) = async_nats::connect(nats).await {
        let js = async_nats::jetstream::new(c);
        for s in ["comments", "scored"] {
            let _ = js.delete_stream(format!("{prefix}_{s}")).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_split_the_scoring_and_lose_nothing_when_one_is_killed() {
    let nats = "nats://127.0.0.1:4222";
    let p = prefix("kill");
    let mut replicas: Vec<Replica> = (0..3).map(|_| Replica::start(nats, &p)).collect();
    for r in &replicas {
        wait_ready(&r.url).await;
        wait_member(&r.url).await;
    }
    let rooms: Vec<(String, Vec<(String, &str)>)> = (0..10)
        .map(|r| (format!("room{r}"), comments(r, 60)))
        .collect();

    // The first half, in batches of 10, through every replica in turn.
    let mut k = 0;
    for (name, cs) in &rooms {
        for chunk in cs[..30].chunks(10) {
            let b = post_accepted(&replicas[k % 3].url, name, &body(chunk)).await;
            assert_eq!(
                (b["accepted"].as_u64(), b["duplicates"].as_u64()),
                (Some(10), Some(0))
            );
            k += 1;
        }
    }
    // A client retrying a batch (after a timeout, say) is told they are duplicates.
    let b = post_accepted(&replicas[1].url, "room0", &body(&rooms[0].1[..10])).await;
    assert_eq!(
        (b["accepted"].as_u64(), b["duplicates"].as_u64()),
        (Some(10), Some(10))
    );

    // Every replica scored a share, and together each comment once.
    let half: Vec<_> = rooms
        .iter()
        .map(|(n, cs)| (n.clone(), cs[..30].to_vec()))
        .collect();
    for r in &replicas {
        assert_exact(&r.url, &half).await;
    }
    let mut shares = Vec::new();
    for r in &replicas {
        shares.push(metric(&metrics(&r.url).await, "senti_cluster_scored_total"));
    }
    assert_eq!(
        shares.iter().sum::<f64>(),
        300.0,
        "each comment scored once: {shares:?}"
    );
    assert!(
        shares.iter().all(|&s| s > 0.0),
        "the work was split: {shares:?}"
    );

    // The second half arrives as a burst through all three, and one replica dies (SIGKILL)
    // in the middle of it, holding comments it had not acknowledged yet. A client whose post
    // to it fails retries on another replica, as a load balancer would.
    let urls: Vec<String> = replicas.iter().map(|r| r.url.clone()).collect();
    let mut posts = Vec::new();
    for (name, cs) in &rooms {
        for chunk in cs[30..].chunks(10) {
            let (urls, name, b) = (urls.clone(), name.clone(), body(chunk));
            let first = k % 3;
            k += 1;
            posts.push(tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut at = first;
                let t0 = Instant::now();
                loop {
                    let r = client
                        .post(format!("{}/v1/rooms/{name}/comments", urls[at]))
                        .json(&b)
                        .send()
                        .await;
                    if let Ok(r) = r
                        && r.status() == 202
                    {
                        return;
                    }
                    assert!(t0.elapsed() < Duration::from_secs(20), "never accepted");
                    at = (at + 1) % 2; // the survivors
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }));
        }
    }
    tokio::time::sleep(Duration::from_millis(60)).await;
    let mut dead = replicas.remove(2);
    let _ = dead.child.kill();
    let killed = Instant::now();
    let _ = dead.child.wait();
    for p in posts {
        p.await.unwrap();
    }
    for r in &replicas {
        assert_exact(&r.url, &rooms).await;
    }
    // What the dead replica held unacknowledged was taken over within the 10 s
    // (AckWait is 5 s).
    assert!(
        killed.elapsed() < Duration::from_secs(10),
        "exact again only {:?} after the kill",
        killed.elapsed()
    );
    let list: Value = reqwest::get(format!("{}/v1/rooms", replicas[0].url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["rooms"].as_array().unwrap().len(), 10);
    let mut redelivered = 0.0;
    for r in &replicas {
        redelivered += metric(&metrics(&r.url).await, "senti_cluster_redelivered_total");
    }
    eprintln!("comments taken over from the killed replica: {redelivered}");
    drop(replicas);
    drop_streams(nats, &p).await;
}

struct OwnNats {
    port: u16,
    dir: std::path::PathBuf,
    child: Option<Child>,
}

impl OwnNats {
    fn start(port: u16, dir: &std::path::Path) -> OwnNats {
        let child = Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js"])
            .args(["-sd", dir.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server (Debian's nats-server package) must be installed");
        let t0 = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "nats-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        OwnNats {
            port,
            dir: dir.to_path_buf(),
            child: Some(child),
        }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn restart(&mut self) {
        self.stop();
        *self = OwnNats::start(self.port, &self.dir.clone());
    }
}

impl Drop for OwnNats {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_unreachable_at_start_and_restarted_midway_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let nats = format!("nats://127.0.0.1:{port}");
    let p = prefix("restart");
    // Replicas first, NATS not there yet: they start, and ingest says 503 unavailable.
    let replicas: Vec<Replica> = (0..2).map(|_| Replica::start(&nats, &p)).collect();
    for r in &replicas {
        wait_ready(&r.url).await;
    }
    let rooms: Vec<(String, Vec<(String, &str)>)> = (0..3)
        .map(|r| (format!("room{r}"), comments(r, 40)))
        .collect();
    let (s, b) = post(&replicas[0].url, "room0", &body(&rooms[0].1[..10])).await;
    assert_eq!(s, 503, "{b}");
    assert_eq!(b["error"]["code"], "unavailable");

    let mut server = OwnNats::start(port, dir.path());
    let mut k = 0;
    for (name, cs) in &rooms {
        for chunk in cs[..20].chunks(10) {
            post_accepted(&replicas[k % 2].url, name, &body(chunk)).await;
            k += 1;
        }
    }
    // NATS goes away: ingest refuses (nothing is half-accepted) ...
    server.stop();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (s, b) = post(&replicas[1].url, "room1", &body(&rooms[1].1[20..30])).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (503, Some("unavailable")),
        "{b}"
    );
    // ... and comes back with its store: what was accepted is all there, and the rest goes in.
    server.restart();
    for (name, cs) in &rooms {
        for chunk in cs[20..].chunks(10) {
            post_accepted(&replicas[k % 2].url, name, &body(chunk)).await;
            k += 1;
        }
    }
    for r in &replicas {
        assert_exact(&r.url, &rooms).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_into_the_stream_reaches_every_replicas_sse_subscribers() {
    let nats = "nats://127.0.0.1:4222";
    let p = prefix("sse");
    let replicas: Vec<Replica> = (0..2).map(|_| Replica::start(nats, &p)).collect();
    for r in &replicas {
        wait_ready(&r.url).await;
        wait_member(&r.url).await;
    }
    // A viewer on replica 0 subscribes; the comments go in on the other side of the cluster.
    let mut sse = reqwest::get(format!(
        "{}/v1/rooms/live/events?comments=all",
        replicas[0].url
    ))
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let nats_args = ["--nats", nats, "--nats-prefix", &p];
    let summary = replay(dir.path(), "x", 50, &nats_args);
    assert_eq!(
        (summary["accepted"].as_u64(), summary["duplicates"].as_u64()),
        (Some(50), Some(0))
    );
    // Again: JetStream knows them all.
    let summary = replay(dir.path(), "x", 50, &nats_args);
    assert_eq!(summary["duplicates"].as_u64(), Some(50), "{summary}");

    let mut seen = std::collections::HashSet::new();
    let t0 = Instant::now();
    let mut buf = String::new();
    while seen.len() < 50 {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "{} comment events",
            seen.len()
        );
        let chunk = tokio::time::timeout(Duration::from_secs(5), sse.chunk())
            .await
            .expect("the SSE stream went quiet")
            .unwrap()
            .expect("the SSE stream ended");
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let ev: String = buf.drain(..end + 2).collect();
            if ev.contains("event: comment") {
                let data = ev.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
                let v: Value = serde_json::from_str(data).unwrap();
                assert!(
                    seen.insert(v["id"].as_str().unwrap().to_string()),
                    "twice: {v}"
                );
            }
        }
    }
    // gRPC `Ingest` into the cluster too: 20 new comments through replica 1.
    let summary = replay(dir.path(), "g", 20, &["--grpc", &replicas[1].grpc]);
    assert_eq!(summary["accepted"].as_u64(), Some(20), "{summary}");
    for r in &replicas {
        let t0 = Instant::now();
        while room(&r.url, "live").await["total"] != 70 {
            assert!(t0.elapsed() < Duration::from_secs(10));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    drop(replicas);
    drop_streams(nats, &p).await;
}
