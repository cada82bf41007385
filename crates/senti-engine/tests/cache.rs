//! Cache tiers over real Redis connections: hits and misses per tier, version isolation,
//! near-duplicate hits and misses, and Redis stopped and restarted under load.

mod common;

use std::time::Duration;

use common::*;
use senti_core::CacheTier;
use senti_engine::{Engine, Options};

async fn score(e: &Engine, o: Options<'_>, text: &str) -> senti_core::Sentiment {
    let plan = e.plan(&o).unwrap();
    e.analyze(&plan, text).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn l1_then_l2_hits_and_misses() {
    let p = prefix("tiers");
    let a = engine(Some(SHARED_REDIS.into()), &p, |_| {});
    wait_redis(&a).await;
    let text = "The acting was wonderful, the plot a little thin.";
    let first = score(&a, Options::default(), text).await;
    assert_eq!(first.cached, None, "a miss is computed");
    let again = score(&a, Options::default(), text).await;
    assert_eq!(again.cached, Some(CacheTier::L1));
    assert_eq!(again.scores, first.scores);
    // Options that change the result are part of the key.
    let explained = score(
        &a,
        Options {
            explain: true,
            ..Default::default()
        },
        text,
    )
    .await;
    assert_eq!(explained.cached, None);
    assert!(!explained.contributions.is_empty());
    let zh = score(
        &a,
        Options {
            lang: Some("zh"),
            ..Default::default()
        },
        text,
    )
    .await;
    assert_eq!(zh.cached, None);

    // A second process (another engine, empty L1) finds it in Redis, then in its own L1.
    let b = engine(Some(SHARED_REDIS.into()), &p, |_| {});
    wait_redis(&b).await;
    eventually("the write-back reached Redis", async || {
        let plan = b.plan(&Options::default()).unwrap();
        let s = b.analyze(&plan, text).await.unwrap();
        if s.cached == Some(CacheTier::L2) {
            assert_eq!(s.scores, first.scores);
            true
        } else {
            false
        }
    })
    .await;
    assert_eq!(
        score(&b, Options::default(), text).await.cached,
        Some(CacheTier::L1)
    );
    let other = score(&b, Options::default(), "never scored before, anywhere").await;
    assert_eq!(other.cached, None);

    // A batch: one MGET for what L1 lacks.
    let c = engine(Some(SHARED_REDIS.into()), &p, |_| {});
    wait_redis(&c).await;
    let plan = c.plan(&Options::default()).unwrap();
    let got = c
        .analyze_batch(&plan, &[text, "brand new text for the batch", text])
        .await;
    let tiers: Vec<_> = got.iter().map(|r| r.as_ref().unwrap().cached).collect();
    assert_eq!(tiers, [Some(CacheTier::L2), None, Some(CacheTier::L2)]);
    let got = c
        .analyze_batch(&plan, &[text, "brand new text for the batch"])
        .await;
    let tiers: Vec<_> = got.iter().map(|r| r.as_ref().unwrap().cached).collect();
    assert_eq!(tiers, [Some(CacheTier::L1), Some(CacheTier::L1)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lexicon_results_are_not_cached_by_default() {
    let e = {
        let cfg = senti_engine::EngineConfig::default();
        assert!(cfg.cache.models && !cfg.cache.lexicon);
        Engine::new(cfg, std::sync::Arc::new(senti_engine::NoObserver), None).unwrap()
    };
    let plan = e.plan(&Options::default()).unwrap();
    for _ in 0..2 {
        let s = e
            .analyze(&plan, "great")
            .into_ready()
            .ok()
            .unwrap()
            .unwrap();
        assert_eq!(s.cached, None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn near_duplicates_hit_above_the_minimum_length_only() {
    let p = prefix("near");
    let a = engine(Some(SHARED_REDIS.into()), &p, |c| {
        c.cache.near_lexicon = true;
        c.cache.near_min_chars = 12;
    });
    wait_redis(&a).await;
    let base = "主播今天这波操作太强了吧哈哈哈哈";
    let first = score(&a, Options::default(), base).await;
    assert_eq!(first.cached, None);
    let near = score(&a, Options::default(), "主播今天这波操作太强了吧哈哈哈哈哈").await;
    assert_eq!(near.cached, Some(CacheTier::L1Near));
    assert_eq!(
        near.scores, first.scores,
        "a near hit answers with the indexed result"
    );
    // Asked again, the near result is now in L1 under its own key, and still says so.
    let again = score(&a, Options::default(), "主播今天这波操作太强了吧哈哈哈哈哈").await;
    assert_eq!(again.cached, Some(CacheTier::L1Near));
    // A different text is no near hit.
    let far = score(
        &a,
        Options::default(),
        "this stream is so boring, I am leaving",
    )
    .await;
    assert_eq!(far.cached, None);
    // Short texts never take a near hit ("good" vs "not good").
    score(&a, Options::default(), "太好了哈").await;
    let short = score(&a, Options::default(), "太好了哈哈").await;
    assert_eq!(short.cached, None);

    // Another engine finds the near-duplicate through Redis's banded index.
    let b = engine(Some(SHARED_REDIS.into()), &p, |c| {
        c.cache.near_lexicon = true
    });
    wait_redis(&b).await;
    eventually("the fingerprint reached Redis", async || {
        let plan = b.plan(&Options::default()).unwrap();
        let s = b
            .analyze(&plan, "主播今天这波操作太强了吧哈哈")
            .await
            .unwrap();
        s.cached == Some(CacheTier::L2Near)
    })
    .await;
    // Without near-duplicates configured, the same text is computed.
    let c = engine(Some(SHARED_REDIS.into()), &p, |_| {});
    wait_redis(&c).await;
    let s = score(&c, Options::default(), "主播今天这波操作太强了吧哈").await;
    assert_eq!(s.cached, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_model_version_never_returns_an_old_versions_result() {
    if !senti_model::testing::ort_available() {
        return;
    }
    let p = prefix("versions");
    let dir = repo("tiny-en", "en", &[1]);
    let mk = |versions| {
        let root = dir.path().to_path_buf();
        let p = p.clone();
        move || {
            engine(Some(SHARED_REDIS.into()), &p, move |c| {
                c.model_repo = Some(root);
                c.repo.versions = versions;
            })
        }
    };
    let a = mk(2)();
    wait_redis(&a).await;
    let model = |m: &'static str| Options {
        model: Some(m),
        ..Default::default()
    };
    let s1 = score(&a, model("en@1"), "a good movie").await;
    assert_eq!(
        (s1.cached, s1.model.as_ref().unwrap().model.as_ref()),
        (None, "en@1")
    );
    assert_eq!(
        score(&a, model("en@1"), "a good movie").await.cached,
        Some(CacheTier::L1)
    );
    // Version 2 arrives (a different model: the 3-class fixture) and is loaded beside it.
    copy_dir(
        &senti_model::testing::fixtures().join("tiny-3class"),
        &dir.path().join("en/2"),
    );
    let repo_h = a.models().unwrap().clone();
    tokio::task::spawn_blocking(move || repo_h.reload_all())
        .await
        .unwrap();
    let s2 = score(&a, model("en@2"), "a good movie").await;
    assert_eq!(s2.cached, None, "version 2 computes its own answer");
    assert_eq!(s2.model.as_ref().unwrap().model.as_ref(), "en@2");
    let latest = score(&a, model("en"), "a good movie").await;
    assert_eq!(latest.model.as_ref().unwrap().model.as_ref(), "en@2");
    assert_eq!(latest.cached, Some(CacheTier::L1), "en is en@2 now");
    assert_ne!(
        s1.model.as_ref().unwrap().probabilities.len(),
        s2.model.as_ref().unwrap().probabilities.len()
    );

    // A version rewritten in place (same id, new files) does not read the old results either.
    let b = mk(1)();
    wait_redis(&b).await;
    let before = score(&b, model("en@2"), "rewritten in place").await;
    assert_eq!(before.cached, None);
    eventually("written back", async || {
        let c = mk(1)();
        wait_redis(&c).await;
        score(&c, model("en@2"), "rewritten in place").await.cached == Some(CacheTier::L2)
    })
    .await;
    std::thread::sleep(Duration::from_millis(20));
    let cfg = dir.path().join("en/2/config.json");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push('\n');
    std::fs::write(&cfg, text).unwrap();
    let c = mk(1)();
    wait_redis(&c).await;
    assert_eq!(
        score(&c, model("en@2"), "rewritten in place").await.cached,
        None
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_at_start_then_stopped_and_restarted_under_load_fails_nothing() {
    if !senti_model::testing::ort_available() {
        return;
    }
    let port = free_port();
    let dir = repo("tiny-en", "en", &[1]);
    let root = dir.path().to_path_buf();
    // Nothing listens yet: not a start-up error.
    let pr = prefix("restart");
    let e = engine(Some(format!("redis://127.0.0.1:{port}")), &pr, |c| {
        c.model_repo = Some(root);
        c.default_model = Some("en".into());
        c.cache.redis_timeout = Duration::from_millis(50);
    });
    let plan = e.plan(&Options::default()).unwrap();
    let s = e.analyze(&plan, "served without Redis").await.unwrap();
    assert_eq!(s.backend, "onnx");

    let mut redis = OwnRedis::start_on(port);
    wait_redis(&e).await;
    let load = {
        let e = e.clone();
        tokio::spawn(async move {
            let mut done = 0u32;
            let mut failed = Vec::new();
            let t0 = std::time::Instant::now();
            let mut i = 0u64;
            while t0.elapsed() < Duration::from_secs(4) {
                let plan = e.plan(&Options::default()).unwrap();
                let texts: Vec<String> = (0..8).map(|k| format!("text {} {}", i % 50, k)).collect();
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                for r in e.analyze_batch(&plan, &refs).await {
                    match r {
                        Ok(s) => {
                            assert_eq!(s.backend, "onnx");
                            done += 1;
                        }
                        Err(err) => failed.push(err),
                    }
                }
                let s = e.analyze(&plan, &format!("single {}", i % 70)).await;
                match s {
                    Ok(_) => done += 1,
                    Err(err) => failed.push(err),
                }
                i += 1;
            }
            (done, failed)
        })
    };
    tokio::time::sleep(Duration::from_millis(800)).await;
    redis.stop();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let _redis = OwnRedis::start_on(port);
    let (done, failed) = load.await.unwrap();
    assert!(
        failed.is_empty(),
        "{} failed: {:?}",
        failed.len(),
        &failed[..failed.len().min(3)]
    );
    assert!(done > 100, "only {done} answered");
    // Redis is used again after the restart: its breaker closes, and what this engine
    // writes, a fresh one (empty L1) reads from Redis.
    wait_redis(&e).await;
    eventually("the Redis breaker closed again", async || {
        let plan = e.plan(&Options::default()).unwrap();
        e.analyze(&plan, "probe").await.unwrap();
        e.cache().unwrap().redis().unwrap().breaker().state() == senti_engine::BreakerState::Closed
    })
    .await;
    let plan = e.plan(&Options::default()).unwrap();
    e.analyze(&plan, "after the restart").await.unwrap();
    eventually("the restarted Redis serves L2", async || {
        let b = engine(Some(format!("redis://127.0.0.1:{port}")), &pr, |c| {
            c.model_repo = Some(dir.path().to_path_buf());
            c.default_model = Some("en".into());
        });
        wait_redis(&b).await;
        let plan = b.plan(&Options::default()).unwrap();
        b.analyze(&plan, "after the restart").await.unwrap().cached == Some(CacheTier::L2)
    })
    .await;
}
