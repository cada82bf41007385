// Word lists of vaderSentiment 3.3.2, in its own order. This file is `include!`d by build.rs
// (to build the compiled-in lookup table) and by the crate (for the rules), so it must stay
// plain `const` data with no `use` of crate items.

/// Empirical booster increment (vaderSentiment `B_INCR`).
pub const B_INCR: f64 = 0.293;
/// Empirical dampener increment (vaderSentiment `B_DECR`).
pub const B_DECR: f64 = -0.293;
/// ALL-CAPS emphasis (vaderSentiment `C_INCR`).
pub const C_INCR: f64 = 0.733;
/// Negation scalar (vaderSentiment `N_SCALAR`).
pub const N_SCALAR: f64 = -0.74;

/// vaderSentiment `NEGATE`.
pub const NEGATE: &[&str] = &[
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
];

/// The one-word entries of vaderSentiment `BOOSTER_DICT`. Its three two-word entries ("just
/// enough", "kind of", "sort of") can never equal a single token (tokens hold no spaces); they
/// only act through the n-gram step of the idiom check, see `rules.rs`.
pub const BOOSTERS: &[(&str, f64)] = &[
    ("absolutely", B_INCR),
    ("amazingly", B_INCR),
    ("awfully", B_INCR),
    ("completely", B_INCR),
    ("considerable", B_INCR),
    ("considerably", B_INCR),
    ("decidedly", B_INCR),
    ("deeply", B_INCR),
    ("effing", B_INCR),
    ("enormous", B_INCR),
    ("enormously", B_INCR),
    ("entirely", B_INCR),
    ("especially", B_INCR),
    ("exceptional", B_INCR),
    ("exceptionally", B_INCR),
    ("extreme", B_INCR),
    ("extremely", B_INCR),
    ("fabulously", B_INCR),
    ("flipping", B_INCR),
    ("flippin", B_INCR),
    ("frackin", B_INCR),
    ("fracking", B_INCR),
    ("fricking", B_INCR),
    ("frickin", B_INCR),
    ("frigging", B_INCR),
    ("friggin", B_INCR),
    ("fully", B_INCR),
    ("fuckin", B_INCR),
    ("fucking", B_INCR),
    ("fuggin", B_INCR),
    ("fugging", B_INCR),
    ("greatly", B_INCR),
    ("hella", B_INCR),
    ("highly", B_INCR),
    ("hugely", B_INCR),
    ("incredible", B_INCR),
    ("incredibly", B_INCR),
    ("intensely", B_INCR),
    ("major", B_INCR),
    ("majorly", B_INCR),
    ("more", B_INCR),
    ("most", B_INCR),
    ("particularly", B_INCR),
    ("purely", B_INCR),
    ("quite", B_INCR),
    ("really", B_INCR),
    ("remarkably", B_INCR),
    ("so", B_INCR),
    ("substantially", B_INCR),
    ("thoroughly", B_INCR),
    ("total", B_INCR),
    ("totally", B_INCR),
    ("tremendous", B_INCR),
    ("tremendously", B_INCR),
    ("uber", B_INCR),
    ("unbelievably", B_INCR),
    ("unusually", B_INCR),
    ("utter", B_INCR),
    ("utterly", B_INCR),
    ("very", B_INCR),
    ("almost", B_DECR),
    ("barely", B_DECR),
    ("hardly", B_DECR),
    ("kinda", B_DECR),
    ("kindof", B_DECR),
    ("kind-of", B_DECR),
    ("less", B_DECR),
    ("little", B_DECR),
    ("marginal", B_DECR),
    ("marginally", B_DECR),
    ("occasional", B_DECR),
    ("occasionally", B_DECR),
    ("partly", B_DECR),
    ("scarce", B_DECR),
    ("scarcely", B_DECR),
    ("slight", B_DECR),
    ("slightly", B_DECR),
    ("somewhat", B_DECR),
    ("sorta", B_DECR),
    ("sortof", B_DECR),
    ("sort-of", B_DECR),
];

