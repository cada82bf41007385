#!/usr/bin/env python3
"""Generate the Unicode tables and test fixtures of the `senti-pyunicode` crate.

Run from anywhere with CPython 3.11 (the tables capture *that* interpreter's `str`
behaviour, which is what vaderSentiment 3.3.2 runs on):

    python3 scripts/gen_pyunicode_tables.py

Writes (paths relative to the repository root):

* crates/senti-pyunicode/src/tables.rs
      range tables for `str.isspace`, the `str.isupper` character classes, `str.lower`
      and the Final_Sigma rule of `str.lower`;
* crates/senti-pyunicode/tests/fixtures/pystr_cases.jsonl
      deterministic random strings with Python's `isupper`, `lower`, `split`, `strip`
      and `strip(string.punctuation)` results;
* crates/senti-pyunicode/tests/fixtures/pychar_digest.json
      per-block FNV-1a digests of single-code-point probes, so the Rust tests can check
      every code point without a multi-megabyte fixture.

Every property is derived from observable `str` behaviour (not from `unicodedata`
categories), so the tables mirror what CPython actually does.
"""

import json
import random
import string
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRATE = ROOT / "crates" / "senti-pyunicode"
TABLES = CRATE / "src" / "tables.rs"
FIXTURES = CRATE / "tests" / "fixtures"
CASES = FIXTURES / "pystr_cases.jsonl"
DIGEST = FIXTURES / "pychar_digest.json"

SEED = 20240611
N_RANDOM_CASES = 24000
BLOCK = 0x1000  # code points per digest block

SIGMA = "\u03a3"
FINAL = "\u03c2"

# Packed kinds; must match src/lib.rs.
CASE_UPPER, CASE_LOWER, CASE_ALT_UPPER_FIRST, CASE_ALT_LOWER_FIRST = 1, 2, 3, 4
SIGMA_CASED, SIGMA_IGNORABLE = 1, 2


def code_points():
    """All code points a Rust `char` can hold (no surrogates)."""
    return [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]


CPS = code_points()


# --------------------------------------------------------------------------- derivation


def derive():
    space = [c for c in CPS if chr(c).isspace()]

    # str.isupper loop (CPython unicode_isupper_impl): any ISLOWER/ISTITLE char -> False,
    # else True iff some ISUPPER char.  "A" is ISUPPER, so ("A" + c).isupper() is False
    # exactly when c is ISLOWER or ISTITLE; for one char, c.isupper() is ISUPPER(c).
    upper = {c for c in CPS if chr(c).isupper()}
    lower_or_title = {c for c in CPS if not ("A" + chr(c)).isupper()}
    assert not upper & lower_or_title, "a char is both ISUPPER and ISLOWER/ISTITLE"

    # str.lower, context free part (Σ's context is handled by the Final_Sigma tables).
    lower = {c: chr(c).lower() for c in CPS if chr(c).lower() != chr(c)}

    # Final_Sigma (CPython handle_capital_sigma): scanning outwards from Σ, case-ignorable
    # chars are skipped first, so a char that is both Cased and Case_Ignorable acts as
    # ignorable.  "cased" below is therefore "Cased and not Case_Ignorable".
    cased = {c for c in CPS if c != 0x3A3 and (chr(c) + SIGMA).lower()[-1] == FINAL}
    assert ("A" + SIGMA + SIGMA).lower() == "a\u03c3\u03c2"  # Σ itself is cased
    cased.add(0x3A3)
    ignorable = {
        c
        for c in CPS
        if c not in cased and ("A" + chr(c) + SIGMA).lower()[-1] == FINAL
    }
    # The "not followed by cased" side must see the same two sets.
    for c in CPS:
        if c == 0x3A3:
            continue
        after = ("A" + SIGMA + chr(c)).lower()[1]
        assert (after == "\u03c3") == (c in cased), hex(c)
        after2 = ("A" + SIGMA + chr(c) + "B").lower()[1]
        assert (after2 == "\u03c3") == (c in cased or c in ignorable), hex(c)
    return space, upper, lower_or_title, lower, cased, ignorable


