//! Failure isolation: a model that fails or stalls opens its breaker, requests get the
//! degraded lexicon answer (or 503 `model_unavailable` when strict), the breaker closes
//! after recovery; deadlines drop texts before their forward pass.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use senti_core::{
    AnalyzeError, AnalyzeOptions, Analyzer, ErrorCode, Lang, Pending, Scores, Sentiment,
};
use senti_engine::{Breaker, BreakerConfig, BreakerState, Guarded, NoObserver, Options};

/// A model stand-in whose health the test switches: healthy, failing or stalled.
#[derive(Clone)]
struct Fixture(Arc<AtomicU8>);

const HEALTHY: u8 = 0;
const FAILING: u8 = 1;
const STALLED: u8 = 2;

impl Analyzer for Fixture {
    fn backend(&self) -> &'static str {
        "onnx"
    }
    fn langs(&self) -> &'static [Lang] {
        &[Lang::En, Lang::Zh]
    }
    fn analyze(&self, _: &str, _: AnalyzeOptions) -> Pending<Result<Sentiment, AnalyzeError>> {
        let mode = self.0.load(Ordering::SeqCst);
        Pending::deferred(async move {
            match mode {
                FAILING => Err(AnalyzeError::Backend("session crashed".into())),
                STALLED => {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    Ok(Sentiment::new(
                        Scores::from_probabilities(0.9, 0.0, 0.1),
                        Lang::En,
                        "onnx",
                    ))
                }
                _ => Ok(Sentiment::new(
                    Scores::from_probabilities(0.9, 0.0, 0.1),
                    Lang::En,
                    "onnx",
                )),
            }
        })
    }
}

fn lexicon() -> Arc<senti_core::LangRouter> {
    Arc::new(senti_core::LangRouter::new(vec![
        Arc::new(senti_vader::Vader::new()),
        Arc::new(senti_zh::ZhSentiment::new()),
    ]))
}

fn guarded(health: &Arc<AtomicU8>) -> Guarded<Fixture, Arc<senti_core::LangRouter>> {
    Guarded {
        model: Fixture(health.clone()),
        fallback: lexicon(),
        breaker: Arc::new(Breaker::new(
            "model:fixture",
            BreakerConfig {
                window: 10,
                min_calls: 4,
                failure_ratio: 0.5,
                slow_call: Duration::from_millis(100),
                open_for: Duration::from_millis(300),
                probes: 2,
            },
            Arc::new(NoObserver),
        )),
        observer: Arc::new(NoObserver),
    }
}

async fn run(g: &impl Analyzer, text: &str, strict: bool) -> Result<Sentiment, AnalyzeError> {
    g.analyze(
        text,
        AnalyzeOptions {
            strict,
            ..Default::default()
        },
    )
    .await
}

#[tokio::test]
async fn a_failing_model_degrades_to_the_lexicon_and_recovers() {
    let health = Arc::new(AtomicU8::new(HEALTHY));
    let g = guarded(&health);
    let ok = run(&g, "great", false).await.unwrap();
    assert_eq!((ok.backend, ok.degraded.is_some()), ("onnx", false));

    health.store(FAILING, Ordering::SeqCst);
    // While closed, a failed call is answered by the lexicon at once (not strict) ...
    let s = run(&g, "this is great", false).await.unwrap();
    assert_eq!(s.backend, "vader");
    assert!(s.degraded.as_deref().unwrap().contains("session crashed"));
    // ... or fails (strict) with the backend's code.
    let e = run(&g, "this is great", true).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::BackendError);
    for _ in 0..4 {
        let _ = run(&g, "x", false).await;
    }
    assert_eq!(g.breaker.state(), BreakerState::Open);
    // Open: the model is not called at all; the lexicon answers with the reason.
    health.store(HEALTHY, Ordering::SeqCst);
    let s = run(&g, "这个主播太棒了", false).await.unwrap();
    assert_eq!((s.backend, s.lang), ("zh", Lang::Zh));
    let why = s.degraded.unwrap();
    assert!(why.contains("circuit open"), "{why}");
    let e = run(&g, "great", true).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::ModelUnavailable);
    assert_eq!(e.code().http_status(), 503);

    // After open_for, probes reach the recovered model and close the breaker.
    tokio::time::sleep(Duration::from_millis(350)).await;
    for _ in 0..2 {
        let s = run(&g, "great", false).await.unwrap();
        assert_eq!((s.backend, s.degraded.is_some()), ("onnx", false));
    }
    assert_eq!(g.breaker.state(), BreakerState::Closed);
}

