//! Compiles jieba 0.42.1's `dict.txt` and finalseg HMM tables into flat arrays that the library
//! maps with `include_bytes!`, so `Jieba::new()` parses nothing.
//!
//! The dictionary is read exactly as `Tokenizer.gen_pfdict` reads it: each line is
//! `strip()`ped, split on `' '`, the first two fields are word and frequency, a repeated word
//! keeps its last frequency, every line's frequency is added to the total (dict.txt repeats
//! `B超 3 n`, so the total is 60,101,967), and every prefix of a word is a key with frequency 0.
//! The key set is prefix-closed, so it is exactly a character trie; the trie is laid out
//! breadth-first with each node's children contiguous and sorted by character (`first[n]..
//! first[n + 1]`), which needs no pointers and lets a lookup binary-search the children.
//!
//! Outputs in `OUT_DIR` (native endianness of the target):
//! - `trie_chars.bin`  u16 per node: the character on the edge into it (all dict.txt characters
//!   are in the BMP; checked here)
//! - `trie_first.bin`  u32 per node + 1: index of its first child
//! - `trie_freq.bin`   u16 per node: index into `freq_values.bin` (0 = frequency 0)
//!
//!   (Separate arrays measured faster than one interleaved 8-byte record per node: the hot
//!   part of the 2-byte character array, searched for every step, stays denser in cache.)
//! - `freq_values.bin` u64 per distinct frequency, ascending, `[0]` = 0
//! - `root_bmp.bin`    u16 per BMP code point: the root's child for it, 0 = none
//! - `hmm_emit.bin`    f64 × 4 (B, M, E, S) per code point U+4E00..=U+9FD5, MIN_FLOAT if absent
//! - `tables.rs`       counts, the total, start and transition probabilities

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};

const MIN_FLOAT: f64 = -3.14e100;
const HAN_FIRST: u32 = 0x4E00;
const HAN_LAST: u32 = 0x9FD5;
const STATES: &str = "BMES";

fn gunzip(path: &Path) -> Vec<u8> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut out)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    out
}

/// Python's `bytes.strip()`: ASCII whitespace ` \t\n\r\x0b\x0c`.
fn py_bytes_strip(mut b: &[u8]) -> &[u8] {
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    while b.first().is_some_and(ws) {
        b = &b[1..];
    }
    while b.last().is_some_and(ws) {
        b = &b[..b.len() - 1];
    }
    b
}

struct TmpNode {
    children: Vec<(u16, u32)>,
    freq: u64,
}

