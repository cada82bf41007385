//! The one analysis pipeline that every senti entry point calls.
//!
//! HTTP, gRPC, live-room ingestion, `senti score` and `senti segment` are transports: they
//! decode a request, hand its text and options to the [`Engine`], and encode what comes back.
//! Everything that decides *what* the answer is lives here, once, as layers over the
//! [`Analyzer`] contract (tower's idea: each behaviour a layer that can be tested alone):
//!
//! ```text
//! validation (Engine::plan, Engine::check_text)
//!   -> Cascade    (cascade.rs: the lexicon first, the model only when it is unsure)
//!   -> Cached     (cache/: L1 moka, L2 Redis, near-duplicate SimHash hits)
//!   -> Guarded    (breaker.rs: per-model circuit breaker, lexicon fallback, deadline)
//!   -> Model      (senti-model: ONNX Runtime, dynamic batching)
//!      or LangRouter (senti-core: VADER, the Chinese scorer, mixed text)
//! ```
//!
//! The engine reports through its own [`EngineObserver`] trait, so it knows no transport and
//! no metrics library; errors carry an [`ErrorCode`] of the one table in `senti-core`.

pub mod breaker;
pub mod cache;
pub mod cascade;
pub mod chat;
mod config;
mod error;
mod observer;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use senti_core::{
    AnalyzeError, AnalyzeOptions, Analyzer, ErrorCode, LangRouter, Pending, Sentiment,
};
use senti_model::{Model, ModelRepo, ModelSpec};
use tracing::Instrument;

pub use breaker::{Breaker, BreakerState, Guarded};
pub use cache::{Cache, Cached, Scope};
pub use cascade::Cascade;
pub use chat::{Chat, ChatLexicon, ChatModel};
pub use config::{
    BreakerConfig, CASCADE_THRESHOLDS, CacheConfig, CascadeConfig, EngineConfig, Thresholds,
};
pub use error::{BuildError, EngineError};
pub use observer::{EngineObserver, NoObserver};
pub use senti_core::Domain;
pub use senti_core::Lang;
pub use senti_zh::{Mode as SegmentMode, Token};

/// Every backend name a result may carry (`vader`, `zh`, mixed text's `vader+zh`, models'
/// `onnx`): metrics pre-create their series, the cache codec stores an index into it.
pub const BACKENDS: &[&str] = &["vader", "zh", "vader+zh", "onnx"];

/// A request's options, as a transport decoded them (strings not yet checked).
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// `auto` (or `None`): detect; else a language tag.
    pub lang: Option<&'a str>,
    /// `name` or `name@version`; `None`: the default model, else the lexicon scorers.
    pub model: Option<&'a str>,
    pub explain: bool,
    /// No degraded (lexicon) answer when the model's breaker is open: fail instead.
    pub strict: bool,
    /// `general` (or `None`) or `chat`.
    pub domain: Option<&'a str>,
    /// The caller's own deadline (a gRPC deadline); the engine's `request_timeout` may
    /// shorten it.
    pub deadline: Option<Instant>,
    /// `Some(true)`: the lexicon first, the model only when it is unsure (`cascade.rs`);
    /// `None`: the server's default (`--cascade`).
    pub cascade: Option<bool>,
}

/// Validated options of one request: who answers, and how.
#[derive(Clone)]
pub struct Plan {
    target: Target,
    opts: AnalyzeOptions,
}

#[derive(Clone)]
enum Target {
    Lexicon,
    Model(Model),
    /// The cascade, with the model for each language's unsure texts.
    Cascade(Vec<(Lang, Model)>),
}

impl Plan {
    pub fn explain(&self) -> bool {
        self.opts.explain
    }
    /// The model that answers (`name@version`), if one does.
    pub fn model(&self) -> Option<&Model> {
        match &self.target {
            Target::Model(m) => Some(m),
            Target::Lexicon | Target::Cascade(_) => None,
        }
    }
}