// Ids of the words the rules compare tokens against. Id 0 means "none of these".
pub const W_NONE: u8 = 0;
pub const W_KIND: u8 = 1;
pub const W_OF: u8 = 2;
pub const W_NO: u8 = 3;
pub const W_OR: u8 = 4;
pub const W_NOR: u8 = 5;
pub const W_LEAST: u8 = 6;
pub const W_AT: u8 = 7;
pub const W_VERY: u8 = 8;
pub const W_NEVER: u8 = 9;
pub const W_SO: u8 = 10;
pub const W_THIS: u8 = 11;
pub const W_WITHOUT: u8 = 12;
pub const W_DOUBT: u8 = 13;
pub const W_BUT: u8 = 14;
pub const W_THE: u8 = 15;
pub const W_SHIT: u8 = 16;
pub const W_BOMB: u8 = 17;
pub const W_BAD: u8 = 18;
pub const W_ASS: u8 = 19;
pub const W_BUS: u8 = 20;
pub const W_STOP: u8 = 21;
pub const W_YEAH: u8 = 22;
pub const W_RIGHT: u8 = 23;
pub const W_KISS: u8 = 24;
pub const W_DEATH: u8 = 25;
pub const W_TO: u8 = 26;
pub const W_DIE: u8 = 27;
pub const W_FOR: u8 = 28;
pub const W_BEATING: u8 = 29;
pub const W_HEART: u8 = 30;
pub const W_JUST: u8 = 31;
pub const W_ENOUGH: u8 = 32;
pub const W_SORT: u8 = 33;

pub const WORD_IDS: &[(&str, u8)] = &[
    ("kind", W_KIND),
    ("of", W_OF),
    ("no", W_NO),
    ("or", W_OR),
    ("nor", W_NOR),
    ("least", W_LEAST),
    ("at", W_AT),
    ("very", W_VERY),
    ("never", W_NEVER),
    ("so", W_SO),
    ("this", W_THIS),
    ("without", W_WITHOUT),
    ("doubt", W_DOUBT),
    ("but", W_BUT),
    ("the", W_THE),
    ("shit", W_SHIT),
    ("bomb", W_BOMB),
    ("bad", W_BAD),
    ("ass", W_ASS),
    ("bus", W_BUS),
    ("stop", W_STOP),
    ("yeah", W_YEAH),
    ("right", W_RIGHT),
    ("kiss", W_KISS),
    ("death", W_DEATH),
    ("to", W_TO),
    ("die", W_DIE),
    ("for", W_FOR),
    ("beating", W_BEATING),
    ("heart", W_HEART),
    ("just", W_JUST),
    ("enough", W_ENOUGH),
    ("sort", W_SORT),
];

/// Longest word the table holds, in bytes; longer tokens skip the lookup.
pub const MAX_KEY_LEN: usize = 24;
/// `MAX_KEY_LEN` in 8-byte words.
pub const KEY_WORDS: usize = MAX_KEY_LEN / 8;

/// A word of at most `MAX_KEY_LEN` bytes as zero-padded little-endian words.
#[inline]
pub fn key_words(b: &[u8]) -> [u64; KEY_WORDS] {
    let mut padded = [0u8; MAX_KEY_LEN];
    padded[..b.len()].copy_from_slice(b);
    let mut w = [0u64; KEY_WORDS];
    for (i, chunk) in padded.chunks_exact(8).enumerate() {
        let mut a = [0u8; 8];
        a.copy_from_slice(chunk);
        w[i] = u64::from_le_bytes(a);
    }
    w
}

/// Hash used by the compiled-in table, shared by build.rs and the lookup so both agree.
/// Multiplicative (Fibonacci) hashing of the zero-padded 8-byte words of the key, the products
/// independent so they run in parallel; the table uses the top bits. A few cycles per word,
/// where SipHash (the `phf` crate's hasher) costs several times that on a path taken for
/// every token.
#[inline]
pub fn hash_words(w: &[u64; KEY_WORDS], len: usize) -> u64 {
    const K: [u64; 4] = [
        0x9E37_79B9_7F4A_7C15,
        0xC2B2_AE3D_27D4_EB4F,
        0x1656_67B1_9E37_79F9,
        0xD6E8_FEB8_6659_FD93,
    ];
    let h = w[0].wrapping_mul(K[0])
        ^ w[1].wrapping_mul(K[1])
        ^ w[2].wrapping_mul(K[2])
        ^ (len as u64).wrapping_mul(K[3]);
    h ^ (h >> 29)
}

/// [`hash_words`] of a byte string of at most `MAX_KEY_LEN` bytes.
#[inline]
pub fn table_hash(b: &[u8]) -> u64 {
    hash_words(&key_words(b), b.len())
}

/// Slots of the compiled-in perfect hash table (a power of two; about 93% full).
pub const SLOTS: usize = 8192;
/// Buckets of the perfect hash: keys per pilot about 3.7.
pub const BUCKETS: usize = 2048;

/// Bucket of a key's [`hash_words`]: its top bits.
#[inline]
pub fn bucket_of(h: u64) -> usize {
    (h >> (64 - BUCKETS.trailing_zeros())) as usize
}

/// Slot of a key given its bucket's pilot: the hash with the pilot mixed in, top bits.
#[inline]
pub fn slot_of(h: u64, pilot: u16) -> usize {
    let x = (h ^ u64::from(pilot).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (x >> (64 - SLOTS.trailing_zeros())) as usize
}
