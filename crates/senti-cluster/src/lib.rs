//! senti replicas on NATS JetStream.
//!
//! Why this shape: viewers of one room connect to whichever replica a load balancer picks, so
//! every replica must know every room exactly; and scoring is the expensive part, so it must
//! be split, never repeated. JetStream gives both without a home-made cluster protocol:
//!
//! * **Accepted means durable.** A comment accepted by any replica is published to the
//!   `<prefix>_comments` stream (subject `<prefix>.comments.<room>`, file storage) and answered
//!   only after JetStream acknowledged it. Its `Nats-Msg-Id` is `<room>/<id>`, so a client that
//!   retries within the stream's duplicate window (2 minutes) is told "duplicate" instead of
//!   counted twice. Each comment carries the accepting replica's arrival time (`at_ms`), which
//!   every replica uses for its windows.
//! * **Scoring is split** by one shared durable pull consumer (`<prefix>-scorers`): each
//!   comment goes to one replica, which scores it, publishes the scored result to the
//!   `<prefix>_scored` stream (same `Nats-Msg-Id`: a re-score after a crash is dropped there as
//!   a duplicate) and acknowledges the comment only after that publish was acknowledged. A dead
//!   replica's unacknowledged comments are redelivered to the others after `ack_wait` (5 s, not
//!   JetStream's 30 s default); `max_ack_pending` is set high, since a full one stops delivery
//!   without a word.
//! * **Every replica folds the scored stream** through an ordered consumer from its first
//!   message (resuming after the last sequence it folded), into its own rooms: the same
//!   comments in the same order with the same arrival times give every replica the same
//!   totals, windows, top terms and spikes. Folding costs a JSON decode and a few counter
//!   updates per comment, little next to scoring; merging partial windows on read would need a
//!   round trip to every replica per request and per SSE tick.

mod wire;

/// Comments a replica pulls at a time.
const PULL_BATCH: usize = 32;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};
use futures_util::StreamExt;
pub use wire::{WireComment, WireScored};

/// Why the cluster could not take a comment.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClusterError {
    /// NATS is unreachable, its streams are not set up yet, or it did not acknowledge in time.
    #[error("the comment stream is unavailable: {0}")]
    Unavailable(String),
    #[error("invalid cluster setting: {0}")]
    Config(String),
}

/// How this replica joins.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// `nats://HOST:PORT`.
    pub url: String,
    /// Prefix of the stream, subject and consumer names (`[A-Za-z0-9_-]+`).
    pub prefix: String,
    /// How long a delivered comment may stay unacknowledged before another replica gets it.
    pub ack_wait: Duration,
    /// JetStream's duplicate window on both streams (`Nats-Msg-Id`).
    pub duplicate_window: Duration,
    /// How long the streams keep messages (a replica that starts later folds what is kept).
    pub max_age: Duration,
    /// The longest an accepting replica waits for JetStream's acknowledgement.
    pub publish_timeout: Duration,
    /// How long a comment waits for NATS to come back (a restart, a lost connection) before
    /// the answer is 503 unavailable: a short outage delays ingest instead of failing it.
    pub hold: Duration,
    /// Unacknowledged comments a replica may hold (JetStream's MaxAckPending).
    pub max_ack_pending: i64,
}

impl ClusterConfig {
    pub fn new(url: &str, prefix: &str) -> ClusterConfig {
        ClusterConfig {
            url: url.to_string(),
            prefix: prefix.to_string(),
            ack_wait: Duration::from_secs(5),
            duplicate_window: Duration::from_secs(120),
            max_age: Duration::from_secs(24 * 3600),
            publish_timeout: Duration::from_secs(2),
            hold: Duration::from_secs(3),
            max_ack_pending: 100_000,
        }
    }

    fn names(&self) -> Names {
        let p = &self.prefix;
        Names {
            comments: format!("{p}_comments"),
            scored: format!("{p}_scored"),
            scorers: format!("{p}-scorers"),
            comment_subject: format!("{p}.comments"),
            scored_subject: format!("{p}.scored"),
        }
    }
}

struct Names {
    comments: String,
    scored: String,
    scorers: String,
    comment_subject: String,
    scored_subject: String,
}

/// Scores one comment's text (the engine's room path); `None`: it cannot be scored.
pub trait Scorer: Send + Sync + 'static {
    fn score(&self, comment: &WireComment) -> Option<WireScored>;
}

/// Receives every scored comment of the cluster, in stream order, once.
pub trait Folder: Send + Sync + 'static {
    fn fold(&self, scored: WireScored);
}

