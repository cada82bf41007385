//! Per-request behaviour as axum middleware: request ids, metrics, access logs, admission.

use std::cell::Cell;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use tracing::{Instrument, Span};

use crate::error::ErrorCode;
use crate::routes::{ROUTES, route_index};
use crate::state::{AppState, Shared};
use crate::telemetry;

pub const REQUEST_ID: &str = "x-request-id";

fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "OTHER",
    }
}

/// A client-supplied id is echoed when it is short printable ASCII; otherwise a UUID is made.
fn request_id(req: &Request) -> HeaderValue {
    if let Some(v) = req.headers().get(REQUEST_ID)
        && !v.is_empty()
        && v.len() <= 128
        && v.as_bytes().iter().all(|b| b.is_ascii_graphic())
    {
        return v.clone();
    }
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let s = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buf);
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

/// Decrements the in-flight gauge even when the client goes away and the request future is
/// dropped half-way.
struct InFlight<'a>(&'a AppState);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.metrics.in_flight.dec();
    }
}

thread_local! {
    static SAMPLER: Cell<u64> = const { Cell::new(0x9E37_79B9_7F4A_7C15) };
}

/// xorshift draw in [0, 1): cheap, per thread, good enough for log sampling.
fn draw() -> f64 {
    SAMPLER.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}

/// The one request layer: request id, in-flight gauge, request metrics, the access log line,
/// and the request's trace.
///
/// The request id is a field of the access line, not of a span: a tracing span per request
/// would cost more than the rest of this layer, so the request span exists only when traces
/// are exported or the caller sent a `traceparent` (see `telemetry`).
pub async fn observe(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = method_label(req.method());
    let route_idx = route_index(req.uri().path());
    let route = route_idx.map_or("unmatched", |i| ROUTES[i]);
    // The raw path only matters in the log line of an unmatched route.
    let path = route_idx.is_none().then(|| req.uri().path().to_owned());
    let rid = request_id(&req);
    let parent = telemetry::remote_parent(req.headers());
    let (span, trace_id) = if telemetry::enabled() || parent.is_some() {
        let span = tracing::info_span!(
            target: "senti::request",
            "request",
            otel.name = %format_args!("{method} {route}"),
            otel.kind = "server",
            http.request.method = method,
            http.route = route,
            http.response.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = rid.to_str().unwrap_or(""),
            trace_id = tracing::field::Empty,
        );
        let id = telemetry::adopt(&span, parent);
        if let Some(id) = id {
            span.record("trace_id", tracing::field::display(id));
        }
        (span, id)
    } else {
        (Span::none(), None)
    };
    st.metrics.in_flight.inc();
    let guard = InFlight(&st);
    let mut resp = next.run(req).instrument(span.clone()).await;
    drop(guard);

    let elapsed = start.elapsed();
    let status = resp.status().as_u16();
    span.record("http.response.status_code", status);
    st.metrics
        .observe_request(route_idx, route, method, status, elapsed.as_secs_f64());
    let code = resp.extensions().get::<ErrorCode>().copied();
    if let Some(code) = code {
        st.metrics.error(code.as_str());
        span.record(
            "otel.status_code",
            if status >= 500 { "ERROR" } else { "UNSET" },
        );
    }
    let sample = st.cfg.access_log_sample;
    if code.is_some() || sample >= 1.0 || (sample > 0.0 && draw() < sample) {
        tracing::info!(
            target: "senti::access",
            parent: &span,
            request_id = rid.to_str().unwrap_or(""),
            trace_id = trace_id.map(tracing::field::display),
            method,
            route,
            path = path.as_deref().unwrap_or(route),
            status,
            duration_us = elapsed.as_micros() as u64,
            error = code.map(|c| c.as_str()),
        );
    }
    if let Some(id) = trace_id {
        resp.headers_mut()
            .insert(telemetry::TRACE_ID_HEADER, telemetry::header_value(id));
    }
    resp.headers_mut().insert(REQUEST_ID, rid);
    resp
}
