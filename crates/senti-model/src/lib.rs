//! ONNX Runtime sequence classifiers as senti backends.
//!
//! Layout, following text-embeddings-inference's router/core/backend split:
//! * [`config`]: what `config.json` says (labels and their sentiment, limits);
//! * [`tokenize`]: the tokenizer pool (HF `tokenizers`), truncation at the model's limit;
//! * [`batcher`]: the dynamic batching queue, one thread that owns it;
//! * `worker`: ONNX Runtime sessions, one thread each;
//! * [`post`]: logits to probabilities to the common score shape;
//! * [`model`]: one loaded model behind a cheap handle that implements
//!   [`senti_core::Analyzer`];
//! * [`repo`]: a versioned model repository with hot reload.
//!
//! ONNX Runtime itself is loaded at run time (see [`runtime`]), and only when a model is.

pub mod batcher;
pub mod config;
mod error;
pub mod model;
pub mod post;
pub mod repo;
pub mod runtime;
#[doc(hidden)]
pub mod testing;
pub mod tokenize;
mod worker;

use std::time::Duration;

pub use batcher::BatchConfig;
pub use config::{ModelConfig, ProblemType};
pub use error::ModelError;
pub use model::{Answer, Model, ModelOptions};
pub use repo::{ModelRepo, ModelSpec, ModelStatus, RepoOptions, VersionState};
pub use runtime::Device;

/// Hooks for metrics; the server implements them with its Prometheus registry.
pub trait Observer: Send + Sync {
    /// A forward pass ran: its rows, padded tokens and duration.
    fn batch(&self, _model: &str, _rows: usize, _padded_tokens: usize, _took: Duration) {}
    /// A request left the queue without a forward pass: `queue_full`, `queue_timeout`,
    /// `client_gone`, `tokenize_error`, `unloaded`.
    fn dropped(&self, _model: &str, _reason: &'static str) {}
    /// The requested execution provider could not start; the model runs on the CPU.
    fn fallback(&self, _model: &str, _requested: Device, _reason: &str) {}
}

/// An [`Observer`] that records nothing.
pub struct NoObserver;

impl Observer for NoObserver {}