/// The pipeline. Cloning is cheap; every transport holds one.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    cfg: EngineConfig,
    lexicon: Arc<LangRouter>,
    /// The lexicon's cache scope, when lexicon results are cached.
    lexicon_scope: Option<Arc<Scope>>,
    jieba: senti_zh::Jieba,
    models: Option<Arc<ModelRepo>>,
    default_model: Option<ModelSpec>,
    cache: Option<Arc<Cache>>,
    breakers: Mutex<HashMap<String, Arc<Breaker>>>,
    observer: Arc<dyn EngineObserver>,
    /// The `chat` domain's lexicon (built in, plus `--chat-lexicon`).
    chat: Arc<ChatLexicon>,
    /// The lexicon scorers as the `chat` domain uses them (its own Chinese dead zone).
    chat_router: Arc<LangRouter>,
    /// The `chat` domain's classifier (compiled in).
    chat_model: ChatModel,
}

/// VADER (with the user lexicon, if any) for English, the default, then the Chinese scorer;
/// `zh_dead_zone` replaces the Chinese scorer's own (the `chat` domain's).
fn lexicon_router(
    cfg: &EngineConfig,
    zh_dead_zone: Option<f64>,
) -> Result<(LangRouter, Vec<u8>), BuildError> {
    let mut vader = senti_vader::Vader::new();
    let mut digest = Vec::new();
    if let Some(path) = &cfg.lexicon {
        vader = vader.with_lexicon_file(path)?;
        // The user lexicon changes the scores: its bytes are part of the cache scope.
        digest = std::fs::read(path)
            .map(|b| xxhash_rust::xxh3::xxh3_128(&b).to_le_bytes().to_vec())
            .unwrap_or_default();
    }
    let mut zh = senti_zh::ZhSentiment::new();
    if let Some(d) = zh_dead_zone {
        let (_, temperature) = zh.calibration();
        zh = zh.with_calibration(d, temperature);
    }
    let backends: Vec<Arc<dyn Analyzer>> = vec![Arc::new(vader), Arc::new(zh)];
    Ok((LangRouter::new(backends), digest))
}

/// Start-up check of a model a flag names (`what`, e.g. `--model NAME`): it must be in the
/// repository and loaded; otherwise the error says why, with each version's state (failed to
/// load, still copying, ...).
fn require_model(repo: Option<&ModelRepo>, spec: &ModelSpec, what: &str) -> Result<(), BuildError> {
    let flag = what.split(' ').next().unwrap_or(what);
    let repo = repo.ok_or_else(|| BuildError::Invalid(format!("{flag} needs --model-repo")))?;
    repo.get(spec).map(|_| ()).map_err(|e| {
        let why: Vec<String> = repo
            .status()
            .into_iter()
            .filter(|s| s.name == spec.name)
            .flat_map(|s| s.versions)
            .map(|v| format!("version {}: {:?}", v.version, v.state))
            .collect();
        BuildError::Invalid(format!(
            "{what}: {e}{}{}",
            if why.is_empty() { "" } else { "; " },
            why.join("; ")
        ))
    })
}

