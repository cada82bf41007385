//! The gRPC side of tracing: a tower layer around every gRPC service that reads the caller's
//! W3C `traceparent` metadata, opens the server span (`senti.v1.Sentiment/Analyze`, ...) and
//! returns the trace id in `x-trace-id` response metadata, as the HTTP middleware does.
//!
//! Like the HTTP request span, it exists only when traces are exported or the caller sent a
//! `traceparent`. For streaming calls the span covers the call up to its response head; the
//! stream's items are not spans of their own.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::http::{Request, Response};
use tower::{Layer, Service};
use tracing::Instrument;

use crate::telemetry;

#[derive(Debug, Clone, Copy, Default)]
pub struct TraceLayer;

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;

    fn layer(&self, inner: S) -> Trace<S> {
        Trace { inner }
    }
}

#[derive(Debug, Clone)]
pub struct Trace<S> {
    inner: S,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<S, B, RB> Service<Request<B>> for Trace<S>
where
    S: Service<Request<B>, Response = Response<RB>>,
    S::Future: Send + 'static,
    S::Error: 'static,
{
    type Response = Response<RB>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<RB>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let parent = telemetry::remote_parent(req.headers());
        if !(telemetry::enabled() || parent.is_some()) {
            return Box::pin(self.inner.call(req));
        }
        let path = req.uri().path();
        let (service, method) = path
            .trim_start_matches('/')
            .split_once('/')
            .unwrap_or((path, ""));
        let span = tracing::info_span!(
            target: "senti::request",
            "grpc",
            otel.name = %path.trim_start_matches('/'),
            otel.kind = "server",
            otel.status_code = tracing::field::Empty,
            rpc.system = "grpc",
            rpc.service = %service,
            rpc.method = %method,
            rpc.grpc.status_code = tracing::field::Empty,
            trace_id = tracing::field::Empty,
        );
        let id = telemetry::adopt(&span, parent);
        if let Some(id) = id {
            span.record("trace_id", tracing::field::display(id));
        }
        let fut = span.in_scope(|| self.inner.call(req));
        let in_fut = span.clone();
        Box::pin(
            async move {
                let mut resp = fut.await?;
                // A failed unary call answers trailers-only: its status is in the head.
                let code = resp
                    .headers()
                    .get("grpc-status")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(0);
                in_fut.record("rpc.grpc.status_code", code);
                if code != 0 {
                    in_fut.record("otel.status_code", "ERROR");
                }
                if let Some(id) = id {
                    resp.headers_mut()
                        .insert(telemetry::TRACE_ID_HEADER, telemetry::header_value(id));
                }
                Ok(resp)
            }
            .instrument(span),
        )
    }
}