/// Counts for metrics; every method has an empty default.
pub trait ClusterObserver: Send + Sync + 'static {
    /// This replica scored (and published) `n` comments.
    fn scored(&self, _n: u64) {}
    /// A comment reached this replica again (another replica died before acknowledging it).
    fn redelivered(&self) {}
    /// A scored comment was folded into this replica's rooms.
    fn folded(&self) {}
}

/// This replica's membership: a NATS connection and the two streams.
pub struct Cluster {
    cfg: ClusterConfig,
    names: Names,
    js: jetstream::Context,
    client: async_nats::Client,
    /// Both streams exist (set up once NATS answered).
    ready: AtomicBool,
    /// The last scored-stream sequence folded here.
    folded_seq: AtomicU64,
    /// The shared consumer is delivering to this replica.
    scoring: AtomicBool,
    /// The ordered consumer of the scored stream is running.
    folding: AtomicBool,
}

/// Where this replica stands (`GET /v1/info`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClusterStatus {
    pub prefix: String,
    /// Connected to NATS with both streams set up: ingest takes comments.
    pub ready: bool,
    /// Taking its share of the comments to score.
    pub scoring: bool,
    /// Folding the scored stream into its rooms.
    pub folding: bool,
    /// The last scored-stream sequence folded.
    pub folded_seq: u64,
}

