//! The route table and its one layer.

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

use crate::error::{ApiError, ErrorCode};
use crate::middleware::observe;
use crate::routes::{dashboard, models, ops, rooms, segment, sentiment};
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
    Router::new()
        .route("/v1/sentiment", post(sentiment::sentiment))
        .route("/v1/sentiment/batch", post(sentiment::batch))
        .route("/analyze", post(sentiment::analyze))
        .route("/v1/segment", post(segment::segment))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/v1/info", get(ops::info))
        .route("/openapi.json", get(ops::openapi))
        .route("/v1/models", get(models::list))
        .route("/admin/models/{name}/reload", post(models::reload))
        .route("/v1/rooms", get(rooms::list))
        .route("/v1/rooms/{room}", get(rooms::get))
        .route("/v1/rooms/{room}/comments", post(rooms::ingest))
        .route("/v1/rooms/{room}/events", get(rooms::events))
        .route("/", get(dashboard::index))
        .route("/rooms/{room}", get(dashboard::room))
        .route("/assets/{file}", get(dashboard::asset))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(st.clone(), observe))
        .with_state(st)
}
