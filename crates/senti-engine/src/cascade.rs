//! The cascade: the lexicon first, a model only for the texts the lexicon is unsure of.
//!
//! Why: a transformer forward pass costs about a thousand lexicon scores, while most live
//! comments and many reviews are easy ("love it", "垃圾"): the lexicon's compound is then far
//! from zero and, measured on the labelled sets, it is right about as often as the model. The
//! texts where the lexicon errs are the ones it scores near zero: no sentiment word it knows,
//! or words that cancel out (negation, contrast, mixed feelings). So the rule is one number:
//!
//! > a text goes to the model when the lexicon's `|compound| < threshold` (one per language:
//! > the lexicons' scales differ); otherwise the lexicon's answer stands.
//!
//! A text with no lexicon hit has compound 0 and always goes to the model. The threshold's
//! default comes from `scripts/models/cascade_sweep.py`, which sweeps it over SST-2 dev,
//! TweetEval test and the Chinese test splits and plots accuracy against the share of texts
//! sent to the model (BENCHMARKS.md, "Cascade"). Both paths say which one answered
//! ([`Sentiment::path`]); a text sent to a model whose breaker is open is answered by the
//! lexicon with `degraded` set, as any model request is.
//!
//! The model for a text is chosen after the lexicon ran, by the language the lexicon scored
//! it as: a text in a language with no cascade model keeps the lexicon's answer.

use std::sync::Arc;

use senti_core::{AnalyzeError, AnalyzeOptions, Analyzer, CascadePath, Lang, Pending, Sentiment};

use crate::config::Thresholds;

/// The cascade layer over a lexicon analyzer (answers at once) and a model per language.
pub struct Cascade<L> {
    pub lexicon: L,
    /// `|compound|` below the text's language's threshold goes to the model.
    pub thresholds: Thresholds,
    /// The model layer (cache, breaker, model) for each language; first match wins.
    pub models: Vec<(Lang, Arc<dyn Analyzer>)>,
}

/// What the lexicon said, and whether a model should look again.
enum Step {
    Done(Result<Sentiment, AnalyzeError>),
    Model(usize),
}

impl<L: Analyzer> Cascade<L> {
    fn model_for(&self, lang: Lang) -> Option<usize> {
        self.models.iter().position(|(l, _)| *l == lang)
    }

    fn step(&self, text: &str, opts: AnalyzeOptions) -> Step {
        let r = match self.lexicon.analyze(text, opts).into_ready() {
            Ok(r) => r,
            Err(_) => Err(AnalyzeError::Backend(
                "the cascade's lexicon answers at once".into(),
            )),
        };
        match r {
            Ok(mut s) => {
                if s.scores.compound.abs() < self.thresholds.get(s.lang)
                    && let Some(i) = self.model_for(s.lang)
                {
                    return Step::Model(i);
                }
                s.path = Some(CascadePath::Lexicon);
                Step::Done(Ok(s))
            }
            Err(e) => Step::Done(Err(e)),
        }
    }
}

fn mark(r: Result<Sentiment, AnalyzeError>) -> Result<Sentiment, AnalyzeError> {
    r.map(|mut s| {
        s.path = Some(CascadePath::Model);
        s
    })
}