# --------------------------------------------------------------------------- compaction


def ranges(cps):
    out = []
    for c in sorted(cps):
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return out


def kind_ranges(kinds):
    """kinds: cp -> kind; merge runs of equal kind."""
    out = []
    for c in sorted(kinds):
        k = kinds[c]
        if out and out[-1][1] == c - 1 and out[-1][2] == k:
            out[-1][1] = c
        else:
            out.append([c, c, k])
    return out


def case_ranges(upper, lower_or_title):
    """Ranges of case class, with alternating U/L runs (Latin Extended-A style) folded."""
    kinds = {c: CASE_UPPER for c in upper}
    kinds.update({c: CASE_LOWER for c in lower_or_title})
    plain = kind_ranges(kinds)
    out = []
    for r in plain:
        single = r[0] == r[1]
        if single and out:
            last = out[-1]
            if last[1] == r[0] - 1:
                if last[2] in (CASE_ALT_UPPER_FIRST, CASE_ALT_LOWER_FIRST):
                    first = CASE_UPPER if last[2] == CASE_ALT_UPPER_FIRST else CASE_LOWER
                    other = CASE_LOWER + CASE_UPPER - first
                    expect = first if (r[0] - last[0]) % 2 == 0 else other
                    if r[2] == expect:
                        last[1] = r[0]
                        continue
                elif last[0] == last[1] and last[2] != r[2]:
                    last[1] = r[0]
                    last[2] = (
                        CASE_ALT_UPPER_FIRST if last[2] == CASE_UPPER else CASE_ALT_LOWER_FIRST
                    )
                    continue
        out.append(list(r))
    # Two-element alternating runs are no smaller than two plain ones; keep them anyway.
    return out


def lower_runs(lower):
    """(start, end, stride, delta) runs for single-char mappings, plus multi-char ones."""
    runs, multi = [], []
    for c in sorted(lower):
        v = lower[c]
        if len(v) != 1:
            multi.append((c, v))
            continue
        d = ord(v) - c
        if runs and runs[-1][3] == d:
            last = runs[-1]
            if last[0] == last[1] and c - last[1] in (1, 2):
                last[2] = c - last[1]
                last[1] = c
                continue
            if c - last[1] == last[2]:
                last[1] = c
                continue
        runs.append([c, c, 1, d])
    return runs, multi


def check_case_ranges(rs, upper, lower_or_title):
    got_u, got_l = set(), set()
    for s, e, k in rs:
        for c in range(s, e + 1):
            if k == CASE_UPPER:
                cls = CASE_UPPER
            elif k == CASE_LOWER:
                cls = CASE_LOWER
            else:
                first = CASE_UPPER if k == CASE_ALT_UPPER_FIRST else CASE_LOWER
                cls = first if (c - s) % 2 == 0 else CASE_LOWER + CASE_UPPER - first
            (got_u if cls == CASE_UPPER else got_l).add(c)
    assert got_u == upper and got_l == lower_or_title


def check_lower_runs(runs, multi, lower):
    got = dict(multi)
    for s, e, stride, d in runs:
        for c in range(s, e + 1, stride):
            got[c] = chr(c + d)
    assert got == lower


# --------------------------------------------------------------------------- emission


def fmt_rows(items, per_line):
    lines = []
    for i in range(0, len(items), per_line):
        lines.append("    " + " ".join(items[i : i + per_line]))
    return "\n".join(lines)


def rust_str(s):
    return '"' + "".join(f"\\u{{{ord(ch):x}}}" if ord(ch) >= 0x80 else ch for ch in s) + '"'


