//! The cache benchmark (bench/cache/run.sh): a live-comment workload of our own writing,
//! Zipf-distributed repeats plus near-duplicates (more 哈, more !), through the engine with
//! each cache tier on and off, on the lexicon path and on a model path, side by side in one
//! run. Prints one JSON line per configuration: hit rate per tier, throughput, P50/P99.
//!
//! `cargo run --release -p senti-engine --example cache_bench -- [REQUESTS] [MODEL_REPO MODEL]`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use senti_core::CacheTier;
use senti_engine::{CacheConfig, Engine, EngineConfig, NoObserver, Options};

const SUBJECTS: &[&str] = &[
    "主播",
    "这波",
    "今天的比赛",
    "这个操作",
    "刚才那一下",
    "这首歌",
    "解说",
    "队友",
    "这局",
    "弹幕",
    "画质",
    "这个boss",
    "up主",
    "新皮肤",
    "这段剧情",
];
const PREDICATES: &[&str] = &[
    "太强了",
    "好菜啊",
    "真的绝了",
    "有点无聊",
    "笑死我了",
    "太秀了吧",
    "看得我血压上来了",
    "好好听",
    "yyds",
    "破防了",
    "下饭",
    "666",
    "太卡了",
    "真不错",
    "一般般吧",
    "离谱",
    "awsl",
    "这也行",
    "稳住",
    "我哭了",
];
const TAILS: &[&str] = &[
    "",
    "",
    "",
    "!",
    "哈哈哈",
    "！！",
    "2333",
    "啊啊啊",
    "？",
    "…",
];

