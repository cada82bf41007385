//! Prometheus metrics, one registry per server instance (so tests can assert exact counts
//! without a process-global recorder).

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub route: &'static str,
    pub method: &'static str,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabel {
    pub route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BackendLabel {
    pub backend: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TextLabels {
    pub lang: &'static str,
    pub backend: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CodeLabel {
    pub code: &'static str,
}

/// Histogram buckets from 1 µs to about 16 s, doubling: sub-millisecond lexicon latencies
/// and slow model batches both land in informative buckets.
fn latency_buckets() -> impl Iterator<Item = f64> {
    prometheus_client::metrics::histogram::exponential_buckets(1e-6, 2.0, 25)
}

fn histogram() -> Histogram {
    Histogram::new(latency_buckets())
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<HttpLabels, Counter>,
    pub request_duration: Family<RouteLabel, Histogram, fn() -> Histogram>,
    pub in_flight: Gauge<i64, std::sync::atomic::AtomicI64>,
    pub analyze_duration: Family<BackendLabel, Histogram, fn() -> Histogram>,
    pub texts: Family<TextLabels, Counter>,
    pub errors: Family<CodeLabel, Counter>,
    pub connections: Gauge<i64, std::sync::atomic::AtomicI64>,
    pub closed_connections: Family<CodeLabel, Counter<u64, AtomicU64>>,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("senti");
        let requests = Family::<HttpLabels, Counter>::default();
        let request_duration =
            Family::<RouteLabel, Histogram, fn() -> Histogram>::new_with_constructor(histogram);
        let in_flight = Gauge::default();
        let analyze_duration =
            Family::<BackendLabel, Histogram, fn() -> Histogram>::new_with_constructor(histogram);
        let texts = Family::<TextLabels, Counter>::default();
        let errors = Family::<CodeLabel, Counter>::default();
        let connections = Gauge::default();
        let closed_connections = Family::default();
        registry.register(
            "http_requests",
            "HTTP requests by matched route, method and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request duration by matched route",
            request_duration.clone(),
        );
        registry.register(
            "http_requests_in_flight",
            "HTTP requests being processed",
            in_flight.clone(),
        );
        registry.register(
            "analyze_duration_seconds",
            "Time spent in a backend per text or batch",
            analyze_duration.clone(),
        );
        registry.register(
            "texts",
            "Texts scored, by language and backend",
            texts.clone(),
        );
        registry.register(
            "errors",
            "Error responses and failed batch items, by error code",
            errors.clone(),
        );
        registry.register(
            "http_connections_open",
            "Open client connections",
            connections.clone(),
        );
        registry.register(
            "http_connections_closed_by_server",
            "Connections the server closed, by reason (header_timeout, idle_timeout)",
            closed_connections.clone(),
        );
        Metrics {
            registry,
            requests,
            request_duration,
            in_flight,
            analyze_duration,
            texts,
            errors,
            connections,
            closed_connections,
        }
    }

    /// The registry in Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Encoding into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
