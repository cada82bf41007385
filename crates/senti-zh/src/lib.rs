//! Chinese word segmentation that returns exactly what Python jieba 0.42.1 returns.
//!
//! senti's Chinese path must tokenize the way the Python reference does, token for token,
//! so that scores, features and golden data stay comparable; [jieba-rs] differs from Python on
//! alphanumeric runs in the HMM path, on CJK-extension characters, in search mode and in full
//! mode (see `../shared/notes/jieba-parity.md`). This crate is a from-scratch port of
//! `jieba/__init__.py` and `jieba/finalseg/__init__.py` — the `re.split` block structure,
//! `get_DAG`, `calc`, `__cut_DAG`, `__cut_DAG_NO_HMM`, `__cut_all`, `cut_for_search`, the
//! Viterbi with its `MIN_FLOAT` and tie-breaking, `Force_Split_Words`, `add_word`,
//! `del_word`, `suggest_freq` and `load_userdict` — checked against Python output in
//! `tests/golden.rs`.
//!
//! jieba's `dict.txt` and finalseg probability tables are compiled into the binary
//! (`build.rs`), the dictionary as a double-array character trie mapped in place, so
//! [`Jieba::new`] parses nothing and costs well under a millisecond.
//!
//! Tokens are slices of the input ([`Token`]), written into a caller-owned `Vec` that can be
//! reused, so segmentation allocates nothing per token (per-thread scratch buffers grow to the
//! longest block seen and are then reused).
//!
//! Part-of-speech tagging (`jieba.posseg`) and paddle mode are not implemented.
//!
//! [jieba-rs]: https://crates.io/crates/jieba-rs

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write as _};
use std::path::{Path, PathBuf};

mod cut;
mod cut_all;
mod dict;
mod hmm;
mod route;
mod search;
pub mod sentiment;
mod tables;
mod userdict;

pub use sentiment::ZhSentiment;

/// The jieba release whose output this crate reproduces.
pub const JIEBA_VERSION: &str = "0.42.1";

/// One token: a slice of the input and where it is.
///
/// `start`/`end` count characters (Unicode code points), as Python's `jieba.tokenize` does, so
/// they line up with Python offsets; `byte_start`/`byte_end` index the Rust `&str`. Tokens are
/// always slices of the input — also for words that came from a user dictionary — so callers
/// can map them back to the text without copying.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Token<'a> {
    /// The token text, `&text[byte_start..byte_end]`.
    pub word: &'a str,
    /// Character offset of the first character.
    pub start: usize,
    /// Character offset one past the last character.
    pub end: usize,
    /// Byte offset of the first byte.
    pub byte_start: usize,
    /// Byte offset one past the last byte.
    pub byte_end: usize,
}

/// Which of Python jieba's segmentations to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `jieba.cut(s)` / `jieba.tokenize(s)`: dictionary route, unknown runs re-cut by the HMM.
    Hmm,
    /// `jieba.cut(s, HMM=False)`: dictionary route only.
    NoHmm,
    /// `jieba.cut(s, cut_all=True)`: every dictionary word, overlapping, including the empty
    /// strings Python yields around whitespace (as zero-length tokens).
    All,
    /// `jieba.cut_for_search(s)` / `jieba.tokenize(s, mode='search')`: [`Mode::Hmm`] with the
    /// dictionary 2- and 3-grams of longer words before each word, each with its own offsets.
    Search,
}

impl Mode {
    /// The names used by the CLI and the HTTP API: "hmm", "no-hmm", "all", "search".
    pub fn parse(name: &str) -> Option<Mode> {
        match name {
            "hmm" => Some(Mode::Hmm),
            "no-hmm" => Some(Mode::NoHmm),
            "all" => Some(Mode::All),
            "search" => Some(Mode::Search),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Hmm => "hmm",
            Mode::NoHmm => "no-hmm",
            Mode::All => "all",
            Mode::Search => "search",
        }
    }
}

