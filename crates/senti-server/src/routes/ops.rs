//! Operations routes: health, readiness, metrics, service info, the OpenAPI document.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::openapi::AdminToken;
use crate::routes::json_response;
use crate::state::Shared;

#[derive(Serialize, ToSchema)]
pub struct Status {
    #[schema(value_type = StatusName)]
    pub status: &'static str,
}

/// "ok" (`/healthz`), "ready" or "draining" (`/readyz`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)] // describes JSON for the document; never built
pub enum StatusName {
    Ok,
    Ready,
    Draining,
}

fn status(code: StatusCode, s: &'static str) -> Response {
    (
        code,
        json_response(serde_json::to_vec(&Status { status: s }).unwrap_or_default()),
    )
        .into_response()
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "Alive", body = Status)))]
pub async fn healthz() -> Response {
    status(StatusCode::OK, "ok")
}

/// Readiness: 503 once shutdown has begun.
#[utoipa::path(get, path = "/readyz", responses(
    (status = 200, description = "Ready", body = Status),
    (status = 503, description = "Draining: shutdown has begun", body = Status)))]
pub async fn readyz(State(st): State<Shared>) -> Response {
    if st.draining.load(Ordering::Relaxed) {
        status(StatusCode::SERVICE_UNAVAILABLE, "draining")
    } else {
        status(StatusCode::OK, "ready")
    }
}

/// Prometheus metrics in the OpenMetrics text format.
#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "OpenMetrics 1.0.0 text",
    content_type = "application/openmetrics-text", body = String)))]
pub async fn metrics(State(st): State<Shared>) -> Response {
    st.metrics.rooms.set(st.rooms.len() as i64);
    st.metrics.room_watchers.set(st.hubs.watchers() as i64);
    let mut resp = st.metrics.render().into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    resp
}

#[derive(Serialize, ToSchema)]
pub struct Info {
    pub name: &'static str,
    pub version: &'static str,
    pub backends: Vec<BackendInfo>,
    pub limits: Limits,
    pub uptime_seconds: f64,
    /// Clustered mode only: this replica's membership (null when alone).
    #[schema(value_type = Option<Object>, required = true)]
    pub cluster: Option<senti_cluster::ClusterStatus>,
}

#[derive(Serialize, ToSchema)]
pub struct BackendInfo {
    pub name: &'static str,
    pub langs: Vec<&'static str>,
    pub default: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_batch_items: usize,
    pub max_text_chars: usize,
    pub max_in_flight: usize,
    pub header_timeout_ms: u64,
    pub body_timeout_ms: u64,
    pub idle_timeout_ms: u64,
}

/// Version, backends and limits.
#[utoipa::path(get, path = "/v1/info", responses((status = 200, description = "This server", body = Info)))]
pub async fn info(State(st): State<Shared>) -> Response {
    let c = &st.cfg;
    let info = Info {
        name: "senti",
        version: env!("CARGO_PKG_VERSION"),
        backends: st
            .engine
            .lexicon()
            .backends()
            .iter()
            .enumerate()
            .map(|(i, b)| BackendInfo {
                name: b.backend(),
                langs: b.langs().iter().map(|l| l.as_str()).collect(),
                default: i == 0,
            })
            .collect(),
        limits: Limits {
            max_body_bytes: c.max_body_bytes,
            max_batch_items: c.max_batch_items,
            max_text_chars: c.max_text_chars,
            max_in_flight: c.max_in_flight,
            header_timeout_ms: c.header_timeout_ms,
            body_timeout_ms: c.body_timeout_ms,
            idle_timeout_ms: c.idle_timeout_ms,
        },
        uptime_seconds: st.started.elapsed().as_secs_f64(),
        cluster: st.cluster.as_ref().map(|c| c.status()),
    };
    json_response(serde_json::to_vec(&info).unwrap_or_default())
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "senti",
        description = "Real-time sentiment analysis. Every error response is {\"error\": {\"code\", \"message\"}} (the ErrorBody schema; the codes are the ErrorCode schema). A method a route does not list is 405 method_not_allowed with an Allow header; a path no route matches is 404 not_found. The admin routes (bearer token) are listed only by a server started with --admin-token; without one they do not exist. Limits that depend on the configuration are this server's (`maxLength`, `maxItems`; GET /v1/info lists them all); a body over `max_body_bytes` (default 1048576) is 413 body_too_large."
    ),
    paths(
        crate::routes::sentiment::sentiment,
        crate::routes::sentiment::analyze,
        crate::routes::sentiment::batch,
        crate::routes::segment::segment,
        healthz,
        readyz,
        metrics,
        info,
        openapi,
        crate::routes::models::list,
        crate::routes::models::reload,
        crate::routes::debug::profile,
        crate::routes::rooms::ingest,
        crate::routes::rooms::list,
        crate::routes::rooms::get,
        crate::routes::rooms::events,
        crate::routes::dashboard::index,
        crate::routes::dashboard::room,
        crate::routes::dashboard::asset,
    ),
    components(schemas(
        crate::error::ErrorCodes,
        crate::error::ErrorBody,
        crate::error::ErrorDetail,
        crate::openapi::RoomId,
        crate::openapi::CommentsMode,
        crate::routes::dashboard::AssetName,
        crate::routes::debug::ProfileFormat
    )),
    modifiers(&AdminToken)
)]
pub struct ApiDoc;

/// This document, with this server's limits.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, description = "OpenAPI 3.1 document", body = Object)))]
pub async fn openapi(State(st): State<Shared>) -> Response {
    json_response(serde_json::to_vec(&crate::openapi::document(&st.cfg)).unwrap_or_default())
}
