//! A loaded model against the reference outputs that onnxruntime (Python) and tokenizers
//! (Python) produced for the same fixtures (`tests/fixtures/expected.json`, written by
//! `scripts/models/make_test_models.py`), plus batching, queue limits and fallback.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Recorder, fixture, ort};
use senti_core::{AnalyzeOptions, Analyzer, Label};
use senti_model::tokenize::ModelTokenizer;
use senti_model::{BatchConfig, Device, Model, ModelConfig, ModelError, ModelOptions};
use serde_json::Value;

fn expected() -> Value {
    let raw = std::fs::read(fixture("expected.json")).unwrap();
    serde_json::from_slice(&raw).unwrap()
}

fn opts(batch: BatchConfig, rec: &Arc<Recorder>) -> ModelOptions {
    ModelOptions {
        device: Device::Cpu,
        batch,
        observer: rec.clone(),
    }
}

const LOADABLE: [&str; 6] = [
    "tiny-en",
    "tiny-3class",
    "tiny-multi",
    "tiny-custom-labels",
    "slow",
    "zh-char",
];

#[test]
fn tokenizer_ids_and_truncation_match_python() {
    let exp = expected();
    for name in LOADABLE {
        let m = &exp["models"][name];
        let cfg = ModelConfig::from_file(&fixture(name).join("config.json")).unwrap();
        let tok = ModelTokenizer::from_file(&fixture(name).join("tokenizer.json"), cfg.max_length)
            .unwrap();
        for t in m["texts"].as_array().unwrap() {
            let text = t["text"].as_str().unwrap();
            let enc = tok.encode(text).unwrap();
            let ids: Vec<i64> = t["ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect();
            assert_eq!(enc.ids, ids, "{name}: {text:?}");
            assert_eq!(
                enc.truncated,
                t["truncated"].as_bool().unwrap(),
                "{name}: {text:?}"
            );
        }
    }
}

#[test]
fn probabilities_match_onnxruntime_python_alone_and_batched() {
    if !ort() {
        return;
    }
    let exp = expected();
    let rec = Arc::new(Recorder::default());
    for name in LOADABLE {
        let m = &exp["models"][name];
        let model = Model::load(&fixture(name), name, &opts(BatchConfig::default(), &rec))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let texts: Vec<&Value> = m["texts"].as_array().unwrap().iter().collect();
        // One at a time, then all submitted at once (padded together in batches).
        let alone: Vec<_> = texts
            .iter()
            .map(|t| {
                model
                    .infer_blocking(t["text"].as_str().unwrap(), None)
                    .unwrap()
            })
            .collect();
        let futs: Vec<_> = texts
            .iter()
            .map(|t| model.infer(t["text"].as_str().unwrap(), None))
            .collect();
        let together: Vec<_> = futs
            .into_iter()
            .map(|f| pollster::block_on(f).unwrap())
            .collect();
        for ((t, a), b) in texts.iter().zip(&alone).zip(&together) {
            let want: Vec<f64> = t["probabilities"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            for (got, w) in a.probabilities.iter().zip(&want) {
                assert!((got - w).abs() < 1e-6, "{name} {t}: {got} vs {w}");
            }
            assert_eq!(
                a.probabilities, b.probabilities,
                "{name}: batching changed a result"
            );
            assert_eq!(a.truncated, t["truncated"].as_bool().unwrap());
        }
    }
}

#[test]
fn analyzer_shape_labels_and_truncation() {
    if !ort() {
        return;
    }
    let rec = Arc::new(Recorder::default());
    let model = Model::load(
        &fixture("tiny-en"),
        "tiny-en@1",
        &opts(BatchConfig::default(), &rec),
    )
    .unwrap();
    let run = |t: &str| pollster::block_on(model.analyze(t, AnalyzeOptions::default())).unwrap();
    let good = run("a good great movie");
    assert_eq!(good.label, Label::Positive);
    assert_eq!(good.backend, "onnx");
    let meta = good.model.as_ref().unwrap();
    assert_eq!(&*meta.model, "tiny-en@1");
    assert_eq!(&*meta.probabilities[1].0, "POSITIVE");
    let p = &meta.probabilities;
    assert!((good.scores.compound - (p[1].1 - p[0].1)).abs() < 1e-12);
    assert!((good.scores.pos + good.scores.neg + good.scores.neu - 1.0).abs() < 1e-12);
    assert!(!good.truncated);
    assert_eq!(run("bad awful").label, Label::Negative);
    let long = run(&"the movie was good ".repeat(20));
    assert!(long.truncated);

    // Multi-label: sigmoid per label; "toxic" counts toward no share.
    let multi = Model::load(
        &fixture("tiny-multi"),
        "m",
        &opts(BatchConfig::default(), &rec),
    )
    .unwrap();
    let s =
        pollster::block_on(multi.analyze("i hate this stupid idiot", AnalyzeOptions::default()))
            .unwrap();
    let probs = &s.model.as_ref().unwrap().probabilities;
    assert_eq!(&*probs[2].0, "toxic");
    assert!(probs[2].1 > 0.5);
    assert!((s.scores.neg - probs[0].1).abs() < 1e-12);
    assert_eq!(s.label, Label::Negative);
}

#[test]
fn concurrent_requests_share_forward_passes() {
    if !ort() {
        return;
    }
    let rec = Arc::new(Recorder::default());
    let cfg = BatchConfig {
        max_batch_size: 8,
        ..BatchConfig::default()
    };
    let model = Model::load(&fixture("slow"), "slow", &opts(cfg, &rec)).unwrap();
    rec.batches.lock().unwrap().clear();
    let t0 = Instant::now();
    let futs: Vec<_> = (0..40)
        .map(|i| model.infer(&format!("good {i}"), None))
        .collect();
    let answers: Vec<_> = futs
        .into_iter()
        .map(|f| pollster::block_on(f).unwrap())
        .collect();
    let took = t0.elapsed();
    let batches = rec.batches.lock().unwrap().clone();
    let rows: usize = batches.iter().map(|b| b.1).sum();
    assert_eq!(rows, 40, "every text ran exactly once");
    assert!(
        batches.iter().all(|b| b.1 <= 8),
        "max batch size: {batches:?}"
    );
    // 40 texts one at a time would be 40 forward passes of ~28 ms; batched, at most 40/8
    // full batches plus the first lone one.
    assert!(batches.len() <= 8, "{} batches: {batches:?}", batches.len());
    assert!(answers.iter().any(|a| a.timing.batch_size > 1));
    assert!(answers.iter().all(|a| a.timing.inference_us > 0));
    eprintln!("40 texts in {} batches, {took:?}", batches.len());
}

#[test]
fn batch_token_budget_closes_batches() {
    if !ort() {
        return;
    }
    let rec = Arc::new(Recorder::default());
    let cfg = BatchConfig {
        max_batch_size: 64,
        max_batch_tokens: 32,
        ..BatchConfig::default()
    };
    let model = Model::load(&fixture("slow"), "slow", &opts(cfg, &rec)).unwrap();
    rec.batches.lock().unwrap().clear();
    // 16 tokens each after truncation: at most 2 rows per 32-token batch.
    let text = "good ".repeat(30);
    let futs: Vec<_> = (0..10).map(|_| model.infer(&text, None)).collect();
    for f in futs {
        assert!(pollster::block_on(f).unwrap().truncated);
    }
    let batches = rec.batches.lock().unwrap().clone();
    assert!(batches.iter().all(|b| b.2 <= 32 && b.1 <= 2), "{batches:?}");
    assert_eq!(batches.iter().map(|b| b.1).sum::<usize>(), 10);
}

#[test]
fn full_queue_and_queue_timeout_answer_at_once() {
    if !ort() {
        return;
    }
    let rec = Arc::new(Recorder::default());
    let cfg = BatchConfig {
        max_batch_size: 1,
        max_queue: 5,
        ..BatchConfig::default()
    };
    let model = Model::load(&fixture("slow"), "slow", &opts(cfg, &rec)).unwrap();
    let futs: Vec<_> = (0..20).map(|_| model.infer("good", None)).collect();
    let results: Vec<_> = futs.into_iter().map(pollster::block_on).collect();
    let full = results
        .iter()
        .filter(|r| matches!(r, Err(ModelError::QueueFull(_))))
        .count();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    // 5 may wait; one or two more fit once the first batches have left the queue.
    assert!((5..=7).contains(&ok), "{ok} accepted");
    assert_eq!(full, 20 - ok);
    assert_eq!(rec.dropped_count("queue_full"), full);

    let cfg = BatchConfig {
        max_batch_size: 1,
        queue_timeout: Duration::from_millis(50),
        ..BatchConfig::default()
    };
    let model = Model::load(&fixture("slow"), "slow", &opts(cfg, &rec)).unwrap();
    let t0 = Instant::now();
    let futs: Vec<_> = (0..20).map(|_| model.infer("good", None)).collect();
    let results: Vec<_> = futs.into_iter().map(pollster::block_on).collect();
    let timed_out = results
        .iter()
        .filter(|r| matches!(r, Err(ModelError::QueueTimeout(50))))
        .count();
    // Each forward pass takes ~28 ms, so within 50 ms only a few can start.
    assert!(timed_out >= 10, "{timed_out} timed out");
    assert!(t0.elapsed() < Duration::from_secs(2));
    let e: senti_core::AnalyzeError = ModelError::QueueTimeout(50).into();
    assert_eq!(e.code().as_str(), "overloaded");
}

#[test]
fn texts_past_their_deadline_are_dropped_before_the_forward_pass() {
    if !ort() {
        return;
    }
    let rec = Arc::new(Recorder::default());
    let cfg = BatchConfig {
        max_batch_size: 1,
        ..BatchConfig::default()
    };
    let model = Model::load(&fixture("slow"), "slow", &opts(cfg, &rec)).unwrap();
    let batches_before = rec.batches();
    // One forward pass takes ~28 ms: with a 60 ms deadline only the first few can start.
    let deadline = Some(Instant::now() + Duration::from_millis(60));
    let futs: Vec<_> = (0..20).map(|_| model.infer("good", deadline)).collect();
    let results: Vec<_> = futs.into_iter().map(pollster::block_on).collect();
    let late = results
        .iter()
        .filter(|r| matches!(r, Err(ModelError::DeadlineExceeded)))
        .count();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok + late, 20, "every text answered or dropped: {results:?}");
    assert!(late >= 10, "{late} dropped");
    assert_eq!(rec.dropped_count("deadline"), late);
    assert_eq!(
        rec.batches() - batches_before,
        ok,
        "no forward pass for a dropped text"
    );
    // A deadline already passed never reaches the queue.
    let past = Some(Instant::now() - Duration::from_millis(1));
    assert!(matches!(
        pollster::block_on(model.infer("good", past)),
        Err(ModelError::DeadlineExceeded)
    ));
    let e: senti_core::AnalyzeError = ModelError::DeadlineExceeded.into();
    assert_eq!(e.code().as_str(), "deadline_exceeded");
}

#[test]
fn abandoned_requests_cost_no_forward_pass() {
    if !ort() {
        return;
    }
    let rec = Arc::new(Recorder::default());
    let cfg = BatchConfig {
        max_batch_size: 1,
        ..BatchConfig::default()
    };
    let model = Model::load(&fixture("slow"), "slow", &opts(cfg, &rec)).unwrap();
    rec.batches.lock().unwrap().clear();
    let keep = model.infer("good", None);
    // Submitted, then the caller goes away (as when an HTTP client disconnects).
    for _ in 0..10 {
        drop(model.infer("bad", None));
    }
    let last = model.infer("great", None);
    pollster::block_on(keep).unwrap();
    pollster::block_on(last).unwrap();
    let ran: usize = rec.batches.lock().unwrap().iter().map(|b| b.1).sum();
    assert!(
        ran <= 3,
        "{ran} rows ran; the 10 abandoned ones should mostly not"
    );
    assert!(rec.dropped_count("client_gone") >= 9);
    assert_eq!(model.queue_len(), 0);
}

#[test]
fn unavailable_execution_provider_falls_back_to_cpu() {
    if !ort() {
        return;
    }
    let rec = Arc::new(Recorder::default());
    let o = ModelOptions {
        device: Device::Cuda(0),
        batch: BatchConfig::default(),
        observer: rec.clone(),
    };
    let model = Model::load(&fixture("tiny-en"), "tiny-en@1", &o).unwrap();
    // This machine has no GPU (nor the CUDA provider library): the model must still serve.
    if model.device() == Device::Cpu {
        assert!(model.fallback_reason().is_some());
        let f = rec.fallbacks.lock().unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].1, Device::Cuda(0));
    }
    assert_eq!(model.requested_device(), Device::Cuda(0));
    assert!(model.infer_blocking("good", None).unwrap().scores.compound > 0.5);
}

