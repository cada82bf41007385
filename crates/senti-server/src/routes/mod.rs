//! Route groups, one file each.

pub mod dashboard;
pub mod debug;
pub mod models;
pub mod ops;
pub mod rooms;
pub mod segment;
pub mod sentiment;

/// The one route list: each template with its handlers. It generates both the router
/// ([`router`]) and [`ROUTES`], the `route` metrics label values (never the raw path).
macro_rules! route_table {
    ($( $path:literal => $handler:expr, )*) => {
        /// Every route template, in table order.
        pub const ROUTES: &[&str] = &[$($path,)*];

        /// The routes with their handlers (no fallback, no layers: see `app.rs`).
        pub fn router() -> axum::Router<crate::state::Shared> {
            axum::Router::new()$(.route($path, $handler))*
        }
    };
}

/// Runs a block under a stage span (`validate`, `encode`; see `telemetry` for why these are
/// DEBUG callsites); a `?` inside still returns from the handler.
macro_rules! stage {
    ($name:literal, $body:block) => {{
        let _stage = tracing::debug_span!(target: "senti::stage", $name).entered();
        $body
    }};
}
pub(crate) use stage;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

/// A 200 response with a JSON body already encoded.
pub fn json_response(bytes: Vec<u8>) -> Response {
    let mut resp = bytes.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

route_table! {
    "/v1/sentiment" => post(sentiment::sentiment),
    "/v1/sentiment/batch" => post(sentiment::batch),
    "/analyze" => post(sentiment::analyze),
    "/v1/segment" => post(segment::segment),
    "/healthz" => get(ops::healthz),
    "/readyz" => get(ops::readyz),
    "/metrics" => get(ops::metrics),
    "/v1/info" => get(ops::info),
    "/openapi.json" => get(ops::openapi),
    "/v1/models" => get(models::list),
    "/admin/models/{name}/reload" => post(models::reload),
    "/debug/pprof/profile" => get(debug::profile),
    "/v1/rooms" => get(rooms::list),
    "/v1/rooms/{room}" => get(rooms::get),
    "/v1/rooms/{room}/comments" => post(rooms::ingest),
    "/v1/rooms/{room}/events" => get(rooms::events),
    "/" => get(dashboard::index),
    "/rooms/{room}" => get(dashboard::room),
    "/assets/{file}" => get(dashboard::asset),
}

/// Index in [`ROUTES`] of a request path: an exact match, else a template whose `{param}`
/// segments each match one non-empty segment; anything else is "unmatched" (so raw paths
/// never become label values).
pub fn route_index(path: &str) -> Option<usize> {
    if let Some(i) = ROUTES.iter().position(|r| *r == path) {
        return Some(i);
    }
    ROUTES.iter().position(|r| {
        r.contains('{') && {
            let mut t = r.split('/');
            let mut p = path.split('/');
            loop {
                match (t.next(), p.next()) {
                    (None, None) => break true,
                    (Some(ts), Some(ps)) if ts.starts_with('{') && !ps.is_empty() => {}
                    (Some(ts), Some(ps)) if ts == ps => {}
                    _ => break false,
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_whole_segments() {
        let at = |p| route_index(p).map(|i| ROUTES[i]);
        assert_eq!(at("/v1/sentiment"), Some("/v1/sentiment"));
        assert_eq!(
            at("/admin/models/en/reload"),
            Some("/admin/models/{name}/reload")
        );
        assert_eq!(at("/v1/rooms/r1"), Some("/v1/rooms/{room}"));
        assert_eq!(at("/v1/rooms/r1/events"), Some("/v1/rooms/{room}/events"));
        assert_eq!(
            at("/v1/rooms/r1/comments"),
            Some("/v1/rooms/{room}/comments")
        );
        assert_eq!(at("/v1/rooms//events"), None);
        assert_eq!(at("/admin/models/a/b/reload"), None);
        assert_eq!(at("/nope"), None);
    }
}