#[tokio::test]
async fn a_stalled_model_opens_its_breaker_through_slow_calls() {
    let health = Arc::new(AtomicU8::new(STALLED));
    let g = guarded(&health);
    let calls: Vec<_> = (0..4).map(|_| run(&g, "great", false)).collect();
    for r in futures_util::future::join_all(calls).await {
        // Slow answers still arrive; they count against the model.
        assert_eq!(r.unwrap().backend, "onnx");
    }
    assert_eq!(g.breaker.state(), BreakerState::Open);
    let t0 = std::time::Instant::now();
    let s = run(&g, "great", false).await.unwrap();
    assert!(s.degraded.is_some() && t0.elapsed() < Duration::from_millis(50));
    // A probe that is still slow opens it again; a fast one (recovered) closes it.
    tokio::time::sleep(Duration::from_millis(350)).await;
    let _ = run(&g, "great", false).await;
    assert_eq!(g.breaker.state(), BreakerState::Open);
    health.store(HEALTHY, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(350)).await;
    for _ in 0..2 {
        run(&g, "great", false).await.unwrap();
    }
    assert_eq!(g.breaker.state(), BreakerState::Closed);
}

#[tokio::test]
async fn a_caller_deadline_is_a_503_deadline_exceeded() {
    let health = Arc::new(AtomicU8::new(STALLED));
    let g = guarded(&health);
    let opts = AnalyzeOptions {
        deadline: Some(std::time::Instant::now() + Duration::from_millis(30)),
        ..Default::default()
    };
    let t0 = std::time::Instant::now();
    let e = g.analyze("great", opts).await.unwrap_err();
    assert_eq!(e, AnalyzeError::DeadlineExceeded);
    assert!(t0.elapsed() < Duration::from_millis(200));
    assert_eq!(e.code().as_str(), "deadline_exceeded");
}

/// The real "slow" fixture model (~28 ms a forward pass) through the whole engine: a short
/// request timeout drops queued texts before their forward pass; a slow-call threshold below
/// its speed opens its breaker and the engine answers from the lexicon.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_drops_late_texts_and_degrades_a_slow_model() {
    if !senti_model::testing::ort_available() {
        return;
    }
    let dir = common::repo("slow", "slow", &[1]);
    let root = dir.path().to_path_buf();
    let e = common::engine(None, "unused", |c| {
        c.model_repo = Some(root);
        c.repo.model.batch.max_batch_size = 1;
        c.request_timeout = Some(Duration::from_millis(80));
        c.cache.models = false;
        c.breaker = BreakerConfig {
            min_calls: 1000, // this part is about deadlines only
            ..BreakerConfig::default()
        };
    });
    let o = Options {
        model: Some("slow"),
        ..Default::default()
    };
    let plans: Vec<_> = (0..20).map(|_| e.plan(&o).unwrap()).collect();
    let futs: Vec<_> = plans.iter().map(|p| e.analyze(p, "good")).collect();
    let rs = futures_util::future::join_all(futs).await;
    let late = rs
        .iter()
        .filter(|r| matches!(r, Err(e) if e.code == ErrorCode::DeadlineExceeded))
        .count();
    let ok = rs.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok + late, 20, "{rs:?}");
    assert!(late >= 10 && ok >= 1, "ok {ok}, late {late}");

    let dir = common::repo("slow", "slow", &[1]);
    let root = dir.path().to_path_buf();
    let e = common::engine(None, "unused", |c| {
        c.model_repo = Some(root);
        c.cache.models = false;
        c.breaker = BreakerConfig {
            window: 10,
            min_calls: 3,
            failure_ratio: 0.5,
            slow_call: Duration::from_millis(5),
            open_for: Duration::from_secs(60),
            probes: 1,
        };
    });
    for _ in 0..3 {
        let plan = e.plan(&o).unwrap();
        assert_eq!(e.analyze(&plan, "good").await.unwrap().backend, "onnx");
    }
    assert_eq!(e.breakers(), [("slow".to_string(), BreakerState::Open)]);
    let plan = e.plan(&o).unwrap();
    let s = e.analyze(&plan, "good").await.unwrap();
    assert_eq!(s.backend, "vader");
    assert!(s.degraded.unwrap().contains("model:slow circuit open"));
    let strict = e.plan(&Options { strict: true, ..o }).unwrap();
    let err = e.analyze(&strict, "good").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ModelUnavailable);
}
