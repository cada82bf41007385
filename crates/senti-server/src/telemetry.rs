//! Distributed tracing: OpenTelemetry spans, exported over OTLP (HTTP/protobuf to
//! `<endpoint>/v1/traces`, or gRPC), and W3C `traceparent` propagation.
//!
//! Why it is shaped this way: the scoring path is a few microseconds, so tracing that is off
//! must cost nothing there. Two things make that true:
//! * the per-request span is created only when export is on or the client sent a
//!   `traceparent` (then its trace id is echoed and put in the request's log lines);
//! * every stage span (`decode`, `validate`, `route`, `cache`, `tokenize`, `queue`,
//!   `inference`, `encode`, `room.ingest`, `room.publish`) is a DEBUG callsite of target
//!   `senti::stage`. With export off, the log filter (`info` by default) disables those
//!   callsites once, and each later hit is one relaxed atomic load. With export on, the
//!   OpenTelemetry layer has its own filter that takes every `senti` span, while the log layer
//!   keeps the user's filter (so stage spans do not flood the logs).
//!
//! Sampling is parent-based over a trace-id ratio: a caller's sampled flag is honoured, and
//! root traces are kept with `--otlp-sample-ratio`.

use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::{HeaderMap, HeaderValue};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{TraceContextExt, TraceId, TracerProvider as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_http::HeaderExtractor;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use serde::Deserialize;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The response header that carries the request's trace id (32 hex digits).
pub const TRACE_ID_HEADER: &str = "x-trace-id";

/// OTLP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OtlpProtocol {
    /// HTTP/protobuf, POST `<endpoint>/v1/traces` (the collector's port 4318).
    #[default]
    Http,
    /// gRPC (the collector's port 4317).
    Grpc,
}

static ON: AtomicBool = AtomicBool::new(false);

/// Whether spans are being exported (set once the tracing layer is installed).
#[inline]
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// The exporter and its tracer provider. Dropping it without [`Telemetry::shutdown`] loses
/// the spans still in the batch queue.
pub struct Telemetry {
    provider: SdkTracerProvider,
}

/// The OTLP/HTTP traces URL of a collector base URL: `/v1/traces` is appended unless the URL
/// already names it (the OpenTelemetry rule for `OTEL_EXPORTER_OTLP_ENDPOINT`).
pub fn traces_url(endpoint: &str) -> String {
    let base = endpoint.trim_end_matches('/');
    if base.ends_with("/v1/traces") {
        base.to_string()
    } else {
        format!("{base}/v1/traces")
    }
}

/// The rules of the tracing settings, for [`Telemetry::start`] and the config check alike.
pub fn check_settings(endpoint: Option<&str>, ratio: f64) -> Result<(), String> {
    if !(0.0..=1.0).contains(&ratio) {
        return Err(format!(
            "otlp_sample_ratio must be within 0.0..=1.0, got {ratio}"
        ));
    }
    if let Some(e) = endpoint
        && !(e.starts_with("http://") || e.starts_with("https://"))
    {
        return Err(format!(
            "otlp_endpoint must be an http:// or https:// URL, got {e:?}"
        ));
    }
    Ok(())
}

impl Telemetry {
    /// Builds the exporter and the batch span processor. The gRPC exporter needs a Tokio
    /// runtime: call it inside one (its channel's tasks live there).
    pub fn start(endpoint: &str, protocol: OtlpProtocol, ratio: f64) -> Result<Telemetry, String> {
        check_settings(Some(endpoint), ratio)?;
        let exporter = match protocol {
            OtlpProtocol::Http => opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_protocol(Protocol::HttpBinary)
                .with_endpoint(traces_url(endpoint))
                .build(),
            OtlpProtocol::Grpc => opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(endpoint.trim_end_matches('/'))
                .build(),
        }
        .map_err(|e| format!("OTLP exporter for {endpoint}: {e}"))?;
        let resource = Resource::builder()
            .with_service_name("senti")
            .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
            .build();
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
                ratio,
            ))))
            .with_resource(resource)
            .build();
        Ok(Telemetry { provider })
    }

    /// The tracing layer that turns spans into OpenTelemetry spans; marks tracing as on.
    pub fn layer<S>(
        &self,
    ) -> tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::Tracer>
    where
        S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
    {
        ON.store(true, Ordering::Relaxed);
        tracing_opentelemetry::layer()
            .with_tracer(self.provider.tracer("senti"))
            .with_error_records_to_exceptions(false)
    }

    /// Exports every finished span now.
    pub fn flush(&self) -> Result<(), String> {
        self.provider.force_flush().map_err(|e| e.to_string())
    }

    /// Flushes and stops the exporter (blocking; call it outside async code).
    pub fn shutdown(self) -> Result<(), String> {
        ON.store(false, Ordering::Relaxed);
        self.provider.shutdown().map_err(|e| e.to_string())
    }
}

/// The caller's W3C trace context, when the request carries a valid `traceparent`.
pub fn remote_parent(headers: &HeaderMap) -> Option<Context> {
    headers.get("traceparent")?;
    let cx = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
    cx.span().span_context().is_valid().then_some(cx)
}

/// Points a fresh server span at the caller's context and returns the trace id it belongs
/// to: the exported span's own when export is on, else the caller's.
pub fn adopt(span: &Span, parent: Option<Context>) -> Option<TraceId> {
    if enabled() {
        if let Some(cx) = parent {
            let _ = span.set_parent(cx);
        }
        let id = span.context().span().span_context().trace_id();
        (id != TraceId::INVALID).then_some(id)
    } else {
        parent.map(|cx| cx.span().span_context().trace_id())
    }
}

/// A trace id as a header value (32 lowercase hex digits).
pub fn header_value(id: TraceId) -> HeaderValue {
    HeaderValue::from_str(&id.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traces_url_appends_the_signal_path_once() {
        assert_eq!(
            traces_url("http://127.0.0.1:4318"),
            "http://127.0.0.1:4318/v1/traces"
        );
        assert_eq!(traces_url("http://c:4318/"), "http://c:4318/v1/traces");
        assert_eq!(
            traces_url("http://c:4318/v1/traces"),
            "http://c:4318/v1/traces"
        );
        assert_eq!(traces_url("http://c/otel/"), "http://c/otel/v1/traces");
    }

    #[test]
    fn traceparent_is_read_only_when_valid() {
        let mut h = HeaderMap::new();
        assert!(remote_parent(&h).is_none());
        h.insert(
            "traceparent",
            HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        );
        let cx = remote_parent(&h).unwrap();
        let sc = cx.span().span_context().clone();
        assert_eq!(
            sc.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert!(sc.is_sampled() && sc.is_remote());
        for bad in [
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "garbage",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        ] {
            h.insert("traceparent", HeaderValue::from_static(bad));
            assert!(remote_parent(&h).is_none(), "{bad}");
        }
    }

    #[test]
    fn bad_settings_are_refused() {
        assert!(Telemetry::start("http://127.0.0.1:4318", OtlpProtocol::Http, 1.5).is_err());
        assert!(Telemetry::start("127.0.0.1:4318", OtlpProtocol::Http, 1.0).is_err());
    }
}
