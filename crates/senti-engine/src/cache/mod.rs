//! Result cache tiers as a layer over the `Analyzer` contract.
//!
//! * **Key**: a 128-bit xxh3 hash (a 64-bit key, as Triton's Redis cache uses, admits
//!   collisions at this scale) of the format version, the *scope* and the exact text. The
//!   scope names who answers and how: the lexicon scorers with the digest of any user
//!   lexicon, or `model@version` with the version's fingerprint (config.json, hence the
//!   label map; the sizes and times of its files), plus every option that changes a result
//!   (`lang`, `explain`). A new model version, or a version rewritten in place, never sees an
//!   old one's results.
//! * **L1**: moka's future cache, bounded by entries *and* bytes (each entry weighs at least
//!   `l1_bytes / l1_entries`, so neither bound can be passed), with a TTL; `try_get_with`
//!   makes concurrent misses of one text compute once.
//! * **L2**: Redis (`redis.rs`), tried on an L1 miss; a hit is copied into L1; computed
//!   results are written back in the background, never on the request's path.
//! * **Near duplicates** (opt-in per backend): after an exact miss in both tiers, a text of
//!   at least `near_min_chars` characters may take the result of an indexed text whose
//!   SimHash-64 is within `near_distance` bits (`simhash.rs`), first in process, then in
//!   Redis. The answer says which: `cached: "l1" | "l2" | "l1-near" | "l2-near"`.
//! * Degraded answers (the lexicon standing in for a model) and errors are never cached.

pub mod codec;
pub mod redis;
pub mod simhash;

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;

use senti_core::{AnalyzeError, AnalyzeOptions, Analyzer, CacheTier, Lang, Pending, Sentiment};
use tracing::Instrument;
use xxhash_rust::xxh3::{Xxh3, xxh3_128};

use crate::config::CacheConfig;
use crate::observer::EngineObserver;
use redis::RedisTier;
use simhash::{NearIndex, simhash};

struct Entry {
    s: Sentiment,
    /// The result was taken from a near-duplicate text.
    near: bool,
}

impl Entry {
    /// Approximate heap bytes, for the L1 weigher.
    fn weight(&self) -> usize {
        let s = &self.s;
        std::mem::size_of::<Entry>()
            + 32
            + s.contributions
                .iter()
                .map(|c| std::mem::size_of_val(c) + c.token.len())
                .sum::<usize>()
            + s.model.as_ref().map_or(0, |m| {
                std::mem::size_of_val(&**m)
                    + m.model.len()
                    + m.probabilities
                        .iter()
                        .map(|(l, _)| l.len() + 32)
                        .sum::<usize>()
            })
    }
}

/// Who answers a text and how (see the module docs); part of every key.
#[derive(Debug, Clone)]
pub struct Scope {
    pub id: u128,
    /// `lexicon` or the model's name: the metrics label.
    pub target: Arc<str>,
    /// Near-duplicate hits allowed for this scope.
    pub near: bool,
}

impl Scope {
    /// A scope from its identifying parts (each length-prefixed, so parts cannot run into
    /// each other).
    pub fn new(parts: &[&[u8]], target: &str, near: bool) -> Scope {
        let mut h = Xxh3::new();
        h.update(&[codec::FORMAT_VERSION]);
        for p in parts {
            h.update(&(p.len() as u64).to_le_bytes());
            h.update(p);
        }
        Scope {
            id: h.digest128(),
            target: Arc::from(target),
            near,
        }
    }

    /// The scope with the options that change a result (`lang`, `explain`, `domain`) folded in.
    fn with(&self, opts: AnalyzeOptions) -> u128 {
        let lang = match opts.lang {
            None => 0u8,
            Some(Lang::En) => 1,
            Some(Lang::Zh) => 2,
            Some(Lang::Mixed) => 3,
        };
        let mut b = [0u8; 19];
        b[..16].copy_from_slice(&self.id.to_le_bytes());
        b[16] = lang;
        b[17] = u8::from(opts.explain);
        b[18] = opts.domain as u8;
        xxh3_128(&b)
    }
}

