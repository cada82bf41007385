//! What every handler shares.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use senti_engine::Engine;
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::metrics::Metrics;

pub struct AppState {
    pub cfg: Config,
    /// The pipeline every route and RPC calls.
    pub engine: Engine,
    pub metrics: Arc<Metrics>,
    /// Set on SIGTERM/SIGINT: /readyz answers 503 from then on.
    pub draining: AtomicBool,
    /// Set when the listener closes after the drain delay: from then on every answer says
    /// `Connection: close`.
    pub stopping: AtomicBool,
    /// Permits for requests in flight (`max_in_flight`); none left means 503, not a queue.
    pub in_flight: Arc<Semaphore>,
    pub started: Instant,
    /// The engine's model repository (`--model-repo`); `None` means ONNX Runtime is never
    /// loaded.
    pub models: Option<Arc<senti_model::ModelRepo>>,
    /// Clustered mode (`--nats-url`): this replica's membership.
    pub cluster: Option<Arc<senti_cluster::Cluster>>,
    /// Live rooms and their subscribers.
    pub rooms: senti_rooms::Rooms,
    pub hubs: crate::room_hub::Hubs,
}

impl AppState {
    pub fn new(
        cfg: Config,
        engine: Engine,
        metrics: Arc<Metrics>,
        cluster: Option<Arc<senti_cluster::Cluster>>,
    ) -> AppState {
        let permits = cfg.max_in_flight.min(Semaphore::MAX_PERMITS);
        let models = engine.models().cloned();
        let rooms = senti_rooms::Rooms::new(
            senti_rooms::RoomLimits {
                max_rooms: cfg.max_rooms,
                max_comment_chars: cfg.max_text_chars,
                max_rate: cfg.room_max_rate,
                idle_expiry_ms: cfg.room_idle_ms,
                dedup_window_ms: cfg.room_dedup_ms,
                ..Default::default()
            },
            senti_rooms::SpikeRule::default(),
        );
        AppState {
            rooms,
            hubs: Default::default(),
            models,
            cluster,
            cfg,
            engine,
            metrics,
            draining: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            in_flight: Arc::new(Semaphore::new(permits)),
            started: Instant::now(),
        }
    }
}

impl AppState {
    /// A permit for a request in flight, or 503 `overloaded` (never a queue).
    pub fn admit(&self) -> Result<tokio::sync::OwnedSemaphorePermit, crate::error::ApiError> {
        self.in_flight.clone().try_acquire_owned().map_err(|_| {
            crate::error::ApiError::new(
                crate::error::ErrorCode::Overloaded,
                format!(
                    "{} requests are in flight, the configured limit; retry shortly",
                    self.cfg.max_in_flight
                ),
            )
        })
    }
}

pub type Shared = Arc<AppState>;
