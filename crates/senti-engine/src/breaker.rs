//! Circuit breakers: one per model, one for Redis.
//!
//! Why a breaker of our own: the two things it guards are called very differently. A model
//! call is a future that resolves much later (its queue and forward pass); Redis is a short
//! call with a timeout. Both only need the same small state machine, kept behind one mutex
//! that is held for a few instructions per call: count-based window of outcomes; open when
//! at least `min_calls` are in the window and `failure_ratio` of them failed or were slower
//! than `slow_call`; after `open_for`, half-open: up to `probes` calls go through, and that
//! many successes in a row close it, one failure opens it again. (tower-resilience's breaker
//! was weighed: it is a tower `Service` layer, which fits neither a lexicon's synchronous
//! answer nor the per-request layering of `Analyzer` here.)
//!
//! The [`Guarded`] layer puts a breaker in front of a model: while it is open a request is
//! answered by the lexicon scorer of its language, marked `degraded` with the reason, unless
//! it asked for `strict` (then it fails with `model_unavailable`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use senti_core::{AnalyzeError, AnalyzeOptions, Analyzer, Lang, Pending, Sentiment};

use crate::config::BreakerConfig;
use crate::observer::EngineObserver;

/// A breaker's state (`senti_breaker_state{target}`: 0 closed, 1 open, 2 half-open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed = 0,
    Open = 1,
    HalfOpen = 2,
}

impl BreakerState {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

struct State {
    state: BreakerState,
    /// Outcomes of the last `window` calls: true = failed or slow.
    window: VecDeque<bool>,
    failures: usize,
    opened_at: Instant,
    probes_in_flight: usize,
    probe_successes: usize,
    /// Why it opened, for degraded answers.
    reason: Arc<str>,
}

pub struct Breaker {
    target: Arc<str>,
    cfg: BreakerConfig,
    state: Mutex<State>,
    observer: Arc<dyn EngineObserver>,
}

/// Leave to call; give it back to [`Breaker::record`] with the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permit {
    Normal,
    Probe,
}

impl Breaker {
    pub fn new(target: &str, cfg: BreakerConfig, observer: Arc<dyn EngineObserver>) -> Breaker {
        observer.breaker_state(target, BreakerState::Closed);
        Breaker {
            target: Arc::from(target),
            cfg,
            state: Mutex::new(State {
                state: BreakerState::Closed,
                window: VecDeque::new(),
                failures: 0,
                opened_at: Instant::now(),
                probes_in_flight: 0,
                probe_successes: 0,
                reason: Arc::from(""),
            }),
            observer,
        }
    }

    pub fn target(&self) -> &str {
        &self.target
    }

    pub fn slow_call(&self) -> Duration {
        self.cfg.slow_call
    }

    pub fn state(&self) -> BreakerState {
        self.lock().state
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set(&self, st: &mut State, to: BreakerState) {
        if st.state != to {
            st.state = to;
            tracing::warn!(target_name = %self.target, state = to.as_str(), reason = %st.reason, "circuit breaker");
            self.observer.breaker_state(&self.target, to);
        }
    }

    /// A permit to call, or why not (the breaker is open, or half-open with its probes out).
    pub fn try_acquire(&self) -> Result<Permit, Arc<str>> {
        let mut st = self.lock();
        match st.state {
            BreakerState::Closed => Ok(Permit::Normal),
            BreakerState::Open if st.opened_at.elapsed() < self.cfg.open_for => {
                Err(st.reason.clone())
            }
            BreakerState::Open | BreakerState::HalfOpen => {
                if st.state == BreakerState::Open {
                    st.probes_in_flight = 0;
                    st.probe_successes = 0;
                    self.set(&mut st, BreakerState::HalfOpen);
                }
                if st.probes_in_flight < self.cfg.probes.max(1) {
                    st.probes_in_flight += 1;
                    Ok(Permit::Probe)
                } else {
                    Err(st.reason.clone())
                }
            }
        }
    }

    /// The outcome of a permitted call; `failure` names what went wrong.
    pub fn record(&self, permit: Permit, failure: Option<String>) {
        let mut st = self.lock();
        match permit {
            Permit::Probe => {
                st.probes_in_flight = st.probes_in_flight.saturating_sub(1);
                if st.state != BreakerState::HalfOpen {
                    return;
                }
                match failure {
                    Some(why) => self.open(&mut st, format!("probe failed: {why}")),
                    None => {
                        st.probe_successes += 1;
                        if st.probe_successes >= self.cfg.probes.max(1) {
                            st.window.clear();
                            st.failures = 0;
                            self.set(&mut st, BreakerState::Closed);
                        }
                    }
                }
            }
            Permit::Normal => {
                if st.state != BreakerState::Closed {
                    return;
                }
                let failed = failure.is_some();
                st.window.push_back(failed);
                st.failures += failed as usize;
                while st.window.len() > self.cfg.window.max(1) {
                    if st.window.pop_front() == Some(true) {
                        st.failures -= 1;
                    }
                }
                let n = st.window.len();
                if n >= self.cfg.min_calls.max(1)
                    && st.failures as f64 >= self.cfg.failure_ratio * n as f64
                {
                    let why = failure.unwrap_or_default();
                    let msg = format!(
                        "{} of the last {n} calls failed or were slow ({why})",
                        st.failures
                    );
                    self.open(&mut st, msg);
                }
            }
        }
    }

    fn open(&self, st: &mut State, reason: String) {
        st.reason = Arc::from(format!("{} circuit open: {reason}", self.target));
        st.opened_at = Instant::now();
        st.window.clear();
        st.failures = 0;
        self.set(st, BreakerState::Open);
    }
}

/// Whether an error says something about the backend's health by itself: a failure of the
/// model, or a deadline that passed while it worked. Client mistakes do not, and neither does
/// a full queue (load shedding answers at once: it is about capacity, and stays a 503
/// `overloaded`); a queue timeout counts through its duration (a slow call).
fn counts(e: &AnalyzeError) -> bool {
    matches!(e, AnalyzeError::Backend(_) | AnalyzeError::DeadlineExceeded)
}

/// A model behind its breaker, with a lexicon fallback for degraded answers.
#[derive(Clone)]
pub struct Guarded<M, F> {
    pub model: M,
    pub fallback: F,
    pub breaker: Arc<Breaker>,
    pub observer: Arc<dyn EngineObserver>,
}

impl<M, F> Guarded<M, F>
where
    F: Analyzer + Clone + 'static,
{
    fn degraded(
        fallback: &F,
        observer: &dyn EngineObserver,
        model: &str,
        text: &str,
        opts: AnalyzeOptions,
        reason: Arc<str>,
    ) -> Pending<Result<Sentiment, AnalyzeError>> {
        if opts.strict {
            return Pending::ready(Err(AnalyzeError::Unavailable(format!(
                "{reason}; retry later, or send without \"strict\" for a lexicon answer"
            ))));
        }
        observer.degraded(model);
        match fallback.analyze(text, opts).into_ready() {
            Ok(r) => Pending::ready(r.map(|mut s| {
                s.degraded = Some(reason);
                s
            })),
            Err(p) => Pending::deferred(async move {
                p.await.map(|mut s| {
                    s.degraded = Some(reason);
                    s
                })
            }),
        }
    }
}

impl<M, F> Analyzer for Guarded<M, F>
where
    M: Analyzer + Clone + 'static,
    F: Analyzer + Clone + 'static,
{
    fn backend(&self) -> &'static str {
        self.model.backend()
    }

