//! Route groups, one file each.

pub mod ops;
pub mod sentiment;

/// Every route template, as used for the `route` metrics label (never the raw path).
pub const ROUTES: &[&str] = &[
    "/v1/sentiment",
    "/v1/sentiment/batch",
    "/analyze",
    "/healthz",
    "/readyz",
    "/metrics",
    "/v1/info",
    "/openapi.json",
];

/// The static label for a matched route template.
pub fn route_label(matched: &str) -> &'static str {
    ROUTES
        .iter()
        .copied()
        .find(|r| *r == matched)
        .unwrap_or("other")
}
