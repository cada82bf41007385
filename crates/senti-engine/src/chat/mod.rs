//! The `chat` domain: live-chat conventions as a layer over the lexicon scorers.
//!
//! Why a layer and not more lexicon entries in the backends: under `general`, English must keep
//! exactly vaderSentiment's scores and the Chinese scorer its trained weights; chat slang
//! (666, yyds, 破防, W/L, mid, emoji runs) means what it means in any script and any position,
//! which neither backend's tokenizer sees (VADER has never heard of `yyds`, and text without
//! Han characters never reaches the Chinese scorer's slang list).
//!
//! Under `chat`, in two stages:
//! 1. the backend scores the text as usual and the chat lexicon (`lexicon.rs`) adds its hits:
//!    the backend's compound is taken back to VADER's raw scale (x / sqrt(x² + 15), inverted),
//!    the hits' valences are added, and the sum is normalised again;
//! 2. the chat classifier (`model.rs`) reads that compound, the hits and the comment's own
//!    n-grams and shape, and decides among negative, neutral and positive; the scores follow
//!    its decision. The explained tokens stay those of stage 1 (rooms rank terms by them).

mod lexicon;
pub mod model;

use std::sync::Arc;

use senti_core::{AnalyzeError, AnalyzeOptions, Analyzer, Lang, Pending, Sentiment};

pub use lexicon::{ChatLexicon, ChatLexiconError, Hit};
pub use model::ChatModel;

/// The Chinese scorer's neutral dead zone under `chat` (on its logit; `general` keeps the
/// trained model's). Chosen on data/danmaku's `tune` split with `examples/tune_chat.rs`, never
/// on the holdouts; the chat classifier was trained on stage-1 compounds made with it.
pub const CHAT_DEAD_ZONE: f64 = 0.55;

/// The chat domain as a layer: `inner` scores, the chat lexicon adds its hits, the chat
/// classifier (when present) decides. Under `general` it passes through untouched.
#[derive(Clone)]
pub struct Chat<A> {
    // (`A` need not be 'static: only the lexicon and the text go into a deferred answer.)
    pub inner: A,
    pub lexicon: Arc<ChatLexicon>,
    /// `None`: stage 1 only (what the trainer reads).
    pub model: Option<ChatModel>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<(model::Scratch, Vec<(u32, f32)>)> =
        std::cell::RefCell::new((model::Scratch::default(), Vec::new()));
}

/// Stage 1 on the backend's answer `s` for `text`: the answer with the chat hits added, and
/// the hits (the classifier reads both).
fn stage1(lexicon: &ChatLexicon, text: &str, s: Sentiment, explain: bool) -> (Sentiment, Vec<Hit>) {
    let hits = lexicon.hits(text);
    (lexicon.apply_hits(text, s, &hits, explain), hits)
}

/// Both stages on the backend's answer `s` for `text`.
fn finish(
    lexicon: &ChatLexicon,
    model: Option<&ChatModel>,
    text: &str,
    s: Sentiment,
    explain: bool,
) -> Sentiment {
    let (mut s, hits) = stage1(lexicon, text, s, explain);
    if let Some(m) = model {
        let p = SCRATCH.with(|cell| {
            let (scratch, feats) = &mut *cell.borrow_mut();
            model::features(text, &s, &hits, scratch, feats);
            m.probabilities(feats)
        });
        s.scores = model::scores_of(p);
        s.label = s.scores.label();
    }
    s
}

impl<A: Analyzer> Chat<A> {
    /// Stage 1's compound for `text` and the classifier's features (for the trainer,
    /// `examples/chat_features.rs`); `None` when the backend does not answer at once.
    pub fn features(&self, text: &str, opts: AnalyzeOptions) -> Option<(f64, Vec<(u32, f32)>)> {
        let p = self.inner.analyze(
            text,
            AnalyzeOptions {
                explain: true,
                domain: senti_core::Domain::Chat,
                ..opts
            },
        );
        let (s, hits) = stage1(&self.lexicon, text, p.into_ready().ok()?.ok()?, false);
        let mut out = Vec::new();
        model::features(text, &s, &hits, &mut model::Scratch::default(), &mut out);
        Some((s.scores.compound, out))
    }
}

impl<A: Analyzer> Analyzer for Chat<A> {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    fn langs(&self) -> &'static [Lang] {
        self.inner.langs()
    }

    fn analyze(
        &self,
        text: &str,
        opts: AnalyzeOptions,
    ) -> Pending<Result<Sentiment, AnalyzeError>> {
        if opts.domain != senti_core::Domain::Chat {
            return self.inner.analyze(text, opts);
        }
        // With contributions, so that a chat term can replace what the backend made of it.
        let p = self.inner.analyze(
            text,
            AnalyzeOptions {
                explain: true,
                ..opts
            },
        );
        match p.into_ready() {
            Ok(r) => Pending::ready(
                r.map(|s| finish(&self.lexicon, self.model.as_ref(), text, s, opts.explain)),
            ),
            Err(p) => {
                let (lex, model, text) = (self.lexicon.clone(), self.model, text.to_owned());
                Pending::deferred(async move {
                    p.await
                        .map(|s| finish(&lex, model.as_ref(), &text, s, opts.explain))
                })
            }
        }
    }
}
