//! L2: Redis, through one multiplexed connection, behind a breaker and a timeout.
//!
//! Rules: a Redis that is down at start-up is not a start-up error (senti starts and serves
//! without L2, and a background task keeps trying to connect); every call is bounded by
//! `redis_timeout`, so a slow Redis never adds more than that to a request; failures feed a
//! breaker that, once open, skips Redis altogether until its half-open probes succeed;
//! every write sets an expiry (`SET ... EX`); a batch uses one `MGET` and one pipeline.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use senti_core::{CacheTier, Sentiment};

use super::codec;
use super::simhash::{BANDS, BUCKET, band};
use crate::breaker::Breaker;
use crate::config::{BreakerConfig, CacheConfig};
use crate::observer::EngineObserver;

/// One value to write: its key, its encoded result and, for a near-duplicate scope, the
/// (scope, fingerprint) to index it under.
pub type Write = (u128, Vec<u8>, Option<(u128, u64)>);

pub struct RedisTier {
    client: redis::Client,
    conn: Mutex<Option<MultiplexedConnection>>,
    /// Set when the connection failed: the connector task makes a new one.
    broken: std::sync::atomic::AtomicBool,
    breaker: Breaker,
    timeout: Duration,
    ttl_secs: u64,
    prefix: String,
    observer: Arc<dyn EngineObserver>,
}

