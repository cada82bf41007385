//! The one error shape of the HTTP API: `{"error": {"code": "snake_case", "message": "..."}}`.
//!
//! The codes and their statuses are `senti_core::ErrorCode`'s table (shared with gRPC); this
//! file only turns them into responses.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
pub use senti_core::ErrorCode;
use senti_engine::EngineError;
use serde::Serialize;
use utoipa::ToSchema;

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

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// Body of every error response.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    #[schema(value_type = ErrorCodes)]
    pub code: ErrorCode,
    pub message: String,
}

/// The OpenAPI schema of `ErrorDetail.code`: a string enum of every code in the table.
pub struct ErrorCodes;

impl utoipa::PartialSchema for ErrorCodes {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
            .into()
    }
}

impl ToSchema for ErrorCodes {
    fn name() -> std::borrow::Cow<'static, str> {
        "ErrorCode".into()
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> ApiError {
        ApiError::new(e.code, e.message)
    }
}

impl From<senti_core::AnalyzeError> for ApiError {
    fn from(e: senti_core::AnalyzeError) -> ApiError {
        EngineError::from(e).into()
    }
}

impl From<senti_model::ModelError> for ApiError {
    fn from(e: senti_model::ModelError) -> ApiError {
        EngineError::from(e).into()
    }
}

impl From<senti_rooms::RoomError> for ApiError {
    fn from(e: senti_rooms::RoomError) -> ApiError {
        ApiError::new(e.code(), e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
            },
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let mut resp = (status, bytes).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if self.code.retryable() {
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
    fn codes_serialize_as_their_names_with_their_status() {
        for &c in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
            let e = ApiError::new(c, "x").into_response();
            assert_eq!(e.status().as_u16(), c.http_status());
        }
    }
}
