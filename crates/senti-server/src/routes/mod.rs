//! Route groups, one file each.

pub mod ops;
pub mod segment;
pub mod sentiment;

/// Every route template, as used for the `route` metrics label (never the raw path).
pub const ROUTES: &[&str] = &[
    "/v1/sentiment",
    "/v1/sentiment/batch",
    "/analyze",
    "/v1/segment",
    "/healthz",
    "/readyz",
    "/metrics",
    "/v1/info",
    "/openapi.json",
];

/// Index in [`ROUTES`] of a request path. No route has path parameters, so a path that
/// matches a route is its template; anything else is "unmatched". (Routes with parameters would
/// need axum's `MatchedPath` instead.)
pub fn route_index(path: &str) -> Option<usize> {
    ROUTES.iter().position(|r| *r == path)
}
