//! vaderSentiment's pre-processing: emoji replaced by their descriptions, whitespace split,
//! punctuation stripped; then one table lookup per token.
//!
//! Tokens are byte ranges of one "working text": the caller's text itself, or, only when it
//! holds an emoji, one reused buffer with the descriptions written in. Lowercasing happens in a
//! small reused buffer per token and is thrown away after the lookup, so a sentence without
//! emoji is tokenized without allocating.

use senti_pyunicode as py;

use crate::table;
use crate::words::W_NONE;

/// A token with everything the rules need, computed once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tok {
    /// Byte range in the working text.
    pub start: u32,
    pub end: u32,
    /// Lexicon valence of the lowercased token; NaN when absent.
    pub lex: f64,
    /// Booster value; 0.0 when the token is no booster.
    pub booster: f64,
    /// `W_*` id of the lowercased token.
    pub word: u8,
    /// `negated([token])` of vaderSentiment: in `NEGATE`, or containing "n't".
    pub negated: bool,
    /// Python `token.isupper()`.
    pub upper: bool,
}

impl Tok {
    #[inline]
    pub fn in_lex(&self) -> bool {
        !self.lex.is_nan()
    }
}

/// Replaces every single-code-point emoji of `text` by its description, exactly as
/// `polarity_scores` does (a space is put before a description unless the previous character
/// was an ASCII space; none after it). Returns `None` when the text has no emoji, so the
/// caller keeps borrowing its own text.
///
/// When `map` is given it receives, for every byte of the output, the byte range of the
/// input character it came from (for `explain` offsets).
pub(crate) fn replace_emoji(
    text: &str,
    buf: &mut String,
    mut map: Option<&mut Vec<(u32, u32)>>,
) -> bool {
    if text.is_ascii() {
        return false;
    }
    let Some(first) = text.char_indices().find(|&(_, c)| table::emoji(c).is_some()) else {
        return false;
    };
    buf.clear();
    buf.reserve(text.len() + 32);
    if let Some(m) = map.as_deref_mut() {
        m.clear();
    }
    let mut prev_space = true;
    for (pos, c) in text.char_indices() {
        let before = buf.len();
        if pos >= first.0
            && let Some(desc) = table::emoji(c)
        {
            if !prev_space {
                buf.push(' ');
            }
            buf.push_str(desc);
            prev_space = false;
        } else {
            buf.push(c);
            prev_space = c == ' ';
        }
        if let Some(m) = map.as_deref_mut() {
            let span = (pos as u32, (pos + c.len_utf8()) as u32);
            m.resize(buf.len(), span);
            debug_assert!(m.len() > before);
        }
    }
    true
}

/// vaderSentiment `SentiText._strip_punc_if_word`: strip ASCII punctuation at both ends,
/// unless that leaves two characters or fewer (then the token is kept whole: ":)", "ok!").
#[inline]
fn strip_punc_if_word(token: &str) -> &str {
    let stripped = py::strip_ascii_punctuation(token);
    if stripped.len() == token.len() {
        return token;
    }
    // At most two characters fit in 8 bytes; counting is only needed in between.
    let short = stripped.len() <= 2 || (stripped.len() <= 8 && stripped.chars().count() <= 2);
    if short { token } else { stripped }
}

/// Splits the working text into tokens and looks each one up.
///
/// `overlay` holds user lexicon entries (`--lexicon`), consulted before the compiled table.
pub(crate) fn tokenize(
    work: &str,
    base: usize,
    overlay: Option<&std::collections::HashMap<String, f64>>,
    lower: &mut String,
    out: &mut Vec<Tok>,
) {
    out.clear();
    for (off, raw) in py::split(work) {
        let tok = strip_punc_if_word(raw);
        let start = base + off + (tok.as_ptr() as usize - raw.as_ptr() as usize);
        let lowered: &str = if py::changes_on_lower(tok) {
            lower.clear();
            py::lower_into(tok, lower);
            lower
        } else {
            tok
        };
        let entry = table::lookup(lowered);
        let mut lex = entry.map_or(f64::NAN, |e| e.lex);
        if let Some(ov) = overlay
            && let Some(&v) = ov.get(lowered)
        {
            lex = v;
        }
        out.push(Tok {
            start: start as u32,
            end: (start + tok.len()) as u32,
            lex,
            booster: entry.map_or(0.0, |e| e.booster),
            word: entry.map_or(W_NONE, |e| e.word),
            negated: entry.is_some_and(|e| e.negate) || lowered.contains("n't"),
            upper: py::is_upper(tok),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        let mut toks = Vec::new();
        let mut lower = String::new();
        tokenize(text, 0, None, &mut lower, &mut toks);
        toks.iter().map(|t| text[t.start as usize..t.end as usize].to_string()).collect()
    }

    #[test]
    fn strip_rule_counts_characters() {
        assert_eq!(words("ok! no, :) (: 'hello'"), vec!["ok!", "no,", ":)", "(:", "hello"]);
        // "好!!" strips to one character, so the token is kept whole; "好好好!" is stripped.
        assert_eq!(words("好!! 好好好!"), vec!["好!!", "好好好"]);
    }

    #[test]
    fn python_whitespace() {
        assert_eq!(words("a\u{1c}b\u{a0}c\u{3000}d\u{200b}e"), vec!["a", "b", "c", "d\u{200b}e"]);
    }

    #[test]
    fn emoji_spacing() {
        let mut buf = String::new();
        assert!(replace_emoji("hi😁x 😁😁", &mut buf, None));
        assert_eq!(
            buf,
            "hi beaming face with smiling eyesx beaming face with smiling eyes beaming face with smiling eyes"
        );
        assert!(!replace_emoji("plain ascii", &mut buf, None));
        assert!(!replace_emoji("中文", &mut buf, None));
    }

    #[test]
    fn lookups() {
        let mut toks = Vec::new();
        let mut lower = String::new();
        tokenize("GOOD isn't very", 0, None, &mut lower, &mut toks);
        assert_eq!(toks[0].lex, 1.9);
        assert!(toks[0].upper);
        assert!(toks[1].negated && !toks[1].in_lex());
        assert_eq!(toks[2].booster, crate::words::B_INCR);
    }
}
