//! The one error shape of the API: `{"error": {"code": "snake_case", "message": "..."}}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Every error code the API returns, with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the body is not valid JSON (or not valid UTF-8).
    InvalidJson,
    /// 400: valid JSON of the wrong shape (wrong type, unknown structure).
    InvalidRequest,
    /// 400: the `text` field is missing.
    MissingText,
    /// 400: a text is longer than the configured limit.
    TextTooLong,
    /// 400: `lang` names a language no backend serves.
    UnsupportedLang,
    /// 400: a batch has more items than the configured limit.
    BatchTooLarge,
    /// 400: `mode` of `/v1/segment` is not one of hmm, no-hmm, all, search.
    InvalidMode,
    /// 404: no such route.
    NotFound,
    /// 404: `model` names no loaded model or version (or no repository is configured).
    ModelNotFound,
    /// 401: an admin route without the right bearer token.
    Unauthorized,
    /// 400: a room id that is not `[A-Za-z0-9_-]{1,64}`.
    InvalidRoom,
    /// 429: the room limit is reached (a new room cannot be created).
    TooManyRooms,
    /// 405: the route exists, the method does not.
    MethodNotAllowed,
    /// 408: the body did not arrive within the body timeout.
    RequestTimeout,
    /// 413: the body is larger than the configured limit.
    BodyTooLarge,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 503: the concurrency limit is reached or a backend is saturated; retry later.
    Overloaded,
    /// 503: the server is shutting down.
    Draining,
    /// 504: a backend did not answer within the request deadline.
    DeadlineExceeded,
    /// 500: a bug or a backend failure.
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::MissingText => "missing_text",
            ErrorCode::TextTooLong => "text_too_long",
            ErrorCode::UnsupportedLang => "unsupported_lang",
            ErrorCode::BatchTooLarge => "batch_too_large",
            ErrorCode::InvalidMode => "invalid_mode",
            ErrorCode::NotFound => "not_found",
            ErrorCode::ModelNotFound => "model_not_found",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::InvalidRoom => "invalid_room",
            ErrorCode::TooManyRooms => "too_many_rooms",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::RequestTimeout => "request_timeout",
            ErrorCode::BodyTooLarge => "body_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::Overloaded => "overloaded",
            ErrorCode::Draining => "draining",
            ErrorCode::DeadlineExceeded => "deadline_exceeded",
            ErrorCode::Internal => "internal",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidJson
            | ErrorCode::InvalidRequest
            | ErrorCode::MissingText
            | ErrorCode::TextTooLong
            | ErrorCode::UnsupportedLang
            | ErrorCode::BatchTooLarge
            | ErrorCode::InvalidMode
            | ErrorCode::InvalidRoom => StatusCode::BAD_REQUEST,
            ErrorCode::TooManyRooms => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::NotFound | ErrorCode::ModelNotFound => StatusCode::NOT_FOUND,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ErrorCode::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::Overloaded | ErrorCode::Draining => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub const ALL: [ErrorCode; 20] = [
        ErrorCode::InvalidRoom,
        ErrorCode::TooManyRooms,
        ErrorCode::ModelNotFound,
        ErrorCode::Unauthorized,
        ErrorCode::InvalidJson,
        ErrorCode::InvalidRequest,
        ErrorCode::MissingText,
        ErrorCode::TextTooLong,
        ErrorCode::UnsupportedLang,
        ErrorCode::BatchTooLarge,
        ErrorCode::InvalidMode,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::RequestTimeout,
        ErrorCode::BodyTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::Overloaded,
        ErrorCode::Draining,
        ErrorCode::DeadlineExceeded,
        ErrorCode::Internal,
    ];
}

/// An API error: a code and a message for people.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }
}

/// Body of every error response.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
}

impl From<senti_core::AnalyzeError> for ApiError {
    fn from(e: senti_core::AnalyzeError) -> ApiError {
        use senti_core::AnalyzeError as E;
        let code = match &e {
            E::TextTooLong { .. } => ErrorCode::TextTooLong,
            E::UnsupportedLang(_) => ErrorCode::UnsupportedLang,
            E::Overloaded(_) => ErrorCode::Overloaded,
            E::DeadlineExceeded => ErrorCode::DeadlineExceeded,
            E::Backend(_) => ErrorCode::Internal,
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<senti_model::ModelError> for ApiError {
    fn from(e: senti_model::ModelError) -> ApiError {
        match e {
            senti_model::ModelError::NotFound(m) => ApiError::new(ErrorCode::ModelNotFound, m),
            other => senti_core::AnalyzeError::from(other).into(),
        }
    }
}

impl From<senti_rooms::RoomError> for ApiError {
    fn from(e: senti_rooms::RoomError) -> ApiError {
        use senti_rooms::RoomError as E;
        let code = match &e {
            E::InvalidRoom(_) => ErrorCode::InvalidRoom,
            E::TooManyRooms { .. } => ErrorCode::TooManyRooms,
            E::TextTooLong { .. } => ErrorCode::TextTooLong,
            E::InvalidId { .. } | E::RateLimited { .. } => ErrorCode::InvalidRequest,
        };
        ApiError::new(code, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
            },
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let mut resp = (self.code.status(), bytes).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if self.code.status() == StatusCode::SERVICE_UNAVAILABLE {
            h.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        // Lets the metrics middleware count errors by code without parsing the body.
        resp.extensions_mut().insert(self.code);
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_names() {
        for c in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
    }
}
