//! Language routing: one [`Analyzer`] in front of several backends.

use std::sync::Arc;

use crate::{
    AnalyzeError, AnalyzeOptions, Analyzer, Lang, Pending, Sentiment, classify_lang, detect_lang,
};

/// Sends each text to the backend for its language: the one the caller named, else the one
/// for the detected language, else the default backend (the first one given).
///
/// A detected language without a backend falls back to the default rather than failing: a
/// mixed or unexpected comment should still get a score. A language the caller names
/// explicitly must have a backend, or the call fails with [`AnalyzeError::UnsupportedLang`].
pub struct LangRouter {
    backends: Vec<Arc<dyn Analyzer>>,
    /// Present when both an English and a Chinese backend are: scores mixed text.
    mixed: Option<Arc<dyn Analyzer>>,
}

impl LangRouter {
    /// `backends[0]` is the default. Panics on an empty list (a programming error).
    pub fn new(backends: Vec<Arc<dyn Analyzer>>) -> LangRouter {
        assert!(
            !backends.is_empty(),
            "LangRouter needs at least one backend"
        );
        let find = |l: Lang| backends.iter().find(|b| b.langs().contains(&l)).cloned();
        let mixed = match (find(Lang::En), find(Lang::Zh)) {
            (Some(en), Some(zh)) => {
                Some(Arc::new(crate::mixed::MixedAnalyzer { en, zh }) as Arc<dyn Analyzer>)
            }
            _ => None,
        };
        LangRouter { backends, mixed }
    }

    pub fn backends(&self) -> &[Arc<dyn Analyzer>] {
        &self.backends
    }

    fn for_lang(&self, lang: Lang) -> Option<&Arc<dyn Analyzer>> {
        self.backends.iter().find(|b| b.langs().contains(&lang))
    }

    /// The backend a text goes to. Without a language hint: text without Han characters goes
    /// to the English backend, Chinese text to the Chinese one, mixed text (see
    /// [`crate::classify_lang`]) to both, part by part.
    pub fn route(
        &self,
        text: &str,
        lang: Option<Lang>,
    ) -> Result<&Arc<dyn Analyzer>, AnalyzeError> {
        let mixed_or = |fallback: Lang| match &self.mixed {
            Some(m) => Some(m),
            None => self.for_lang(fallback),
        };
        match lang {
            Some(Lang::Mixed) => self
                .mixed
                .as_ref()
                .ok_or_else(|| AnalyzeError::UnsupportedLang("mixed".to_string())),
            Some(l) => self
                .for_lang(l)
                .ok_or_else(|| AnalyzeError::UnsupportedLang(l.as_str().to_string())),
            // One backend: nothing to detect.
            None if self.backends.len() == 1 => Ok(&self.backends[0]),
            None => Ok(match classify_lang(text) {
                Lang::Mixed => mixed_or(detect_lang(text)),
                l => self.for_lang(l),
            }
            .unwrap_or(&self.backends[0])),
        }
    }

    /// Languages some backend serves.
    pub fn langs(&self) -> Vec<Lang> {
        let mut out: Vec<Lang> = self
            .backends
            .iter()
            .flat_map(|b| b.langs().iter().copied())
            .collect();
        out.dedup();
        out
    }
}

impl Analyzer for LangRouter {
    fn backend(&self) -> &'static str {
        "router"
    }

    fn langs(&self) -> &'static [Lang] {
        &[Lang::En, Lang::Zh, Lang::Mixed]
    }

    fn analyze(
        &self,
        text: &str,
        opts: AnalyzeOptions,
    ) -> Pending<Result<Sentiment, AnalyzeError>> {
        match self.route(text, opts.lang) {
            Ok(b) => b.analyze(text, opts),
            Err(e) => Pending::ready(Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scores;

    struct Only(Lang, &'static str);

    impl Analyzer for Only {
        fn backend(&self) -> &'static str {
            self.1
        }
        fn langs(&self) -> &'static [Lang] {
            match self.0 {
                Lang::En => &[Lang::En],
                Lang::Zh => &[Lang::Zh],
                Lang::Mixed => &[Lang::Mixed],
            }
        }
        fn analyze(&self, _: &str, _: AnalyzeOptions) -> Pending<Result<Sentiment, AnalyzeError>> {
            Pending::ready(Ok(Sentiment::new(Scores::default(), self.0, self.1)))
        }
    }

    #[test]
    fn routes_by_hint_then_detection_then_default() {
        let en_only = LangRouter::new(vec![Arc::new(Only(Lang::En, "en"))]);
        assert_eq!(en_only.route("好极了", None).unwrap().backend(), "en");
        assert!(matches!(
            en_only.route("x", Some(Lang::Zh)),
            Err(AnalyzeError::UnsupportedLang(_))
        ));
        let both = LangRouter::new(vec![
            Arc::new(Only(Lang::En, "en")),
            Arc::new(Only(Lang::Zh, "zh")),
        ]);
        assert_eq!(both.route("好极了", None).unwrap().backend(), "zh");
        assert_eq!(both.route("great", None).unwrap().backend(), "en");
        assert_eq!(both.route("great", Some(Lang::Zh)).unwrap().backend(), "zh");
        let mixed = "I really love this song 这首歌太好听了";
        assert_eq!(both.route(mixed, None).unwrap().backend(), "vader+zh");
        assert_eq!(both.route(mixed, Some(Lang::En)).unwrap().backend(), "en");
        assert!(en_only.route(mixed, Some(Lang::Mixed)).is_err());
        let s = both
            .analyze(mixed, AnalyzeOptions::default())
            .into_ready()
            .ok()
            .unwrap()
            .unwrap();
        assert_eq!((s.lang, s.backend), (Lang::Mixed, "vader+zh"));
    }
}
