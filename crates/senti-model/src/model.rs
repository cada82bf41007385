//! One loaded model: its config, tokenizer pool, batcher and sessions, behind a cheap handle.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use senti_core::{
    AnalyzeError, AnalyzeOptions, Analyzer, Lang, ModelMeta, Pending, Sentiment, detect_lang,
};
use tokio::sync::oneshot;

use crate::batcher::{self, BatchConfig, Event, Job, Shared};
use crate::config::ModelConfig;
use crate::runtime::{self, Device};
use crate::tokenize::{self, ModelTokenizer};
use crate::worker::{self, GraphIo};
use crate::{ModelError, Observer};

/// How to load a model.
#[derive(Clone)]
pub struct ModelOptions {
    pub device: Device,
    pub batch: BatchConfig,
    pub observer: Arc<dyn Observer>,
}

impl Default for ModelOptions {
    fn default() -> Self {
        ModelOptions {
            device: Device::Cpu,
            batch: BatchConfig::default(),
            observer: Arc::new(crate::NoObserver),
        }
    }
}

/// A model's answer to one text.
#[derive(Debug, Clone)]
pub struct Answer {
    pub scores: senti_core::Scores,
    /// Per label, in `config.labels` order.
    pub probabilities: Vec<f64>,
    pub truncated: bool,
    pub timing: senti_core::StageTiming,
}

/// A loaded, warmed-up model. Cloning is cheap; the threads stop when the last clone (and
/// every request holding one) is gone, which is how a replaced version finishes its
/// in-flight requests and then goes away.
#[derive(Clone)]
pub struct Model {
    inner: Arc<Inner>,
}

struct Inner {
    id: Arc<str>,
    labels: Vec<Arc<str>>,
    config: Arc<ModelConfig>,
    dir: PathBuf,
    onnx: PathBuf,
    requested: Device,
    device: Device,
    fallback: Option<String>,
    jobs: Option<Sender<Job>>,
    events: Sender<Event>,
    shared: Arc<Shared>,
    max_queue: usize,
    loaded_at: std::time::SystemTime,
    load_time: std::sync::OnceLock<Duration>,
    fingerprint: u128,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the job channel stops the tokenizer pool; Shutdown stops the batcher, whose
        // exit closes the sessions' channel.
        self.jobs.take();
        let _ = self.events.send(Event::Shutdown);
    }
}

/// The ONNX file of a model directory: `model.onnx`, else `model_quantized.onnx`, else the
/// only `*.onnx` file.
pub fn find_onnx(dir: &Path) -> Result<PathBuf, ModelError> {
    for name in ["model.onnx", "model_quantized.onnx"] {
        let p = dir.join(name);
        if p.is_file() {
            return Ok(p);
        }
    }
    let read = std::fs::read_dir(dir).map_err(|e| ModelError::File {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    let found: Vec<PathBuf> = read
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "onnx"))
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(ModelError::File {
            path: dir.join("model.onnx"),
            reason: "no ONNX file (model.onnx or model_quantized.onnx)".into(),
        }),
        _ => Err(ModelError::File {
            path: dir.to_path_buf(),
            reason: "several .onnx files and none is named model.onnx".into(),
        }),
    }
}

impl Model {
    /// Loads `dir` (config.json, tokenizer.json, an ONNX file), starts its threads and runs
    /// one warm-up request through the whole path. `id` names it in results and metrics
    /// (`name@version`).
    pub fn load(dir: &Path, id: &str, opts: &ModelOptions) -> Result<Model, ModelError> {
        let t0 = Instant::now();
        let config = Arc::new(ModelConfig::from_file(&dir.join("config.json"))?);
        let tok = Arc::new(ModelTokenizer::from_file(
            &dir.join("tokenizer.json"),
            config.max_length,
        )?);
        let onnx = find_onnx(dir)?;
        let fingerprint = fingerprint(dir, &onnx);
        let cfg = &opts.batch;
        let sessions = cfg.sessions.max(1);

        let first = runtime::build_session(&onnx, opts.device, cfg.intra_threads)?;
        if let Some(reason) = &first.fallback {
            tracing::warn!(model = id, requested = %opts.device, %reason, "execution provider could not start; running on the CPU");
            opts.observer.fallback(id, opts.device, reason);
        }
        let io = GraphIo::of(&first.session)?;
        let device = first.device;
        let fallback = first.fallback;
        let mut built = vec![first.session];
        for _ in 1..sessions {
            built.push(runtime::build_session(&onnx, device, cfg.intra_threads)?.session);
        }

        let id: Arc<str> = Arc::from(id);
        let shared = Arc::new(Shared {
            model: id.clone(),
            waiting: Default::default(),
            observer: opts.observer.clone(),
        });
        let (events_tx, events_rx) = crossbeam_channel::unbounded();
        let (work_tx, work_rx) = crossbeam_channel::bounded(sessions);
        let (jobs_tx, jobs_rx) = crossbeam_channel::unbounded();
        for (i, session) in built.into_iter().enumerate() {
            worker::spawn(
                i,
                session,
                io.clone(),
                config.clone(),
                work_rx.clone(),
                events_tx.clone(),
                shared.clone(),
            )?;
        }
        batcher::spawn(cfg.clone(), tok.pad_id, events_rx, work_tx, shared.clone())?;
        tokenize::spawn_pool(
            &id,
            cfg.tokenizer_threads,
            tok,
            jobs_rx,
            events_tx.clone(),
            shared.clone(),
        )?;

        let model = Model {
            inner: Arc::new(Inner {
                labels: config
                    .labels
                    .iter()
                    .map(|l| Arc::from(l.as_str()))
                    .collect(),
                config,
                dir: dir.to_path_buf(),
                onnx,
                requested: opts.device,
                device,
                fallback,
                jobs: Some(jobs_tx),
                events: events_tx,
                shared,
                max_queue: cfg.max_queue,
                id,
                loaded_at: std::time::SystemTime::now(),
                load_time: std::sync::OnceLock::new(),
                fingerprint,
            }),
        };
        // Warm-up: the first run allocates ONNX Runtime's buffers, and a graph whose output
        // does not match id2label fails here instead of on a user's request.
        model.infer_blocking("warm up", None)?;
        let _ = model.inner.load_time.set(t0.elapsed());
        Ok(model)
    }

