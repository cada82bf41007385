//! `GET /debug/pprof/profile`: a CPU profile of the whole process, in pprof's protobuf format
//! (for `go tool pprof`, `pprof -http`, Grafana Pyroscope, speedscope) or as a flamegraph SVG.
//!
//! Behind the admin token (the route does not exist without one: a profile shows code paths
//! and symbol names). One profile at a time: pprof-rs samples with a SIGPROF handler that
//! unwinds the interrupted stack, and that handler and its collector are process-wide and not
//! re-entrant, so a second request gets 409 `profile_in_progress` instead of corrupting the
//! first. Sampling at 99 Hz costs about 1% CPU while it runs and nothing otherwise.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use pprof::protos::Message;

use crate::error::{ApiError, ErrorCode};
use crate::state::Shared;

/// Longest profile, in seconds.
pub const MAX_SECONDS: u64 = 300;
const DEFAULT_SECONDS: u64 = 30;
const FREQUENCY_HZ: i32 = 99;

static BUSY: AtomicBool = AtomicBool::new(false);

/// Holds the one profiling slot; frees it when dropped (also when the client goes away).
struct Slot;

impl Slot {
    fn take() -> Result<Slot, ApiError> {
        BUSY.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .map(|_| Slot)
            .map_err(|_| {
                ApiError::new(
                    ErrorCode::ProfileInProgress,
                    "a CPU profile is already being taken; retry when it is done",
                )
            })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        BUSY.store(false, Ordering::Release);
    }
}

/// `format`: "pprof" (the default, pprof protobuf) or "svg" (a flamegraph).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)] // describes JSON for the document; never built
pub enum ProfileFormat {
    Pprof,
    Svg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Pprof,
    Svg,
}

/// `seconds` (1 to 300, default 30) and `format` (`pprof`, default, or `svg`); anything else
/// is refused, so a typo does not silently profile for 30 s.
fn parse_query(q: Option<&str>) -> Result<(u64, Format), ApiError> {
    let bad = |m: String| ApiError::new(ErrorCode::InvalidRequest, m);
    let (mut seconds, mut format) = (DEFAULT_SECONDS, Format::Pprof);
    for pair in q.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "seconds" => {
                seconds = v
                    .parse()
                    .ok()
                    .filter(|s| (1..=MAX_SECONDS).contains(s))
                    .ok_or_else(|| {
                        bad(format!(
                            "seconds must be a whole number from 1 to {MAX_SECONDS}, got {v:?}"
                        ))
                    })?;
            }
            "format" => {
                format = match v {
                    "pprof" => Format::Pprof,
                    "svg" => Format::Svg,
                    _ => return Err(bad(format!("format must be pprof or svg, got {v:?}"))),
                }
            }
            _ => {
                return Err(bad(format!(
                    "unknown query parameter {k:?} (seconds, format)"
                )));
            }
        }
    }
    Ok((seconds, format))
}

/// A CPU profile of the next `seconds` (needs `--admin-token`, sent as a bearer token).
#[utoipa::path(get, path = "/debug/pprof/profile", operation_id = "cpu_profile",
    params(
        ("seconds" = Option<u64>, Query, description = "How long to sample, 1 to 300 (default 30)", minimum = 1, maximum = 300),
        ("format" = Option<ProfileFormat>, Query),
    ),
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "The profile: pprof protobuf (gzip-less) or a flamegraph", content(
            (Vec<u8> = "application/octet-stream"),
            (String = "image/svg+xml"))),
        (status = 400, description = "invalid_request (seconds or format, or another query parameter)", body = crate::error::ErrorBody),
        (status = 401, description = "unauthorized", body = crate::error::ErrorBody),
        (status = 404, description = "not_found (admin routes off: no --admin-token)", body = crate::error::ErrorBody),
        (status = 409, description = "profile_in_progress", body = crate::error::ErrorBody),
        (status = 500, description = "internal: the profiler failed", body = crate::error::ErrorBody),
    ))]
pub async fn profile(
    State(st): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    crate::auth::require_admin(&st, &headers)?;
    let (seconds, format) = parse_query(q.as_deref())?;
    let slot = Slot::take()?;
    let internal = |e: pprof::Error| ApiError::new(ErrorCode::Internal, format!("profiler: {e}"));
    let guard = pprof::ProfilerGuardBuilder::default()
        .frequency(FREQUENCY_HZ)
        .blocklist(&["libc", "libgcc", "pthread", "vdso"])
        .build()
        .map_err(internal)?;
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    // Symbolizing and encoding take a while: off the runtime's threads.
    let body = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, pprof::Error> {
        let report = guard.report().build()?;
        drop(guard);
        drop(slot);
        match format {
            Format::Pprof => Ok(report.pprof()?.encode_to_vec()),
            Format::Svg => {
                let mut svg = Vec::new();
                report.flamegraph(&mut svg)?;
                Ok(svg)
            }
        }
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
    .map_err(internal)?;
    let mut resp = Response::new(Body::from(body));
    let (ct, name) = match format {
        Format::Pprof => (
            "application/octet-stream",
            "attachment; filename=\"profile.pb\"",
        ),
        Format::Svg => ("image/svg+xml", "inline; filename=\"profile.svg\""),
    };
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(name));
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_rules() {
        assert_eq!(parse_query(None).unwrap(), (30, Format::Pprof));
        assert_eq!(
            parse_query(Some("seconds=2&format=svg")).unwrap(),
            (2, Format::Svg)
        );
        assert_eq!(
            parse_query(Some("format=pprof")).unwrap(),
            (30, Format::Pprof)
        );
        for bad in [
            "seconds=0",
            "seconds=301",
            "seconds=-1",
            "seconds=1.5",
            "seconds=",
            "format=png",
            "secs=5",
        ] {
            let e = parse_query(Some(bad)).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidRequest, "{bad}");
        }
    }

    #[test]
    fn one_slot_at_a_time() {
        let a = Slot::take().unwrap();
        assert_eq!(
            Slot::take().err().map(|e| e.code),
            Some(ErrorCode::ProfileInProgress)
        );
        drop(a);
        drop(Slot::take().unwrap());
    }
}