    fn langs(&self) -> &'static [Lang] {
        self.model.langs()
    }

    fn analyze(
        &self,
        text: &str,
        opts: AnalyzeOptions,
    ) -> Pending<Result<Sentiment, AnalyzeError>> {
        let permit = match self.breaker.try_acquire() {
            Ok(p) => p,
            Err(reason) => {
                return Self::degraded(
                    &self.fallback,
                    &*self.observer,
                    self.breaker.target(),
                    text,
                    opts,
                    reason,
                );
            }
        };
        let t0 = Instant::now();
        let pending = self.model.analyze(text, opts);
        let this = self.clone();
        // Only needed if the model fails and the lexicon answers instead.
        let text = text.to_owned();
        Pending::deferred(async move {
            let r = match opts.deadline {
                Some(d) => tokio::time::timeout_at(d.into(), pending)
                    .await
                    .unwrap_or(Err(AnalyzeError::DeadlineExceeded)),
                None => pending.await,
            };
            let took = t0.elapsed();
            let failure = match &r {
                Err(e) if counts(e) => Some(e.to_string()),
                _ if took > this.breaker.slow_call() => {
                    Some(format!("took {} ms", took.as_millis()))
                }
                _ => None,
            };
            this.breaker.record(permit, failure);
            match r {
                // The model itself failed: the lexicon answers, unless the caller is strict.
                Err(AnalyzeError::Backend(why)) if !opts.strict => {
                    let reason: Arc<str> = Arc::from(format!("model failed: {why}"));
                    Self::degraded(
                        &this.fallback,
                        &*this.observer,
                        this.breaker.target(),
                        &text,
                        opts,
                        reason,
                    )
                    .await
                }
                other => other,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observer::NoObserver;

    fn breaker(open_for_ms: u64) -> Breaker {
        Breaker::new(
            "model:x",
            BreakerConfig {
                window: 10,
                min_calls: 4,
                failure_ratio: 0.5,
                slow_call: Duration::from_secs(1),
                open_for: Duration::from_millis(open_for_ms),
                probes: 2,
            },
            Arc::new(NoObserver),
        )
    }

    #[test]
    fn opens_on_failure_ratio_then_probes_and_closes() {
        let b = breaker(30);
        for _ in 0..3 {
            let p = b.try_acquire().unwrap();
            b.record(p, None);
        }
        for _ in 0..2 {
            let p = b.try_acquire().unwrap();
            b.record(p, Some("boom".into()));
        }
        assert_eq!(b.state(), BreakerState::Closed, "2 of 5 is under half");
        let p = b.try_acquire().unwrap();
        b.record(p, Some("boom".into()));
        assert_eq!(b.state(), BreakerState::Open, "3 of 6 opens it");
        let why = b.try_acquire().unwrap_err();
        assert!(
            why.contains("circuit open") && why.contains("boom"),
            "{why}"
        );
        std::thread::sleep(Duration::from_millis(40));
        let p1 = b.try_acquire().unwrap();
        let p2 = b.try_acquire().unwrap();
        assert_eq!((p1, p2), (Permit::Probe, Permit::Probe));
        assert!(b.try_acquire().is_err(), "only 2 probes at once");
        assert_eq!(b.state(), BreakerState::HalfOpen);
        b.record(p1, None);
        b.record(p2, None);
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn a_failed_probe_opens_it_again() {
        let b = breaker(10);
        for _ in 0..4 {
            let p = b.try_acquire().unwrap();
            b.record(p, Some("x".into()));
        }
        assert_eq!(b.state(), BreakerState::Open);
        std::thread::sleep(Duration::from_millis(20));
        let p = b.try_acquire().unwrap();
        b.record(p, Some("still down".into()));
        assert_eq!(b.state(), BreakerState::Open);
        assert!(b.try_acquire().unwrap_err().contains("still down"));
    }
}
