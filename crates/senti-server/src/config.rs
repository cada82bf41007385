//! Settings of `senti serve`: a flag, else a `SENTI_*` environment variable, else the TOML file
//! given by `--config`, else the built-in default. Every setting is declared once, in the
//! `settings!` table below, which generates the flags, the file format and the defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::ValueEnum;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Text,
}

macro_rules! settings {
    ($( $(#[doc = $doc:literal])* $name:ident : $ty:ty = $default:expr, $env:literal; )*) => {
        /// Command-line flags of `senti serve` (each also read from its environment variable).
        #[derive(clap::Args, Debug, Clone, Default)]
        pub struct ServeArgs {
            /// TOML file with any of the settings below (keys as the flags, with underscores).
            #[arg(long, value_name = "PATH", env = "SENTI_CONFIG")]
            pub config: Option<PathBuf>,
            /// Extra VADER lexicon entries (vader_lexicon.txt format).
            #[arg(long, value_name = "PATH", env = "SENTI_LEXICON")]
            pub lexicon: Option<PathBuf>,
            /// A jieba user dictionary (`word [freq] [tag]` per line) for Chinese segmentation.
            #[arg(long, value_name = "PATH", env = "SENTI_USER_DICT")]
            pub user_dict: Option<PathBuf>,
            /// A model repository: DIR/<name>/<version>/ with model.onnx (or
            /// model_quantized.onnx), tokenizer.json and config.json. Off by default: without
            /// it ONNX Runtime is never loaded.
            #[arg(long, value_name = "DIR", env = "SENTI_MODEL_REPO")]
            pub model_repo: Option<PathBuf>,
            /// The model (`name[@version]`) for requests that name none; without it such
            /// requests go to the lexicon scorers.
            #[arg(long, value_name = "NAME", env = "SENTI_MODEL")]
            pub model: Option<String>,
            /// Bearer token that turns on the admin routes (POST /admin/models/<name>/reload).
            #[arg(long, value_name = "TOKEN", env = "SENTI_ADMIN_TOKEN", hide_env_values = true)]
            pub admin_token: Option<String>,
            /// libonnxruntime.so.1.31.1 to load (default: ORT_DYLIB_PATH, else the loader's path).
            #[arg(long, value_name = "PATH", env = "SENTI_ORT_LIBRARY")]
            pub ort_library: Option<PathBuf>,
            $( $(#[doc = $doc])* #[arg(long, env = $env)] pub $name: Option<$ty>, )*
        }

        /// The TOML file: every key optional, unknown keys rejected.
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct FileConfig {
            pub lexicon: Option<PathBuf>,
            pub user_dict: Option<PathBuf>,
            pub model_repo: Option<PathBuf>,
            pub model: Option<String>,
            pub admin_token: Option<String>,
            pub ort_library: Option<PathBuf>,
            $( pub $name: Option<$ty>, )*
        }

        /// Resolved settings.
        #[derive(Debug, Clone)]
        pub struct Config {
            pub lexicon: Option<PathBuf>,
            pub user_dict: Option<PathBuf>,
            pub model_repo: Option<PathBuf>,
            pub model: Option<String>,
            pub admin_token: Option<String>,
            pub ort_library: Option<PathBuf>,
            $( $(#[doc = $doc])* pub $name: $ty, )*
        }

        impl Default for Config {
            fn default() -> Config {
                Config {
                    lexicon: None, user_dict: None, model_repo: None, model: None,
                    admin_token: None, ort_library: None, $( $name: $default, )*
                }
            }
        }

        impl Config {
            fn merge(args: &ServeArgs, file: FileConfig) -> Config {
                let d = Config::default();
                Config {
                    lexicon: args.lexicon.clone().or(file.lexicon),
                    user_dict: args.user_dict.clone().or(file.user_dict),
                    model_repo: args.model_repo.clone().or(file.model_repo),
                    model: args.model.clone().or(file.model),
                    admin_token: args.admin_token.clone().or(file.admin_token),
                    ort_library: args.ort_library.clone().or(file.ort_library),
                    $( $name: args.$name.clone().or(file.$name).unwrap_or(d.$name), )*
                }
            }
        }
    };
}

settings! {
    /// Address to listen on.
    addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 8080)), "SENTI_ADDR";
    /// gRPC address ("off" to disable).
    grpc_addr: String = "127.0.0.1:50051".to_string(), "SENTI_GRPC_ADDR";
    /// Largest request body, in bytes (413 beyond).
    max_body_bytes: usize = 1 << 20, "SENTI_MAX_BODY_BYTES";
    /// Most items in one batch request.
    max_batch_items: usize = 1000, "SENTI_MAX_BATCH_ITEMS";
    /// Longest text, in characters.
    max_text_chars: usize = 10_000, "SENTI_MAX_TEXT_CHARS";
    /// Time allowed for a request's headers, from their first byte (connection closed beyond).
    header_timeout_ms: u64 = 500, "SENTI_HEADER_TIMEOUT_MS";
    /// Time allowed for a request's body once its headers are in (408 beyond).
    body_timeout_ms: u64 = 10_000, "SENTI_BODY_TIMEOUT_MS";
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
    /// Runtime worker threads (0: one per core).
    workers: usize = 0, "SENTI_WORKERS";
    /// Where models run: cpu, cuda[:N] or tensorrt[:N]; falls back to the CPU (with a
    /// warning, a metric and the active device in /v1/models) when it cannot start.
    device: String = "cpu".to_string(), "SENTI_DEVICE";
    /// How many of each model's highest loadable versions stay loaded (for `name@version`).
    model_versions: usize = 1, "SENTI_MODEL_VERSIONS";
    /// How often the model repository is rescanned for new versions (0: only on SIGHUP or
    /// the admin route).
    model_poll_ms: u64 = 5_000, "SENTI_MODEL_POLL_MS";
    /// A version whose files changed more recently than this is taken to be still copying.
    model_settle_ms: u64 = 1_000, "SENTI_MODEL_SETTLE_MS";
    /// Most texts in one forward pass.
    max_batch_size: usize = 32, "SENTI_MAX_BATCH_SIZE";
    /// Most padded tokens (rows x longest row) in one forward pass.
    max_batch_tokens: usize = 16_384, "SENTI_MAX_BATCH_TOKENS";
    /// How long an idle session waits for a batch to fill, in microseconds (0: never).
    max_batch_delay_us: u64 = 0, "SENTI_MAX_BATCH_DELAY_US";
    /// Texts waiting for a model (tokenizing or queued); more get 503 at once.
    model_max_queue: usize = 1024, "SENTI_MODEL_MAX_QUEUE";
    /// A text that has not started its forward pass by then gets 503.
    model_queue_timeout_ms: u64 = 2_000, "SENTI_MODEL_QUEUE_TIMEOUT_MS";
    /// ONNX Runtime sessions per model (batches run in parallel, one thread each).
    model_sessions: usize = 1, "SENTI_MODEL_SESSIONS";
    /// Intra-op threads per session.
    model_threads: usize = 1, "SENTI_MODEL_THREADS";
    /// Tokenizer pool threads per model.
    tokenizer_threads: usize = 1, "SENTI_TOKENIZER_THREADS";
    /// Live rooms at once; a comment for a new room beyond this gets 429 too_many_rooms.
    max_rooms: usize = 10_000, "SENTI_MAX_ROOMS";
    /// Comments per second a room takes (over the last second); more are rejected.
    room_max_rate: u64 = 200_000, "SENTI_ROOM_MAX_RATE";
    /// A room without comments for this long is dropped.
    room_idle_ms: u64 = 600_000, "SENTI_ROOM_IDLE_MS";
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

    fn validate(&self) -> Result<(), ConfigError> {
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
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.display().to_string(),
        source,
    })?;
    toml::from_str(&text).map_err(|source| ConfigError::Parse {
        path: path.display().to_string(),
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
}
