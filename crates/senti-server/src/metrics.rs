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
pub struct CacheLabels {
    pub tier: &'static str,
    pub target: String,
    pub result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TierLabel {
    pub tier: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TargetLabel {
    pub target: String,
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

/// Handles for the series every successful request touches, created once so the hot path
/// does not hash label sets and take the family's lock on every request.
struct Hot {
    /// Per route (index into `routes::ROUTES`): `[GET 200, POST 200]` request counters.
    ok: Vec<[Counter; 2]>,
    /// Per route: its duration histogram.
    durations: Vec<Histogram>,
    /// Per backend: its name, analyze histogram and `[en, zh, mixed]` text counters.
    backends: Vec<(&'static str, Histogram, [Counter; 3])>,
}

pub struct Metrics {
    registry: Registry,
    hot: Hot,
    pub requests: Family<HttpLabels, Counter>,
    pub request_duration: Family<RouteLabel, Histogram, fn() -> Histogram>,
    pub in_flight: Gauge<i64, std::sync::atomic::AtomicI64>,
    pub analyze_duration: Family<BackendLabel, Histogram, fn() -> Histogram>,
    pub texts: Family<TextLabels, Counter>,
    pub errors: Family<CodeLabel, Counter>,
    pub connections: Gauge<i64, std::sync::atomic::AtomicI64>,
    pub closed_connections: Family<CodeLabel, Counter<u64, AtomicU64>>,
    /// Model backends' per-stage series (registered even with no model: they stay empty).
    pub models: std::sync::Arc<crate::model_metrics::ModelMetrics>,
    pub cache_lookups: Family<CacheLabels, Counter>,
    pub cache_lookup_duration: Family<TierLabel, Histogram, fn() -> Histogram>,
    pub cache_errors: Family<TargetLabel, Counter>,
    pub breaker_state: Family<TargetLabel, Gauge>,
    pub degraded: Family<TargetLabel, Counter>,
    /// Clustered mode: comments this replica scored, were redelivered to it, it folded.
    pub cluster_scored: Counter,
    pub cluster_redelivered: Counter,
    pub cluster_folded: Counter,
    /// Live rooms and open SSE room event streams, set at each scrape.
    pub rooms: Gauge<i64, std::sync::atomic::AtomicI64>,
    pub room_watchers: Gauge<i64, std::sync::atomic::AtomicI64>,
}

impl Metrics {
    /// Registers every metric; `routes` and `backends` get pre-created hot handles.
    pub fn new(routes: &[&'static str], backends: &[&'static str]) -> Metrics {
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
            "Connections the server closed, by reason (header_timeout, idle_timeout, lingering: after an answer sent before its request body was read)",
            closed_connections.clone(),
        );
        let rooms = Gauge::default();
        registry.register("rooms", "Live rooms in this process", rooms.clone());
        let room_watchers = Gauge::default();
        registry.register(
            "room_watchers",
            "Open room event streams (SSE subscribers of /v1/rooms/{room}/events)",
            room_watchers.clone(),
        );
        let models = crate::model_metrics::ModelMetrics::register(&mut registry);
        let cache_lookups = Family::<CacheLabels, Counter>::default();
        let cache_lookup_duration =
            Family::<TierLabel, Histogram, fn() -> Histogram>::new_with_constructor(histogram);
        let cache_errors = Family::<TargetLabel, Counter>::default();
        let breaker_state = Family::<TargetLabel, Gauge>::default();
        let degraded = Family::<TargetLabel, Counter>::default();
        let cluster_scored = Counter::default();
        let cluster_redelivered = Counter::default();
        let cluster_folded = Counter::default();
        registry.register(
            "cluster_scored",
            "Clustered mode: comments this replica took from the shared consumer, scored and published",
            cluster_scored.clone(),
        );
        registry.register(
            "cluster_redelivered",
            "Clustered mode: comments delivered to this replica again (another replica died before acknowledging)",
            cluster_redelivered.clone(),
        );
        registry.register(
            "cluster_folded",
            "Clustered mode: scored comments of the whole cluster counted in this replica's rooms",
            cluster_folded.clone(),
        );
        registry.register(
            "cache_lookups",
            "Result cache lookups by tier (l1, l2, l1-near, l2-near), target (lexicon or the model) and result (hit, miss)",
            cache_lookups.clone(),
        );
        registry.register(
            "cache_lookup_duration_seconds",
            "Time of one cache lookup, by tier",
            cache_lookup_duration.clone(),
        );
        registry.register(
            "cache_errors",
            "Redis calls that failed or timed out (the request went on without L2)",
            cache_errors.clone(),
        );
        registry.register(
            "breaker_state",
            "Circuit breaker state by target (model:<name>, redis): 0 closed, 1 open, 2 half-open",
            breaker_state.clone(),
        );
        registry.register(
            "degraded",
            "Requests for a model answered by the lexicon scorer instead (breaker open or model failure)",
            degraded.clone(),
        );
        let hot = Hot {
            ok: routes
                .iter()
                .map(|&route| {
                    ["GET", "POST"].map(|method| {
                        requests
                            .get_or_create(&HttpLabels {
                                route,
                                method,
                                status: 200,
                            })
                            .clone()
                    })
                })
                .collect(),
            durations: routes
                .iter()
                .map(|&route| {
                    request_duration
                        .get_or_create(&RouteLabel { route })
                        .clone()
                })
                .collect(),
            backends: backends
                .iter()
                .map(|&backend| {
                    (
                        backend,
                        analyze_duration
                            .get_or_create(&BackendLabel { backend })
                            .clone(),
                        ["en", "zh", "mixed"]
                            .map(|lang| texts.get_or_create(&TextLabels { lang, backend }).clone()),
                    )
                })
                .collect(),
        };
        Metrics {
            registry,
            hot,
            requests,
            request_duration,
            in_flight,
            analyze_duration,
            texts,
            errors,
            connections,
            closed_connections,
            models,
            cache_lookups,
            cache_lookup_duration,
            cache_errors,
            breaker_state,
            degraded,
            cluster_scored,
            cluster_redelivered,
            cluster_folded,
            rooms,
            room_watchers,
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

impl Metrics {
    /// One finished HTTP request. `route_idx` indexes the `routes` given to [`Metrics::new`].
    pub fn observe_request(
        &self,
        route_idx: Option<usize>,
        route: &'static str,
        method: &'static str,
        status: u16,
        secs: f64,
    ) {
        // The counter: a pre-created handle for the common 200s, the family otherwise.
        match route_idx {
            Some(i) if status == 200 && (method == "GET" || method == "POST") => {
                self.hot.ok[i][(method == "POST") as usize].inc();
            }
            _ => {
                self.requests
                    .get_or_create(&HttpLabels {
                        route,
                        method,
                        status,
                    })
                    .inc();
            }
        }
        match route_idx {
            Some(i) => self.hot.durations[i].observe(secs),
            None => self
                .request_duration
                .get_or_create(&RouteLabel { route })
                .observe(secs),
        }
    }

    /// One text (or batch item) through a backend; `lang` is the result's language, `None`
    /// when the backend failed.
    pub fn observe_analyze(
        &self,
        backend: &'static str,
        lang: Option<senti_core::Lang>,
        secs: f64,
    ) {
        if let Some((_, hist, texts)) = self.hot.backends.iter().find(|(b, _, _)| *b == backend) {
            hist.observe(secs);
            if let Some(l) = lang {
                let i = match l {
                    senti_core::Lang::En => 0,
                    senti_core::Lang::Zh => 1,
                    senti_core::Lang::Mixed => 2,
                };
                texts[i].inc();
            }
            return;
        }
        self.analyze_duration
            .get_or_create(&BackendLabel { backend })
            .observe(secs);
        if let Some(l) = lang {
            self.texts
                .get_or_create(&TextLabels {
                    lang: l.as_str(),
                    backend,
                })
                .inc();
        }
    }

    pub fn error(&self, code: &'static str) {
        self.errors.get_or_create(&CodeLabel { code }).inc();
    }
}

/// The engine reports into the same registry.
impl senti_engine::EngineObserver for Metrics {
    fn analyzed(
        &self,
        backend: &'static str,
        result: Result<&senti_core::Sentiment, &senti_core::AnalyzeError>,
        secs: f64,
    ) {
        let s = result.ok();
        self.observe_analyze(backend, s.map(|s| s.lang), secs);
        if let Some(s) = s
            && s.cached.is_none()
            && let Some(m) = &s.model
        {
            self.models.observe_request(&m.model, &m.timing);
        }
    }

    fn cache_lookup(&self, tier: senti_core::CacheTier, target: &str, hit: bool, secs: f64) {
        let tier = tier.as_str();
        self.cache_lookups
            .get_or_create(&CacheLabels {
                tier,
                target: target.to_string(),
                result: if hit { "hit" } else { "miss" },
            })
            .inc();
        self.cache_lookup_duration
            .get_or_create(&TierLabel { tier })
            .observe(secs);
    }

    fn cache_error(&self, target: &str) {
        self.cache_errors
            .get_or_create(&TargetLabel {
                target: target.to_string(),
            })
            .inc();
    }

    fn breaker_state(&self, target: &str, state: senti_engine::BreakerState) {
        self.breaker_state
            .get_or_create(&TargetLabel {
                target: target.to_string(),
            })
            .set(state as i64);
    }

    fn degraded(&self, model: &str) {
        self.degraded
            .get_or_create(&TargetLabel {
                target: model.to_string(),
            })
            .inc();
    }
}
