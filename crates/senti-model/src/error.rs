use std::path::PathBuf;

use thiserror::Error;

/// Why a model could not be loaded or could not answer.
#[derive(Debug, Clone, Error)]
pub enum ModelError {
    /// ONNX Runtime's library could not be loaded (missing, wrong version).
    #[error("ONNX Runtime could not be loaded from {path}: {reason}")]
    Runtime { path: String, reason: String },
    /// A file of the model directory is missing or unreadable.
    #[error("{}: {reason}", path.display())]
    File { path: PathBuf, reason: String },
    /// `config.json` is not what the loader needs.
    #[error("config.json: {0}")]
    Config(String),
    /// The ONNX graph's inputs or outputs are not a sequence classifier's.
    #[error("model graph: {0}")]
    Graph(String),
    /// ONNX Runtime refused to build a session or to run.
    #[error("onnxruntime: {0}")]
    Ort(String),
    /// The tokenizer failed on a text.
    #[error("tokenizer: {0}")]
    Tokenize(String),
    /// The queue is at its configured size; the caller may retry.
    #[error("the model's queue is full ({0} requests waiting); retry shortly")]
    QueueFull(usize),
    /// The request waited longer than the queue timeout without starting.
    #[error("waited {0} ms in the model's queue without starting; retry shortly")]
    QueueTimeout(u64),
    /// The caller's deadline passed before the text's forward pass started.
    #[error("the request's deadline passed before the model started on it")]
    DeadlineExceeded,
    /// The model is shutting down (it was replaced or the server is stopping).
    #[error("the model was unloaded before it answered")]
    Gone,
    /// No such model or version in the repository.
    #[error("{0}")]
    NotFound(String),
}

impl From<ort::Error> for ModelError {
    fn from(e: ort::Error) -> Self {
        ModelError::Ort(e.to_string())
    }
}

impl From<ModelError> for senti_core::AnalyzeError {
    fn from(e: ModelError) -> Self {
        match e {
            ModelError::DeadlineExceeded => senti_core::AnalyzeError::DeadlineExceeded,
            ModelError::QueueFull(_) | ModelError::QueueTimeout(_) | ModelError::Gone => {
                senti_core::AnalyzeError::Overloaded(e.to_string())
            }
            other => senti_core::AnalyzeError::Backend(other.to_string()),
        }
    }
}
