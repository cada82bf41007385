//! `Tokenizer.cut`: the split into blocks and the handling of everything between them.
//!
//! Python does `re_han_default.split(sentence)` with
//! `re_han_default = ([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)`; because of the capture group the
//! result alternates non-matching text and matches, and empty strings are skipped. Matches go to
//! the block cutter of the mode. Other text is split with `re_skip_default = (\r\n|\s)`:
//! - accurate modes yield `\r\n` or one whitespace character as a token, and every other
//!   character as its own token;
//! - full mode yields the whitespace tokens and, whole, every piece between them — including
//!   the empty pieces `re.split` produces before, between and after whitespace (`"a b"` gives
//!   `a`, `''`, `' '`, `''`, `b`).
//!
//! (jieba 0.42.1 uses these two patterns in full mode too; `re_han_cut_all` /
//! `re_skip_cut_all` belong to older releases.)
//!
//! `[a-zA-Z0-9]` is ASCII only even with `re.U`; `\s` is CPython's `str.isspace()` set.

use crate::Token;
use crate::cut_all::{self, AllScratch};
use crate::route::{self, RouteScratch};
use crate::{Jieba, Mode};

/// Where the block cutters put their tokens: the caller's `Vec`, or the search-mode wrapper.
pub(crate) trait Sink<'a> {
    fn push(&mut self, t: Token<'a>);
}

impl<'a> Sink<'a> for Vec<Token<'a>> {
    #[inline]
    fn push(&mut self, t: Token<'a>) {
        Vec::push(self, t);
    }
}

/// One `re_han_default` match, as code points with their byte offsets.
pub(crate) struct Block<'a, 's> {
    pub text: &'a str,
    /// Byte offset of the block in `text`.
    pub byte_base: usize,
    /// Character offset of the block in `text`.
    pub char_base: usize,
    pub chars: &'s [u32],
    /// Byte offset (from `byte_base`) of each character, plus the block's length.
    pub offs: &'s [usize],
}

impl<'a> Block<'a, '_> {
    /// The token of the block's characters `a..b`.
    #[inline]
    pub fn token(&self, a: usize, b: usize) -> Token<'a> {
        let byte_start = self.byte_base + self.offs[a];
        let byte_end = self.byte_base + self.offs[b];
        Token {
            word: &self.text[byte_start..byte_end],
            start: self.char_base + a,
            end: self.char_base + b,
            byte_start,
            byte_end,
        }
    }
}

/// Buffers reused across calls (one set per thread).
#[derive(Default)]
pub(crate) struct Scratch {
    chars: Vec<u32>,
    offs: Vec<usize>,
    route: RouteScratch,
    all: AllScratch,
}

/// `re_eng = [a-zA-Z0-9]`.
#[inline]
pub(crate) fn is_eng(c: u32) -> bool {
    u8::try_from(c).is_ok_and(|b| b.is_ascii_alphanumeric())
}

/// The character class of `re_han_default`.
#[inline]
pub(crate) fn is_han_default(c: char) -> bool {
    // Han first (most characters), then one bit test for the ASCII part of the class.
    const ASCII: u128 = {
        let mut m = 0u128;
        let mut b = 0;
        while b < 128 {
            let c = b as u8;
            if c.is_ascii_alphanumeric()
                || matches!(c, b'+' | b'#' | b'&' | b'.' | b'_' | b'%' | b'-')
            {
                m |= 1 << b;
            }
            b += 1;
        }
        m
    };
    let u = u32::from(c);
    u.wrapping_sub(0x4E00) <= 0x9FD5 - 0x4E00 || (u < 128 && ASCII >> u & 1 != 0)
}

/// Python's `\s` on `str` patterns, i.e. `str.isspace()` (CPython 3.11, Unicode 14): bidi
/// classes WS, B, S and category Zs. Includes U+001C..U+001F and U+0085, which Rust's
/// `char::is_whitespace` lacks (U+0085 aside), and excludes U+180E, U+200B and U+FEFF.
#[inline]
pub(crate) fn py_isspace(c: char) -> bool {
    match c {
        '\t'..='\r' | '\u{1C}'..=' ' => true,
        _ if c < '\u{85}' => false,
        '\u{85}' | '\u{A0}' | '\u{1680}' | '\u{2000}'..='\u{200A}' => true,
        '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => true,
        _ => false,
    }
}

/// Which block cutter runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cutter {
    Hmm,
    NoHmm,
    All,
}

impl From<Mode> for Cutter {
    fn from(m: Mode) -> Self {
        match m {
            Mode::Hmm | Mode::Search => Cutter::Hmm,
            Mode::NoHmm => Cutter::NoHmm,
            Mode::All => Cutter::All,
        }
    }
}

#[inline]
fn span<'a>(text: &'a str, b: usize, e: usize, c: usize, n: usize) -> Token<'a> {
    Token {
        word: &text[b..e],
        start: c,
        end: c + n,
        byte_start: b,
        byte_end: e,
    }
}

/// `Tokenizer.cut(text, cut_all, HMM)` into `sink`.
pub(crate) fn segment<'a>(
    jb: &Jieba,
    text: &'a str,
    cutter: Cutter,
    sink: &mut impl Sink<'a>,
    sc: &mut Scratch,
) {
    let mut it = text.char_indices().peekable();
    let mut cpos = 0usize;
    while let Some(&(b0, c0)) = it.peek() {
        if is_han_default(c0) {
            sc.chars.clear();
            sc.offs.clear();
            while let Some(&(b, c)) = it.peek() {
                if !is_han_default(c) {
                    break;
                }
                sc.chars.push(u32::from(c));
                sc.offs.push(b - b0);
                it.next();
            }
            let end = it.peek().map_or(text.len(), |&(b, _)| b);
            sc.offs.push(end - b0);
            let block = Block {
                text,
                byte_base: b0,
                char_base: cpos,
                chars: &sc.chars,
                offs: &sc.offs,
            };
            match cutter {
                Cutter::Hmm => {
                    route::cut_hmm(&block, &jb.dict, &jb.force_split, &mut sc.route, sink)
                }
                Cutter::NoHmm => route::cut_no_hmm(&block, &jb.dict, &mut sc.route, sink),
                Cutter::All => cut_all::cut_all(&block, &jb.dict, &mut sc.all, sink),
            }
            cpos += sc.chars.len();
            continue;
        }
        // A run of text outside the class, split by (\r\n|\s).
        let (mut piece_b, mut piece_c) = (b0, cpos);
        while let Some(&(b, c)) = it.peek() {
            if is_han_default(c) {
                break;
            }
            it.next();
            let (e, n) = if c == '\r' && it.peek().is_some_and(|&(_, d)| d == '\n') {
                it.next();
                (b + 2, 2)
            } else {
                (b + c.len_utf8(), 1)
            };
            if cutter != Cutter::All {
                sink.push(span(text, b, e, cpos, n));
            } else if n == 2 || py_isspace(c) {
                sink.push(span(text, piece_b, b, piece_c, cpos - piece_c));
                sink.push(span(text, b, e, cpos, n));
                (piece_b, piece_c) = (e, cpos + n);
            }
            cpos += n;
        }
        if cutter == Cutter::All {
            let end = it.peek().map_or(text.len(), |&(b, _)| b);
            sink.push(span(text, piece_b, end, piece_c, cpos - piece_c));
        }
    }
}
