//! The live dashboard: three static files compiled into the binary (no CDN, no npm), which
//! read `GET /v1/rooms` and the SSE stream of a room.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ErrorCode};
use crate::extract::ApiPath;

const INDEX: &str = include_str!("../../assets/index.html");
const ROOM: &str = include_str!("../../assets/room.html");
const JS: &str = include_str!("../../assets/dashboard.js");
const CSS: &str = include_str!("../../assets/dashboard.css");

/// The dashboard's files.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[allow(dead_code)] // describes JSON for the document; never built
pub enum AssetName {
    #[serde(rename = "dashboard.js")]
    Js,
    #[serde(rename = "dashboard.css")]
    Css,
}

fn with_type(body: &'static str, ct: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// The dashboard's room list.
#[utoipa::path(get, path = "/", operation_id = "dashboard", tag = "dashboard",
    responses((status = 200, description = "The page", content_type = "text/html", body = String)))]
pub async fn index() -> Response {
    with_type(INDEX, "text/html; charset=utf-8")
}

/// One room's dashboard page (the page reads and checks the room id itself).
#[utoipa::path(get, path = "/rooms/{room}", operation_id = "dashboard_room", tag = "dashboard",
    params(("room" = String, Path, min_length = 1, description = "Any segment; the page shows the room's error if it is not a valid id")),
    responses((status = 200, description = "The page", content_type = "text/html", body = String),
        (status = 400, description = "invalid_request: a segment that does not decode", body = crate::error::ErrorBody),
        (status = 404, description = "not_found: an empty segment matches no route", body = crate::error::ErrorBody)))]
pub async fn room(ApiPath(_room): ApiPath<String>) -> Response {
    with_type(ROOM, "text/html; charset=utf-8")
}

/// The pages' script and style.
#[utoipa::path(get, path = "/assets/{file}", operation_id = "dashboard_asset", tag = "dashboard",
    params(("file" = AssetName, Path)),
    responses((status = 200, description = "The file", content(
            (String = "text/javascript"),
            (String = "text/css"))),
        (status = 400, description = "invalid_request: a segment that does not decode", body = crate::error::ErrorBody),
        (status = 404, description = "not_found: no such asset", body = crate::error::ErrorBody)))]
pub async fn asset(ApiPath(file): ApiPath<String>) -> Result<Response, ApiError> {
    match file.as_str() {
        "dashboard.js" => Ok(with_type(JS, "text/javascript; charset=utf-8")),
        "dashboard.css" => Ok(with_type(CSS, "text/css; charset=utf-8")),
        _ => Err(ApiError::new(ErrorCode::NotFound, "no such asset")),
    }
}