def write_tables(space, case_rs, runs, multi, sigma_rs, ignorable):
    py = sys.version.split()[0]
    ud = unicodedata.unidata_version
    n_space = len(space)
    ascii_mask = sum(1 << c for c in ignorable if c < 128)
    space_rs = ranges(space)
    out = [
        "// @generated by scripts/gen_pyunicode_tables.py -- do not edit by hand.",
        f"// Source: CPython {py}, unicodedata.unidata_version {ud}.",
        "// Regenerate: python3 scripts/gen_pyunicode_tables.py (needs CPython 3.11).",
        "",
        "//! Range tables mirroring CPython's `str` character predicates and mappings.",
        "//! Every table is sorted by code point and searched with `partition_point`.",
        "",
        f'/// The CPython version these tables were generated from.\npub const PYTHON_VERSION: &str = "{py}";',
        f'/// `unicodedata.unidata_version` of that CPython.\npub const UNIDATA_VERSION: &str = "{ud}";',
        "",
        f"/// Inclusive ranges of chars with `c.isspace()` ({n_space} chars).",
        f"pub(crate) static WHITESPACE: [(u32, u32); {len(space_rs)}] = [",
        fmt_rows([f"(0x{s:04X}, 0x{e:04X})," for s, e in space_rs], 5),
        "];",
        "",
        "/// `str.isupper` classes: `(start | kind << 24, end)` inclusive, where kind is",
        f"/// {CASE_UPPER} = ISUPPER, {CASE_LOWER} = ISLOWER or ISTITLE, "
        f"{CASE_ALT_UPPER_FIRST} = alternating from ISUPPER at `start`,",
        f"/// {CASE_ALT_LOWER_FIRST} = alternating from ISLOWER at `start`. Chars not covered are neither.",
        f"pub(crate) static CASE_CLASS: [(u32, u32); {len(case_rs)}] = [",
        fmt_rows([f"(0x{s | k << 24:08X}, 0x{e:04X})," for s, e, k in case_rs], 4),
        "];",
        "",
        "/// `c.lower()` for single-char results: `(start | (stride - 1) << 24, end, delta)`;",
        "/// chars `start, start + stride, ..` up to `end` lowercase to `c + delta`.",
        f"pub(crate) static LOWER_RUNS: [(u32, u32, i32); {len(runs)}] = [",
        fmt_rows([f"(0x{s | (st - 1) << 24:08X}, 0x{e:04X}, {d})," for s, e, st, d in runs], 3),
        "];",
        "",
        "/// `c.lower()` where the result has more than one char.",
        f"pub(crate) static LOWER_MULTI: [(char, &str); {len(multi)}] = [",
        fmt_rows([f"('\\u{{{c:x}}}', {rust_str(v)})," for c, v in multi], 2),
        "];",
        "",
        "/// Final_Sigma context classes: `(start | kind << 24, end)` inclusive, kind",
        f"/// {SIGMA_CASED} = cased (and not case-ignorable), {SIGMA_IGNORABLE} = case-ignorable.",
        f"pub(crate) static SIGMA_CLASS: [(u32, u32); {len(sigma_rs)}] = [",
        fmt_rows([f"(0x{s | k << 24:08X}, 0x{e:04X})," for s, e, k in sigma_rs], 4),
        "];",
        "",
        "/// Bit `c` is set for each ASCII char `c` in `SIGMA_CLASS` with kind case-ignorable",
        f"/// ({''.join(chr(c) for c in sorted(ignorable) if c < 128)}); ASCII letters are the only cased ASCII chars.",
        f"pub(crate) const ASCII_CASE_IGNORABLE: u128 = 0x{ascii_mask:032X};",
        "",
    ]
    TABLES.write_text("\n".join(out))
    return len(space_rs)


# --------------------------------------------------------------------------- fixtures


def py_split_with_offsets(s):
    toks, i, n = [], 0, len(s)
    while i < n:
        while i < n and s[i].isspace():
            i += 1
        if i == n:
            break
        j = i
        while j < n and not s[j].isspace():
            j += 1
        toks.append([len(s[:i].encode()), s[i:j]])
        i = j
    assert [t for _, t in toks] == s.split()
    return toks


def case_record(s):
    return {
        "s": s,
        "isupper": s.isupper(),
        "lower": s.lower(),
        "split": py_split_with_offsets(s),
        "strip": s.strip(),
        "strip_punct": s.strip(string.punctuation),
    }