fn key(scope: u128, text: &str) -> u128 {
    let mut h = Xxh3::new();
    h.update(&scope.to_le_bytes());
    h.update(text.as_bytes());
    h.digest128()
}

pub struct Cache {
    cfg: CacheConfig,
    l1: moka::future::Cache<u128, Arc<Entry>>,
    near: NearIndex,
    l2: Option<Arc<RedisTier>>,
    rt: Option<tokio::runtime::Handle>,
    observer: Arc<dyn EngineObserver>,
}

/// How a lookup ended when it was not an L1 hit.
const FROM_L1: u8 = 0;
const COMPUTED: u8 = 1;
const FROM_L2: u8 = 2;
const FROM_L1_NEAR: u8 = 3;
const FROM_L2_NEAR: u8 = 4;

enum Miss {
    Failed(AnalyzeError),
    /// A result that must not be cached (degraded), passed through.
    Uncacheable(Box<Sentiment>),
}

impl Cache {
    pub fn new(
        cfg: CacheConfig,
        l2: Option<Arc<RedisTier>>,
        rt: Option<tokio::runtime::Handle>,
        observer: Arc<dyn EngineObserver>,
    ) -> Cache {
        let min_weight = (cfg.l1_bytes / cfg.l1_entries.max(1)).clamp(1, u64::from(u32::MAX));
        let l1 = moka::future::Cache::builder()
            .max_capacity(cfg.l1_bytes.max(1))
            .weigher(move |_k: &u128, v: &Arc<Entry>| {
                (v.weight() as u64).clamp(min_weight, u64::from(u32::MAX)) as u32
            })
            .time_to_live(cfg.ttl)
            .build();
        Cache {
            near: NearIndex::new(cfg.l1_entries.saturating_mul(4)),
            cfg,
            l1,
            l2,
            rt,
            observer,
        }
    }

    pub fn config(&self) -> &CacheConfig {
        &self.cfg
    }

    pub fn redis(&self) -> Option<&Arc<RedisTier>> {
        self.l2.as_ref()
    }

    /// Entries in L1 (after pending maintenance).
    pub async fn l1_len(&self) -> u64 {
        self.l1.run_pending_tasks().await;
        self.l1.entry_count()
    }

    fn near_allowed(&self, scope: &Scope, text: &str) -> bool {
        scope.near
            && text
                .chars()
                .nth(self.cfg.near_min_chars.saturating_sub(1))
                .is_some()
    }

    fn hit(e: &Entry, tier: CacheTier) -> Sentiment {
        let mut s = e.s.clone();
        s.cached = Some(if e.near {
            match tier {
                CacheTier::L1 => CacheTier::L1Near,
                t => t,
            }
        } else {
            tier
        });
        s
    }

    /// Queues the L2 write of a computed result (never on the request's path).
    fn write_back(&self, target: &Arc<str>, items: Vec<redis::Write>) {
        let (Some(l2), Some(rt)) = (&self.l2, &self.rt) else {
            return;
        };
        if items.is_empty() {
            return;
        }
        let (l2, target) = (l2.clone(), target.clone());
        rt.spawn(async move { l2.put(&target, &items).await });
    }

    /// Exact L2, then near L1 and near L2; `None`: compute it.
    async fn lower_tiers(
        &self,
        scope: &Scope,
        sid: u128,
        text: &str,
        fp: Option<u64>,
    ) -> Option<(u8, Entry)> {
        let k = key(sid, text);
        if let Some(l2) = &self.l2
            && let Some(s) = l2.get(&scope.target, k).await
        {
            return Some((FROM_L2, Entry { s, near: false }));
        }
        self.near_only(scope, sid, k, fp).await
    }

