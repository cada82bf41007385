//! Route groups, one file each.

pub mod models;
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
    "/v1/models",
    "/admin/models/{name}/reload",
];

/// Index in [`ROUTES`] of a request path: an exact match, or the one parameterised route by
/// its shape; anything else is "unmatched" (so raw paths never become label values).
pub fn route_index(path: &str) -> Option<usize> {
    if let Some(i) = ROUTES.iter().position(|r| *r == path) {
        return Some(i);
    }
    let name = path
        .strip_prefix("/admin/models/")?
        .strip_suffix("/reload")?;
    (!name.is_empty() && !name.contains('/'))
        .then(|| {
            ROUTES
                .iter()
                .position(|r| *r == "/admin/models/{name}/reload")
        })
        .flatten()
}