#[test]
fn bad_model_directories_are_errors_not_panics() {
    if !ort() {
        return;
    }
    let o = ModelOptions::default();
    let err = Model::load(&fixture("broken"), "broken", &o).err().unwrap();
    assert!(matches!(err, ModelError::Ort(_)), "{err}");

    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        Model::load(dir.path(), "empty", &o).err().unwrap(),
        ModelError::File { .. }
    ));
    common::copy_dir(&fixture("tiny-en"), dir.path());
    std::fs::remove_file(dir.path().join("tokenizer.json")).unwrap();
    assert!(matches!(
        Model::load(dir.path(), "x", &o).err().unwrap(),
        ModelError::File { .. }
    ));
    // A half-copied ONNX file.
    common::copy_dir(&fixture("tiny-en"), dir.path());
    let onnx = std::fs::read(fixture("tiny-en").join("model.onnx")).unwrap();
    std::fs::write(dir.path().join("model.onnx"), &onnx[..onnx.len() / 2]).unwrap();
    assert!(Model::load(dir.path(), "x", &o).is_err());
    // Logits that do not match id2label fail at warm-up.
    std::fs::write(dir.path().join("model.onnx"), &onnx).unwrap();
    std::fs::write(
        dir.path().join("config.json"),
        r#"{"id2label":{"0":"negative","1":"neutral","2":"positive"}}"#,
    )
    .unwrap();
    let err = Model::load(dir.path(), "x", &o).err().unwrap();
    assert!(err.to_string().contains("logits have shape"), "{err}");
}

#[test]
fn batches_group_texts_of_similar_length() {
    if !ort() {
        return;
    }
    let rec = Arc::new(Recorder::default());
    let cfg = BatchConfig {
        max_batch_size: 4,
        ..BatchConfig::default()
    };
    let model = Model::load(&fixture("slow"), "slow", &opts(cfg, &rec)).unwrap();
    rec.batches.lock().unwrap().clear();
    // Short (3 tokens with [CLS]/[SEP]) and long (16 after truncation) texts, interleaved.
    let long = "good ".repeat(30);
    let futs: Vec<_> = (0..24)
        .map(|i| model.infer(if i % 2 == 0 { "good" } else { &long }, None))
        .collect();
    for f in futs {
        pollster::block_on(f).unwrap();
    }
    let batches = rec.batches.lock().unwrap().clone();
    assert_eq!(batches.iter().map(|b| b.1).sum::<usize>(), 24);
    // FIFO batches of 4 would pad every short text to 16 tokens: 24 × 16 = 384 padded
    // tokens. Grouped by length: about 12 × 3 + 12 × 16 = 228.
    let padded: usize = batches.iter().map(|b| b.2).sum();
    assert!(padded < 288, "{padded} padded tokens: {batches:?}");
}
