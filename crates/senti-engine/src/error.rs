//! The engine's error: one [`ErrorCode`] of the shared table and a message for people.

use senti_core::{AnalyzeError, ErrorCode};

/// Why a request, an option or a text was refused, or why scoring failed. Transports turn it
/// into their own error shape through [`ErrorCode::http_status`] and
/// [`ErrorCode::grpc_code`], never by matching on messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct EngineError {
    pub code: ErrorCode,
    pub message: String,
}

impl EngineError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> EngineError {
        EngineError {
            code,
            message: message.into(),
        }
    }
}

impl From<AnalyzeError> for EngineError {
    fn from(e: AnalyzeError) -> EngineError {
        EngineError::new(e.code(), e.to_string())
    }
}

impl From<senti_model::ModelError> for EngineError {
    fn from(e: senti_model::ModelError) -> EngineError {
        match e {
            senti_model::ModelError::NotFound(m) => EngineError::new(ErrorCode::ModelNotFound, m),
            other => AnalyzeError::from(other).into(),
        }
    }
}

/// Start-up failures: a lexicon, user dictionary or model repository that cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("loading the lexicon: {0}")]
    Lexicon(#[from] senti_vader::LexiconError),
    #[error("loading the chat lexicon: {0}")]
    ChatLexicon(#[from] crate::chat::ChatLexiconError),
    #[error("loading the user dictionary: {0}")]
    UserDict(#[from] senti_zh::ZhError),
    #[error("opening the model repository: {0}")]
    Models(#[from] senti_model::ModelError),
    #[error("{0}")]
    Invalid(String),
}