    /// One text: L1 (coalescing concurrent misses), then the lower tiers, then `inner`.
    pub async fn analyze<A: Analyzer>(
        &self,
        scope: &Scope,
        inner: &A,
        text: &str,
        opts: AnalyzeOptions,
    ) -> Result<Sentiment, AnalyzeError> {
        let t0 = Instant::now();
        let sid = scope.with(opts);
        let k = key(sid, text);
        let how = AtomicU8::new(FROM_L1);
        let fp = self.near_allowed(scope, text).then(|| simhash(text));
        let init = async {
            self.observer.cache_lookup(
                CacheTier::L1,
                &scope.target,
                false,
                t0.elapsed().as_secs_f64(),
            );
            if let Some((from, e)) = self.lower_tiers(scope, sid, text, fp).await {
                how.store(from, Ordering::Relaxed);
                return Ok(Arc::new(e));
            }
            how.store(COMPUTED, Ordering::Relaxed);
            let s = inner.analyze(text, opts).await.map_err(Miss::Failed)?;
            if s.degraded.is_some() {
                return Err(Miss::Uncacheable(Box::new(s)));
            }
            if let Some(fp) = fp {
                self.near.insert(sid, fp, k);
            }
            if let Some(bytes) = codec::encode(&s) {
                self.write_back(&scope.target, vec![(k, bytes, fp.map(|f| (sid, f)))]);
            }
            Ok(Arc::new(Entry { s, near: false }))
        };
        let e = match self.l1.try_get_with(k, init).await {
            Ok(e) => e,
            Err(m) => {
                return match &*m {
                    Miss::Failed(e) => Err(e.clone()),
                    Miss::Uncacheable(s) => Ok((**s).clone()),
                };
            }
        };
        Ok(match how.load(Ordering::Relaxed) {
            FROM_L1 => {
                self.observer.cache_lookup(
                    CacheTier::L1,
                    &scope.target,
                    true,
                    t0.elapsed().as_secs_f64(),
                );
                Self::hit(&e, CacheTier::L1)
            }
            COMPUTED => e.s.clone(),
            FROM_L2 => Self::hit(&e, CacheTier::L2),
            FROM_L1_NEAR => Self::hit(&e, CacheTier::L1Near),
            _ => Self::hit(&e, CacheTier::L2Near),
        })
    }

    /// Many texts: L1 for each, one `MGET` for the L1 misses, near lookups, then one batch to
    /// `inner` for the rest and one pipeline to write them back. Results in input order.
    pub async fn analyze_batch<A: Analyzer>(
        &self,
        scope: &Scope,
        inner: &A,
        texts: &[&str],
        opts: AnalyzeOptions,
    ) -> Vec<Result<Sentiment, AnalyzeError>> {
        let sid = scope.with(opts);
        let keys: Vec<u128> = texts.iter().map(|t| key(sid, t)).collect();
        let mut out: Vec<Option<Result<Sentiment, AnalyzeError>>> = vec![None; texts.len()];
        let mut missing = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            let t0 = Instant::now();
            let e = self.l1.get(k).await;
            self.observer.cache_lookup(
                CacheTier::L1,
                &scope.target,
                e.is_some(),
                t0.elapsed().as_secs_f64(),
            );
            match e {
                Some(e) => out[i] = Some(Ok(Self::hit(&e, CacheTier::L1))),
                None => missing.push(i),
            }
        }
        if let Some(l2) = &self.l2 {
            let ks: Vec<u128> = missing.iter().map(|&i| keys[i]).collect();
            let found = l2.mget(&scope.target, &ks).await;
            let mut still = Vec::new();
            for (&i, s) in missing.iter().zip(found) {
                match s {
                    Some(s) => {
                        let e = Arc::new(Entry { s, near: false });
                        out[i] = Some(Ok(Self::hit(&e, CacheTier::L2)));
                        self.l1.insert(keys[i], e).await;
                    }
                    None => still.push(i),
                }
            }
            missing = still;
        }
        let mut fps = vec![None; texts.len()];
        let mut compute = Vec::new();
        for i in missing {
            let fp = self
                .near_allowed(scope, texts[i])
                .then(|| simhash(texts[i]));
            fps[i] = fp;
            if fp.is_some()
                && let Some((from, e)) = self.near_only(scope, sid, keys[i], fp).await
            {
                let tier = if from == FROM_L1_NEAR {
                    CacheTier::L1Near
                } else {
                    CacheTier::L2Near
                };
                let e = Arc::new(e);
                out[i] = Some(Ok(Self::hit(&e, tier)));
                self.l1.insert(keys[i], e).await;
                continue;
            }
            compute.push(i);
        }
        if !compute.is_empty() {
            let batch: Vec<&str> = compute.iter().map(|&i| texts[i]).collect();
            let results = inner.analyze_batch(&batch, opts).await;
            let mut writes = Vec::new();
            for (&i, r) in compute.iter().zip(results) {
                if let Ok(s) = &r
                    && s.degraded.is_none()
                {
                    if let Some(fp) = fps[i] {
                        self.near.insert(sid, fp, keys[i]);
                    }
                    if let Some(bytes) = codec::encode(s) {
                        writes.push((keys[i], bytes, fps[i].map(|f| (sid, f))));
                    }
                    let e = Arc::new(Entry {
                        s: s.clone(),
                        near: false,
                    });
                    self.l1.insert(keys[i], e).await;
                }
                out[i] = Some(r);
            }
            self.write_back(&scope.target, writes);
        }
        out.into_iter()
            .map(|r| r.unwrap_or_else(|| Err(AnalyzeError::Backend("lost a batch item".into()))))
            .collect()
    }

    async fn near_only(
        &self,
        scope: &Scope,
        sid: u128,
        k: u128,
        fp: Option<u64>,
    ) -> Option<(u8, Entry)> {
        let fp = fp?;
        let t0 = Instant::now();
        let near = match self.near.find(sid, fp, self.cfg.near_distance) {
            Some(k2) if k2 != k => self.l1.get(&k2).await,
            _ => None,
        };
        self.observer.cache_lookup(
            CacheTier::L1Near,
            &scope.target,
            near.is_some(),
            t0.elapsed().as_secs_f64(),
        );
        if let Some(e) = near {
            return Some((
                FROM_L1_NEAR,
                Entry {
                    s: e.s.clone(),
                    near: true,
                },
            ));
        }
        let l2 = self.l2.as_ref()?;
        let s = l2
            .near(&scope.target, sid, fp, self.cfg.near_distance)
            .await?;
        Some((FROM_L2_NEAR, Entry { s, near: true }))
    }
}

