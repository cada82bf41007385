//! The chat lexicon: live-chat terms (`data/chat_lexicon.tsv`, our own writing, plus
//! `--chat-lexicon FILE`) found in any script and any position, with their repeats
//! (666666, 哈哈哈哈) and a negator right before them (不好看, not mid).

use std::collections::HashMap;
use std::path::Path;

use senti_core::{Contribution, Scores, Sentiment};

const BUILTIN: &str = include_str!("../../data/chat_lexicon.tsv");

/// VADER's normalisation constant.
const ALPHA: f64 = 15.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fit {
    Any,
    Word,
    Alone,
}

#[derive(Debug, Clone)]
struct Entry {
    term: Vec<char>,
    valence: f64,
    fit: Fit,
}

/// One term found in a text (byte offsets).
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub valence: f64,
}

/// Why a chat lexicon file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChatLexiconError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {why}")]
    Parse {
        path: String,
        line: usize,
        why: String,
    },
}

/// The chat terms, indexed by their first character (longest first).
#[derive(Debug, Clone)]
pub struct ChatLexicon {
    entries: Vec<Entry>,
    by_first: HashMap<char, Vec<usize>>,
}

impl Default for ChatLexicon {
    fn default() -> Self {
        Self::builtin()
    }
}

fn lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// A Han character (CJK unified ideographs, extension A and beyond, compatibility).
pub(super) fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn wordy(c: char) -> bool {
    c.is_alphanumeric() || is_han(c)
}

impl ChatLexicon {
    /// The compiled-in lexicon.
    pub fn builtin() -> ChatLexicon {
        let mut l = ChatLexicon {
            entries: Vec::new(),
            by_first: HashMap::new(),
        };
        // The built-in file is ours and tested; a bad line there is a bug caught by the tests.
        let _ = l.add_text(BUILTIN, "builtin");
        l
    }

    /// Adds (or overrides) entries from a file in the same format.
    pub fn with_file(mut self, path: &Path) -> Result<ChatLexicon, ChatLexiconError> {
        let text = std::fs::read_to_string(path).map_err(|source| ChatLexiconError::Read {
            path: path.display().to_string(),
            source,
        })?;
        self.add_text(&text, &path.display().to_string())?;
        Ok(self)
    }

