//! Route groups, one file each.

pub mod dashboard;
pub mod models;
pub mod ops;
pub mod rooms;
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
    "/v1/rooms",
    "/v1/rooms/{room}",
    "/v1/rooms/{room}/comments",
    "/v1/rooms/{room}/events",
    "/",
    "/rooms/{room}",
    "/assets/{file}",
];

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
