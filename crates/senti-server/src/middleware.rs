//! Per-request behaviour as axum middleware: request ids, metrics, access logs, admission.

use std::cell::Cell;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::error::{ApiError, ErrorCode};
use crate::metrics::{CodeLabel, HttpLabels, RouteLabel};
use crate::routes::route_label;
use crate::state::{AppState, Shared};

pub const REQUEST_ID: &str = "x-request-id";

/// The matched route template, carried on the response to the outer middleware.
#[derive(Clone, Copy)]
pub struct RouteTag(pub &'static str);

/// Inner layer (`route_layer`): records which route template matched.
pub async fn tag_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| route_label(m.as_str()));
    let mut resp = next.run(req).await;
    if let Some(r) = route {
        resp.extensions_mut().insert(RouteTag(r));
    }
    resp
}

/// Inner layer on the scoring routes: at most `max_in_flight` at once; beyond that an
/// immediate 503 with Retry-After instead of a queue.
pub async fn admit(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let Ok(_permit) = st.in_flight.clone().try_acquire_owned() else {
        return ApiError::new(
            ErrorCode::Overloaded,
            format!(
                "{} requests are in flight, the configured limit; retry shortly",
                st.cfg.max_in_flight
            ),
        )
        .into_response();
    };
    next.run(req).await
}

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

/// Outer layer: request id, in-flight gauge, request metrics, the access log line.
pub async fn observe(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = method_label(req.method());
    let uri = req.uri().clone();
    let rid = request_id(&req);
    st.metrics.in_flight.inc();
    let guard = InFlight(&st);
    let span = tracing::info_span!("request", request_id = rid.to_str().unwrap_or(""));
    let mut resp = next.run(req).instrument(span.clone()).await;
    drop(guard);

    let elapsed = start.elapsed();
    let route = resp
        .extensions()
        .get::<RouteTag>()
        .map_or("unmatched", |r| r.0);
    let status = resp.status().as_u16();
    let m = &st.metrics;
    m.requests
        .get_or_create(&HttpLabels {
            route,
            method,
            status,
        })
        .inc();
    m.request_duration
        .get_or_create(&RouteLabel { route })
        .observe(elapsed.as_secs_f64());
    let code = resp.extensions().get::<ErrorCode>().copied();
    if let Some(code) = code {
        m.errors
            .get_or_create(&CodeLabel {
                code: code.as_str(),
            })
            .inc();
    }
    let sample = st.cfg.access_log_sample;
    if code.is_some() || sample >= 1.0 || (sample > 0.0 && draw() < sample) {
        span.in_scope(|| {
            tracing::info!(
                target: "senti::access",
                method,
                route,
                path = uri.path(),
                status,
                duration_us = elapsed.as_micros() as u64,
                error = code.map(|c| c.as_str()),
            );
        });
    }
    resp.headers_mut().insert(REQUEST_ID, rid);
    resp
}
