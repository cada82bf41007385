//! vaderSentiment's pre-processing: emoji replaced by their descriptions, whitespace split,
//! punctuation stripped; then one table lookup per token.
//!
//! Tokens are byte ranges of one "working text": the caller's text itself, or, only when it
//! holds an emoji, one reused buffer with the descriptions written in. Lowercasing happens in a
//! small reused buffer per token and is thrown away after the lookup, so a sentence without
//! emoji is tokenized without allocating.

use senti_pyunicode as py;

use crate::table;
use crate::words::{KEY_WORDS, MAX_KEY_LEN};

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
    let Some(first) = text
        .char_indices()
        .find(|&(_, c)| table::emoji(c).is_some())
    else {
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

/// User lexicon entries (`--lexicon`), consulted before the compiled table.
pub(crate) type Overlay = std::collections::HashMap<String, f64>;

/// Splits the working text into tokens and looks each one up.
pub(crate) fn tokenize(
    work: &str,
    overlay: Option<&Overlay>,
    lower: &mut String,
    padded: &mut Vec<u8>,
    out: &mut Vec<Tok>,
) {
    out.clear();
    if work.is_ascii() {
        tokenize_ascii(work.as_bytes(), overlay, padded, out);
    } else {
        tokenize_unicode(work, overlay, lower, out);
    }
}

/// The general path: Python's whitespace and case rules over all of Unicode.
fn tokenize_unicode(work: &str, overlay: Option<&Overlay>, lower: &mut String, out: &mut Vec<Tok>) {
    for (off, raw) in py::split(work) {
        let tok = strip_punc_if_word(raw);
        let start = off + (tok.as_ptr() as usize - raw.as_ptr() as usize);
        let lowered: &str = if py::changes_on_lower(tok) {
            lower.clear();
            py::lower_into(tok, lower);
            lower
        } else {
            tok
        };
        let entry = table::lookup(lowered);
        out.push(make_tok(
            start,
            tok.len(),
            entry,
            overlay,
            lowered,
            py::is_upper(tok),
        ));
    }
}

#[inline]
fn make_tok(
    start: usize,
    len: usize,
    entry: table::Entry,
    overlay: Option<&Overlay>,
    lowered: &str,
    upper: bool,
) -> Tok {
    let mut lex = entry.lex;
    if let Some(ov) = overlay
        && let Some(&v) = ov.get(lowered)
    {
        lex = v;
    }
    Tok {
        start: start as u32,
        end: (start + len) as u32,
        lex,
        booster: entry.booster,
        word: entry.word,
        negated: entry.negate || contains_nt(lowered.as_bytes()),
        upper,
    }
}

#[inline]
fn contains_nt(b: &[u8]) -> bool {
    b.len() >= 3 && b.contains(&b'\'') && b.windows(3).any(|w| w == b"n't")
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `w` (all bytes < 0x80) that lies in `lo..=hi`.
#[inline]
fn bytes_in_range(w: u64, lo: u8, hi: u8) -> u64 {
    let ge_lo = w.wrapping_add(ONES * (0x80 - lo as u64)) & HIGH;
    let gt_hi = w.wrapping_add(ONES * (0x7F - hi as u64)) & HIGH;
    ge_lo & !gt_hi
}

/// One bit per byte (bit j for byte j) of `w` that Python's `str.split()` treats as
/// whitespace: `\t\n\v\f\r`, U+001C..U+001F and space.
#[inline]
fn whitespace_mask(w: u64) -> u32 {
    let ws = bytes_in_range(w, 0x09, 0x0D) | bytes_in_range(w, 0x1C, 0x20);
    // Gather the eight high bits into the low byte.
    ((ws >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32
}

/// Spaces appended to the ASCII path's copy of the text, so that every 8-byte load of a
/// token (up to `MAX_KEY_LEN` bytes) or of the whitespace scan (64 bytes a step) stays in
/// bounds without a per-load length check.
const PAD: usize = 64 + MAX_KEY_LEN + 8;

#[inline]
fn load_u64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

/// The ASCII path: whitespace found eight bytes at a time with no branch per byte, and each
/// token lowercased, classified and hashed as three 64-bit words. Returns the same tokens as
/// [`tokenize_unicode`] (checked by tests) several times faster; ASCII is the common case.
fn tokenize_ascii(
    text: &[u8],
    overlay: Option<&Overlay>,
    padded: &mut Vec<u8>,
    out: &mut Vec<Tok>,
) {
    let n = text.len();
    padded.clear();
    padded.extend_from_slice(text);
    padded.resize(n + PAD, b' ');
    let b = &padded[..];
    let mut in_tok = false;
    let mut start = 0;
    let mut c = 0;
    while c < n {
        // Whitespace bits of 64 bytes first (eight independent words), then their edges.
        let mut ws = 0u64;
        for k in 0..8 {
            ws |= u64::from(whitespace_mask(load_u64(b, c + 8 * k))) << (8 * k);
        }
        // Bit j of `changes`: whitespace-ness differs between byte c+j-1 and byte c+j.
        let mut changes = ws ^ ((ws << 1) | u64::from(!in_tok));
        while changes != 0 {
            let j = changes.trailing_zeros() as usize;
            changes &= changes - 1;
            if in_tok {
                ascii_token(b, start, c + j, overlay, out);
            } else {
                start = c + j;
            }
            in_tok = !in_tok;
        }
        c += 64;
    }
    // Padding is spaces, so a token still open here ends exactly at a block's end (= n).
    if in_tok {
        ascii_token(b, start, n, overlay, out);
    }
}

/// `string.punctuation`, as a table: one load per test.
static PUNCT: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_punctuation();
        b += 1;
    }
    t
};

#[inline]
fn is_punct(b: u8) -> bool {
    PUNCT[usize::from(b)]
}

/// For a key of `len` bytes, the mask of its bytes in each of its three 8-byte words.
const KEEP: [[u64; KEY_WORDS]; MAX_KEY_LEN + 1] = {
    let mut t = [[0u64; KEY_WORDS]; MAX_KEY_LEN + 1];
    let mut len = 0;
    while len <= MAX_KEY_LEN {
        let mut i = 0;
        while i < KEY_WORDS {
            let valid = len.saturating_sub(i * 8);
            t[len][i] = if valid >= 8 {
                u64::MAX
            } else {
                (1u64 << (valid * 8)) - 1
            };
            i += 1;
        }
        len += 1;
    }
    t
};

/// Case and apostrophe bits of one word of a token: (uppercase, lowercase, `'`), each the
/// high bit of the bytes concerned.
#[inline]
fn classify(x: u64) -> (u64, u64, u64) {
    (
        bytes_in_range(x, b'A', b'Z'),
        bytes_in_range(x, b'a', b'z'),
        bytes_in_range(x, b'\'', b'\''),
    )
}

/// One ASCII token `b[s..e]`: strip rule, lowercase, case flags, lookup. Inlined into the
/// scan (a call per token cost a dozen instructions of saving and restoring registers).
#[inline(always)]
fn ascii_token(b: &[u8], s: usize, e: usize, overlay: Option<&Overlay>, out: &mut Vec<Tok>) {
    // Most tokens have no punctuation at either end: two tests, no loop.
    let (ts, te) = if !is_punct(b[s]) && !is_punct(b[e - 1]) {
        (s, e)
    } else {
        let (mut ps, mut pe) = (s, e);
        while ps < pe && is_punct(b[ps]) {
            ps += 1;
        }
        while pe > ps && is_punct(b[pe - 1]) {
            pe -= 1;
        }
        // ASCII: characters are bytes. Keep the whole token when stripping leaves <= 2.
        if pe - ps <= 2 { (s, e) } else { (ps, pe) }
    };
    let tok = &b[ts..te];
    let len = tok.len();
    let (entry, has_upper, has_lower, nt) = if len <= MAX_KEY_LEN {
        let keep = &KEEP[len];
        let x0 = load_u64(b, ts) & keep[0];
        let (mut up, mut lo, mut apos) = classify(x0);
        let mut words = [x0 | (up >> 2), 0, 0]; // 0x80 >> 2 == 0x20: 'A' -> 'a'
        if len > 8 {
            // Most tokens fit one word; the longer ones pay for the other two.
            for i in 1..KEY_WORDS {
                let x = load_u64(b, ts + i * 8) & keep[i];
                let (u, l, a) = classify(x);
                (up, lo, apos) = (up | u, lo | l, apos | a);
                words[i] = x | (u >> 2);
            }
        }
        let nt = apos != 0 && {
            let mut low = [0u8; MAX_KEY_LEN];
            for (i, w) in words.iter().enumerate() {
                low[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
            }
            contains_nt(&low[..len])
        };
        (table::lookup_words(&words, len), up != 0, lo != 0, nt)
    } else {
        // Longer than any table word: only the case flags and "n't" matter.
        let up = tok.iter().any(u8::is_ascii_uppercase);
        let lo = tok.iter().any(u8::is_ascii_lowercase);
        let nt = tok.windows(3).any(|w| {
            w[0].eq_ignore_ascii_case(&b'n') && w[1] == b'\'' && w[2].eq_ignore_ascii_case(&b't')
        });
        (table::Entry::NONE, up, lo, nt)
    };
    let mut lex = entry.lex;
    if let Some(ov) = overlay {
        let mut lowered = tok.to_vec();
        lowered.make_ascii_lowercase();
        if let Some(&v) = std::str::from_utf8(&lowered).ok().and_then(|l| ov.get(l)) {
            lex = v;
        }
    }
    out.push(Tok {
        start: ts as u32,
        end: te as u32,
        lex,
        booster: entry.booster,
        word: entry.word,
        negated: entry.negate || nt,
        upper: has_upper && !has_lower,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        let mut toks = Vec::new();
        let mut lower = String::new();
        tokenize(text, None, &mut lower, &mut Vec::new(), &mut toks);
        toks.iter()
            .map(|t| text[t.start as usize..t.end as usize].to_string())
            .collect()
    }

    #[test]
    fn strip_rule_counts_characters() {
        assert_eq!(
            words("ok! no, :) (: 'hello'"),
            vec!["ok!", "no,", ":)", "(:", "hello"]
        );
        // "好!!" strips to one character, so the token is kept whole; "好好好!" is stripped.
        assert_eq!(words("好!! 好好好!"), vec!["好!!", "好好好"]);
    }

    #[test]
    fn python_whitespace() {
        assert_eq!(
            words("a\u{1c}b\u{a0}c\u{3000}d\u{200b}e"),
            vec!["a", "b", "c", "d\u{200b}e"]
        );
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

    /// The ASCII fast path must agree with the general path on every ASCII input.
    #[test]
    fn ascii_path_matches_unicode_path() {
        let pieces = [
            "good",
            "GOOD",
            "Bad",
            "isn't",
            "DON'T",
            "n't",
            "ok!",
            "!!",
            ":)",
            "(:",
            "'s",
            "...",
            "no,",
            "kind",
            "of",
            "very",
            "VERY",
            "hello-world",
            "\t",
            "\n",
            "\u{1c}",
            "\u{1f}",
            " ",
            "  ",
            "\u{b}",
            "\r\n",
            "x",
            "A",
            "1",
            "?!",
            "lol",
            "disadvantageousness",
            "averyveryveryverylongtokenthatisnotinthetable",
            "couldn't've",
            "\0",
            "good\0",
        ];
        let mut seed = 0x1234_5678_9abc_def0u64;
        let mut lower = String::new();
        for _ in 0..20_000 {
            let mut text = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let count = (seed % 12) as usize;
            for k in 0..count {
                let p = pieces[((seed >> (k * 5)) as usize) % pieces.len()];
                text.push_str(p);
                if (seed >> (k + 40)) & 1 == 1 {
                    text.push(' ');
                }
            }
            let (mut a, mut u) = (Vec::new(), Vec::new());
            tokenize_ascii(text.as_bytes(), None, &mut Vec::new(), &mut a);
            tokenize_unicode(&text, None, &mut lower, &mut u);
            let key = |t: &Tok| {
                (
                    t.start,
                    t.end,
                    t.lex.to_bits(),
                    t.booster.to_bits(),
                    t.word,
                    t.negated,
                    t.upper,
                )
            };
            assert_eq!(
                a.iter().map(key).collect::<Vec<_>>(),
                u.iter().map(key).collect::<Vec<_>>(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn lookups() {
        let mut toks = Vec::new();
        let mut lower = String::new();
        tokenize(
            "GOOD isn't very",
            None,
            &mut lower,
            &mut Vec::new(),
            &mut toks,
        );
        assert_eq!(toks[0].lex, 1.9);
        assert!(toks[0].upper);
        assert!(toks[1].negated && !toks[1].in_lex());
        assert_eq!(toks[2].booster, crate::words::B_INCR);
    }
}
