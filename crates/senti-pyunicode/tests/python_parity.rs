//! Checks every function against CPython 3.11 output recorded by
//! `scripts/gen_pyunicode_tables.py`:
//!
//! * `fixtures/pystr_cases.jsonl`: generated strings with Python's `isupper`, `lower`,
//!   `split` (with UTF-8 byte offsets), `strip` and `strip(string.punctuation)`;
//! * `fixtures/pychar_digest.json`: FNV-1a digests, per block of code points, of
//!   single-char probes, which cover every `char` without a huge fixture.

use std::fmt::Write as _;

use serde::Deserialize;

const CASES: &str = include_str!("fixtures/pystr_cases.jsonl");
const DIGEST: &str = include_str!("fixtures/pychar_digest.json");

#[derive(Deserialize)]
struct Case {
    s: String,
    isupper: bool,
    lower: String,
    split: Vec<(usize, String)>,
    strip: String,
    strip_punct: String,
}

#[derive(Deserialize)]
struct Digest {
    python: String,
    unidata_version: String,
    block: u32,
    digests: Vec<String>,
}

fn lower(s: &str) -> String {
    let mut out = String::new();
    senti_pyunicode::lower_into(s, &mut out);
    out
}

#[test]
fn fixture_matches_python_strings() {
    let mut failures = Vec::new();
    let mut n = 0;
    for (line_no, line) in CASES.lines().enumerate() {
        let case: Case = serde_json::from_str(line).expect("fixture line parses");
        let s = case.s.as_str();
        n += 1;
        let mut check = |what: &str, ok: bool, detail: String| {
            if !ok {
                failures.push(format!("line {}: {what} for {s:?}: {detail}", line_no + 1));
            }
        };
        let got = senti_pyunicode::is_upper(s);
        check("isupper", got == case.isupper, format!("got {got}"));
        let got = lower(s);
        check(
            "lower",
            got == case.lower,
            format!("got {got:?}, want {:?}", case.lower),
        );
        let got = senti_pyunicode::changes_on_lower(s);
        check(
            "changes_on_lower",
            got == (case.lower != s),
            format!("got {got}"),
        );
        let got: Vec<(usize, String)> = senti_pyunicode::split(s)
            .map(|(o, t)| (o, t.to_string()))
            .collect();
        check(
            "split",
            got == case.split,
            format!("got {got:?}, want {:?}", case.split),
        );
        for (off, tok) in senti_pyunicode::split(s) {
            check("split offset", s[off..].starts_with(tok), format!("{off}"));
        }
        let got = senti_pyunicode::strip(s);
        check(
            "strip",
            got == case.strip,
            format!("got {got:?}, want {:?}", case.strip),
        );
        let got = senti_pyunicode::strip_ascii_punctuation(s);
        let want = &case.strip_punct;
        check(
            "strip_punct",
            got == want,
            format!("got {got:?}, want {want:?}"),
        );
    }
    assert!(n >= 20_000, "fixture has only {n} cases");
    assert!(
        failures.is_empty(),
        "{} of {n} cases differ from Python; first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn fnv1a(mut h: u64, data: &[u8]) -> u64 {
    for &b in data {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Builds the same line as `char_probe` in the generator.
fn char_probe(c: char, line: &mut String) {
    use senti_pyunicode::{is_space, is_upper};
    let last = |s: String| s.chars().last();
    let flags = [
        is_space(c),
        is_upper(&c.to_string()),
        is_upper(&format!("A{c}")),
        last(lower(&format!("{c}Σ"))) == Some('ς'),
        last(lower(&format!("A{c}Σ"))) == Some('ς'),
        lower(&format!("AΣ{c}")).chars().nth(1) == Some('ς'),
    ];
    line.clear();
    write!(line, "{:x} ", u32::from(c)).unwrap();
    line.extend(flags.iter().map(|&f| if f { '1' } else { '0' }));
    line.push(' ');
    senti_pyunicode::lower_into(&c.to_string(), line);
    line.push('\n');
}

#[test]
fn every_code_point_matches_python() {
    let digest: Digest = serde_json::from_str(DIGEST).expect("digest parses");
    assert_eq!(digest.python, senti_pyunicode::PYTHON_VERSION);
    assert_eq!(digest.unidata_version, senti_pyunicode::UNIDATA_VERSION);
    let mut ours: Vec<u64> = Vec::new();
    let mut line = String::new();
    for c in '\0'..=char::MAX {
        let block = (u32::from(c) / digest.block) as usize;
        if ours.len() <= block {
            ours.resize(block + 1, FNV_OFFSET);
        }
        char_probe(c, &mut line);
        ours[block] = fnv1a(ours[block], line.as_bytes());
    }
    let ours: Vec<String> = ours.iter().map(|h| format!("{h:016x}")).collect();
    let bad: Vec<String> = ours
        .iter()
        .zip(&digest.digests)
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(i, _)| format!("U+{:04X}..", i as u32 * digest.block))
        .collect();
    assert_eq!(ours.len(), digest.digests.len());
    assert!(bad.is_empty(), "blocks differing from Python: {bad:?}");
}
