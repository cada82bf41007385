//! The contract every backend implements.
//!
//! One trait has to serve two very different costs: a lexicon scores a sentence in well under a
//! microsecond on the caller's thread, while a model backend queues the text for a batched
//! forward pass and answers later. [`Analyzer::analyze`] therefore returns a [`Pending`]: a
//! future that is either already resolved (no allocation, no executor round-trip: the lexicon
//! case) or a boxed future (the model case). Callers simply `.await` it; a synchronous caller
//! such as the CLI can take a ready value out with [`Pending::into_ready`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::{AnalyzeError, Lang, Sentiment};

/// The register a text is read in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Domain {
    /// Reviews, posts, news: the backends as they are (English keeps exactly
    /// vaderSentiment's scores).
    #[default]
    General,
    /// Live-stream chat: chat conventions (666, yyds, 破防, lol, W/L, emoji and kaomoji
    /// runs, repeated characters) count, in any script and any position.
    Chat,
}

impl Domain {
    pub fn as_str(self) -> &'static str {
        match self {
            Domain::General => "general",
            Domain::Chat => "chat",
        }
    }

    pub fn parse(s: &str) -> Option<Domain> {
        match s.to_ascii_lowercase().as_str() {
            "general" => Some(Domain::General),
            "chat" => Some(Domain::Chat),
            _ => None,
        }
    }
}

/// Per-call options shared by all backends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnalyzeOptions {
    /// Fill [`Sentiment::contributions`] with per-token valences.
    pub explain: bool,
    /// The language the caller asked for; `None` lets a router detect it.
    pub lang: Option<Lang>,
    /// When the caller stops waiting. A queued backend drops a text whose deadline passed
    /// before its forward pass and answers [`AnalyzeError::DeadlineExceeded`].
    pub deadline: Option<std::time::Instant>,
    /// No degraded answers: when the asked-for backend is switched off (its circuit breaker
    /// is open), fail with [`AnalyzeError::Unavailable`] instead of answering from the
    /// lexicon scorers.
    pub strict: bool,
    /// The register: `Chat` adds live-chat conventions on top of the lexicon scorers.
    pub domain: Domain,
}

/// A result that is either here now or will be.
pub enum Pending<T> {
    /// Resolved at call time. `None` only after it was polled to completion.
    Ready(Option<T>),
    /// Resolves later (queued model inference).
    Deferred(Pin<Box<dyn Future<Output = T> + Send + 'static>>),
}

impl<T> Pending<T> {
    pub fn ready(value: T) -> Pending<T> {
        Pending::Ready(Some(value))
    }

    pub fn deferred(fut: impl Future<Output = T> + Send + 'static) -> Pending<T> {
        Pending::Deferred(Box::pin(fut))
    }

    /// The value if it is already resolved; the pending future otherwise.
    pub fn into_ready(self) -> Result<T, Pending<T>> {
        match self {
            Pending::Ready(Some(v)) => Ok(v),
            other => Err(other),
        }
    }
}

impl<T: Unpin> Future for Pending<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.get_mut() {
            Pending::Ready(v) => match v.take() {
                Some(v) => Poll::Ready(v),
                None => panic!("Pending polled after completion"),
            },
            Pending::Deferred(f) => f.as_mut().poll(cx),
        }
    }
}

/// A reference or a shared pointer to an analyzer is an analyzer (layers hold either).
macro_rules! forward {
    ($($ty:ty),*) => {$(
        impl<A: Analyzer + ?Sized> Analyzer for $ty {
            fn backend(&self) -> &'static str {
                (**self).backend()
            }
            fn langs(&self) -> &'static [Lang] {
                (**self).langs()
            }
            fn analyze(
                &self,
                text: &str,
                opts: AnalyzeOptions,
            ) -> Pending<Result<Sentiment, AnalyzeError>> {
                (**self).analyze(text, opts)
            }
            fn analyze_batch(
                &self,
                texts: &[&str],
                opts: AnalyzeOptions,
            ) -> Pending<Vec<Result<Sentiment, AnalyzeError>>> {
                (**self).analyze_batch(texts, opts)
            }
        }
    )*};
}

forward!(&A, std::sync::Arc<A>);

/// A sentiment backend: lexicon, rule-based scorer or model.
pub trait Analyzer: Send + Sync {
    /// Short stable name, reported as `backend` in every result (e.g. "vader").
    fn backend(&self) -> &'static str;

    /// Languages this backend scores.
    fn langs(&self) -> &'static [Lang];

    /// Scores one text.
    fn analyze(&self, text: &str, opts: AnalyzeOptions)
    -> Pending<Result<Sentiment, AnalyzeError>>;

    /// Scores many texts, results in input order. Backends that batch (models) override this
    /// to submit all texts at once; the default resolves immediately when every item does.
    fn analyze_batch(
        &self,
        texts: &[&str],
        opts: AnalyzeOptions,
    ) -> Pending<Vec<Result<Sentiment, AnalyzeError>>> {
        let mut ready = Vec::with_capacity(texts.len());
        let mut pending = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            match self.analyze(text, opts).into_ready() {
                Ok(v) if pending.is_empty() => ready.push(v),
                Ok(v) => pending.push(Pending::ready(v)),
                Err(p) => {
                    if pending.is_empty() {
                        pending.reserve(texts.len() - i);
                    }
                    pending.push(p)
                }
            }
        }
        if pending.is_empty() {
            return Pending::ready(ready);
        }
        Pending::deferred(async move {
            for p in pending {
                ready.push(p.await);
            }
            ready
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scores;

    struct Fixed;

    impl Analyzer for Fixed {
        fn backend(&self) -> &'static str {
            "fixed"
        }
        fn langs(&self) -> &'static [Lang] {
            &[Lang::En]
        }
        fn analyze(
            &self,
            text: &str,
            _: AnalyzeOptions,
        ) -> Pending<Result<Sentiment, AnalyzeError>> {
            let compound = if text.contains('+') { 0.5 } else { -0.5 };
            let s = Sentiment::new(
                Scores {
                    compound,
                    ..Default::default()
                },
                Lang::En,
                "fixed",
            );
            if text.contains("later") {
                Pending::deferred(async move { Ok(s) })
            } else {
                Pending::ready(Ok(s))
            }
        }
    }

    fn block_on<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        loop {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }

    #[test]
    fn batch_keeps_order_with_mixed_readiness() {
        let a = Fixed;
        let texts = ["+", "- later", "+ later", "-"];
        let p = a.analyze_batch(&texts, AnalyzeOptions::default());
        assert!(matches!(p, Pending::Deferred(_)));
        let out = block_on(p);
        let signs: Vec<f64> = out
            .iter()
            .map(|r| r.as_ref().unwrap().scores.compound)
            .collect();
        assert_eq!(signs, vec![0.5, -0.5, 0.5, -0.5]);

        let p = a.analyze_batch(&["+", "-"], AnalyzeOptions::default());
        let out = p.into_ready().ok().expect("all ready");
        assert_eq!(out.len(), 2);
    }
}