def cp_range(a, b):
    return [chr(c) for c in range(a, b + 1)]


def pools():
    ws = [chr(c) for c in CPS if chr(c).isspace()]
    p = {
        "upper": list(string.ascii_uppercase),
        "lower": list(string.ascii_lowercase),
        "digit": list(string.digits),
        "punct": list(string.punctuation),
        "space": ws,
        "greek": list("ΣσςΑαΒβΩωΆάΐΰΫϋϐϑϴ") + [SIGMA] * 6,
        "turkish": list("İıIiŞş"),
        "compat": ["\u212a", "\u212b", "\u2126", "\u017f", "\u1e9e", "ß"],
        "title": list("ǄǅǆǇǈǉǊǋǌǱǲǳᾈᾀᾼᾳῌῼ"),
        "cherokee": cp_range(0x13A0, 0x13A8) + cp_range(0x13F0, 0x13FD) + cp_range(0xAB70, 0xAB78),
        "georgian": cp_range(0x10A0, 0x10A4) + cp_range(0x10D0, 0x10D4) + cp_range(0x1C90, 0x1C94),
        "deseret": cp_range(0x10400, 0x10404) + cp_range(0x10428, 0x1042C),
        "combining": ["\u0307", "\u0345", "\u0300", "\u0301", "\u0308", "\u20dd"],
        "ignorable": list("'.:^`") + ["\u00b7", "\u00ad", "\u02bc", "\u02c6", "\u200d", "\ufe0f", "\u2019"],
        "emoji": ["😀", "👍", "❤", "🇺", "🇸", "😂", "💔", "🙂"],
        "cjk": list("中文字日本語한국어"),
        "fullwidth": list("ＡＢＺａｂｚ０！"),
        "ligature": list("ﬀﬁﬂﬃﬆ"),
        "roman": list("ⅠⅡⅫⅰⅱⅻↀ"),
        "circled": list("ⒶⒷⓏⓐⓑⓩ"),
        "modifier": list("ʰʲˢᵃᴬᵸ"),
        "latin": list("ÀàÉéÑñØøĀāĲĳŉŸÿǰ"),
    }
    return p


def random_cp(rng):
    while True:
        c = rng.randrange(0x110000)
        if not 0xD800 <= c <= 0xDFFF:
            return chr(c)


def gen_cases():
    rng = random.Random(SEED)
    p = pools()
    names = sorted(p)
    cases = [
        "", " ", "\t\n", "a", "A", "Σ", "ΑΣ", "ΑΣΑ", "Α.Σ", "ΑΣ.", "ΑΣ.Α", "ΣΑ", "ΑΣΣ",
        "İ", "İstanbul", "KELVIN \u212a", "ǅ", "Hello World", "HELLO WORLD", "  padded  ",
        "\x1c\x1da\x1eb\x1f", "a\x85b\xa0c\u3000d", "!!!wow!!!", "'quoted'", "...", ":)",
        "ΌΣΟΣ ΣΟΦΟΣ", "ὈΔΥΣΣΕΎΣ", "ΑʰΣ", "ᾼ Σ", "ʰΣ", "ⅠⅡⅢ", "ⅰⅱ", "ⒶⒷ", "ⓐ",
    ]

    def pick(name):
        return rng.choice(p[name])

    def any_char():
        r = rng.random()
        if r < 0.1:
            return random_cp(rng)
        return pick(rng.choice(names))

    for i in range(N_RANDOM_CASES):
        mode = i % 5
        if mode == 0:  # free mix
            s = "".join(any_char() for _ in range(rng.randrange(0, 9)))
        elif mode == 1:  # words separated by whitespace, maybe padded with punctuation
            words = []
            for _ in range(rng.randrange(0, 4)):
                w = "".join(any_char() for _ in range(rng.randrange(1, 5)))
                if rng.random() < 0.3:
                    w = pick("punct") + w + pick("punct")
                words.append(w)
            seps = ["".join(pick("space") for _ in range(rng.randrange(1, 3))) for _ in words]
            s = "".join(x for pair in zip(seps, words) for x in pair)
            if rng.random() < 0.5:
                s += pick("space")
        elif mode == 2:  # Final_Sigma contexts
            ctx = ["greek", "upper", "lower", "ignorable", "combining", "modifier", "digit",
                   "space", "punct", "title", "roman", "circled"]
            pre = "".join(pick(rng.choice(ctx)) for _ in range(rng.randrange(0, 4)))
            post = "".join(pick(rng.choice(ctx)) for _ in range(rng.randrange(0, 4)))
            s = pre + SIGMA * rng.randrange(1, 3) + post
        elif mode == 3:  # isupper-relevant mixes
            ctx = ["upper", "lower", "title", "roman", "circled", "modifier", "compat",
                   "greek", "cherokee", "georgian", "deseret", "digit", "punct", "fullwidth"]
            s = "".join(pick(rng.choice(ctx)) for _ in range(rng.randrange(1, 6)))
        else:  # mostly ASCII, exercising the fast paths
            alphabet = string.ascii_letters + string.digits + string.punctuation + " \t\n\x0b\x0c\r\x1c\x1f"
            s = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))
            if rng.random() < 0.15:
                k = rng.randrange(len(s) + 1)
                s = s[:k] + any_char() + s[k:]
        cases.append(s)
    return cases