    /// Submits one text; resolves when its batch has run.
    pub fn infer(
        &self,
        text: &str,
        deadline: Option<Instant>,
    ) -> impl std::future::Future<Output = Result<Answer, ModelError>> + Send + use<> {
        let rx = self.submit(text, deadline);
        async move {
            match rx {
                Ok(rx) => rx.await.unwrap_or(Err(ModelError::Gone)),
                Err(e) => Err(e),
            }
        }
    }

    /// [`Model::infer`] for threads outside an async runtime.
    pub fn infer_blocking(
        &self,
        text: &str,
        deadline: Option<Instant>,
    ) -> Result<Answer, ModelError> {
        self.submit(text, deadline)?
            .blocking_recv()
            .unwrap_or(Err(ModelError::Gone))
    }

    fn submit(
        &self,
        text: &str,
        deadline: Option<Instant>,
    ) -> Result<oneshot::Receiver<Result<Answer, ModelError>>, ModelError> {
        let inner = &self.inner;
        let waiting = inner.shared.waiting.fetch_add(1, Ordering::Relaxed);
        if waiting >= inner.max_queue {
            inner.shared.leave("queue_full");
            return Err(ModelError::QueueFull(waiting));
        }
        let (tx, rx) = oneshot::channel();
        let job = Job {
            text: text.to_owned(),
            submitted: Instant::now(),
            deadline,
            reply: tx,
            trace: crate::batcher::caller_span(),
        };
        let sent = inner.jobs.as_ref().map(|j| j.send(job).is_ok());
        if sent != Some(true) {
            inner.shared.leave("unloaded");
            return Err(ModelError::Gone);
        }
        Ok(rx)
    }

    /// `name@version`.
    pub fn id(&self) -> &Arc<str> {
        &self.inner.id
    }
    pub fn config(&self) -> &ModelConfig {
        &self.inner.config
    }
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }
    pub fn onnx_file(&self) -> &Path {
        &self.inner.onnx
    }
    /// The device asked for.
    pub fn requested_device(&self) -> Device {
        self.inner.requested
    }
    /// The device it actually runs on.
    pub fn device(&self) -> Device {
        self.inner.device
    }
    /// Why the requested device was not used, if it was not.
    pub fn fallback_reason(&self) -> Option<&str> {
        self.inner.fallback.as_deref()
    }
    /// Requests accepted and not started yet.
    pub fn queue_len(&self) -> usize {
        self.inner.shared.waiting.load(Ordering::Relaxed)
    }
    pub fn loaded_at(&self) -> std::time::SystemTime {
        self.inner.loaded_at
    }
    /// A digest of what decides this version's answers (config.json's bytes, the sizes and
    /// modification times of tokenizer.json and the ONNX file): result caches key on it, so
    /// a version directory rewritten in place never serves the old files' cached results.
    pub fn fingerprint(&self) -> u128 {
        self.inner.fingerprint
    }
    /// Load plus warm-up time.
    pub fn load_time(&self) -> Duration {
        self.inner.load_time.get().copied().unwrap_or_default()
    }
}

impl Analyzer for Model {
    fn backend(&self) -> &'static str {
        "onnx"
    }

    fn langs(&self) -> &'static [Lang] {
        &[Lang::En, Lang::Zh, Lang::Mixed]
    }

    fn analyze(
        &self,
        text: &str,
        opts: AnalyzeOptions,
    ) -> Pending<Result<Sentiment, AnalyzeError>> {
        let fut = self.infer(text, opts.deadline);
        // The future holds the model: a version replaced meanwhile still answers.
        let model = self.clone();
        let lang = opts.lang.unwrap_or_else(|| detect_lang(text));
        Pending::deferred(async move {
            let a = fut.await?;
            let mut s = Sentiment::new(a.scores, lang, "onnx");
            s.truncated = a.truncated;
            s.model = Some(Box::new(ModelMeta {
                model: model.inner.id.clone(),
                probabilities: model
                    .inner
                    .labels
                    .iter()
                    .cloned()
                    .zip(a.probabilities)
                    .collect(),
                timing: a.timing,
            }));
            Ok(s)
        })
    }
}

fn fingerprint(dir: &Path, onnx: &Path) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&std::fs::read(dir.join("config.json")).unwrap_or_default());
    for p in [dir.join("tokenizer.json"), onnx.to_path_buf()] {
        h.update(p.file_name().map_or(&[][..], |n| n.as_encoded_bytes()));
        if let Ok(m) = std::fs::metadata(&p) {
            h.update(&m.len().to_le_bytes());
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            h.update(&mtime.to_le_bytes());
        }
    }
    h.digest128()
}