/// The cache as a layer: `inner` answers what no tier holds.
#[derive(Clone)]
pub struct Cached<A> {
    pub inner: A,
    pub cache: Arc<Cache>,
    pub scope: Arc<Scope>,
}

impl<A: Analyzer + Clone + 'static> Analyzer for Cached<A> {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    fn langs(&self) -> &'static [Lang] {
        self.inner.langs()
    }

    fn analyze(
        &self,
        text: &str,
        opts: AnalyzeOptions,
    ) -> Pending<Result<Sentiment, AnalyzeError>> {
        let this = self.clone();
        let text = text.to_owned();
        // The `cache` stage: the lookup, and on a miss the backend's stages under it.
        let span = tracing::debug_span!(
            target: "senti::stage",
            "cache",
            senti.cache = tracing::field::Empty
        );
        let rec = span.clone();
        Pending::deferred(
            async move {
                let r = this
                    .cache
                    .analyze(&this.scope, &this.inner, &text, opts)
                    .await;
                if !rec.is_none() {
                    let how = match &r {
                        Ok(s) => s.cached.map_or("miss", |t| t.as_str()),
                        Err(_) => "error",
                    };
                    rec.record("senti.cache", how);
                }
                r
            }
            .instrument(span),
        )
    }

    fn analyze_batch(
        &self,
        texts: &[&str],
        opts: AnalyzeOptions,
    ) -> Pending<Vec<Result<Sentiment, AnalyzeError>>> {
        let this = self.clone();
        let texts: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
        let span = tracing::debug_span!(
            target: "senti::stage",
            "cache",
            senti.texts = texts.len(),
            senti.cache_hits = tracing::field::Empty
        );
        let rec = span.clone();
        Pending::deferred(
            async move {
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                let rs = this
                    .cache
                    .analyze_batch(&this.scope, &this.inner, &refs, opts)
                    .await;
                if !rec.is_none() {
                    let hits = rs
                        .iter()
                        .filter(|r| r.as_ref().is_ok_and(|s| s.cached.is_some()))
                        .count();
                    rec.record("senti.cache_hits", hits);
                }
                rs
            }
            .instrument(span),
        )
    }
}