def write_cases(cases):
    FIXTURES.mkdir(parents=True, exist_ok=True)
    with CASES.open("w", encoding="ascii", newline="\n") as f:
        for s in cases:
            f.write(json.dumps(case_record(s), ensure_ascii=True) + "\n")


def fnv1a(data, h=0xCBF29CE484222325):
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def char_probe(c):
    """One line per code point; tests/python_parity.rs builds the same line from Rust."""
    ch = chr(c)
    flags = "".join(
        "1" if x else "0"
        for x in (
            ch.isspace(),
            ch.isupper(),
            ("A" + ch).isupper(),
            (ch + SIGMA).lower()[-1] == FINAL,
            ("A" + ch + SIGMA).lower()[-1] == FINAL,
            ("A" + SIGMA + ch).lower()[1] == FINAL,
        )
    )
    return f"{c:x} {flags} {ch.lower()}\n"


def write_digest():
    blocks = {}
    for c in CPS:
        b = c // BLOCK
        blocks[b] = fnv1a(char_probe(c).encode(), blocks.get(b, 0xCBF29CE484222325))
    doc = {
        "python": sys.version.split()[0],
        "unidata_version": unicodedata.unidata_version,
        "block": BLOCK,
        "digests": [f"{blocks[b]:016x}" for b in sorted(blocks)],
    }
    DIGEST.write_text(json.dumps(doc, indent=1) + "\n")


def main():
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"need CPython 3.11, have {sys.version}")
    space, upper, lower_or_title, lower, cased, ignorable = derive()
    case_rs = case_ranges(upper, lower_or_title)
    check_case_ranges(case_rs, upper, lower_or_title)
    runs, multi = lower_runs(lower)
    check_lower_runs(runs, multi, lower)
    sigma_kinds = {c: SIGMA_CASED for c in cased}
    sigma_kinds.update({c: SIGMA_IGNORABLE for c in ignorable})
    sigma_rs = kind_ranges(sigma_kinds)
    assert {c for c in cased if c < 128} == {ord(x) for x in string.ascii_letters}
    n_space_rs = write_tables(space, case_rs, runs, multi, sigma_rs, ignorable)
    cases = gen_cases()
    write_cases(cases)
    write_digest()
    print(
        f"whitespace: {len(space)} chars / {n_space_rs} ranges; "
        f"isupper classes: {len(upper)} upper + {len(lower_or_title)} lower/title / {len(case_rs)} ranges; "
        f"lower: {len(lower)} mappings / {len(runs)} runs + {len(multi)} multi; "
        f"sigma: {len(cased)} cased + {len(ignorable)} ignorable / {len(sigma_rs)} ranges; "
        f"cases: {len(cases)}"
    )


if __name__ == "__main__":
    main()