impl Engine {
    /// Builds the pipeline: lexicons, user dictionary, model repository (loaded here, so
    /// call it off an async runtime's workers), cache tiers. `rt` runs background work
    /// (Redis connection, cache write-back); Redis needs it.
    pub fn new(
        cfg: EngineConfig,
        observer: Arc<dyn EngineObserver>,
        rt: Option<tokio::runtime::Handle>,
    ) -> Result<Engine, BuildError> {
        let (lexicon, lexicon_digest) = lexicon_router(&cfg, None)?;
        let (chat_router, _) = lexicon_router(
            &cfg,
            Some(cfg.chat_dead_zone.unwrap_or(chat::CHAT_DEAD_ZONE)),
        )?;
        let chat = match &cfg.chat_lexicon {
            Some(p) => ChatLexicon::builtin().with_file(p)?,
            None => ChatLexicon::builtin(),
        };
        let chat_model = ChatModel::builtin();
        let mut chat_digest = chat_model.fingerprint().to_le_bytes().to_vec();
        if let Some(p) = &cfg.chat_lexicon {
            let b = std::fs::read(p).unwrap_or_default();
            chat_digest.extend(xxhash_rust::xxh3::xxh3_64(&b).to_le_bytes());
        }
        let jieba = match &cfg.user_dict {
            Some(p) => senti_zh::Jieba::with_user_dict(p)?,
            None => senti_zh::Jieba::new(),
        };
        let default_model = match &cfg.default_model {
            Some(m) => Some(
                ModelSpec::parse(m).map_err(|e| BuildError::Invalid(format!("--model: {e}")))?,
            ),
            None => None,
        };
        let models = match &cfg.model_repo {
            Some(dir) => {
                if let Some(lib) = &cfg.ort_library {
                    senti_model::runtime::set_library_path(&lib.to_string_lossy());
                }
                Some(Arc::new(ModelRepo::open(dir, cfg.repo.clone())?))
            }
            None => None,
        };
        if let (Some(spec), Some(name)) = (&default_model, &cfg.default_model) {
            require_model(models.as_deref(), spec, &format!("--model {name}"))?;
        }
        for (lang, name) in &cfg.cascade.models {
            let what = format!("--cascade-model {}={name}", lang.as_str());
            let spec =
                ModelSpec::parse(name).map_err(|e| BuildError::Invalid(format!("{what}: {e}")))?;
            require_model(models.as_deref(), &spec, &what)?;
        }
        if cfg.cascade.default_on && cfg.cascade.models.is_empty() && default_model.is_none() {
            return Err(BuildError::Invalid(
                "--cascade needs a model: give --cascade-model or --model (with --model-repo)"
                    .into(),
            ));
        }
        // Only when something can use it: without a model repository, model caching has
        // nothing to cache (and an idle cache still costs memory).
        let cache_used = cfg.cache.lexicon || (cfg.cache.models && cfg.model_repo.is_some());
        let cache = if cache_used {
            let l2 = match &cfg.cache.redis_url {
                Some(url) => {
                    let rt = rt.as_ref().ok_or_else(|| {
                        BuildError::Invalid("the Redis cache needs an async runtime".into())
                    })?;
                    Some(
                        cache::redis::RedisTier::start(&cfg.cache, url, observer.clone(), rt)
                            .map_err(BuildError::Invalid)?,
                    )
                }
                None => None,
            };
            Some(Arc::new(Cache::new(
                cfg.cache.clone(),
                l2,
                rt.clone(),
                observer.clone(),
            )))
        } else {
            None
        };
        let lexicon_scope = (cache.is_some() && cfg.cache.lexicon).then(|| {
            Arc::new(Scope::new(
                &[
                    b"lexicon",
                    env!("CARGO_PKG_VERSION").as_bytes(),
                    &lexicon_digest,
                    // The chat domain's results hang on its weights and the user's chat terms.
                    &chat_digest,
                ],
                "lexicon",
                cfg.cache.near_lexicon,
            ))
        });
        Ok(Engine {
            inner: Arc::new(Inner {
                lexicon: Arc::new(lexicon),
                lexicon_scope,
                jieba,
                models,
                default_model,
                cache,
                breakers: Mutex::new(HashMap::new()),
                observer,
                chat: Arc::new(chat),
                chat_router: Arc::new(chat_router),
                chat_model,
                cfg,
            }),
        })
    }

    pub fn config(&self) -> &EngineConfig {
        &self.inner.cfg
    }

    /// The lexicon scorers behind language routing.
    pub fn lexicon(&self) -> &LangRouter {
        &self.inner.lexicon
    }

