//! Shared by the engine tests: real Redis servers, model repositories from the fixtures.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use senti_engine::{CacheConfig, Engine, EngineConfig, NoObserver};

/// The machine's Redis (CI runs one on 127.0.0.1:6379).
pub const SHARED_REDIS: &str = "redis://127.0.0.1:6379";

/// A key prefix no other test run uses.
pub fn prefix(test: &str) -> String {
    format!(
        "senti-test-{test}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `redis-server` of the test's own, on its own port (for tests that stop Redis).
pub struct OwnRedis {
    pub port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    pub fn start_on(port: u16) -> OwnRedis {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (Debian's redis-server package) must be installed");
        let t0 = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        OwnRedis {
            port,
            child: Some(child),
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A model repository holding `fixture` as `name` at each of `versions`.
pub fn repo(fixture: &str, name: &str, versions: &[u64]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for v in versions {
        let dst = dir.path().join(name).join(v.to_string());
        copy_dir(&senti_model::testing::fixtures().join(fixture), &dst);
    }
    dir
}

pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
    }
}

/// An engine whose every result is cacheable (lexicon too), with `redis` as L2.
pub fn engine(
    redis: Option<String>,
    prefix: &str,
    tweak: impl FnOnce(&mut EngineConfig),
) -> Engine {
    let mut cfg = EngineConfig {
        cache: CacheConfig {
            lexicon: true,
            models: true,
            redis_url: redis,
            redis_prefix: prefix.to_string(),
            redis_timeout: Duration::from_millis(200),
            ..CacheConfig::default()
        },
        ..EngineConfig::default()
    };
    cfg.repo.settle = Duration::ZERO;
    tweak(&mut cfg);
    // Loading a model blocks (its warm-up request): off the runtime's own threads.
    let rt = tokio::runtime::Handle::current();
    tokio::task::block_in_place(|| Engine::new(cfg, Arc::new(NoObserver), Some(rt))).unwrap()
}

/// Waits until the engine's Redis connection is up.
pub async fn wait_redis(e: &Engine) {
    let t0 = Instant::now();
    while !e.cache().unwrap().redis().unwrap().connected() {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "never connected to Redis"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until `f` holds (background L2 writes land a little after the answer).
pub async fn eventually(what: &str, mut f: impl AsyncFnMut() -> bool) {
    let t0 = Instant::now();
    while !f().await {
        assert!(t0.elapsed() < Duration::from_secs(10), "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