/// A deterministic generator (xorshift), so every run sees the same stream.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `n` comments: distinct comments are ranked and drawn by Zipf (s = 1.1); a fifth of the
/// draws get a near-duplicate variant (a longer run of the tail, extra punctuation).
fn workload(n: usize) -> Vec<String> {
    let mut base = Vec::new();
    for s in SUBJECTS {
        for p in PREDICATES {
            for t in TAILS.iter().take(4) {
                base.push(format!("{s}{p}{t}"));
            }
        }
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // Shuffle the ranks.
    for i in (1..base.len()).rev() {
        base.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    let weights: Vec<f64> = (1..=base.len())
        .map(|r| 1.0 / (r as f64).powf(1.1))
        .collect();
    let total: f64 = weights.iter().sum();
    let mut cdf = Vec::with_capacity(weights.len());
    let mut acc = 0.0;
    for w in &weights {
        acc += w / total;
        cdf.push(acc);
    }
    (0..n)
        .map(|_| {
            let u = rng.unit();
            let i = cdf.partition_point(|&c| c < u).min(base.len() - 1);
            let mut t = base[i].clone();
            if rng.next().is_multiple_of(5) {
                t.push_str(TAILS[(rng.next() % TAILS.len() as u64) as usize]);
                t.push_str("哈哈");
            }
            t
        })
        .collect()
}

struct Run {
    name: String,
    path: &'static str,
    cfg: EngineConfig,
    model: Option<String>,
}

async fn measure(run: Run, texts: Arc<Vec<String>>) -> Engine {
    let rt = tokio::runtime::Handle::current();
    let cfg = run.cfg.clone();
    let engine = tokio::task::spawn_blocking(move || {
        Engine::new(cfg, Arc::new(NoObserver), Some(rt)).expect("engine")
    })
    .await
    .expect("join");
    if let Some(c) = engine.cache()
        && let Some(r) = c.redis()
    {
        while !r.connected() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    let next = Arc::new(AtomicUsize::new(0));
    let concurrency = 16;
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (engine, texts, next, model) = (
            engine.clone(),
            texts.clone(),
            next.clone(),
            run.model.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut tiers = [0u64; 5];
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= texts.len() {
                    break;
                }
                let t = Instant::now();
                let plan = engine
                    .plan(&Options {
                        model: model.as_deref(),
                        ..Default::default()
                    })
                    .expect("plan");
                let s = engine.analyze(&plan, &texts[i]).await.expect("score");
                lat.push(t.elapsed());
                tiers[match s.cached {
                    None => 0,
                    Some(CacheTier::L1) => 1,
                    Some(CacheTier::L2) => 2,
                    Some(CacheTier::L1Near) => 3,
                    Some(CacheTier::L2Near) => 4,
                }] += 1;
            }
            (lat, tiers)
        }));
    }
    let mut lat = Vec::new();
    let mut tiers = [0u64; 5];
    for t in tasks {
        let (l, ti) = t.await.expect("task");
        lat.extend(l);
        for k in 0..5 {
            tiers[k] += ti[k];
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    lat.sort();
    let n = lat.len() as f64;
    let pct = |p: f64| lat[((n * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1e3;
    println!(
        "{{\"name\":\"{}\",\"path\":\"{}\",\"requests\":{},\"per_s\":{:.0},\"p50_ms\":{:.4},\"p99_ms\":{:.4},\"computed\":{:.4},\"l1\":{:.4},\"l2\":{:.4},\"l1_near\":{:.4},\"l2_near\":{:.4},\"hit_rate\":{:.4}}}",
        run.name,
        run.path,
        lat.len(),
        n / secs,
        pct(0.5),
        pct(0.99),
        tiers[0] as f64 / n,
        tiers[1] as f64 / n,
        tiers[2] as f64 / n,
        tiers[3] as f64 / n,
        tiers[4] as f64 / n,
        1.0 - tiers[0] as f64 / n,
    );
    engine
}

fn cfg(
    lexicon: bool,
    models: bool,
    redis: Option<&str>,
    near: bool,
    l1: u64,
    prefix: &str,
) -> EngineConfig {
    EngineConfig {
        cache: CacheConfig {
            lexicon,
            models,
            redis_url: redis.map(str::to_string),
            redis_prefix: prefix.to_string(),
            near_lexicon: near,
            near_models: near,
            l1_entries: l1,
            l1_bytes: l1 * 2048,
            ..CacheConfig::default()
        },
        ..EngineConfig::default()
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(50_000);
    let model = match (args.get(2), args.get(3)) {
        (Some(repo), Some(name)) => Some((repo.clone(), name.clone())),
        _ => None,
    };
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let texts = Arc::new(workload(n));
    let distinct = texts.iter().collect::<std::collections::HashSet<_>>().len();
    println!("{{\"workload\":{{\"requests\":{n},\"distinct\":{distinct}}}}}");
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut paths = vec![("lexicon", None)];
    if let Some(m) = &model {
        paths.push(("model", Some(m.clone())));
    }
    for (path, m) in paths {
        let is_model = m.is_some();
        let p = format!("senti-bench-{path}-{stamp}");
        let mk = |lex: bool, mo: bool, r: Option<&str>, near: bool, l1: u64, pre: &str| {
            let mut c = cfg(lex, mo, r, near, l1, pre);
            if let Some((repo, name)) = &m {
                c.model_repo = Some(repo.into());
                c.default_model = Some(name.clone());
                c.repo.settle = Duration::ZERO;
                c.repo.model.batch.max_batch_size = 32;
            }
            c
        };
        let on = |b: bool| if is_model { (false, b) } else { (b, false) };
        let runs = [
            (
                "no cache",
                mk(on(false).0, on(false).1, None, false, 100_000, &p),
            ),
            ("L1", mk(on(true).0, on(true).1, None, false, 100_000, &p)),
            (
                "L1 + L2 (Redis)",
                mk(on(true).0, on(true).1, Some(&redis), false, 100_000, &p),
            ),
            // A second replica: Redis already warm from the run above, L1 of 100 entries.
            (
                "L2 warm, small L1 (second replica)",
                mk(on(true).0, on(true).1, Some(&redis), false, 100, &p),
            ),
            (
                "L1 + near-dup",
                mk(
                    on(true).0,
                    on(true).1,
                    None,
                    true,
                    100_000,
                    &format!("{p}-n"),
                ),
            ),
            (
                "L1 + L2 + near-dup",
                mk(
                    on(true).0,
                    on(true).1,
                    Some(&redis),
                    true,
                    100_000,
                    &format!("{p}-n2"),
                ),
            ),
        ];
        for (name, c) in runs {
            let model = m.as_ref().map(|(_, name)| name.clone());
            measure(
                Run {
                    name: name.to_string(),
                    path,
                    cfg: c,
                    model,
                },
                texts.clone(),
            )
            .await;
        }
    }
}
