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

blob!(TRIE_DA, "trie_da.bin");
blob!(FREQ_VALUES, "freq_values.bin");
blob!(CHAR_CODE, "char_code.bin");
blob!(HMM_EMIT, "hmm_emit.bin");

/// First code point of finalseg's Han range `[\u4E00-\u9FD5]`.
pub(crate) const HAN_FIRST: u32 = 0x4E00;
/// Last code point of finalseg's Han range.
pub(crate) const HAN_LAST: u32 = 0x9FD5;

const FIELD: u64 = (1 << 21) - 1;

/// A record's check: the parent slot (all ones for a free slot).
#[inline(always)]
pub(crate) fn da_check(r: u64) -> usize {
    (r & FIELD) as usize
}

/// A record's base: its children are at `base + code`.
#[inline(always)]
pub(crate) fn da_base(r: u64) -> usize {
    (r >> 21 & FIELD) as usize
}

/// A record's index into `freq_values` / `ln_freq` (0 = frequency 0).
#[inline(always)]
pub(crate) fn da_freq(r: u64) -> usize {
    (r >> 42) as usize
}

/// The static dictionary trie and the HMM emission table, as typed slices.
#[derive(Debug)]
pub(crate) struct Static {
    /// The trie as a double array, one record per slot (see [`da_check`], [`da_base`],
    /// [`da_freq`]): the child of slot `s` along character `c` is
    /// `t = base(s) + char_code[c]` when `check(t) == s`. Every `base + code` is inside.
    pub da: &'static [u64],
    /// Distinct dictionary frequencies, `[0] == 0`.
    pub freq_values: &'static [u64],
    /// `log(freq)` for each of `freq_values`, with `log(1) = 0` at index 0 (Python's
    /// `log(FREQ.get(frag) or 1)`). Computed at first use with the platform `log`, the same
    /// libm function CPython's `math.log` calls, rather than at build time.
    pub ln_freq: Box<[f64]>,
    /// Code of each BMP code point in the double array, 0 = in no dictionary word.
    pub char_code: &'static [u16],
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
            da: bytemuck::cast_slice(&TRIE_DA.0),
            freq_values,
            ln_freq,
            char_code: bytemuck::cast_slice(&CHAR_CODE.0),
            emit: bytemuck::cast_slice(&HMM_EMIT.0),
        };
        assert_eq!(s.da.len(), STATIC_NODES);
        assert_eq!(s.char_code.len(), 0x10000);
        assert_eq!(s.emit.len(), 4 * (HAN_LAST - HAN_FIRST + 1) as usize);
        s
    })
}
