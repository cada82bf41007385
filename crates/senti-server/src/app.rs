//! The route table and its layers.

use axum::Router;
use axum::http::Uri;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::error::{ApiError, ErrorCode};
use crate::middleware::{RouteTag, admit, observe, tag_route};
use crate::routes::route_label;
use crate::routes::{ops, sentiment};
use crate::state::Shared;

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route; see GET /openapi.json")
}

/// The path matched a route (no route has parameters, so the path is its template); only
/// the method is wrong. The template is tagged here because route layers do not run for
/// this fallback.
async fn method_not_allowed(uri: Uri) -> Response {
    let mut resp = ApiError::new(
        ErrorCode::MethodNotAllowed,
        "method not allowed on this route; see GET /openapi.json",
    )
    .into_response();
    resp.extensions_mut()
        .insert(RouteTag(route_label(uri.path())));
    resp
}

pub fn build(st: Shared) -> Router {
    let scoring = Router::new()
        .route("/v1/sentiment", post(sentiment::sentiment))
        .route("/v1/sentiment/batch", post(sentiment::batch))
        .route("/analyze", post(sentiment::analyze))
        .route_layer(from_fn_with_state(st.clone(), admit));
    let ops = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/v1/info", get(ops::info))
        .route("/openapi.json", get(ops::openapi));
    scoring
        .merge(ops)
        .route_layer(from_fn(tag_route))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(st.clone(), observe))
        .with_state(st)
}
