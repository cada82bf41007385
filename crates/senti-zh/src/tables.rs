//! The compiled-in tables built by `build.rs` from `data/dict.txt.gz` and
//! `data/hmm_prob.tsv.gz`, mapped as typed slices without parsing or copying.
//!
//! `include_bytes!` data is only byte-aligned, so each blob sits in an `align(8)` wrapper and is
//! reinterpreted with `bytemuck` (which checks alignment and length; the check runs once).

use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/tables.rs"));

#[repr(C, align(8))]
struct Aligned<B: ?Sized>(B);

macro_rules! blob {
    ($name:ident, $file:literal) => {
        static $name: &Aligned<[u8]> =
            &Aligned(*include_bytes!(concat!(env!("OUT_DIR"), "/", $file)));
    };
}

blob!(TRIE_CHARS, "trie_chars.bin");
blob!(TRIE_FIRST, "trie_first.bin");
blob!(TRIE_FREQ, "trie_freq.bin");
blob!(FREQ_VALUES, "freq_values.bin");
blob!(ROOT_BMP, "root_bmp.bin");
blob!(HMM_EMIT, "hmm_emit.bin");

/// First code point of finalseg's Han range `[\u4E00-\u9FD5]`.
pub(crate) const HAN_FIRST: u32 = 0x4E00;
/// Last code point of finalseg's Han range.
pub(crate) const HAN_LAST: u32 = 0x9FD5;

/// The static dictionary trie and the HMM emission table, as typed slices.
#[derive(Debug)]
pub(crate) struct Static {
    /// Character on the edge into each node (BMP only).
    pub chars: &'static [u16],
    /// `first[n]..first[n + 1]` are the children of node `n`, sorted by character.
    pub first: &'static [u32],
    /// Index into `freq_values` / `ln_freq` for each node.
    pub freq_idx: &'static [u16],
    /// Distinct dictionary frequencies, `[0] == 0`.
    pub freq_values: &'static [u64],
    /// `log(freq)` for each of `freq_values`, with `log(1) = 0` at index 0 (Python's
    /// `log(FREQ.get(frag) or 1)`). Computed at first use with the platform `log`, the same
    /// libm function CPython's `math.log` calls, rather than at build time.
    pub ln_freq: Box<[f64]>,
    /// Root child per BMP code point (0 = none).
    pub root_bmp: &'static [u16],
    /// Emission log-probabilities, 4 per code point from U+4E00 (B, M, E, S).
    pub emit: &'static [f64],
}

/// The process-wide tables; the first call costs the `bytemuck` checks and ~5,000 `ln`s.
pub(crate) fn tables() -> &'static Static {
    static TABLES: OnceLock<Static> = OnceLock::new();
    TABLES.get_or_init(|| {
        let freq_values: &'static [u64] = bytemuck::cast_slice(&FREQ_VALUES.0);
        let ln_freq = freq_values
            .iter()
            .map(|&f| if f == 0 { 0.0 } else { (f as f64).ln() })
            .collect();
        let s = Static {
            chars: bytemuck::cast_slice(&TRIE_CHARS.0),
            first: bytemuck::cast_slice(&TRIE_FIRST.0),
            freq_idx: bytemuck::cast_slice(&TRIE_FREQ.0),
            freq_values,
            ln_freq,
            root_bmp: bytemuck::cast_slice(&ROOT_BMP.0),
            emit: bytemuck::cast_slice(&HMM_EMIT.0),
        };
        assert_eq!(s.chars.len(), STATIC_NODES);
        assert_eq!(s.first.len(), STATIC_NODES + 1);
        assert_eq!(s.freq_idx.len(), STATIC_NODES);
        assert_eq!(s.root_bmp.len(), 0x10000);
        assert_eq!(s.emit.len(), 4 * (HAN_LAST - HAN_FIRST + 1) as usize);
        s
    })
}
