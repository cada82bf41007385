//! The admin bearer token, shared by every route that needs it (model reloads, the profiler):
//! such routes do not exist without `--admin-token` (404, as an unknown route), and answer 401
//! to a missing or wrong token, compared in constant time.

use axum::http::{HeaderMap, header};

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// `Ok` when the request carries `Authorization: Bearer <admin token>`.
pub fn require_admin(st: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(token) = st.cfg.admin_token.as_deref() else {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "no such route; admin routes are off unless --admin-token is set",
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), token.as_bytes())) {
        return Err(ApiError::new(
            ErrorCode::Unauthorized,
            "admin routes need `Authorization: Bearer <admin token>`",
        ));
    }
    Ok(())
}

/// Compares without an early exit, so response time does not reveal a matching prefix.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn equal_only_when_equal() {
        assert!(constant_time_eq(b"s3cret", b"s3cret"));
        assert!(!constant_time_eq(b"s3cret", b"s3cres"));
        assert!(!constant_time_eq(b"s3cret", b"s3cre"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
