//! Settings of `senti serve`: a flag, else a `SENTI_*` environment variable, else the TOML file
//! given by `--config`, else the built-in default. Every setting is declared once, in the
//! `settings!` table below, which generates the flags, the file format and the defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::ValueEnum;
use senti_engine::EngineConfig;
use senti_model::BatchConfig;
use serde::Deserialize;

pub use crate::telemetry::OtlpProtocol;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Text,
}

macro_rules! settings {
    (
        optional { $( $(#[$ometa:meta])* $oname:ident : $oty:ty, $oenv:literal; )* }
        defaulted { $( $(#[$meta:meta])* $name:ident : $ty:ty = $default:expr, $env:literal; )* }
    ) => {
        /// Command-line flags of `senti serve` (each also read from its environment variable).
        #[derive(clap::Args, Debug, Clone, Default)]
        pub struct ServeArgs {
            /// TOML file with any of the settings below (keys as the flags, with underscores).
            #[arg(long, value_name = "PATH", env = "SENTI_CONFIG")]
            pub config: Option<PathBuf>,
            $( $(#[$ometa])* #[arg(long, env = $oenv)] pub $oname: Option<$oty>, )*
            $( $(#[$meta])* #[arg(long, env = $env)] pub $name: Option<$ty>, )*
        }

        /// The TOML file: every key optional, unknown keys rejected.
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct FileConfig {
            $( pub $oname: Option<$oty>, )*
            $( pub $name: Option<$ty>, )*
        }

        /// Resolved settings.
        #[derive(Debug, Clone)]
        pub struct Config {
            $( pub $oname: Option<$oty>, )*
            $( pub $name: $ty, )*
        }

        impl Default for Config {
            fn default() -> Config {
                Config { $( $oname: None, )* $( $name: $default, )* }
            }
        }

        impl Config {
            fn merge(args: &ServeArgs, file: FileConfig) -> Config {
                let d = Config::default();
                Config {
                    $( $oname: args.$oname.clone().or(file.$oname), )*
                    $( $name: args.$name.clone().or(file.$name).unwrap_or(d.$name), )*
                }
            }
        }
    };
}

settings! {
optional {
    /// Extra VADER lexicon entries (vader_lexicon.txt format).
    #[arg(value_name = "PATH")]
    lexicon: PathBuf, "SENTI_LEXICON";
    /// A jieba user dictionary (`word [freq] [tag]` per line) for Chinese segmentation.
    #[arg(value_name = "PATH")]
    user_dict: PathBuf, "SENTI_USER_DICT";
    /// Extra or overriding terms of the `chat` domain (term<TAB>valence<TAB>fit per line).
    #[arg(value_name = "PATH")]
    chat_lexicon: PathBuf, "SENTI_CHAT_LEXICON";
    /// A model repository: DIR/<name>/<version>/ with model.onnx (or model_quantized.onnx),
    /// tokenizer.json and config.json. Off by default: without it ONNX Runtime is never loaded.
    #[arg(value_name = "DIR")]
    model_repo: PathBuf, "SENTI_MODEL_REPO";
    /// The model (`name[@version]`) for requests that name none; without it such requests go
    /// to the lexicon scorers.
    #[arg(value_name = "NAME")]
    model: String, "SENTI_MODEL";
    /// The cascade's model per language, `en=NAME[@V],zh=NAME[@V]` (a language left out takes
    /// --model; without one its texts keep the lexicon's answer).
    #[arg(value_name = "LANG=MODEL,...")]
    cascade_model: String, "SENTI_CASCADE_MODEL";
    /// |compound| under which the cascade sends a text to the model: X for every language, or
    /// en=X,zh=Y,mixed=Z (default: the swept thresholds, senti_engine::CASCADE_THRESHOLDS).
    #[arg(value_name = "X|LANG=X,...")]
    cascade_threshold: String, "SENTI_CASCADE_THRESHOLD";
    /// Bearer token that turns on the admin routes (POST /admin/models/<name>/reload) and the
    /// CPU profiler (GET /debug/pprof/profile).
    #[arg(value_name = "TOKEN", hide_env_values = true)]
    admin_token: String, "SENTI_ADMIN_TOKEN";
    /// libonnxruntime.so.1.31.1 to load (default: ORT_DYLIB_PATH, else the loader's path).
    #[arg(value_name = "PATH")]
    ort_library: PathBuf, "SENTI_ORT_LIBRARY";
    /// L2 result cache: redis://HOST:PORT[/DB]. Off by default; a Redis that is down is not
    /// a start-up error (senti serves uncached and keeps reconnecting).
    #[arg(value_name = "URL")]
    redis_url: String, "SENTI_REDIS_URL";
    /// How long a request may take at most (model queue and forward pass), in ms; past it
    /// the text is dropped before its forward pass and the answer is 503 deadline_exceeded.
    #[arg(value_name = "MS")]
    request_timeout_ms: u64, "SENTI_REQUEST_TIMEOUT_MS";
    /// Join a cluster of replicas on NATS JetStream (nats://HOST:PORT): comments are made
    /// durable there, scored by one replica each, and counted by every replica.
    #[arg(value_name = "URL")]
    nats_url: String, "SENTI_NATS_URL";
    /// Export OpenTelemetry traces to this OTLP collector (http://HOST:4318 for HTTP, whose
    /// spans go to /v1/traces; http://HOST:4317 with --otlp-protocol grpc). Off by default.
    #[arg(value_name = "URL")]
    otlp_endpoint: String, "SENTI_OTLP_ENDPOINT";
}
defaulted {
    /// Address to listen on.
    addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 8080)), "SENTI_ADDR";
    /// gRPC address ("off" to disable).
    grpc_addr: String = "127.0.0.1:50051".to_string(), "SENTI_GRPC_ADDR";
    /// Largest request body, in bytes (413 beyond).
    max_body_bytes: usize = 1 << 20, "SENTI_MAX_BODY_BYTES";
    /// Most items in one batch request.
    max_batch_items: usize = EngineConfig::default().max_batch_items, "SENTI_MAX_BATCH_ITEMS";
    /// Longest text, in characters.
    max_text_chars: usize = EngineConfig::default().max_text_chars, "SENTI_MAX_TEXT_CHARS";
    /// Time allowed for a request's headers, from their first byte (connection closed beyond).
    header_timeout_ms: u64 = 500, "SENTI_HEADER_TIMEOUT_MS";
    /// Time allowed for a request's body once its headers are in (408 beyond).
    body_timeout_ms: u64 = 10_000, "SENTI_BODY_TIMEOUT_MS";
    /// After an answer sent before its request body was read (413, 408, 415, any early
    /// error), how long the rest of the body is read and discarded before the connection
    /// closes, so that the client, still sending, gets to read the answer (nginx's lingering
    /// close). 0: close at once.
    lingering_time_ms: u64 = 5_000, "SENTI_LINGERING_TIME_MS";
    /// The most bytes read and discarded in that time; the connection closes beyond.
    lingering_max_bytes: usize = 16 << 20, "SENTI_LINGERING_MAX_BYTES";
    /// Idle keep-alive connections are closed after this long.
    idle_timeout_ms: u64 = 60_000, "SENTI_IDLE_TIMEOUT_MS";
    /// Requests processed at once; more get 503 with Retry-After, never a queue.
    max_in_flight: usize = 4096, "SENTI_MAX_IN_FLIGHT";
    /// Open connections; new ones wait in the kernel's accept backlog beyond this.
    max_connections: usize = 20_000, "SENTI_MAX_CONNECTIONS";
    /// On SIGTERM/SIGINT, how long in-flight requests get to finish.
    shutdown_grace_ms: u64 = 10_000, "SENTI_SHUTDOWN_GRACE_MS";
    /// On SIGTERM/SIGINT, how long /readyz reports 503 while new connections are still taken
    /// (lets a load balancer notice before the listener closes).
    drain_delay_ms: u64 = 0, "SENTI_DRAIN_DELAY_MS";
    /// Log format.
    log_format: LogFormat = LogFormat::Json, "SENTI_LOG_FORMAT";
    /// Log filter (tracing-subscriber EnvFilter syntax), e.g. "info" or "senti=debug".
    log_level: String = "info".to_string(), "SENTI_LOG_LEVEL";
    /// Share of successful requests that get an access log line (0.0 to 1.0); errors always do.
    /// The default logs 1 in 100: a line per request costs about as much as scoring it.
    access_log_sample: f64 = 0.01, "SENTI_ACCESS_LOG_SAMPLE";
    /// OTLP transport of --otlp-endpoint: http (HTTP/protobuf) or grpc.
    otlp_protocol: OtlpProtocol = OtlpProtocol::Http, "SENTI_OTLP_PROTOCOL";
    /// Share of new traces exported (0.0 to 1.0); a caller's traceparent sampled flag wins.
    otlp_sample_ratio: f64 = 1.0, "SENTI_OTLP_SAMPLE_RATIO";
    /// Runtime worker threads (0: one per core).
    workers: usize = 0, "SENTI_WORKERS";
    /// Where models run: cpu, cuda[:N] or tensorrt[:N]; falls back to the CPU (with a
    /// warning, a metric and the active device in /v1/models) when it cannot start.
    device: String = "cpu".to_string(), "SENTI_DEVICE";
    /// How many of each model's highest loadable versions stay loaded (for `name@version`).
    model_versions: usize = senti_model::RepoOptions::default().versions, "SENTI_MODEL_VERSIONS";
    /// How often the model repository is rescanned for new versions (0: only on SIGHUP or
    /// the admin route).
    model_poll_ms: u64 = 5_000, "SENTI_MODEL_POLL_MS";
    /// A version whose files changed more recently than this is taken to be still copying.
    model_settle_ms: u64 = senti_model::RepoOptions::default().settle.as_millis() as u64, "SENTI_MODEL_SETTLE_MS";
    /// Most texts in one forward pass.
    max_batch_size: usize = BatchConfig::default().max_batch_size, "SENTI_MAX_BATCH_SIZE";
    /// Most padded tokens (rows x longest row) in one forward pass.
    max_batch_tokens: usize = BatchConfig::default().max_batch_tokens, "SENTI_MAX_BATCH_TOKENS";
    /// How long an idle session waits for a batch to fill, in microseconds (0: never).
    max_batch_delay_us: u64 = BatchConfig::default().max_delay.as_micros() as u64, "SENTI_MAX_BATCH_DELAY_US";
    /// Texts waiting for a model (tokenizing or queued); more get 503 at once.
    model_max_queue: usize = BatchConfig::default().max_queue, "SENTI_MODEL_MAX_QUEUE";
    /// A text that has not started its forward pass by then gets 503.
    model_queue_timeout_ms: u64 = BatchConfig::default().queue_timeout.as_millis() as u64, "SENTI_MODEL_QUEUE_TIMEOUT_MS";
    /// ONNX Runtime sessions per model (batches run in parallel, one thread each).
    model_sessions: usize = BatchConfig::default().sessions, "SENTI_MODEL_SESSIONS";
    /// Intra-op threads per session.
    model_threads: usize = BatchConfig::default().intra_threads, "SENTI_MODEL_THREADS";
    /// Tokenizer pool threads per model.
    tokenizer_threads: usize = BatchConfig::default().tokenizer_threads, "SENTI_TOKENIZER_THREADS";
    /// Live rooms at once; a comment for a new room beyond this gets 429 too_many_rooms.
    max_rooms: usize = 10_000, "SENTI_MAX_ROOMS";
    /// Comments per second a room takes (over the last second); more are rejected.
    room_max_rate: u64 = 200_000, "SENTI_ROOM_MAX_RATE";
    /// A room without comments for this long is dropped.
    room_idle_ms: u64 = 600_000, "SENTI_ROOM_IDLE_MS";
    /// A comment id seen again in its room within this window is counted once.
    room_dedup_ms: u64 = senti_rooms::RoomLimits::default().dedup_window_ms, "SENTI_ROOM_DEDUP_MS";
    /// Prefix of the cluster's stream, subject and consumer names (tests and deployments can
    /// share a NATS server).
    nats_prefix: String = "senti".to_string(), "SENTI_NATS_PREFIX";
    /// How long a delivered comment may stay unacknowledged before another replica takes it
    /// over, in ms.
    nats_ack_wait_ms: u64 = senti_cluster::ClusterConfig::new("", "").ack_wait.as_millis() as u64, "SENTI_NATS_ACK_WAIT_MS";
    /// How long a comment waits for NATS to come back (a restart, a lost connection) before
    /// the answer is 503 unavailable, in ms (0: refuse at once).
    nats_hold_ms: u64 = senti_cluster::ClusterConfig::new("", "").hold.as_millis() as u64, "SENTI_NATS_HOLD_MS";
    /// Cache model results (L1, and L2 with --redis-url).
    #[arg(num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    cache_models: bool = EngineConfig::default().cache.models, "SENTI_CACHE_MODELS";
    /// Cache the lexicon scorers' results too (off: a VADER score costs less than a lookup).
    #[arg(num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    cache_lexicon: bool = EngineConfig::default().cache.lexicon, "SENTI_CACHE_LEXICON";
    /// Near-duplicate cache hits (SimHash-64): off, models, lexicon or all.
    #[arg(num_args = 0..=1, default_missing_value = "models", value_name = "WHICH")]
    cache_near_dup: String = "off".to_string(), "SENTI_CACHE_NEAR_DUP";
    /// Largest SimHash Hamming distance of a near-duplicate hit (0 to 3).
    cache_near_distance: u32 = EngineConfig::default().cache.near_distance, "SENTI_CACHE_NEAR_DISTANCE";
    /// Shortest text, in characters, that may take a near-duplicate hit.
    cache_near_min_chars: usize = EngineConfig::default().cache.near_min_chars, "SENTI_CACHE_NEAR_MIN_CHARS";
    /// L1 (in-process) cache bound, in entries.
    cache_l1_entries: u64 = EngineConfig::default().cache.l1_entries, "SENTI_CACHE_L1_ENTRIES";
    /// L1 cache bound, in bytes.
    cache_l1_bytes: u64 = EngineConfig::default().cache.l1_bytes, "SENTI_CACHE_L1_BYTES";
    /// How long a cached result lives (L1 and Redis), in seconds.
    cache_ttl_s: u64 = EngineConfig::default().cache.ttl.as_secs(), "SENTI_CACHE_TTL_S";
    /// The most a Redis call may add to a request, in ms.
    redis_timeout_ms: u64 = EngineConfig::default().cache.redis_timeout.as_millis() as u64, "SENTI_REDIS_TIMEOUT_MS";
    /// Prefix of senti's Redis keys.
    redis_prefix: String = EngineConfig::default().cache.redis_prefix, "SENTI_REDIS_PREFIX";
    /// Model calls a breaker remembers.
    breaker_window: usize = EngineConfig::default().breaker.window, "SENTI_BREAKER_WINDOW";
    /// Fewest calls in the window before a breaker may open.
    breaker_min_calls: usize = EngineConfig::default().breaker.min_calls, "SENTI_BREAKER_MIN_CALLS";
    /// Share of failed or slow calls that opens a model's breaker.
    breaker_failure_ratio: f64 = EngineConfig::default().breaker.failure_ratio, "SENTI_BREAKER_FAILURE_RATIO";
    /// A model call slower than this (ms) counts as failed.
    breaker_slow_ms: u64 = EngineConfig::default().breaker.slow_call.as_millis() as u64, "SENTI_BREAKER_SLOW_MS";
    /// How long an open breaker waits before half-open probes, in ms.
    breaker_open_ms: u64 = EngineConfig::default().breaker.open_for.as_millis() as u64, "SENTI_BREAKER_OPEN_MS";
    /// Successful probes that close a half-open breaker.
    breaker_probes: usize = EngineConfig::default().breaker.probes, "SENTI_BREAKER_PROBES";
    /// The cascade for requests that do not say "cascade": the lexicon first, the model
    /// only when the lexicon is unsure (|compound| under --cascade-threshold).
    #[arg(num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    cascade: bool = EngineConfig::default().cascade.default_on, "SENTI_CASCADE";
}
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("config file {path}: {source}")]
    Parse {
        path: String,
        source: toml::de::Error,
    },
    #[error("invalid setting: {0}")]
    Invalid(String),
}

impl Config {
    /// Flags and environment (already in `args`, by clap), then the file, then defaults.
    pub fn resolve(args: &ServeArgs) -> Result<Config, ConfigError> {
        let file = match &args.config {
            Some(p) => read_file(p)?,
            None => FileConfig::default(),
        };
        let cfg = Config::merge(args, file);
        cfg.validate()?;
        Ok(cfg)
    }

    /// What `senti serve --config FILE` with no other flag makes of the file's text.
    pub(crate) fn from_file_text(text: &str) -> Result<Config, ConfigError> {
        let file = parse_file(text, "<text>")?;
        let cfg = Config::merge(&ServeArgs::default(), file);
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        crate::telemetry::check_settings(self.otlp_endpoint.as_deref(), self.otlp_sample_ratio)
            .map_err(ConfigError::Invalid)?;
        if !(0.0..=1.0).contains(&self.access_log_sample) {
            return Err(ConfigError::Invalid(
                "access_log_sample must be within 0.0..=1.0".into(),
            ));
        }
        for (name, v) in [
            ("max_body_bytes", self.max_body_bytes),
            ("max_batch_items", self.max_batch_items),
            ("max_text_chars", self.max_text_chars),
            ("max_in_flight", self.max_in_flight),
            ("max_connections", self.max_connections),
            ("model_versions", self.model_versions),
            ("max_batch_size", self.max_batch_size),
            ("max_batch_tokens", self.max_batch_tokens),
            ("model_max_queue", self.model_max_queue),
            ("model_sessions", self.model_sessions),
            ("model_threads", self.model_threads),
            ("tokenizer_threads", self.tokenizer_threads),
            ("max_rooms", self.max_rooms),
        ] {
            if v == 0 {
                return Err(ConfigError::Invalid(format!("{name} must be at least 1")));
            }
        }
        self.device().map_err(ConfigError::Invalid)?;
        self.near_dup().map_err(ConfigError::Invalid)?;
        if self.cache_near_distance > 3 {
            return Err(ConfigError::Invalid(
                "cache_near_distance must be 0 to 3 (the banded index finds exactly those)".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.breaker_failure_ratio) || self.breaker_failure_ratio == 0.0 {
            return Err(ConfigError::Invalid(
                "breaker_failure_ratio must be within (0.0, 1.0]".into(),
            ));
        }
        self.cascade_thresholds().map_err(ConfigError::Invalid)?;
        self.cascade_models().map_err(ConfigError::Invalid)?;
        if self.request_timeout_ms == Some(0) {
            return Err(ConfigError::Invalid(
                "request_timeout_ms must be at least 1".into(),
            ));
        }
        if let Some(u) = &self.redis_url
            && !(u.starts_with("redis://")
                || u.starts_with("rediss://")
                || u.starts_with("unix://"))
        {
            return Err(ConfigError::Invalid(format!(
                "redis_url {u:?}: use redis://HOST:PORT[/DB]"
            )));
        }
        self.grpc_socket().map_err(ConfigError::Invalid)?;
        if let Some(m) = &self.model {
            senti_model::ModelSpec::parse(m).map_err(|e| ConfigError::Invalid(e.to_string()))?;
            if self.model_repo.is_none() {
                return Err(ConfigError::Invalid("--model needs --model-repo".into()));
            }
        }
        Ok(())
    }

    /// The gRPC listener address, `None` when turned off.
    pub fn grpc_socket(&self) -> Result<Option<SocketAddr>, String> {
        if self.grpc_addr.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        self.grpc_addr
            .parse()
            .map(Some)
            .map_err(|e| format!("grpc_addr {:?}: {e} (use host:port or off)", self.grpc_addr))
    }

    pub fn device(&self) -> Result<senti_model::Device, String> {
        senti_model::Device::parse(&self.device)
    }

    /// The cluster to join, if any.
    pub fn cluster(&self) -> Option<senti_cluster::ClusterConfig> {
        let url = self.nats_url.as_deref()?;
        let mut c = senti_cluster::ClusterConfig::new(url, &self.nats_prefix);
        c.ack_wait = Duration::from_millis(self.nats_ack_wait_ms.max(100));
        c.duplicate_window = Duration::from_millis(self.room_dedup_ms.max(1000));
        c.hold = Duration::from_millis(self.nats_hold_ms);
        Some(c)
    }

    /// `--cascade-threshold`, parsed (absent: the swept defaults).
    pub fn cascade_thresholds(&self) -> Result<senti_engine::Thresholds, String> {
        match &self.cascade_threshold {
            Some(s) => {
                senti_engine::Thresholds::parse(s).map_err(|e| format!("cascade_threshold {e}"))
            }
            None => Ok(senti_engine::CASCADE_THRESHOLDS),
        }
    }

    /// `--cascade-model`, parsed.
    pub fn cascade_models(&self) -> Result<Vec<(senti_core::Lang, String)>, String> {
        match &self.cascade_model {
            Some(s) => senti_engine::CascadeConfig::parse_models(s)
                .map_err(|e| format!("cascade_model {e}")),
            None => Ok(Vec::new()),
        }
    }

    /// `(lexicon, models)`: which backends take near-duplicate cache hits.
    pub fn near_dup(&self) -> Result<(bool, bool), String> {
        match self.cache_near_dup.to_ascii_lowercase().as_str() {
            "off" | "false" | "none" => Ok((false, false)),
            "models" | "model" | "true" | "onnx" => Ok((false, true)),
            "lexicon" => Ok((true, false)),
            "all" => Ok((true, true)),
            other => Err(format!(
                "cache_near_dup {other:?}: use off, models, lexicon or all"
            )),
        }
    }

    /// The engine's configuration (the pipeline every transport calls).
    pub fn engine(&self, observer: std::sync::Arc<dyn senti_model::Observer>) -> EngineConfig {
        let (near_lexicon, near_models) = self.near_dup().unwrap_or_default();
        EngineConfig {
            max_text_chars: self.max_text_chars,
            max_batch_items: self.max_batch_items,
            lexicon: self.lexicon.clone(),
            user_dict: self.user_dict.clone(),
            chat_lexicon: self.chat_lexicon.clone(),
            chat_dead_zone: None,
            model_repo: self.model_repo.clone(),
            default_model: self.model.clone(),
            repo: senti_model::RepoOptions {
                model: senti_model::ModelOptions {
                    device: self.device().unwrap_or(senti_model::Device::Cpu),
                    batch: self.batch(),
                    observer,
                },
                versions: self.model_versions,
                settle: Duration::from_millis(self.model_settle_ms),
            },
            ort_library: self.ort_library.clone(),
            request_timeout: self.request_timeout_ms.map(Duration::from_millis),
            cache: senti_engine::CacheConfig {
                lexicon: self.cache_lexicon,
                models: self.cache_models,
                l1_entries: self.cache_l1_entries,
                l1_bytes: self.cache_l1_bytes,
                ttl: Duration::from_secs(self.cache_ttl_s.max(1)),
                redis_url: self.redis_url.clone(),
                redis_timeout: Duration::from_millis(self.redis_timeout_ms.max(1)),
                redis_prefix: self.redis_prefix.clone(),
                near_lexicon,
                near_models,
                near_distance: self.cache_near_distance,
                near_min_chars: self.cache_near_min_chars,
            },
            breaker: senti_engine::BreakerConfig {
                window: self.breaker_window.max(1),
                min_calls: self.breaker_min_calls.max(1),
                failure_ratio: self.breaker_failure_ratio,
                slow_call: Duration::from_millis(self.breaker_slow_ms),
                open_for: Duration::from_millis(self.breaker_open_ms),
                probes: self.breaker_probes.max(1),
            },
            cascade: senti_engine::CascadeConfig {
                default_on: self.cascade,
                thresholds: self
                    .cascade_thresholds()
                    .unwrap_or(senti_engine::CASCADE_THRESHOLDS),
                models: self.cascade_models().unwrap_or_default(),
            },
        }
    }

    /// Batching and threading of every model.
    pub fn batch(&self) -> senti_model::BatchConfig {
        senti_model::BatchConfig {
            max_batch_size: self.max_batch_size,
            max_batch_tokens: self.max_batch_tokens,
            max_delay: Duration::from_micros(self.max_batch_delay_us),
            max_queue: self.model_max_queue,
            queue_timeout: Duration::from_millis(self.model_queue_timeout_ms),
            sessions: self.model_sessions,
            intra_threads: self.model_threads,
            tokenizer_threads: self.tokenizer_threads,
        }
    }

    pub fn header_timeout(&self) -> Duration {
        Duration::from_millis(self.header_timeout_ms)
    }
    pub fn body_timeout(&self) -> Duration {
        Duration::from_millis(self.body_timeout_ms)
    }
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.idle_timeout_ms)
    }
    pub fn lingering_time(&self) -> Duration {
        Duration::from_millis(self.lingering_time_ms)
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse_file(&text, &path.display().to_string())
}

fn parse_file(text: &str, path: &str) -> Result<FileConfig, ConfigError> {
    toml::from_str(text).map_err(|source| ConfigError::Parse {
        path: path.to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    #[test]
    fn flag_beats_file_beats_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("senti.toml");
        std::fs::write(
            &path,
            "max_text_chars = 50\nmax_batch_items = 7\nlog_format = \"text\"\n",
        )
        .unwrap();
        let cli = Cli::parse_from([
            "x",
            "--config",
            path.to_str().unwrap(),
            "--max-text-chars",
            "9",
        ]);
        let cfg = Config::resolve(&cli.serve).unwrap();
        assert_eq!(cfg.max_text_chars, 9);
        assert_eq!(cfg.max_batch_items, 7);
        assert_eq!(cfg.log_format, LogFormat::Text);
        assert_eq!(cfg.max_body_bytes, 1 << 20);
    }

    #[test]
    fn bad_files_and_values_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("senti.toml");
        std::fs::write(&path, "max_text_charz = 50\n").unwrap();
        let cli = Cli::parse_from(["x", "--config", path.to_str().unwrap()]);
        assert!(matches!(
            Config::resolve(&cli.serve),
            Err(ConfigError::Parse { .. })
        ));
        let cli = Cli::parse_from(["x", "--access-log-sample", "2"]);
        assert!(matches!(
            Config::resolve(&cli.serve),
            Err(ConfigError::Invalid(_))
        ));
    }

    #[test]
    fn engine_settings_have_one_default_and_are_checked() {
        let cfg = Config::resolve(&Cli::parse_from(["x"]).serve).unwrap();
        let e = cfg.engine(std::sync::Arc::new(senti_model::NoObserver));
        let d = EngineConfig::default();
        assert_eq!(e.cache.models, d.cache.models);
        assert_eq!(e.cache.ttl, d.cache.ttl);
        assert_eq!(e.breaker.slow_call, d.breaker.slow_call);
        assert_eq!(
            e.repo.model.batch.max_batch_size,
            BatchConfig::default().max_batch_size
        );
        assert_eq!(e.request_timeout, None);
        assert!(!e.cache.near_models && e.cache.redis_url.is_none());

        let cli = Cli::parse_from(["x", "--cache-near-dup", "--request-timeout-ms", "250"]);
        let cfg = Config::resolve(&cli.serve).unwrap();
        assert_eq!(
            cfg.near_dup(),
            Ok((false, true)),
            "the bare flag means models"
        );
        let e = cfg.engine(std::sync::Arc::new(senti_model::NoObserver));
        assert_eq!(e.request_timeout, Some(Duration::from_millis(250)));
        for bad in [
            &["x", "--cache-near-dup", "sometimes"][..],
            &["x", "--cache-near-distance", "4"],
            &["x", "--redis-url", "localhost:6379"],
            &["x", "--breaker-failure-ratio", "0"],
            &["x", "--request-timeout-ms", "0"],
        ] {
            let cli = Cli::parse_from(bad);
            assert!(
                matches!(Config::resolve(&cli.serve), Err(ConfigError::Invalid(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_kubernetes_config_map_holds_only_known_settings() {
        let manifest = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/kubernetes/senti.yaml"),
        )
        .unwrap();
        let mut lines = manifest
            .lines()
            .skip_while(|l| !l.trim_start().starts_with("senti.toml: |"));
        lines.next();
        let toml: String = lines
            .take_while(|l| l.starts_with("    "))
            .map(|l| format!("{}\n", l.trim_start()))
            .collect();
        assert!(toml.contains("nats_url"), "{toml}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("senti.toml");
        std::fs::write(&path, toml).unwrap();
        let cli = Cli::parse_from(["x", "--config", path.to_str().unwrap()]);
        let cfg = Config::resolve(&cli.serve).unwrap();
        assert_eq!(cfg.nats_url.as_deref(), Some("nats://nats:4222"));
        assert_eq!(cfg.redis_url.as_deref(), Some("redis://redis:6379"));
        assert!(cfg.cluster().is_some());
    }
}
