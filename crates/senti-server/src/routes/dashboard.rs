//! The live dashboard: three static files compiled into the binary (no CDN, no npm), which
//! read `GET /v1/rooms` and the SSE stream of a room.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ErrorCode};

const INDEX: &str = include_str!("../../assets/index.html");
const ROOM: &str = include_str!("../../assets/room.html");
const JS: &str = include_str!("../../assets/dashboard.js");
const CSS: &str = include_str!("../../assets/dashboard.css");

fn with_type(body: &'static str, ct: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// The room list.
pub async fn index() -> Response {
    with_type(INDEX, "text/html; charset=utf-8")
}

/// One room's page (the room id is read by the page itself).
pub async fn room(Path(_room): Path<String>) -> Response {
    with_type(ROOM, "text/html; charset=utf-8")
}

/// The page's script and style.
pub async fn asset(Path(file): Path<String>) -> Result<Response, ApiError> {
    match file.as_str() {
        "dashboard.js" => Ok(with_type(JS, "text/javascript; charset=utf-8")),
        "dashboard.css" => Ok(with_type(CSS, "text/css; charset=utf-8")),
        _ => Err(ApiError::new(ErrorCode::NotFound, "no such asset")),
    }
}
