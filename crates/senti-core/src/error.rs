//! The one error vocabulary of senti.
//!
//! Every code the API sends is declared once, in the [`codes!`] table below, with its HTTP
//! status and its gRPC status code. Transports never choose a status themselves: HTTP reads
//! [`ErrorCode::http_status`], gRPC reads [`ErrorCode::grpc_code`], and backends, the engine
//! and live rooms name an [`ErrorCode`] for each of their errors. Before this table existed
//! the three of them disagreed (a backend failure was `backend_error` in one place and
//! `internal` on the wire, and gRPC derived its code from the HTTP status).

use thiserror::Error;

macro_rules! codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $name:literal, $http:literal, $grpc:ident; )*) => {
        /// Every error code the API returns (HTTP bodies, gRPC messages, batch items, metrics).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl ErrorCode {
            /// Every code, in table order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The snake_case name sent in `{"error": {"code": ...}}`.
            pub fn as_str(self) -> &'static str {
                match self { $( ErrorCode::$variant => $name, )* }
            }

            /// The HTTP status of a response carrying this code.
            pub fn http_status(self) -> u16 {
                match self { $( ErrorCode::$variant => $http, )* }
            }

            /// The gRPC status code (the numbers of `google.rpc.Code`).
            pub fn grpc_code(self) -> i32 {
                match self { $( ErrorCode::$variant => GrpcCode::$grpc as i32, )* }
            }

            /// The code named `name`, if there is one.
            pub fn from_name(name: &str) -> Option<ErrorCode> {
                match name { $( $name => Some(ErrorCode::$variant), )* _ => None }
            }
        }
    };
}

/// The gRPC status codes used by the table (values of `google.rpc.Code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum GrpcCode {
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    ResourceExhausted = 8,
    Aborted = 10,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    Unauthenticated = 16,
}

codes! {
    /// The body is not valid JSON (or not valid UTF-8).
    InvalidJson = "invalid_json", 400, InvalidArgument;
    /// Valid JSON of the wrong shape (wrong type, unknown field).
    InvalidRequest = "invalid_request", 400, InvalidArgument;
    /// The `text` field is missing.
    MissingText = "missing_text", 400, InvalidArgument;
    /// A text is longer than `max_text_chars`.
    TextTooLong = "text_too_long", 400, InvalidArgument;
    /// `lang` names a language no backend serves.
    UnsupportedLang = "unsupported_lang", 400, InvalidArgument;
    /// A batch has more items than `max_batch_items`.
    BatchTooLarge = "batch_too_large", 400, InvalidArgument;
    /// `domain` is not `general` or `chat`.
    InvalidDomain = "invalid_domain", 400, InvalidArgument;
    /// `mode` of `/v1/segment` is not one of hmm, no-hmm, all, search.
    InvalidMode = "invalid_mode", 400, InvalidArgument;
    /// A room id that is not `[A-Za-z0-9_-]{1,64}`.
    InvalidRoom = "invalid_room", 400, InvalidArgument;
    /// A comment without a usable id (empty or longer than 256 bytes).
    InvalidCommentId = "invalid_comment_id", 400, InvalidArgument;
    /// An admin route without the right bearer token.
    Unauthorized = "unauthorized", 401, Unauthenticated;
    /// No such route.
    NotFound = "not_found", 404, NotFound;
    /// `model` names no loaded model or version (or no repository is configured).
    ModelNotFound = "model_not_found", 404, NotFound;
    /// The route exists, the method does not.
    MethodNotAllowed = "method_not_allowed", 405, Unimplemented;
    /// A CPU profile is already being taken (one at a time).
    ProfileInProgress = "profile_in_progress", 409, Aborted;
    /// The body did not arrive within `body_timeout_ms`.
    RequestTimeout = "request_timeout", 408, DeadlineExceeded;
    /// The body is larger than `max_body_bytes`.
    BodyTooLarge = "body_too_large", 413, InvalidArgument;
    /// The body is not `application/json`.
    UnsupportedMediaType = "unsupported_media_type", 415, InvalidArgument;
    /// The room limit is reached (a new room cannot be created).
    TooManyRooms = "too_many_rooms", 429, ResourceExhausted;
    /// A room took more comments in the last second than `room_max_rate`.
    RateLimited = "rate_limited", 429, ResourceExhausted;
    /// The concurrency limit is reached or a model's queue is full; retry later.
    Overloaded = "overloaded", 503, ResourceExhausted;
    /// The request's deadline (`request_timeout_ms`, a gRPC deadline) passed first.
    DeadlineExceeded = "deadline_exceeded", 503, DeadlineExceeded;
    /// The model's circuit breaker is open and the request asked for `strict`.
    ModelUnavailable = "model_unavailable", 503, Unavailable;
    /// The server is shutting down.
    Draining = "draining", 503, Unavailable;
    /// A service the request needs (the cluster's NATS JetStream) cannot take it now.
    Unavailable = "unavailable", 503, Unavailable;
    /// A backend failed for a reason of its own (model error, lost worker).
    BackendError = "backend_error", 500, Internal;
    /// A bug.
    Internal = "internal", 500, Internal;
}

impl ErrorCode {
    /// Whether a client may retry the same request later (HTTP adds `Retry-After`).
    pub fn retryable(self) -> bool {
        self.http_status() == 503
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Why a backend could not score a text. Each variant names its [`ErrorCode`].
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
    /// The backend is switched off by its circuit breaker (and the caller asked for no
    /// fallback).
    #[error("{0}")]
    Unavailable(String),
    /// The backend failed for a reason of its own (model error, lost worker).
    #[error("backend failure: {0}")]
    Backend(String),
}

impl AnalyzeError {
    /// The API code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            AnalyzeError::TextTooLong { .. } => ErrorCode::TextTooLong,
            AnalyzeError::UnsupportedLang(_) => ErrorCode::UnsupportedLang,
            AnalyzeError::Overloaded(_) => ErrorCode::Overloaded,
            AnalyzeError::DeadlineExceeded => ErrorCode::DeadlineExceeded,
            AnalyzeError::Unavailable(_) => ErrorCode::ModelUnavailable,
            AnalyzeError::Backend(_) => ErrorCode::BackendError,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for &c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert_eq!(ErrorCode::from_name(c.as_str()), Some(c));
            assert!((400..600).contains(&c.http_status()));
        }
        assert_eq!(ErrorCode::from_name("nope"), None);
    }

    #[test]
    fn backend_failures_keep_their_code() {
        let e = AnalyzeError::Backend("x".into());
        assert_eq!(e.code().as_str(), "backend_error");
        assert_eq!(e.code().http_status(), 500);
        assert_eq!(AnalyzeError::DeadlineExceeded.code().grpc_code(), 4);
        assert_eq!(AnalyzeError::DeadlineExceeded.code().http_status(), 503);
    }
}
