//! Per-stage metrics of model backends, fed by `senti_model::Observer` (per batch) and by the
//! routes (per request).

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use senti_core::StageTiming;
use senti_model::{Device, Observer};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ModelLabel {
    pub model: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DropLabels {
    pub model: String,
    pub reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TriggerLabel {
    pub trigger: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FallbackLabels {
    pub model: String,
    pub requested: String,
}

type Hist = Family<ModelLabel, Histogram, fn() -> Histogram>;

fn seconds() -> Histogram {
    Histogram::new(exponential_buckets(1e-6, 2.0, 25))
}

fn sizes() -> Histogram {
    Histogram::new(exponential_buckets(1.0, 2.0, 12))
}

pub struct ModelMetrics {
    pub tokenize: Hist,
    pub queue: Hist,
    pub inference: Hist,
    pub batch_size: Hist,
    pub batch_tokens: Hist,
    pub dropped: Family<DropLabels, Counter>,
    pub fallbacks: Family<FallbackLabels, Counter>,
    pub reloads: Family<TriggerLabel, Counter>,
}

impl ModelMetrics {
    pub fn register(registry: &mut Registry) -> Arc<ModelMetrics> {
        let m = ModelMetrics {
            tokenize: Hist::new_with_constructor(seconds),
            queue: Hist::new_with_constructor(seconds),
            inference: Hist::new_with_constructor(seconds),
            batch_size: Hist::new_with_constructor(sizes),
            batch_tokens: Hist::new_with_constructor(sizes),
            dropped: Family::default(),
            fallbacks: Family::default(),
            reloads: Family::default(),
        };
        let r = registry;
        r.register(
            "model_tokenize_duration_seconds",
            "Tokenization time per text, by model",
            m.tokenize.clone(),
        );
        r.register(
            "model_queue_duration_seconds",
            "Time from tokenized to the start of the text's forward pass, by model",
            m.queue.clone(),
        );
        r.register(
            "model_inference_duration_seconds",
            "Forward pass time per batch, by model",
            m.inference.clone(),
        );
        r.register(
            "model_batch_size",
            "Texts per forward pass, by model",
            m.batch_size.clone(),
        );
        r.register(
            "model_batch_tokens",
            "Padded tokens (rows x longest row) per forward pass, by model",
            m.batch_tokens.clone(),
        );
        r.register(
            "model_dropped",
            "Requests that left a model's queue without a forward pass, by reason",
            m.dropped.clone(),
        );
        r.register(
            "model_device_fallbacks",
            "Models that could not start on the requested execution provider and run on the CPU",
            m.fallbacks.clone(),
        );
        r.register(
            "model_reloads",
            "Repository rescans, by trigger (poll, sighup, admin)",
            m.reloads.clone(),
        );
        Arc::new(m)
    }

    /// The per-request stages of one model answer.
    pub fn observe_request(&self, model: &str, t: &StageTiming) {
        let l = ModelLabel {
            model: model.to_string(),
        };
        self.tokenize
            .get_or_create(&l)
            .observe(t.tokenize_us as f64 * 1e-6);
        self.queue
            .get_or_create(&l)
            .observe(t.queue_us as f64 * 1e-6);
    }
}

impl Observer for ModelMetrics {
    fn batch(&self, model: &str, rows: usize, padded_tokens: usize, took: Duration) {
        let l = ModelLabel {
            model: model.to_string(),
        };
        self.inference.get_or_create(&l).observe(took.as_secs_f64());
        self.batch_size.get_or_create(&l).observe(rows as f64);
        self.batch_tokens
            .get_or_create(&l)
            .observe(padded_tokens as f64);
    }

    fn dropped(&self, model: &str, reason: &'static str) {
        self.dropped
            .get_or_create(&DropLabels {
                model: model.to_string(),
                reason,
            })
            .inc();
    }

    fn fallback(&self, model: &str, requested: Device, _reason: &str) {
        self.fallbacks
            .get_or_create(&FallbackLabels {
                model: model.to_string(),
                requested: requested.to_string(),
            })
            .inc();
    }
}