impl<L: Analyzer> Analyzer for Cascade<L> {
    fn backend(&self) -> &'static str {
        "cascade"
    }

    fn langs(&self) -> &'static [Lang] {
        self.lexicon.langs()
    }

    fn analyze(
        &self,
        text: &str,
        opts: AnalyzeOptions,
    ) -> Pending<Result<Sentiment, AnalyzeError>> {
        match self.step(text, opts) {
            Step::Done(r) => Pending::ready(r),
            Step::Model(i) => match self.models[i].1.analyze(text, opts).into_ready() {
                Ok(r) => Pending::ready(mark(r)),
                Err(p) => Pending::deferred(async move { mark(p.await) }),
            },
        }
    }

    /// The lexicon scores every text; each model then gets its unsure texts as one batch
    /// (so they share forward passes), and the answers go back in input order.
    fn analyze_batch(
        &self,
        texts: &[&str],
        opts: AnalyzeOptions,
    ) -> Pending<Vec<Result<Sentiment, AnalyzeError>>> {
        let mut out: Vec<Option<Result<Sentiment, AnalyzeError>>> = Vec::with_capacity(texts.len());
        let mut routed: Vec<Vec<usize>> = vec![Vec::new(); self.models.len()];
        for (i, text) in texts.iter().enumerate() {
            match self.step(text, opts) {
                Step::Done(r) => out.push(Some(r)),
                Step::Model(m) => {
                    routed[m].push(i);
                    out.push(None);
                }
            }
        }
        let mut waiting = Vec::new();
        for (m, idx) in routed.into_iter().enumerate() {
            if idx.is_empty() {
                continue;
            }
            let subset: Vec<&str> = idx.iter().map(|&i| texts[i]).collect();
            match self.models[m].1.analyze_batch(&subset, opts).into_ready() {
                Ok(rs) => {
                    for (i, r) in idx.into_iter().zip(rs) {
                        out[i] = Some(mark(r));
                    }
                }
                Err(p) => waiting.push((idx, p)),
            }
        }
        let finish = |out: Vec<Option<Result<Sentiment, AnalyzeError>>>| {
            out.into_iter()
                .map(|r| {
                    r.unwrap_or_else(|| Err(AnalyzeError::Backend("no answer for the text".into())))
                })
                .collect()
        };
        if waiting.is_empty() {
            return Pending::ready(finish(out));
        }
        Pending::deferred(async move {
            for (idx, p) in waiting {
                for (i, r) in idx.into_iter().zip(p.await) {
                    out[i] = Some(mark(r));
                }
            }
            finish(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use senti_core::Scores;

    /// A lexicon whose compound is the number the text starts with.
    struct Lex;
    impl Analyzer for Lex {
        fn backend(&self) -> &'static str {
            "lex"
        }
        fn langs(&self) -> &'static [Lang] {
            &[Lang::En, Lang::Zh]
        }
        fn analyze(
            &self,
            text: &str,
            _: AnalyzeOptions,
        ) -> Pending<Result<Sentiment, AnalyzeError>> {
            let (n, lang) = match text.strip_prefix("zh") {
                Some(rest) => (rest, Lang::Zh),
                None => (text, Lang::En),
            };
            let compound = n.parse::<f64>().unwrap_or(0.0);
            let scores = Scores {
                compound,
                ..Default::default()
            };
            Pending::ready(Ok(Sentiment::new(scores, lang, "lex")))
        }
    }

    /// A model that answers later, with compound 1, and counts the texts of each batch.
    struct Later(std::sync::Mutex<Vec<usize>>);
    impl Analyzer for Later {
        fn backend(&self) -> &'static str {
            "onnx"
        }
        fn langs(&self) -> &'static [Lang] {
            &[Lang::En]
        }
        fn analyze(&self, _: &str, _: AnalyzeOptions) -> Pending<Result<Sentiment, AnalyzeError>> {
            let scores = Scores {
                compound: 1.0,
                ..Default::default()
            };
            Pending::deferred(async move { Ok(Sentiment::new(scores, Lang::En, "onnx")) })
        }
        fn analyze_batch(
            &self,
            texts: &[&str],
            opts: AnalyzeOptions,
        ) -> Pending<Vec<Result<Sentiment, AnalyzeError>>> {
            self.0.lock().unwrap().push(texts.len());
            let ps: Vec<_> = texts.iter().map(|t| self.analyze(t, opts)).collect();
            Pending::deferred(async move {
                let mut v = Vec::new();
                for p in ps {
                    v.push(p.await);
                }
                v
            })
        }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }

    fn cascade(model: Arc<Later>) -> Cascade<Lex> {
        Cascade {
            lexicon: Lex,
            thresholds: Thresholds {
                en: 0.5,
                zh: 0.5,
                mixed: 0.5,
            },
            models: vec![(Lang::En, model as Arc<dyn Analyzer>)],
        }
    }

    #[test]
    fn sure_texts_stay_with_the_lexicon_unsure_ones_go_to_the_model() {
        let c = cascade(Arc::new(Later(Default::default())));
        let o = AnalyzeOptions::default();
        let sure = c.analyze("-0.7", o).into_ready().ok().unwrap().unwrap();
        assert_eq!(
            (sure.backend, sure.path),
            ("lex", Some(CascadePath::Lexicon))
        );
        assert_eq!(sure.scores.compound, -0.7);
        // At the threshold the lexicon is sure; just under it, it is not.
        let edge = c.analyze("0.5", o).into_ready().ok().unwrap().unwrap();
        assert_eq!(edge.path, Some(CascadePath::Lexicon));
        let unsure = block_on(c.analyze("0.4999", o)).unwrap();
        assert_eq!(
            (unsure.backend, unsure.path),
            ("onnx", Some(CascadePath::Model))
        );
        // No lexicon hit: compound 0, always the model.
        assert_eq!(block_on(c.analyze("nothing", o)).unwrap().backend, "onnx");
        // A language without a cascade model keeps the lexicon's answer.
        let zh = c.analyze("zh0.1", o).into_ready().ok().unwrap().unwrap();
        assert_eq!((zh.backend, zh.path), ("lex", Some(CascadePath::Lexicon)));
    }

    #[test]
    fn a_batch_sends_the_model_only_its_unsure_texts_in_one_batch_and_keeps_order() {
        let model = Arc::new(Later(Default::default()));
        let c = cascade(model.clone());
        let texts = ["0.9", "0.1", "-0.8", "0", "zh0", "-0.2"];
        let rs = block_on(c.analyze_batch(&texts, AnalyzeOptions::default()));
        let got: Vec<(&str, f64)> = rs
            .iter()
            .map(|r| {
                let s = r.as_ref().unwrap();
                (s.path.unwrap().as_str(), s.scores.compound)
            })
            .collect();
        assert_eq!(
            got,
            [
                ("lexicon", 0.9),
                ("model", 1.0),
                ("lexicon", -0.8),
                ("model", 1.0),
                ("lexicon", 0.0),
                ("model", 1.0)
            ]
        );
        assert_eq!(*model.0.lock().unwrap(), [3]);
        // Nothing unsure: answered at once, the model never called.
        let p = c.analyze_batch(&["0.9", "-0.6"], AnalyzeOptions::default());
        assert!(p.into_ready().is_ok());
        assert_eq!(model.0.lock().unwrap().len(), 1);
    }
}
