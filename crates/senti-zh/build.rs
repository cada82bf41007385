//! Compiles jieba 0.42.1's `dict.txt` and finalseg HMM tables into flat arrays that the library
//! maps with `include_bytes!`, so `Jieba::new()` parses nothing.
//!
//! The dictionary is read exactly as `Tokenizer.gen_pfdict` reads it: each line is
//! `strip()`ped, split on `' '`, the first two fields are word and frequency, a repeated word
//! keeps its last frequency, every line's frequency is added to the total (dict.txt repeats
//! `B超 3 n`, so the total is 60,101,967), and every prefix of a word is a key with frequency 0.
//! The key set is prefix-closed, so it is exactly a character trie. The trie is laid out as a
//! double array (as cedarwood, jieba-rs's trie, but over characters rather than UTF-8 bytes):
//! each character of the dictionary has a code 1.. (most frequent edge label first), each node
//! is a slot, and the child of slot `s` along `c` is `t = base[s] + code(c)` when
//! `check[t] == s`. A step is two loads and a compare, whatever the node's fan-out; the
//! breadth-first trie it replaced searched each node's sorted children (a root table, a scan
//! up to 8, else a binary search), and that search was ~76% of full mode's time.
//!
//! Outputs in `OUT_DIR` (native endianness of the target):
//! - `trie_da.bin`     u64 per slot: check (bits 0..21; all ones = free slot), base (21..42)
//!   and the index into `freq_values.bin` (42..64, 0 = frequency 0), so that one load gives a
//!   step's check, the next step's base and the word test
//! - `char_code.bin`   u16 per BMP code point: its code, 0 = in no word (all dict.txt characters
//!   are in the BMP; checked here)
//! - `freq_values.bin` u64 per distinct frequency, ascending, `[0]` = 0
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
/// The check field of a double-array record (21 bits); all ones marks a free slot.
const CHECK_MASK: u64 = (1 << 21) - 1;

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

/// Children from which a node's placement search starts at its size class's last base (see
/// `double_array`). 64: 846,225 slots and a ~9 s placement in the (unoptimized) build script;
/// plain first fit packs 711,273 but takes ~40 s; 32 gives 928,174 in ~2 s.
const BIG_NODE: usize = 64;

