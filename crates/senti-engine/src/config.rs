//! What the engine is built from. The defaults live here, once: `senti serve`'s settings
//! table and `senti score`'s flags take theirs from [`EngineConfig::default`].

use std::path::PathBuf;
use std::time::Duration;

/// Everything the pipeline needs: limits, lexicons, models, cache tiers, breakers, deadlines.
#[derive(Clone)]
pub struct EngineConfig {
    /// Longest text, in characters.
    pub max_text_chars: usize,
    /// Most items in one batch.
    pub max_batch_items: usize,
    /// Extra VADER lexicon entries (vader_lexicon.txt format).
    pub lexicon: Option<PathBuf>,
    /// A jieba user dictionary for segmentation.
    pub user_dict: Option<PathBuf>,
    /// Extra or overriding chat-domain terms (`data/chat_lexicon.tsv` format).
    pub chat_lexicon: Option<PathBuf>,
    /// The Chinese scorer's neutral dead zone under the `chat` domain (`None`: the tuned
    /// default, [`crate::chat::CHAT_DEAD_ZONE`]); `examples/tune_chat.rs` sweeps it.
    pub chat_dead_zone: Option<f64>,
    /// The model repository; `None`: no models, ONNX Runtime never loaded.
    pub model_repo: Option<PathBuf>,
    /// The model for requests that name none.
    pub default_model: Option<String>,
    /// How models are loaded (device, batching, observer) and how many versions stay loaded.
    pub repo: senti_model::RepoOptions,
    /// libonnxruntime to load (else `ORT_DYLIB_PATH`, else the loader's path).
    pub ort_library: Option<PathBuf>,
    /// How long a caller waits for a result at most (a model's queue and forward pass);
    /// `None`: no deadline of the engine's own (a caller may still bring one).
    pub request_timeout: Option<Duration>,
    pub cache: CacheConfig,
    pub breaker: BreakerConfig,
    pub cascade: CascadeConfig,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            max_text_chars: 10_000,
            max_batch_items: 1000,
            lexicon: None,
            user_dict: None,
            chat_lexicon: None,
            chat_dead_zone: None,
            model_repo: None,
            default_model: None,
            repo: senti_model::RepoOptions::default(),
            ort_library: None,
            request_timeout: None,
            cache: CacheConfig::default(),
            breaker: BreakerConfig::default(),
            cascade: CascadeConfig::default(),
        }
    }
}

/// The result cache: L1 in process (moka), L2 in Redis, optional near-duplicate hits.
#[derive(Debug, Clone)]
pub struct CacheConfig {
    /// Cache the lexicon scorers' results (off by default: a VADER score costs less than a
    /// cache lookup, and far less than a Redis round trip).
    pub lexicon: bool,
    /// Cache model results (on by default: a forward pass costs ~1,000 lexicon scores).
    pub models: bool,
    /// L1 bound in entries.
    pub l1_entries: u64,
    /// L1 bound in bytes (approximate: the results' heap size).
    pub l1_bytes: u64,
    /// How long an entry lives, in L1 and in Redis (every Redis write sets this expiry).
    pub ttl: Duration,
    /// L2: `redis://HOST:PORT[/DB]`; `None`: no L2.
    pub redis_url: Option<String>,
    /// The most a Redis call may add to a request; beyond it the call counts as failed.
    pub redis_timeout: Duration,
    /// Prefix of every Redis key (so several deployments can share a server).
    pub redis_prefix: String,
    /// Near-duplicate hits for the lexicon results.
    pub near_lexicon: bool,
    /// Near-duplicate hits for model results.
    pub near_models: bool,
    /// Largest Hamming distance between two SimHash-64 fingerprints that counts as a
    /// near-duplicate (at most 3: the banded index finds exactly those).
    pub near_distance: u32,
    /// Shortest text (characters) that may take a near hit: "good" and "not good" can sit
    /// 3 bits apart.
    pub near_min_chars: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            lexicon: false,
            models: true,
            l1_entries: 100_000,
            l1_bytes: 64 << 20,
            ttl: Duration::from_secs(3600),
            redis_url: None,
            redis_timeout: Duration::from_millis(20),
            redis_prefix: "senti".to_string(),
            near_lexicon: false,
            near_models: false,
            near_distance: 3,
            near_min_chars: 12,
        }
    }
}

/// A circuit breaker (one per model, one for Redis).
#[derive(Debug, Clone)]
pub struct BreakerConfig {
    /// Calls remembered (a sliding window by count).
    pub window: usize,
    /// Fewest calls in the window before the breaker may open.
    pub min_calls: usize,
    /// Share of failed (or slow) calls in the window that opens it.
    pub failure_ratio: f64,
    /// A model call slower than this counts as failed (a stalled model opens the breaker).
    pub slow_call: Duration,
    /// How long it stays open before half-open probes.
    pub open_for: Duration,
    /// Successful probes in a row that close it again.
    pub probes: usize,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            window: 20,
            min_calls: 10,
            failure_ratio: 0.5,
            slow_call: Duration::from_secs(2),
            open_for: Duration::from_secs(5),
            probes: 3,
        }
    }
}

