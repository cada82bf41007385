//! `Tokenizer.load_userdict` line parsing.
//!
//! Python reads the file in binary mode and for each line: `ln.strip()` (ASCII whitespace,
//! since the line is `bytes`), decodes UTF-8, `lstrip('\ufeff')`, skips it if empty, and
//! matches `re_userdict = ^(.+?)( [0-9]+)?( [a-z]+)?$` to get word, frequency and tag. The lazy
//! `(.+?)` makes the word the shortest prefix (at least one character) after which the rest of
//! the line is exactly `""`, `" <digits>"`, `" <a-z letters>"` or `" <digits> <a-z letters>"`;
//! anything else stays in the word (`"云 计算"` is the word `云 计算`, `"word 12X"` the word
//! `word 12X`). `[0-9]` and `[a-z]` are ASCII only.

/// Python's `bytes.strip()`: ` \t\n\r\x0b\x0c`.
pub(crate) fn strip_ascii_ws(mut b: &[u8]) -> &[u8] {
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    while b.first().is_some_and(ws) {
        b = &b[1..];
    }
    while b.last().is_some_and(ws) {
        b = &b[..b.len() - 1];
    }
    b
}

/// `( [0-9]+)?( [a-z]+)?$` against the whole of `rest`: `Some((freq, tag))` on a match.
fn suffix(rest: &str) -> Option<(Option<&str>, Option<&str>)> {
    fn field(s: &str, ok: fn(&u8) -> bool) -> Option<(&str, &str)> {
        let body = s.strip_prefix(' ')?;
        let n = body.bytes().take_while(ok).count();
        (n > 0).then(|| body.split_at(n))
    }
    fn tag_only(s: &str) -> Option<(&str, &str)> {
        field(s, u8::is_ascii_lowercase).filter(|(_, r)| r.is_empty())
    }
    if rest.is_empty() {
        return Some((None, None));
    }
    if let Some((digits, after)) = field(rest, u8::is_ascii_digit) {
        // Backtracking `[0-9]+` cannot help: a shorter run leaves a digit where ' ' or the
        // end must follow.
        if after.is_empty() {
            return Some((Some(digits), None));
        }
        if let Some((tag, _)) = tag_only(after) {
            return Some((Some(digits), Some(tag)));
        }
    }
    tag_only(rest).map(|(tag, _)| (None, Some(tag)))
}

/// `re_userdict.match(line).groups()` with the groups' `.strip()` applied: (word, freq, tag).
/// `line` is non-empty.
pub(crate) fn parse_line(line: &str) -> (&str, Option<&str>, Option<&str>) {
    for (i, _) in line.char_indices().skip(1).chain([(line.len(), ' ')]) {
        if let Some((freq, tag)) = suffix(&line[i..]) {
            return (&line[..i], freq, tag);
        }
    }
    unreachable!("the empty suffix always matches")
}

#[cfg(test)]
mod tests {
    use super::parse_line;

    type Groups<'a> = (&'a str, Option<&'a str>, Option<&'a str>);

    #[test]
    fn python_re_userdict_groups() {
        let cases: &[(&str, Groups)] = &[
            ("云计算 5", ("云计算", Some("5"), None)),
            ("创新办 3 i", ("创新办", Some("3"), Some("i"))),
            ("凱特琳 nz", ("凱特琳", None, Some("nz"))),
            ("台中", ("台中", None, None)),
            ("云 计算", ("云 计算", None, None)),
            ("a b c", ("a b", None, Some("c"))),
            ("word 12X", ("word 12X", None, None)),
            ("12 34", ("12", Some("34"), None)),
            ("word  12", ("word ", Some("12"), None)),
            ("x 1 2", ("x 1", Some("2"), None)),
            ("x 007 ab", ("x", Some("007"), Some("ab"))),
            ("x 1 Ab", ("x 1 Ab", None, None)),
            ("5", ("5", None, None)),
            ("词 ", ("词 ", None, None)),
        ];
        for (line, want) in cases {
            assert_eq!(parse_line(line), *want, "{line:?}");
        }
    }
}
