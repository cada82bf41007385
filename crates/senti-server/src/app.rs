//! The route table and its one layer.

use axum::Router;
use axum::middleware::from_fn_with_state;

use crate::error::{ApiError, ErrorCode};
use crate::middleware::observe;
use crate::state::Shared;

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route; see GET /openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "method not allowed on this route; see GET /openapi.json",
    )
}

/// Scoring routes take an in-flight permit in the handler (`AppState::admit`); operations
/// routes do not, so health checks and scrapes still answer under overload.
pub fn build(st: Shared) -> Router {
    crate::routes::router()
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(st.clone(), observe))
        .with_state(st)
}