    /// Names of every backend a result may name (metrics pre-create their series).
    pub fn backends(&self) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = self
            .inner
            .lexicon
            .backends()
            .iter()
            .map(|b| b.backend())
            .collect();
        v.push("onnx");
        v
    }

    pub fn models(&self) -> Option<&Arc<ModelRepo>> {
        self.inner.models.as_ref()
    }

    pub fn cache(&self) -> Option<&Arc<Cache>> {
        self.inner.cache.as_ref()
    }

    /// Every model breaker made so far and its state.
    pub fn breakers(&self) -> Vec<(String, BreakerState)> {
        let b = self
            .inner
            .breakers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut v: Vec<_> = b.iter().map(|(k, v)| (k.clone(), v.state())).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    fn breaker(&self, model: &str) -> Arc<Breaker> {
        let mut b = self
            .inner
            .breakers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(x) = b.get(model) {
            return x.clone();
        }
        let x = Arc::new(Breaker::new(
            &format!("model:{model}"),
            self.inner.cfg.breaker.clone(),
            self.inner.observer.clone(),
        ));
        b.insert(model.to_string(), x.clone());
        x
    }

    /// Rejects a text longer than `max_text_chars`.
    pub fn check_text(&self, text: &str) -> Result<(), EngineError> {
        let max = self.inner.cfg.max_text_chars;
        // A string has at least as many bytes as characters, so most texts need no count.
        if text.len() > max {
            let n = text.chars().count();
            if n > max {
                return Err(EngineError::new(
                    ErrorCode::TextTooLong,
                    format!("text is {n} characters long; the limit is {max}"),
                ));
            }
        }
        Ok(())
    }

    /// Rejects a batch of more than `max_batch_items` items.
    pub fn check_batch(&self, items: usize) -> Result<(), EngineError> {
        let max = self.inner.cfg.max_batch_items;
        if items > max {
            return Err(EngineError::new(
                ErrorCode::BatchTooLarge,
                format!("{items} items; the limit is {max}"),
            ));
        }
        Ok(())
    }

    /// "auto" or absent means detect; otherwise a tag naming a language some backend serves.
    pub fn parse_lang(lang: Option<&str>) -> Result<Option<Lang>, EngineError> {
        match lang {
            None => Ok(None),
            Some(l) if l.eq_ignore_ascii_case("auto") => Ok(None),
            // Both scorers, part by part.
            Some(l) if l.eq_ignore_ascii_case("mixed") => Ok(Some(Lang::Mixed)),
            Some(l) => Lang::parse(l).map(Some).ok_or_else(|| {
                EngineError::new(
                    ErrorCode::UnsupportedLang,
                    format!("unsupported lang {l:?}; use \"auto\", \"en\", \"zh\" or \"mixed\""),
                )
            }),
        }
    }

    /// The model a request names, else the default model, else `None` (the lexicon).
    pub fn resolve_model(&self, named: Option<&str>) -> Result<Option<Model>, EngineError> {
        let spec = match named {
            Some(m) => Some(ModelSpec::parse(m)?),
            None => None,
        };
        let Some(spec) = spec.as_ref().or(self.inner.default_model.as_ref()) else {
            return Ok(None);
        };
        let repo = self.inner.models.as_ref().ok_or_else(|| {
            EngineError::new(
                ErrorCode::ModelNotFound,
                "no model repository is configured (start the server with --model-repo)",
            )
        })?;
        Ok(Some(repo.get(spec)?))
    }

    /// `general` (the default) or `chat`.
    pub fn parse_domain(domain: Option<&str>) -> Result<Domain, EngineError> {
        match domain {
            None => Ok(Domain::General),
            Some(d) => Domain::parse(d).ok_or_else(|| {
                EngineError::new(
                    ErrorCode::InvalidDomain,
                    format!("unknown domain {d:?}; use \"general\" or \"chat\""),
                )
            }),
        }
    }

    /// The cascade's model for each language: the request's model for all of them, else
    /// `--cascade-model`'s, else the default model for the languages it leaves out.
    fn cascade_models(&self, named: Option<&str>) -> Result<Vec<(Lang, Model)>, EngineError> {
        const ALL: [Lang; 3] = [Lang::En, Lang::Zh, Lang::Mixed];
        if named.is_some() {
            let m = self.resolve_model(named)?;
            return Ok(m
                .map(|m| ALL.map(|l| (l, m.clone())).to_vec())
                .unwrap_or_default());
        }
        let mut out = Vec::new();
        for (lang, name) in &self.inner.cfg.cascade.models {
            if let Some(m) = self.resolve_model(Some(name))? {
                out.push((*lang, m));
            }
        }
        if let Some(m) = self.resolve_model(None)? {
            for l in ALL {
                if !out.iter().any(|(x, _)| *x == l) {
                    out.push((l, m.clone()));
                }
            }
        }
        if out.is_empty() {
            return Err(EngineError::new(
                ErrorCode::ModelNotFound,
                "the cascade needs a model: name one with \"model\", or start the server with \
                 --cascade-model or --model",
            ));
        }
        Ok(out)
    }

    /// Validates a request's options once (a batch shares them).
    pub fn plan(&self, o: &Options<'_>) -> Result<Plan, EngineError> {
        let lang = Self::parse_lang(o.lang)?;
        let domain = Self::parse_domain(o.domain)?;
        let target = if o.cascade.unwrap_or(self.inner.cfg.cascade.default_on) {
            Target::Cascade(self.cascade_models(o.model)?)
        } else {
            match self.resolve_model(o.model)? {
                Some(m) => Target::Model(m),
                None => Target::Lexicon,
            }
        };
        let own = self.inner.cfg.request_timeout.map(|t| Instant::now() + t);
        let deadline = match (o.deadline, own) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ok(Plan {
            target,
            opts: AnalyzeOptions {
                explain: o.explain,
                lang,
                deadline,
                strict: o.strict,
                domain,
            },
        })
    }

    fn model_scope(&self, m: &Model) -> Arc<Scope> {
        let name = m.id().split('@').next().unwrap_or_default();
        Arc::new(Scope::new(
            &[b"model", m.id().as_bytes(), &m.fingerprint().to_le_bytes()],
            name,
            self.inner.cfg.cache.near_models,
        ))
    }

    /// The layered analyzer for a plan, and the backend name its failures are counted under.
    fn layered(&self, plan: &Plan) -> (Box<dyn Analyzer>, &'static str) {
        let inner = &self.inner;
        match &plan.target {
            Target::Lexicon => {
                let chat = self.lexicon_layer(plan.opts.domain);
                match (&inner.cache, &inner.lexicon_scope) {
                    (Some(cache), Some(scope)) => (
                        Box::new(Cached {
                            inner: chat,
                            cache: cache.clone(),
                            scope: scope.clone(),
                        }),
                        "lexicon",
                    ),
                    _ => (Box::new(chat), "lexicon"),
                }
            }
            Target::Model(m) => (self.model_layer(m), "onnx"),
            Target::Cascade(models) => {
                let lexicon = self.lexicon_layer(plan.opts.domain);
                // One layer object per model, shared by the languages that use it.
                let mut layers: Vec<(&str, Arc<dyn Analyzer>)> = Vec::new();
                let mut by_lang = Vec::with_capacity(models.len());
                for (lang, m) in models {
                    let layer = match layers.iter().find(|(id, _)| *id == &**m.id()) {
                        Some((_, l)) => l.clone(),
                        None => {
                            let l: Arc<dyn Analyzer> = Arc::from(self.model_layer(m));
                            layers.push((m.id(), l.clone()));
                            l
                        }
                    };
                    by_lang.push((*lang, layer));
                }
                (
                    Box::new(Cascade {
                        lexicon,
                        thresholds: inner.cfg.cascade.thresholds,
                        models: by_lang,
                    }),
                    "onnx",
                )
            }
        }
    }

    /// The lexicon scorers of a domain (under `general` the Chat layer passes through to the
    /// general scorers).
    fn lexicon_layer(&self, domain: Domain) -> Chat<Arc<LangRouter>> {
        let inner = &self.inner;
        Chat {
            inner: match domain {
                Domain::General => inner.lexicon.clone(),
                Domain::Chat => inner.chat_router.clone(),
            },
            lexicon: inner.chat.clone(),
            model: Some(inner.chat_model),
        }
    }

    /// A model behind its breaker (with the lexicon as fallback) and the result cache.
    fn model_layer(&self, m: &Model) -> Box<dyn Analyzer> {
        let inner = &self.inner;
        let name = m.id().split('@').next().unwrap_or_default();
        let guarded = Guarded {
            model: m.clone(),
            fallback: inner.lexicon.clone(),
            breaker: self.breaker(name),
            observer: inner.observer.clone(),
        };
        match &inner.cache {
            Some(cache) if inner.cfg.cache.models => Box::new(Cached {
                inner: guarded,
                cache: cache.clone(),
                scope: self.model_scope(m),
            }),
            _ => Box::new(guarded),
        }
    }

    /// Every backend's scores leave with one precision, 4 decimals, as VADER's (rounding a
    /// value VADER already rounded gives the same double back); model probabilities keep
    /// theirs.
    fn tidy(r: Result<Sentiment, AnalyzeError>) -> Result<Sentiment, EngineError> {
        let round = |x: f64| (x * 1e4).round() / 1e4;
        match r {
            Ok(mut s) => {
                let c = &mut s.scores;
                (c.compound, c.pos, c.neu, c.neg) =
                    (round(c.compound), round(c.pos), round(c.neu), round(c.neg));
                s.label = if s.model.is_some() {
                    Self::model_label(&s.scores)
                } else {
                    s.scores.label()
                };
                Ok(s)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// A classifier's label: neutral when its neutral class is the most probable one (a
    /// 3-class model), else by compound as for every backend (a binary model near 0.5 is
    /// neutral).
    fn model_label(c: &senti_core::Scores) -> senti_core::Label {
        if c.neu > 0.0 && c.neu >= c.pos && c.neu >= c.neg {
            senti_core::Label::Neutral
        } else {
            c.label()
        }
    }

    /// The `route` stage span of one request (see senti-server's `telemetry` for why stage
    /// spans are DEBUG callsites): which target the plan chose, and, once answered, the
    /// language and backend.
    fn route_span(plan: &Plan, texts: usize) -> tracing::Span {
        tracing::debug_span!(
            target: "senti::stage",
            "route",
            senti.target = match &plan.target {
                Target::Lexicon => "lexicon",
                Target::Model(m) => &**m.id(),
                Target::Cascade(_) => "cascade",
            },
            senti.texts = texts,
            senti.lang = tracing::field::Empty,
            senti.backend = tracing::field::Empty,
        )
    }

    fn record_route(span: &tracing::Span, r: &Result<Sentiment, EngineError>) {
        if let Ok(s) = r
            && !span.is_none()
        {
            span.record("senti.lang", s.lang.as_str());
            span.record("senti.backend", s.backend);
        }
    }

    fn observe(&self, backend: &'static str, r: &Result<Sentiment, AnalyzeError>, secs: f64) {
        let backend = r.as_ref().map_or(backend, |s| s.backend);
        self.inner.observer.analyzed(backend, r.as_ref(), secs);
    }

    /// Scores one text (already checked with [`Engine::check_text`]). A lexicon answer is
    /// ready at once; a model's resolves after its batch ran.
    pub fn analyze(&self, plan: &Plan, text: &str) -> Pending<Result<Sentiment, EngineError>> {
        let t0 = Instant::now();
        let span = Self::route_span(plan, 1);
        // The hot path: lexicon without a cache needs no layer object at all.
        if matches!(plan.target, Target::Lexicon) && self.inner.lexicon_scope.is_none() {
            let r = span.in_scope(|| self.lexicon_now(text, plan.opts, t0));
            Self::record_route(&span, &r);
            return Pending::ready(r);
        }

        let (layered, backend) = self.layered(plan);
        // Entered while the layers run synchronously, so a model's stages hang under it.
        let ready = span.in_scope(|| layered.analyze(text, plan.opts).into_ready());
        match ready {
            Ok(r) => {
                self.observe(backend, &r, t0.elapsed().as_secs_f64());
                let r = Self::tidy(r);
                Self::record_route(&span, &r);
                Pending::ready(r)
            }
            Err(p) => {
                let this = self.clone();
                let in_fut = span.clone();
                Pending::deferred(
                    async move {
                        let r = p.await;
                        this.observe(backend, &r, t0.elapsed().as_secs_f64());
                        let r = Self::tidy(r);
                        Self::record_route(&in_fut, &r);
                        r
                    }
                    .instrument(span),
                )
            }
        }
    }

    /// Scores many texts with one plan, results in input order. Every text is submitted
    /// before any is awaited, so a model batches them; the cache looks them up with one
    /// `MGET`.
    pub fn analyze_batch(
        &self,
        plan: &Plan,
        texts: &[&str],
    ) -> Pending<Vec<Result<Sentiment, EngineError>>> {
        let t0 = Instant::now();
        let span = Self::route_span(plan, texts.len());
        let (layered, backend) = self.layered(plan);
        let finish = move |this: &Engine, rs: Vec<Result<Sentiment, AnalyzeError>>| {
            let secs = t0.elapsed().as_secs_f64();
            rs.into_iter()
                .map(|r| {
                    this.observe(backend, &r, secs);
                    Self::tidy(r)
                })
                .collect()
        };
        let ready = span.in_scope(|| layered.analyze_batch(texts, plan.opts).into_ready());
        match ready {
            Ok(rs) => Pending::ready(finish(self, rs)),
            Err(p) => {
                let this = self.clone();
                Pending::deferred(
                    async move {
                        let rs = p.await;
                        finish(&this, rs)
                    }
                    .instrument(span),
                )
            }
        }
    }

    /// A live-room comment: the lexicon scorers in the `chat` domain, with explanations
    /// (rooms rank the terms that moved the score), answered at once.
    pub fn score_comment(&self, text: &str) -> Result<Sentiment, EngineError> {
        self.check_text(text)?;
        let plan = Plan {
            target: Target::Lexicon,
            opts: AnalyzeOptions {
                explain: true,
                domain: Domain::Chat,
                ..Default::default()
            },
        };
        self.lexicon_now(text, plan.opts, Instant::now())
    }

    /// Stage 1's compound for `text` and the chat classifier's features (the `chat` domain
    /// run as [`Engine::analyze`] runs it), for the trainer (`examples/chat_features.rs`).
    pub fn chat_features(&self, text: &str) -> Option<(f64, Vec<(u32, f32)>)> {
        Chat {
            inner: &*self.inner.chat_router,
            lexicon: self.inner.chat.clone(),
            model: None,
        }
        .features(text, AnalyzeOptions::default())
    }

    /// The lexicon scorers, which answer on the caller's thread.
    fn lexicon_now(
        &self,
        text: &str,
        opts: AnalyzeOptions,
        t0: Instant,
    ) -> Result<Sentiment, EngineError> {
        let p = match opts.domain {
            Domain::General => self.inner.lexicon.analyze(text, opts),
            Domain::Chat => Chat {
                inner: &*self.inner.chat_router,
                lexicon: self.inner.chat.clone(),
                model: Some(self.inner.chat_model),
            }
            .analyze(text, opts),
        };
        let r = match p.into_ready() {
            Ok(r) => r,
            Err(_) => Err(AnalyzeError::Backend(
                "the lexicon scorers answer at once".into(),
            )),
        };
        self.observe("lexicon", &r, t0.elapsed().as_secs_f64());
        Self::tidy(r)
    }

    /// A `/v1/segment` or `senti segment` mode by name.
    pub fn parse_mode(mode: Option<&str>) -> Result<SegmentMode, EngineError> {
        match mode {
            None => Ok(SegmentMode::Hmm),
            Some(m) => SegmentMode::parse(m).ok_or_else(|| {
                EngineError::new(
                    ErrorCode::InvalidMode,
                    format!("unknown mode {m:?}; use \"hmm\", \"no-hmm\", \"all\" or \"search\""),
                )
            }),
        }
    }

    /// Splits Chinese text as jieba 0.42.1 does (with the user dictionary, if any).
    pub fn segment<'t>(&self, text: &'t str, mode: SegmentMode, out: &mut Vec<Token<'t>>) {
        self.inner.jieba.cut(text, mode, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use senti_core::{Label, Scores};

    #[test]
    fn a_model_label_is_neutral_when_neutral_is_most_probable_else_by_compound() {
        let label = |neg, neu, pos| Engine::model_label(&Scores::from_probabilities(pos, neu, neg));
        // 3 classes: argmax neutral even though compound (0.2) is positive.
        assert_eq!(label(0.1, 0.6, 0.3), Label::Neutral);
        assert_eq!(label(0.2, 0.1, 0.7), Label::Positive);
        assert_eq!(label(0.6, 0.3, 0.1), Label::Negative);
        // Binary models (no neutral mass): by compound, neutral only within 0.05 of even.
        assert_eq!(label(0.49, 0.0, 0.51), Label::Neutral);
        assert_eq!(label(0.3, 0.0, 0.7), Label::Positive);
        assert_eq!(label(0.8, 0.0, 0.2), Label::Negative);
    }
}