fn push_bytes<T: Copy>(out: &mut Vec<u8>, values: &[T], to_bytes: impl Fn(T) -> Vec<u8>) {
    for &v in values {
        out.extend(to_bytes(v));
    }
}

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let big_endian = std::env::var("CARGO_CFG_TARGET_ENDIAN").as_deref() == Ok("big");
    let dict_path = dir.join("data/dict.txt.gz");
    let hmm_path = dir.join("data/hmm_prob.tsv.gz");
    println!("cargo:rerun-if-changed={}", dict_path.display());
    println!("cargo:rerun-if-changed={}", hmm_path.display());
    println!("cargo:rerun-if-changed=build.rs");

    // ---------------------------------------------------------------- dictionary (gen_pfdict)
    let dict = gunzip(&dict_path);
    let mut words: HashMap<String, u64> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut total: u64 = 0;
    for (lineno, raw) in dict.split_inclusive(|&b| b == b'\n').enumerate() {
        let line = std::str::from_utf8(py_bytes_strip(raw))
            .unwrap_or_else(|_| panic!("dict.txt line {}: not UTF-8", lineno + 1));
        let mut fields = line.split(' ');
        let word = fields.next().unwrap();
        let freq: u64 = fields
            .next()
            .and_then(|f| f.parse().ok())
            .unwrap_or_else(|| panic!("dict.txt line {}: {line:?}", lineno + 1));
        total += freq;
        if words.insert(word.to_string(), freq).is_none() {
            order.push(word.to_string());
        }
    }

    let mut nodes = vec![TmpNode {
        children: Vec::new(),
        freq: 0,
    }];
    for word in &order {
        let mut node = 0usize;
        for ch in word.chars() {
            let c = u16::try_from(u32::from(ch))
                .unwrap_or_else(|_| panic!("dict.txt word {word:?} has a non-BMP character"));
            node = match nodes[node].children.iter().find(|&&(k, _)| k == c) {
                Some(&(_, child)) => child as usize,
                None => {
                    let id = nodes.len();
                    nodes.push(TmpNode {
                        children: Vec::new(),
                        freq: 0,
                    });
                    nodes[node].children.push((c, id as u32));
                    id
                }
            };
        }
        nodes[node].freq = words[word];
    }

    // Breadth-first renumbering: children of a node get consecutive ids, sorted by character.
    let n = nodes.len();
    let mut new_id = vec![u32::MAX; n];
    let mut bfs: Vec<u32> = Vec::with_capacity(n);
    new_id[0] = 0;
    bfs.push(0);
    let mut head = 0;
    while head < bfs.len() {
        let old = bfs[head] as usize;
        head += 1;
        nodes[old].children.sort_unstable();
        for &(_, child) in &nodes[old].children {
            new_id[child as usize] = bfs.len() as u32;
            bfs.push(child);
        }
    }
    let mut freq_values: Vec<u64> = nodes.iter().map(|n| n.freq).collect();
    freq_values.push(0);
    freq_values.sort_unstable();
    freq_values.dedup();
    assert!(
        freq_values.len() <= usize::from(u16::MAX),
        "too many distinct frequencies"
    );
    let freq_index: HashMap<u64, u16> = freq_values
        .iter()
        .enumerate()
        .map(|(i, &f)| (f, i as u16))
        .collect();

    let mut chars = vec![0u16; n];
    let mut first = vec![0u32; n + 1];
    let mut freq_idx = vec![0u16; n];
    let mut next_child = 1u32;
    for (new, &old) in bfs.iter().enumerate() {
        let node = &nodes[old as usize];
        first[new] = next_child;
        for &(c, child) in &node.children {
            debug_assert_eq!(new_id[child as usize], next_child);
            chars[next_child as usize] = c;
            next_child += 1;
        }
        freq_idx[new] = freq_index[&node.freq];
    }
    first[n] = next_child;
    let mut root_bmp = vec![0u16; 0x10000];
    for child in first[0]..first[1] {
        root_bmp[usize::from(chars[child as usize])] =
            u16::try_from(child).expect("root children fit u16");
    }

    let u16b = |v: u16| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
        .to_vec()
    };
    let u32b = |v: u32| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
        .to_vec()
    };
    let u64b = |v: u64| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
        .to_vec()
    };
    let f64b = |v: f64| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
        .to_vec()
    };
    let write = |name: &str, bytes: Vec<u8>| std::fs::write(out_dir.join(name), bytes).unwrap();
    let mut b = Vec::new();
    push_bytes(&mut b, &chars, u16b);
    write("trie_chars.bin", std::mem::take(&mut b));
    push_bytes(&mut b, &first, u32b);
    write("trie_first.bin", std::mem::take(&mut b));
    push_bytes(&mut b, &freq_idx, u16b);
    write("trie_freq.bin", std::mem::take(&mut b));
    push_bytes(&mut b, &freq_values, u64b);
    write("freq_values.bin", std::mem::take(&mut b));
    push_bytes(&mut b, &root_bmp, u16b);
    write("root_bmp.bin", std::mem::take(&mut b));

    // ---------------------------------------------------------------- HMM (finalseg prob_*.py)
    let hmm = String::from_utf8(gunzip(&hmm_path)).expect("hmm_prob.tsv is ASCII");
    let state = |s: &str| STATES.find(s).unwrap_or_else(|| panic!("bad state {s:?}"));
    let float = |s: &str| -> f64 { s.parse().unwrap_or_else(|_| panic!("bad float {s:?}")) };
    let mut start = [MIN_FLOAT; 4];
    let mut trans = [[MIN_FLOAT; 4]; 4];
    let span = (HAN_LAST - HAN_FIRST + 1) as usize;
    let mut emit = vec![MIN_FLOAT; span * 4];
    let (mut emit_used, mut emit_outside) = (0usize, 0usize);
    for line in hmm.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        match f[0] {
            "start" => start[state(f[1])] = float(f[2]),
            "trans" => trans[state(f[1])][state(f[2])] = float(f[3]),
            "emit" => {
                let cp = u32::from_str_radix(f[2], 16).expect("hex code point");
                // finalseg only runs the Viterbi on runs of [\u4E00-\u9FD5]; other characters'
                // emissions can never be looked up.
                if (HAN_FIRST..=HAN_LAST).contains(&cp) {
                    emit[(cp - HAN_FIRST) as usize * 4 + state(f[1])] = float(f[3]);
                    emit_used += 1;
                } else {
                    emit_outside += 1;
                }
            }
            other => panic!("bad hmm_prob.tsv record {other:?}"),
        }
    }
    push_bytes(&mut b, &emit, f64b);
    write("hmm_emit.bin", std::mem::take(&mut b));

    let mut rs = String::new();
    writeln!(rs, "/// Nodes in the compiled-in trie (root included).").unwrap();
    writeln!(rs, "pub(crate) const STATIC_NODES: usize = {n};").unwrap();
    writeln!(
        rs,
        "/// Sum of every dict.txt line's frequency, duplicates included."
    )
    .unwrap();
    writeln!(rs, "pub(crate) const DICT_TOTAL: u64 = {total};").unwrap();
    writeln!(rs, "/// Distinct dict.txt words (lines, less repeats).").unwrap();
    writeln!(rs, "#[allow(dead_code)]").unwrap();
    writeln!(rs, "pub(crate) const DICT_WORDS: usize = {};", order.len()).unwrap();
    writeln!(rs, "/// Emission entries inside / outside U+4E00..=U+9FD5.").unwrap();
    writeln!(rs, "#[allow(dead_code)]").unwrap();
    writeln!(
        rs,
        "pub(crate) const EMIT_ENTRIES: (usize, usize) = ({emit_used}, {emit_outside});"
    )
    .unwrap();
    writeln!(rs, "/// `start_P` in B, M, E, S order.").unwrap();
    writeln!(rs, "pub(crate) const START: [f64; 4] = {start:?};").unwrap();
    writeln!(
        rs,
        "/// `trans_P[from][to]`, MIN_FLOAT where Python has no entry."
    )
    .unwrap();
    writeln!(rs, "pub(crate) const TRANS: [[f64; 4]; 4] = {trans:?};").unwrap();
    write("tables.rs", rs.into_bytes());
}