    fn add_text(&mut self, text: &str, path: &str) -> Result<(), ChatLexiconError> {
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |why: &str| ChatLexiconError::Parse {
                path: path.to_string(),
                line: i + 1,
                why: why.to_string(),
            };
            let mut f = line.split('\t');
            let term: Vec<char> = f.next().unwrap_or_default().chars().map(lower).collect();
            if term.is_empty() {
                return Err(bad("empty term"));
            }
            let valence: f64 = f
                .next()
                .and_then(|v| v.trim().parse().ok())
                .filter(|v: &f64| v.is_finite() && v.abs() <= 4.0)
                .ok_or_else(|| bad("the valence must be a number in -4..4"))?;
            let fit = match f.next().map(str::trim) {
                None | Some("any") => Fit::Any,
                Some("word") => Fit::Word,
                Some("alone") => Fit::Alone,
                Some(other) => return Err(bad(&format!("fit {other:?}: use any, word or alone"))),
            };
            match self.entries.iter().position(|e| e.term == term) {
                Some(k) => self.entries[k] = Entry { term, valence, fit },
                None => self.entries.push(Entry { term, valence, fit }),
            }
        }
        self.by_first.clear();
        for (k, e) in self.entries.iter().enumerate() {
            self.by_first.entry(e.term[0]).or_default().push(k);
        }
        let entries = &self.entries;
        for v in self.by_first.values_mut() {
            v.sort_by_key(|&k| std::cmp::Reverse(entries[k].term.len()));
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The terms of `text`, left to right, longest match first, not overlapping.
    pub fn hits(&self, text: &str) -> Vec<Hit> {
        let chars: Vec<(usize, char)> = text.char_indices().map(|(i, c)| (i, lower(c))).collect();
        let n = chars.len();
        let end_of = |k: usize| chars.get(k).map_or(text.len(), |c| c.0);
        let mut out = Vec::new();
        let mut i = 0;
        while i < n {
            let mut found = None;
            if let Some(cands) = self.by_first.get(&chars[i].1) {
                for &k in cands {
                    let e = &self.entries[k];
                    let m = e.term.len();
                    if i + m > n || (0..m).any(|j| chars[i + j].1 != e.term[j]) {
                        continue;
                    }
                    // A run of the last character belongs to the hit: 666666, 哈哈哈哈.
                    let last = e.term[m - 1];
                    let mut j = i + m;
                    while j < n && chars[j].1 == last {
                        j += 1;
                    }
                    // 哈哈哈哈 is 哈哈 repeated: whole repeats of a two-character term too.
                    while m >= 2 && j + m <= n && (0..m).all(|t| chars[j + t].1 == e.term[t]) {
                        j += m;
                    }
                    let before = i.checked_sub(1).map(|p| chars[p].1);
                    let after = chars.get(j).map(|c| c.1);
                    let ok = match e.fit {
                        Fit::Any => true,
                        Fit::Word => {
                            !before.is_some_and(|c| c.is_ascii_alphanumeric())
                                && !after.is_some_and(|c| c.is_ascii_alphanumeric())
                        }
                        Fit::Alone => chars[..i].iter().chain(&chars[j..]).all(|c| !wordy(c.1)),
                    };
                    if !ok {
                        continue;
                    }
                    let extra = (j - i).saturating_sub(m) as f64;
                    let mut valence = e.valence * (1.0 + 0.1 * extra.min(3.0));
                    // 不好看, 没意思, not mid: a negator right before turns it around (weaker).
                    let negated = before.is_some_and(|c| matches!(c, '不' | '没' | '别' | '非'))
                        || text[..chars[i].0]
                            .trim_end()
                            .to_ascii_lowercase()
                            .rsplit(|c: char| !c.is_ascii_alphabetic())
                            .next()
                            .is_some_and(|w| matches!(w, "not" | "no" | "never"));
                    if negated {
                        valence *= -0.5;
                    }
                    found = Some((
                        j,
                        Hit {
                            start: chars[i].0,
                            end: end_of(j),
                            valence,
                        },
                    ));
                    break;
                }
            }
            match found {
                Some((j, hit)) => {
                    out.push(hit);
                    i = j;
                }
                None => i += 1,
            }
        }
        out
    }

    /// `s` (the backend's result for `text`, with its contributions) with the chat hits of
    /// `text` added. Where VADER already gave a chat term a valence of its own (`l` is +2.0
    /// there, "lol"), the chat valence replaces it rather than adding to it.
    pub fn apply(&self, text: &str, s: Sentiment, explain: bool) -> Sentiment {
        let hits = self.hits(text);
        self.apply_hits(text, s, &hits, explain)
    }

    /// [`ChatLexicon::apply`] with the hits of `text` already found.
    pub fn apply_hits(
        &self,
        text: &str,
        mut s: Sentiment,
        hits: &[Hit],
        explain: bool,
    ) -> Sentiment {
        if hits.is_empty() {
            if !explain {
                s.contributions.clear();
            }
            return s;
        }
        let c = s.scores.compound.clamp(-0.9999, 0.9999);
        let mut raw = c * ALPHA.sqrt() / (1.0 - c * c).sqrt();
        if s.backend == "vader" {
            for h in hits {
                raw -= s
                    .contributions
                    .iter()
                    .filter(|c| c.start >= h.start && c.end <= h.end)
                    .map(|c| c.valence)
                    .sum::<f64>();
            }
        }
        let total = raw + hits.iter().map(|h| h.valence).sum::<f64>();
        let compound = total / (total * total + ALPHA).sqrt();
        s.scores = Scores {
            compound,
            pos: compound.max(0.0),
            neu: 1.0 - compound.abs(),
            neg: (-compound).max(0.0),
        };
        s.label = s.scores.label();
        if !explain {
            s.contributions.clear();
        } else {
            // The chat term's valence stands for the span (what VADER said there goes).
            s.contributions
                .retain(|c| !hits.iter().any(|h| c.start >= h.start && c.end <= h.end));
            s.contributions.extend(hits.iter().map(|h| Contribution {
                start: h.start,
                end: h.end,
                token: text[h.start..h.end].to_string(),
                valence: h.valence,
            }));
            s.contributions.sort_by_key(|c| (c.start, c.end));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(text: &str) -> f64 {
        ChatLexicon::builtin()
            .hits(text)
            .iter()
            .map(|h| h.valence)
            .sum()
    }

    #[test]
    fn the_builtin_file_parses_completely() {
        let n = BUILTIN
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        let mut l = ChatLexicon {
            entries: Vec::new(),
            by_first: HashMap::new(),
        };
        l.add_text(BUILTIN, "builtin").unwrap();
        assert_eq!(l.len(), n);
    }

    #[test]
    fn slang_in_any_script_and_position_with_repeats() {
        let lex = ChatLexicon::builtin();
        let h = lex.hits("666666");
        assert_eq!(h.len(), 1);
        assert_eq!((h[0].start, h[0].end), (0, 6));
        assert!(h[0].valence > 2.2, "a longer run is a little stronger");
        for pos in [
            "yyds",
            "awsl",
            "xswl",
            "主播yyds",
            "这波操作nb",
            "2333333",
            "哈哈哈哈",
            "pog",
            "W",
            "w!!",
            "goat",
            "lmao",
        ] {
            assert!(sum(pos) > 0.0, "{pos}: {}", sum(pos));
        }
        for neg in [
            "L",
            "mid",
            "cringe",
            "好菜",
            "下饭",
            "破防了",
            "血压上来了",
            "太卡了",
        ] {
            assert!(sum(neg) < 0.0, "{neg}: {}", sum(neg));
        }
        // Glued into another word, or not alone: no hit.
        assert_eq!(sum("nbaplayer"), 0.0);
        assert_eq!(sum("lol we"), 1.5);
        assert_eq!(
            sum("I like the W key"),
            0.0,
            "W counts only as the whole comment"
        );
        assert_eq!(sum("midnight"), 0.0);
        // Negated.
        assert!(sum("不好看") < 0.0);
        assert!(sum("not mid") > 0.0);
    }

    #[test]
    fn a_user_file_adds_and_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("mine.tsv");
        std::fs::write(&p, "# ours\nmid\t1.0\tword\n蚌埠\t-1\n").unwrap();
        let l = ChatLexicon::builtin().with_file(&p).unwrap();
        assert_eq!(l.hits("mid")[0].valence, 1.0);
        assert!(l.hits("蚌埠")[0].valence < 0.0);
        std::fs::write(&p, "x\tlots\n").unwrap();
        let e = ChatLexicon::builtin().with_file(&p).unwrap_err();
        assert!(e.to_string().contains(":1:"), "{e}");
    }
}