fn valid_prefix(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 64
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Cluster {
    /// Connects (in the background when NATS is not there yet: that is not a start-up error;
    /// ingest answers 503 until it is) and sets up the streams as soon as it can.
    pub async fn connect(cfg: ClusterConfig) -> Result<Arc<Cluster>, ClusterError> {
        if !valid_prefix(&cfg.prefix) {
            return Err(ClusterError::Config(format!(
                "nats prefix {:?} must be 1-64 of A-Z a-z 0-9 _ -",
                cfg.prefix
            )));
        }
        let client = async_nats::ConnectOptions::new()
            .retry_on_initial_connect()
            .connection_timeout(Duration::from_secs(2))
            .request_timeout(Some(cfg.publish_timeout))
            .max_reconnects(None)
            // async-nats backs off up to 4 s between tries; a NATS that restarts should be
            // found again within a fraction of the hold time.
            .reconnect_delay_callback(|attempts| {
                Duration::from_millis((attempts as u64 * 50).min(250))
            })
            .connect(&cfg.url)
            .await
            .map_err(|e| ClusterError::Config(format!("--nats-url {}: {e}", cfg.url)))?;
        let js = jetstream::new(client.clone());
        let cluster = Arc::new(Cluster {
            names: cfg.names(),
            cfg,
            js,
            client,
            ready: AtomicBool::new(false),
            folded_seq: AtomicU64::new(0),
            scoring: AtomicBool::new(false),
            folding: AtomicBool::new(false),
        });
        let c = cluster.clone();
        tokio::spawn(async move {
            loop {
                match c.ensure_streams().await {
                    Ok(()) => {
                        c.ready.store(true, Ordering::Release);
                        tracing::info!(prefix = %c.cfg.prefix, "cluster streams ready");
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cluster streams not ready; retrying");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            }
        });
        Ok(cluster)
    }

    pub fn config(&self) -> &ClusterConfig {
        &self.cfg
    }

    pub fn status(&self) -> ClusterStatus {
        ClusterStatus {
            prefix: self.cfg.prefix.clone(),
            ready: self.ready(),
            scoring: self.scoring.load(Ordering::Relaxed),
            folding: self.folding.load(Ordering::Relaxed),
            folded_seq: self.folded_seq.load(Ordering::Relaxed),
        }
    }

    /// Connected to NATS with both streams set up.
    pub fn ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
            && self.client.connection_state() == async_nats::connection::State::Connected
    }

    async fn ensure_streams(&self) -> Result<(), String> {
        for (name, subject) in [
            (&self.names.comments, &self.names.comment_subject),
            (&self.names.scored, &self.names.scored_subject),
        ] {
            self.js
                .get_or_create_stream(stream::Config {
                    name: name.clone(),
                    subjects: vec![format!("{subject}.>")],
                    storage: stream::StorageType::File,
                    duplicate_window: self.cfg.duplicate_window,
                    max_age: self.cfg.max_age,
                    ..Default::default()
                })
                .await
                .map_err(|e| format!("stream {name}: {e}"))?;
        }
        Ok(())
    }

    /// Publishes an accepted comment and waits for JetStream's acknowledgement. `Ok(true)`:
    /// JetStream already had this `room/id` within its duplicate window.
    ///
    /// While NATS is away (not connected, or a publish failed), tries again every 50 ms for
    /// up to `hold`, with the same `Nats-Msg-Id`: a try that did reach JetStream makes the
    /// next one a duplicate, which is then this comment's own first copy, not a client's
    /// retry.
    pub async fn publish(&self, c: &WireComment) -> Result<bool, ClusterError> {
        let deadline = tokio::time::Instant::now() + self.cfg.hold;
        let subject = format!("{}.{}", self.names.comment_subject, c.room);
        let mut tried = false;
        loop {
            let err = if self.ready() {
                match self.publish_json(subject.clone(), c.msg_id(), c).await {
                    Ok(duplicate) => return Ok(duplicate && !tried),
                    Err(e) => {
                        tried = true;
                        e
                    }
                }
            } else {
                ClusterError::Unavailable(
                    "not connected to NATS (or its streams are not set up yet); retry shortly"
                        .into(),
                )
            };
            if tokio::time::Instant::now() + Duration::from_millis(50) > deadline {
                return Err(err);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn publish_json<T: serde::Serialize>(
        &self,
        subject: String,
        msg_id: String,
        value: &T,
    ) -> Result<bool, ClusterError> {
        let ack = self.send_json(subject, msg_id, value).await?;
        self.acked(ack).await
    }

    /// Sends a message (without waiting for JetStream's acknowledgement).
    async fn send_json<T: serde::Serialize>(
        &self,
        subject: String,
        msg_id: String,
        value: &T,
    ) -> Result<jetstream::context::PublishAckFuture, ClusterError> {
        let body = serde_json::to_vec(value)
            .map_err(|e| ClusterError::Unavailable(format!("encoding: {e}")))?;
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(async_nats::header::NATS_MESSAGE_ID, msg_id.as_str());
        let send = self.js.publish_with_headers(subject, headers, body.into());
        match tokio::time::timeout(self.cfg.publish_timeout, send).await {
            Ok(r) => r.map_err(|e| ClusterError::Unavailable(e.to_string())),
            Err(_) => Err(self.late()),
        }
    }

    /// Waits for an acknowledgement; `Ok(true)`: a duplicate.
    async fn acked(&self, ack: jetstream::context::PublishAckFuture) -> Result<bool, ClusterError> {
        match tokio::time::timeout(self.cfg.publish_timeout, ack).await {
            Ok(Ok(ack)) => Ok(ack.duplicate),
            Ok(Err(e)) => Err(ClusterError::Unavailable(e.to_string())),
            Err(_) => Err(self.late()),
        }
    }

    fn late(&self) -> ClusterError {
        ClusterError::Unavailable(format!(
            "JetStream did not acknowledge within {} ms",
            self.cfg.publish_timeout.as_millis()
        ))
    }

    /// Takes this replica's share of the comments (the shared durable consumer), scores them
    /// and publishes the results, until the process ends; survives NATS going away.
    pub fn spawn_scorer(self: &Arc<Self>, scorer: Arc<dyn Scorer>, obs: Arc<dyn ClusterObserver>) {
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                if this.ready()
                    && let Err(e) = this.score_loop(&*scorer, &*obs).await
                {
                    tracing::warn!(error = %e, "cluster scorer stopped; restarting");
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
    }

    async fn score_loop(
        &self,
        scorer: &dyn Scorer,
        obs: &dyn ClusterObserver,
    ) -> Result<(), String> {
        let stream = self
            .js
            .get_stream(&self.names.comments)
            .await
            .map_err(|e| e.to_string())?;
        let consumer: consumer::PullConsumer = stream
            .get_or_create_consumer(
                &self.names.scorers,
                consumer::pull::Config {
                    durable_name: Some(self.names.scorers.clone()),
                    ack_policy: consumer::AckPolicy::Explicit,
                    ack_wait: self.cfg.ack_wait,
                    max_ack_pending: self.cfg.max_ack_pending,
                    deliver_policy: consumer::DeliverPolicy::All,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| e.to_string())?;
        let mut messages = consumer
            .stream()
            // Small pulls, so that under light load the replicas take turns; under heavy
            // load every replica has a pull waiting anyway.
            .max_messages_per_batch(PULL_BATCH)
            .heartbeat(Duration::from_secs(1))
            .expires(Duration::from_secs(2))
            .messages()
            .await
            .map_err(|e| e.to_string())?
            .ready_chunks(PULL_BATCH);
        self.scoring.store(true, Ordering::Relaxed);
        let r = self.score_messages(&mut messages, scorer, obs).await;
        self.scoring.store(false, Ordering::Relaxed);
        r
    }

    async fn score_messages(
        &self,
        messages: &mut (
                 impl futures_util::Stream<
            Item = Vec<Result<jetstream::Message, consumer::pull::MessagesError>>,
        > + Unpin
             ),
        scorer: &dyn Scorer,
        obs: &dyn ClusterObserver,
    ) -> Result<(), String> {
        while let Some(chunk) = messages.next().await {
            let mut msgs = Vec::with_capacity(chunk.len());
            for m in chunk {
                msgs.push(m.map_err(|e| e.to_string())?);
            }
            // Score the chunk and publish every result, then wait for the acknowledgements,
            // then acknowledge the comments: a crash anywhere before the last step leaves them
            // to be redelivered, and their re-scored results are dropped as duplicates.
            let mut pending = Vec::with_capacity(msgs.len());
            for msg in &msgs {
                if msg.info().is_ok_and(|i| i.delivered > 1) {
                    obs.redelivered();
                }
                let scored = serde_json::from_slice::<WireComment>(&msg.payload)
                    .ok()
                    .and_then(|c| scorer.score(&c));
                let Some(scored) = scored else {
                    tracing::warn!("dropping an undecodable or unscorable comment");
                    pending.push(None);
                    continue;
                };
                let subject = format!("{}.{}", self.names.scored_subject, scored.comment.room);
                let ack = self
                    .send_json(subject, scored.comment.msg_id(), &scored)
                    .await
                    .map_err(|e| e.to_string())?;
                pending.push(Some(ack));
            }
            let mut scored = 0;
            for (msg, ack) in msgs.iter().zip(pending) {
                if let Some(ack) = ack {
                    self.acked(ack).await.map_err(|e| e.to_string())?;
                    scored += 1;
                }
                msg.ack().await.map_err(|e| e.to_string())?;
            }
            obs.scored(scored);
        }
        Ok(())
    }

    /// Folds every scored comment of the cluster into `folder`, in stream order, each once.
    pub fn spawn_folder(self: &Arc<Self>, folder: Arc<dyn Folder>, obs: Arc<dyn ClusterObserver>) {
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                if this.ready()
                    && let Err(e) = this.fold_loop(&*folder, &*obs).await
                {
                    tracing::warn!(error = %e, "cluster folder stopped; resuming");
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
    }

    async fn fold_loop(
        &self,
        folder: &dyn Folder,
        obs: &dyn ClusterObserver,
    ) -> Result<(), String> {
        let stream = self
            .js
            .get_stream(&self.names.scored)
            .await
            .map_err(|e| e.to_string())?;
        let after = self.folded_seq.load(Ordering::Acquire);
        let deliver_policy = if after == 0 {
            consumer::DeliverPolicy::All
        } else {
            consumer::DeliverPolicy::ByStartSequence {
                start_sequence: after + 1,
            }
        };
        let consumer: consumer::OrderedPullConsumer = stream
            .create_consumer(consumer::pull::OrderedConfig {
                deliver_policy,
                ..Default::default()
            })
            .await
            .map_err(|e| e.to_string())?;
        let mut messages = consumer.messages().await.map_err(|e| e.to_string())?;
        self.folding.store(true, Ordering::Relaxed);
        let r = self.fold_messages(&mut messages, folder, obs).await;
        self.folding.store(false, Ordering::Relaxed);
        r
    }

    async fn fold_messages(
        &self,
        messages: &mut consumer::pull::Ordered,
        folder: &dyn Folder,
        obs: &dyn ClusterObserver,
    ) -> Result<(), String> {
        while let Some(m) = messages.next().await {
            let msg = m.map_err(|e| e.to_string())?;
            let seq = msg.info().map(|i| i.stream_sequence).unwrap_or(0);
            if seq != 0 && seq <= self.folded_seq.load(Ordering::Acquire) {
                continue;
            }
            match serde_json::from_slice::<WireScored>(&msg.payload) {
                Ok(s) => {
                    folder.fold(s);
                    obs.folded();
                }
                Err(e) => tracing::warn!(error = %e, "skipping an undecodable scored comment"),
            }
            if seq != 0 {
                self.folded_seq.store(seq, Ordering::Release);
            }
        }
        Ok(())
    }
}
