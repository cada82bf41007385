//! What the engine reports, through a trait of its own (as `senti-model` does): the server
//! implements it with its Prometheus registry, the CLI with nothing, and the engine never
//! depends on either.

use senti_core::{AnalyzeError, CacheTier, Sentiment};

use crate::breaker::BreakerState;

/// Hooks for metrics. Every method has an empty default.
pub trait EngineObserver: Send + Sync {
    /// One text left the pipeline: answered (from a backend or a cache tier) or failed.
    /// `backend` is the result's backend, or the backend the text went to when it failed.
    fn analyzed(
        &self,
        _backend: &'static str,
        _result: Result<&Sentiment, &AnalyzeError>,
        _secs: f64,
    ) {
    }
    /// One cache lookup: `tier` (`l1`, `l2`, `l1-near`, `l2-near`), `target` (`lexicon` or
    /// the model's name), whether it hit, and how long it took.
    fn cache_lookup(&self, _tier: CacheTier, _target: &str, _hit: bool, _secs: f64) {}
    /// A Redis call failed or timed out (the request went on without L2).
    fn cache_error(&self, _target: &str) {}
    /// A breaker changed state (`target`: `model:<name>` or `redis`).
    fn breaker_state(&self, _target: &str, _state: BreakerState) {}
    /// A request that asked for a model was answered by the lexicon (breaker open or the
    /// model failed).
    fn degraded(&self, _model: &str) {}
}

/// Records nothing.
pub struct NoObserver;

impl EngineObserver for NoObserver {}