impl RedisTier {
    /// Parses the URL and starts the connector on `rt`; never waits for Redis.
    pub fn start(
        cfg: &CacheConfig,
        url: &str,
        observer: Arc<dyn EngineObserver>,
        rt: &tokio::runtime::Handle,
    ) -> Result<Arc<RedisTier>, String> {
        let client = redis::Client::open(url).map_err(|e| format!("--redis-url {url:?}: {e}"))?;
        let breaker_cfg = BreakerConfig {
            window: 20,
            min_calls: 5,
            failure_ratio: 0.5,
            slow_call: cfg.redis_timeout,
            open_for: Duration::from_secs(1),
            probes: 1,
        };
        let tier = Arc::new(RedisTier {
            client,
            conn: Mutex::new(None),
            broken: true.into(),
            breaker: Breaker::new("redis", breaker_cfg, observer.clone()),
            timeout: cfg.redis_timeout,
            ttl_secs: cfg.ttl.as_secs().max(1),
            prefix: cfg.redis_prefix.clone(),
            observer,
        });
        let weak = Arc::downgrade(&tier);
        rt.spawn(async move {
            loop {
                let Some(t) = weak.upgrade() else { return };
                if t.broken.load(std::sync::atomic::Ordering::Relaxed) {
                    t.connect().await;
                }
                drop(t);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        Ok(tier)
    }

    async fn connect(&self) {
        let cfg = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(self.timeout));
        match self
            .client
            .get_multiplexed_async_connection_with_config(&cfg)
            .await
        {
            Ok(c) => {
                *self.conn.lock().unwrap_or_else(PoisonError::into_inner) = Some(c);
                self.broken
                    .store(false, std::sync::atomic::Ordering::Relaxed);
                tracing::info!("redis connected");
            }
            Err(e) => tracing::debug!(error = %e, "redis not reachable"),
        }
    }

    /// Whether a connection is up (tests wait for it).
    pub fn connected(&self) -> bool {
        !self.broken.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn breaker(&self) -> &Breaker {
        &self.breaker
    }

    fn key(&self, key: u128) -> Vec<u8> {
        let mut k = Vec::with_capacity(self.prefix.len() + 3 + 16);
        k.extend_from_slice(self.prefix.as_bytes());
        k.extend_from_slice(b":r:");
        k.extend_from_slice(&key.to_le_bytes());
        k
    }

    fn band_key(&self, scope: u128, i: usize, value: u16) -> Vec<u8> {
        let mut k = Vec::with_capacity(self.prefix.len() + 3 + 19);
        k.extend_from_slice(self.prefix.as_bytes());
        k.extend_from_slice(b":n:");
        k.extend_from_slice(&scope.to_le_bytes());
        k.push(i as u8);
        k.extend_from_slice(&value.to_le_bytes());
        k
    }

    /// Runs one command or pipeline under the breaker and the timeout; `None` on any failure.
    async fn call<T: redis::FromRedisValue>(&self, target: &str, what: Query) -> Option<T> {
        // Without a live connection there is nothing to wait for: skip Redis at once.
        if !self.connected() {
            return None;
        }
        let permit = self.breaker.try_acquire().ok()?;
        let conn = self
            .conn
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let Some(mut conn) = conn else {
            self.breaker.record(permit, Some("not connected".into()));
            return None;
        };
        let t0 = Instant::now();
        let fut = async {
            match &what {
                Query::Cmd(c) => c.query_async::<T>(&mut conn).await,
                Query::Pipe(p) => p.query_async::<T>(&mut conn).await,
            }
        };
        let r = tokio::time::timeout(self.timeout, fut).await;
        let failure = match &r {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => {
                if e.is_io_error() || e.is_connection_dropped() || e.is_unrecoverable_error() {
                    self.broken
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                }
                Some(e.to_string())
            }
            Err(_) => Some(format!("no answer within {} ms", t0.elapsed().as_millis())),
        };
        if let Some(why) = &failure {
            tracing::debug!(error = %why, "redis call failed");
            self.observer.cache_error(target);
        }
        // Reconnecting is the connector task's job, never a request's: a request waits at
        // most the timeout.
        self.breaker.record(permit, failure);
        r.ok()?.ok()
    }

    pub async fn get(&self, target: &str, key: u128) -> Option<Sentiment> {
        let t0 = Instant::now();
        let mut c = redis::cmd("GET");
        c.arg(self.key(key));
        let v: Option<Option<Vec<u8>>> = self.call(target, Query::Cmd(c)).await;
        let s = v.flatten().and_then(|b| codec::decode(&b));
        self.observer.cache_lookup(
            CacheTier::L2,
            target,
            s.is_some(),
            t0.elapsed().as_secs_f64(),
        );
        s
    }

    /// One `MGET` for many keys; all misses when Redis cannot answer.
    pub async fn mget(&self, target: &str, keys: &[u128]) -> Vec<Option<Sentiment>> {
        if keys.is_empty() {
            return Vec::new();
        }
        let t0 = Instant::now();
        let mut c = redis::cmd("MGET");
        for &k in keys {
            c.arg(self.key(k));
        }
        let v: Option<Vec<Option<Vec<u8>>>> = self.call(target, Query::Cmd(c)).await;
        let out: Vec<Option<Sentiment>> = match v {
            Some(v) if v.len() == keys.len() => v
                .into_iter()
                .map(|b| b.and_then(|b| codec::decode(&b)))
                .collect(),
            _ => keys.iter().map(|_| None).collect(),
        };
        let secs = t0.elapsed().as_secs_f64() / keys.len() as f64;
        for s in &out {
            self.observer
                .cache_lookup(CacheTier::L2, target, s.is_some(), secs);
        }
        out
    }

    /// Writes results (each with the expiry) and, for near-duplicate scopes, their
    /// fingerprints, in one pipeline.
    pub async fn put(&self, target: &str, items: &[Write]) {
        if items.is_empty() {
            return;
        }
        let mut p = redis::pipe();
        for (key, value, near) in items {
            p.cmd("SET")
                .arg(self.key(*key))
                .arg(value.as_slice())
                .arg("EX")
                .arg(self.ttl_secs)
                .ignore();
            if let Some((scope, fp)) = near {
                let mut entry = [0u8; 24];
                entry[..8].copy_from_slice(&fp.to_le_bytes());
                entry[8..].copy_from_slice(&key.to_le_bytes());
                for i in 0..BANDS {
                    let bk = self.band_key(*scope, i, band(*fp, i));
                    p.cmd("LPUSH").arg(&bk).arg(&entry[..]).ignore();
                    p.cmd("LTRIM")
                        .arg(&bk)
                        .arg(0)
                        .arg(BUCKET as i64 - 1)
                        .ignore();
                    p.cmd("EXPIRE").arg(&bk).arg(self.ttl_secs).ignore();
                }
            }
        }
        let _: Option<()> = self.call(target, Query::Pipe(p)).await;
    }

    /// The nearest fingerprint's result within `max_distance`: 4 list reads in one pipeline,
    /// then one `GET`.
    pub async fn near(
        &self,
        target: &str,
        scope: u128,
        fp: u64,
        max_distance: u32,
    ) -> Option<Sentiment> {
        let t0 = Instant::now();
        let mut p = redis::pipe();
        for i in 0..BANDS {
            p.cmd("LRANGE")
                .arg(self.band_key(scope, i, band(fp, i)))
                .arg(0)
                .arg(-1);
        }
        let lists: Option<Vec<Vec<Vec<u8>>>> = self.call(target, Query::Pipe(p)).await;
        let mut best = None;
        for list in lists.unwrap_or_default() {
            let cands = list.iter().filter(|e| e.len() == 24).map(|e| {
                let mut f = [0u8; 8];
                f.copy_from_slice(&e[..8]);
                let mut k = [0u8; 16];
                k.copy_from_slice(&e[8..]);
                (u64::from_le_bytes(f), u128::from_le_bytes(k))
            });
            best = super::simhash::nearest(best, cands, fp, max_distance);
        }
        let found = match best {
            Some((_, key)) => {
                let mut c = redis::cmd("GET");
                c.arg(self.key(key));
                let v: Option<Option<Vec<u8>>> = self.call(target, Query::Cmd(c)).await;
                v.flatten().and_then(|b| codec::decode(&b))
            }
            None => None,
        };
        self.observer.cache_lookup(
            CacheTier::L2Near,
            target,
            found.is_some(),
            t0.elapsed().as_secs_f64(),
        );
        found
    }
}

enum Query {
    Cmd(redis::Cmd),
    Pipe(redis::Pipeline),
}
