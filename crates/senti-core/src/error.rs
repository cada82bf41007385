use thiserror::Error;

/// Why a backend could not score a text. Transports map each variant to a status code.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum AnalyzeError {
    /// The text is longer than the configured limit (characters).
    #[error("text is {len} characters long; the limit is {limit}")]
    TextTooLong { len: usize, limit: usize },
    /// No backend handles the requested language.
    #[error("unsupported language {0:?}")]
    UnsupportedLang(String),
    /// The backend is saturated (queue full or queue timeout); the caller may retry.
    #[error("backend overloaded: {0}")]
    Overloaded(String),
    /// The request's deadline passed before the backend answered.
    #[error("deadline exceeded")]
    DeadlineExceeded,
    /// The backend failed for a reason of its own (model error, lost worker).
    #[error("backend failure: {0}")]
    Backend(String),
}

impl AnalyzeError {
    /// Stable snake_case code for JSON error bodies and metrics labels.
    pub fn code(&self) -> &'static str {
        match self {
            AnalyzeError::TextTooLong { .. } => "text_too_long",
            AnalyzeError::UnsupportedLang(_) => "unsupported_lang",
            AnalyzeError::Overloaded(_) => "overloaded",
            AnalyzeError::DeadlineExceeded => "deadline_exceeded",
            AnalyzeError::Backend(_) => "backend_error",
        }
    }
}