/// The cascade (`cascade.rs`): the lexicon first, a model for the texts it is unsure of.
#[derive(Debug, Clone)]
pub struct CascadeConfig {
    /// Requests that do not say `"cascade"` take the cascade (`--cascade`).
    pub default_on: bool,
    /// A text goes to the model when the lexicon's `|compound|` is below its language's
    /// threshold. The defaults are read off the sweep in BENCHMARKS.md ("Cascade").
    pub thresholds: Thresholds,
    /// The model (`name[@version]`) for each language's unsure texts; a language missing
    /// here takes the default model (`--model`), and without one keeps the lexicon's answer.
    pub models: Vec<(senti_core::Lang, String)>,
}

/// The cascade's threshold per language: the lexicons' compounds are not on one scale (VADER
/// is far less sure of itself on movie reviews than the Chinese scorer on product reviews).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub en: f64,
    pub zh: f64,
    /// Mixed Chinese and English text.
    pub mixed: f64,
}

/// The default thresholds, read off the sweep (`scripts/models/cascade_sweep.py`, BENCHMARKS.md
/// "Cascade"): per language, the smallest threshold above 0 whose accuracy on the dev splits is
/// within 2 points of the best the curve reaches. Mixed text takes English's (the stricter).
pub const CASCADE_THRESHOLDS: Thresholds = Thresholds {
    en: 0.7,
    zh: 0.05,
    mixed: 0.7,
};

impl Thresholds {
    pub fn get(&self, lang: senti_core::Lang) -> f64 {
        match lang {
            senti_core::Lang::En => self.en,
            senti_core::Lang::Zh => self.zh,
            senti_core::Lang::Mixed => self.mixed,
        }
    }

    /// `X` (every language) or `en=X,zh=Y,mixed=Z` (the languages left out keep
    /// [`CASCADE_THRESHOLDS`]); each within 0.0..=1.0.
    pub fn parse(s: &str) -> Result<Thresholds, String> {
        let num = |v: &str| -> Result<f64, String> {
            match v.trim().parse::<f64>() {
                Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
                _ => Err(format!("{v:?}: a threshold is a number within 0.0..=1.0")),
            }
        };
        if !s.contains('=') {
            let x = num(s)?;
            return Ok(Thresholds {
                en: x,
                zh: x,
                mixed: x,
            });
        }
        let mut t = CASCADE_THRESHOLDS;
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((lang, v)) = part.split_once('=') else {
                return Err(format!(
                    "{part:?}: use X or LANG=X,..., e.g. en=0.5,zh=0.05"
                ));
            };
            let slot = match lang.trim().to_ascii_lowercase().as_str() {
                "en" => &mut t.en,
                "zh" => &mut t.zh,
                "mixed" => &mut t.mixed,
                other => {
                    return Err(format!(
                        "{part:?}: unknown language {other:?} (en, zh, mixed)"
                    ));
                }
            };
            *slot = num(v)?;
        }
        Ok(t)
    }
}

impl Default for CascadeConfig {
    fn default() -> Self {
        CascadeConfig {
            default_on: false,
            thresholds: CASCADE_THRESHOLDS,
            models: Vec::new(),
        }
    }
}

impl CascadeConfig {
    /// Parses `en=NAME[@V],zh=NAME[@V]` (`--cascade-model`).
    pub fn parse_models(s: &str) -> Result<Vec<(senti_core::Lang, String)>, String> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((lang, model)) = part.split_once('=') else {
                return Err(format!("{part:?}: use LANG=MODEL, e.g. en=sst2-minilm"));
            };
            let lang = match lang.trim() {
                l if l.eq_ignore_ascii_case("mixed") => senti_core::Lang::Mixed,
                l => senti_core::Lang::parse(l)
                    .ok_or_else(|| format!("{part:?}: unknown language {l:?} (en, zh, mixed)"))?,
            };
            let model = model.trim();
            if model.is_empty() {
                return Err(format!("{part:?}: no model name"));
            }
            if out.iter().any(|(l, _)| *l == lang) {
                return Err(format!("{part:?}: {} is given twice", lang.as_str()));
            }
            out.push((lang, model.to_string()));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_parse_one_number_or_per_language() {
        let all = Thresholds::parse("0.3").unwrap();
        assert_eq!((all.en, all.zh, all.mixed), (0.3, 0.3, 0.3));
        let some = Thresholds::parse("zh=0.1").unwrap();
        assert_eq!((some.en, some.zh), (CASCADE_THRESHOLDS.en, 0.1));
        for bad in ["1.5", "-0.1", "x", "fr=0.2", "en=2", "en"] {
            assert!(Thresholds::parse(bad).is_err(), "{bad}");
        }
    }
}