/// Lays the trie out as a double array: node = slot, `base[s] + code(c)` is the slot of the
/// child of `s` along `c` when `check[slot] == s`. Returns `(base, check, slot of each node)`.
///
/// Placement is first fit in breadth-first order: for each placed node, the smallest `b` such
/// that every `b + code(child char)` is free. `next_free` is a union-find "first free slot
/// `>= i`", so the search skips runs of used slots.
fn double_array(nodes: &[TmpNode], code: &[u32]) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    fn find(next: &mut Vec<u32>, mut i: usize) -> usize {
        if i >= next.len() {
            let n = next.len();
            next.extend((n as u32)..=(i as u32 + 1));
        }
        while next[i] as usize != i {
            let up = next[i] as usize;
            if up >= next.len() {
                let n = next.len();
                next.extend((n as u32)..=(up as u32));
            }
            next[i] = next[up];
            i = up;
        }
        i
    }
    let mut next_free: Vec<u32> = (0..1024).collect();
    let mut check: Vec<u32> = Vec::new();
    let mut base: Vec<u32> = Vec::new();
    let mut slot = vec![u32::MAX; nodes.len()];
    let mut last_base = [0usize; 32];
    let take = |next: &mut Vec<u32>, check: &mut Vec<u32>, s: usize, parent: u32| {
        if check.len() <= s {
            check.resize(s + 1, u32::MAX);
        }
        check[s] = parent;
        find(next, s + 1);
        next[s] = s as u32 + 1;
    };
    take(&mut next_free, &mut check, 0, u32::MAX);
    slot[0] = 0;
    let mut queue = std::collections::VecDeque::from([0usize]);
    let mut kids: Vec<(u32, u32)> = Vec::new();
    while let Some(node) = queue.pop_front() {
        let s = slot[node] as usize;
        if base.len() <= s {
            base.resize(s + 1, 0);
        }
        kids.clear();
        kids.extend(
            nodes[node]
                .children
                .iter()
                .map(|&(c, child)| (code[usize::from(c)], child)),
        );
        if kids.is_empty() {
            continue;
        }
        kids.sort_unstable();
        let c0 = kids[0].0 as usize;
        // A node with many children rarely fits where the array is already dense, and first fit
        // would test every free slot on the way (quadratic: >100,000 tries for each of
        // hundreds of nodes). In practice such nodes' first-fit bases only grow, so each
        // size class (log2 of the children) starts where its last node went.
        let class = if kids.len() >= BIG_NODE {
            kids.len().ilog2() as usize
        } else {
            0
        };
        let start = c0 + last_base[class];
        let mut t = find(&mut next_free, start);
        let b = loop {
            let b = t - c0;
            let free = |s: usize| s >= check.len() || check[s] == u32::MAX;
            if kids[1..].iter().all(|&(c, _)| free(b + c as usize)) {
                break b;
            }
            t = find(&mut next_free, t + 1);
        };
        base[s] = b as u32;
        if class > 0 {
            last_base[class] = b;
        }
        for &(c, child) in &kids {
            let cs = b + c as usize;
            take(&mut next_free, &mut check, cs, s as u32);
            slot[child as usize] = cs as u32;
            queue.push_back(child as usize);
        }
    }
    // Every `base + code` must index inside the arrays (a failed lookup reads a free slot).
    let max_code = code.iter().copied().max().unwrap_or(0) as usize;
    let len = base.iter().map(|&b| b as usize).max().unwrap_or(0) + max_code + 1;
    let len = len.max(check.len());
    base.resize(len, 0);
    check.resize(len, u32::MAX);
    (base, check, slot)
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

    // Character codes: 1.. by how many edges carry the character (0 = in no dictionary word).
    let mut edge_count = vec![0u32; 0x10000];
    for node in &nodes {
        for &(c, _) in &node.children {
            edge_count[usize::from(c)] += 1;
        }
    }
    let mut by_count: Vec<u16> = (0..=u16::MAX)
        .filter(|&c| edge_count[usize::from(c)] > 0)
        .collect();
    by_count.sort_by_key(|&c| (std::cmp::Reverse(edge_count[usize::from(c)]), c));
    let mut char_code = vec![0u16; 0x10000];
    for (i, &c) in by_count.iter().enumerate() {
        char_code[usize::from(c)] = u16::try_from(i + 1).expect("fewer than 65,535 characters");
    }
    let code32: Vec<u32> = char_code.iter().map(|&c| u32::from(c)).collect();
    let (base, check, slot) = double_array(&nodes, &code32);
    let slots = base.len();
    assert!((slots as u64) < CHECK_MASK, "slot ids fit 21 bits");

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
    // One u64 per slot: check (bits 0..21), base (21..42), frequency index (42..64).
    let mut da = vec![CHECK_MASK; slots];
    for (s, (&b, &c)) in base.iter().zip(&check).enumerate() {
        assert!(u64::from(b) < CHECK_MASK, "base fits 21 bits");
        let c = if c == u32::MAX {
            CHECK_MASK
        } else {
            u64::from(c)
        };
        da[s] = c | u64::from(b) << 21;
    }
    for (node, &s) in nodes.iter().zip(&slot) {
        da[s as usize] |= u64::from(freq_index[&node.freq]) << 42;
    }

    let u16b = |v: u16| {
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
    push_bytes(&mut b, &da, u64b);
    write("trie_da.bin", std::mem::take(&mut b));
    push_bytes(&mut b, &freq_values, u64b);
    write("freq_values.bin", std::mem::take(&mut b));
    push_bytes(&mut b, &char_code, u16b);
    write("char_code.bin", std::mem::take(&mut b));

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
    writeln!(
        rs,
        "/// Slots of the compiled-in double array (node ids below this are static)."
    )
    .unwrap();
    writeln!(rs, "pub(crate) const STATIC_NODES: usize = {slots};").unwrap();
    writeln!(
        rs,
        "/// Trie nodes (keys of `FREQ`, root included) among those slots."
    )
    .unwrap();
    writeln!(rs, "#[allow(dead_code)]").unwrap();
    writeln!(rs, "pub(crate) const TRIE_KEYS: usize = {};", nodes.len()).unwrap();
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