/// The JSON form of tokens shared by `senti segment` and `POST /v1/segment`: an array of
/// strings, or with `offsets` of `{"word", "start", "end"}` objects (character offsets, as
/// Python's `jieba.tokenize`).
pub fn write_tokens_json(tokens: &[Token<'_>], offsets: bool, out: &mut Vec<u8>) {
    fn push_str(out: &mut Vec<u8>, s: &str) {
        // Serializing a &str into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    }
    out.push(b'[');
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if offsets {
            out.extend_from_slice(b"{\"word\":");
            push_str(out, t.word);
            // Writing into a Vec cannot fail.
            let _ = write!(out, ",\"start\":{},\"end\":{}}}", t.start, t.end);
        } else {
            push_str(out, t.word);
        }
    }
    out.push(b']');
}

/// Errors from loading a user dictionary.
#[derive(Debug, thiserror::Error)]
pub enum ZhError {
    /// The file could not be opened.
    #[error("cannot open user dictionary {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Reading failed at a line.
    #[error("user dictionary line {line}: read error: {source}")]
    Read {
        line: usize,
        #[source]
        source: std::io::Error,
    },
    /// A line is not UTF-8 (Python: "dictionary file ... must be utf-8").
    #[error("user dictionary line {line}: not valid UTF-8")]
    NotUtf8 { line: usize },
    /// A frequency does not fit in `u64` (Python's int would take it).
    #[error("user dictionary line {line}: frequency {freq} does not fit in 64 bits")]
    FreqTooLarge { line: usize, freq: String },
}

/// A segmenter: jieba's default dictionary and HMM, plus any words added to this instance.
///
/// Cheap to create ([`Jieba::new`] shares the compiled-in tables) and `Send + Sync`; `cut`
/// takes `&self`, so one instance can serve many threads. Changes (`add_word`, `del_word`,
/// `load_user_dict`, `suggest_freq(.., true)`) affect only this instance — in Python,
/// `finalseg.Force_Split_Words` is a module global shared by every `Tokenizer`.
#[derive(Clone, Debug)]
pub struct Jieba {
    dict: dict::Dict,
    /// `finalseg.Force_Split_Words`: words added with frequency 0, which the HMM must not
    /// produce whole. Never shrinks, as in Python.
    force_split: HashSet<String>,
    /// `user_word_tag_tab`.
    tags: HashMap<String, String>,
}

impl Default for Jieba {
    fn default() -> Self {
        Self::new()
    }
}

thread_local! {
    static SCRATCH: std::cell::Cell<cut::Scratch> = std::cell::Cell::new(cut::Scratch::default());
}

impl Jieba {
    /// jieba's built-in dictionary (dict.txt) and HMM (finalseg), as `jieba.dt` starts out.
    pub fn new() -> Self {
        Jieba {
            dict: dict::Dict::new(),
            force_split: HashSet::new(),
            tags: HashMap::new(),
        }
    }

    /// [`Jieba::new`] followed by [`Jieba::load_user_dict`] on the file at `path`.
    pub fn with_user_dict(path: impl AsRef<Path>) -> Result<Self, ZhError> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|source| ZhError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let mut jb = Jieba::new();
        jb.load_user_dict(std::io::BufReader::new(file))?;
        Ok(jb)
    }

    /// Segments `text`, appending its tokens to `out` (which is not cleared, so a buffer can
    /// be reused across calls without allocating).
    pub fn cut<'a>(&self, text: &'a str, mode: Mode, out: &mut Vec<Token<'a>>) {
        SCRATCH.with(|cell| {
            // take/set rather than a RefCell borrow: a nested call just gets fresh buffers.
            let mut sc = cell.take();
            if mode == Mode::Search {
                let mut sink = search::SearchSink {
                    out,
                    dict: &self.dict,
                };
                cut::segment(self, text, cut::Cutter::Hmm, &mut sink, &mut sc);
            } else {
                cut::segment(self, text, mode.into(), out, &mut sc);
            }
            cell.set(sc);
        });
    }

    /// The token strings, like Python's `lcut` / `lcut_for_search`.
    pub fn lcut<'a>(&self, text: &'a str, mode: Mode) -> Vec<&'a str> {
        let mut toks = Vec::new();
        self.cut(text, mode, &mut toks);
        toks.into_iter().map(|t| t.word).collect()
    }

    /// Python's `add_word(word, freq, tag)`: sets `FREQ[word]` (default: `suggest_freq(word)`,
    /// the smallest frequency that makes the no-HMM cut keep the word whole), adds the
    /// frequency to the total (without subtracting an old one, as Python does), makes every
    /// prefix a key, records a non-empty tag, and with frequency 0 puts the word in the
    /// HMM's force-split set.
    pub fn add_word(&mut self, word: &str, freq: Option<u64>, tag: Option<&str>) {
        let freq = freq.unwrap_or_else(|| self.suggest_freq(word, false));
        self.dict.set(word, freq);
        if let Some(tag) = tag.filter(|t| !t.is_empty()) {
            self.tags.insert(word.to_string(), tag.to_string());
        }
        if freq == 0 {
            self.force_split.insert(word.to_string());
        }
    }

    /// Python's `del_word(word)`: `add_word(word, 0)`. The word stays a key (frequency 0),
    /// which drops it from the DAG but still lets longer words through it.
    pub fn del_word(&mut self, word: &str) {
        self.add_word(word, Some(0), None);
    }

    /// Python's `suggest_freq(segment, tune)` for a string: the frequency that keeps `segment`
    /// whole, `max(int(P(no-HMM pieces) * total) + 1, FREQ.get(segment, 1))`, computed with
    /// the same float operations; with `tune` the word is added with it.
    pub fn suggest_freq(&mut self, segment: &str, tune: bool) -> u64 {
        let ftotal = self.dict.total() as f64;
        let mut p = 1.0f64;
        let mut toks = Vec::new();
        self.cut(segment, Mode::NoHmm, &mut toks);
        for t in &toks {
            p *= self.dict.get(t.word).unwrap_or(1) as f64 / ftotal;
        }
        let freq = ((p * ftotal) as u64 + 1).max(self.dict.get(segment).unwrap_or(1));
        if tune {
            self.add_word(segment, Some(freq), None);
        }
        freq
    }

    /// Python's `suggest_freq(segments, tune)` for a tuple: the frequency that makes the
    /// concatenation split into `segments`, `min(int(P(segments) * total), FREQ.get(word, 0))`.
    pub fn suggest_freq_split(&mut self, segments: &[&str], tune: bool) -> u64 {
        let ftotal = self.dict.total() as f64;
        let word = segments.concat();
        let mut p = 1.0f64;
        for seg in segments {
            p *= self.dict.get(seg).unwrap_or(1) as f64 / ftotal;
        }
        let freq = ((p * ftotal) as u64).min(self.dict.get(&word).unwrap_or(0));
        if tune {
            self.add_word(&word, Some(freq), None);
        }
        freq
    }

    /// Python's `load_userdict(f)` on a binary file: one `word [freq] [tag]` per line
    /// (see the `userdict` module for the exact parse), blank lines skipped, a missing
    /// frequency replaced by `suggest_freq(word)`. Returns the number of words added. On an
    /// error, the lines before it stay added (as in Python).
    pub fn load_user_dict(&mut self, reader: impl BufRead) -> Result<usize, ZhError> {
        let mut added = 0;
        for (i, line) in reader.split(b'\n').enumerate() {
            let lineno = i + 1;
            let raw = line.map_err(|source| ZhError::Read {
                line: lineno,
                source,
            })?;
            let line = std::str::from_utf8(userdict::strip_ascii_ws(&raw))
                .map_err(|_| ZhError::NotUtf8 { line: lineno })?
                .trim_start_matches('\u{feff}');
            if line.is_empty() {
                continue;
            }
            let (word, freq, tag) = userdict::parse_line(line);
            let freq = match freq {
                Some(f) => Some(f.parse::<u64>().map_err(|_| ZhError::FreqTooLarge {
                    line: lineno,
                    freq: f.to_string(),
                })?),
                None => None,
            };
            self.add_word(word, freq, tag);
            added += 1;
        }
        Ok(added)
    }

    /// `FREQ.get(word)`: the word's frequency, `Some(0)` for a prefix or deleted word, `None`
    /// when it is not a key.
    pub fn freq(&self, word: &str) -> Option<u64> {
        self.dict.get(word)
    }

    /// Python's `total`: the sum of all frequencies ever added.
    pub fn total(&self) -> u64 {
        self.dict.total()
    }

    /// The tag a user word was added with (`user_word_tag_tab`).
    pub fn tag(&self, word: &str) -> Option<&str> {
        self.tags.get(word).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Jieba>();
    }

    #[test]
    fn whitespace_is_python_isspace() {
        // CPython 3.11: [c for c in range(0x110000) if chr(c).isspace()]
        let py: &[u32] = &[
            0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000,
            0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028,
            0x2029, 0x202f, 0x205f, 0x3000,
        ];
        let ours: Vec<u32> = (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| cut::py_isspace(c))
            .map(u32::from)
            .collect();
        assert_eq!(ours, py);
    }

    #[test]
    fn basic_modes() {
        let jb = Jieba::new();
        let s = "我来到北京清华大学";
        assert_eq!(jb.lcut(s, Mode::Hmm), ["我", "来到", "北京", "清华大学"]);
        assert_eq!(
            jb.lcut(s, Mode::All),
            ["我", "来到", "北京", "清华", "清华大学", "华大", "大学"]
        );
        assert_eq!(
            jb.lcut(s, Mode::Search),
            ["我", "来到", "北京", "清华", "华大", "大学", "清华大学"]
        );
        assert_eq!(jb.lcut("a b", Mode::All), ["a", "", " ", "", "b"]);
    }

    #[test]
    fn full_mode_glued_english_is_split_into_slices() {
        let mut jb = Jieba::new();
        jb.add_word("MP3", Some(10), None);
        assert_eq!(jb.lcut("xMP3y", Mode::All), ["xMP3y"]);
        jb.add_word("M", Some(5), None);
        // Python: ['MP3', 'xy'] ("xy" is not a slice of the input).
        assert_eq!(jb.lcut("xMP3y", Mode::All), ["MP3", "x", "y"]);
    }
}
