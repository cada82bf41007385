#!/usr/bin/env python3
"""Golden data for the Rust port of vaderSentiment 3.3.2 (crates/senti-vader).

Run from the repository root:

    python3 -m venv .venv-golden
    .venv-golden/bin/pip install -r scripts/golden/requirements.txt
    .venv-golden/bin/python scripts/golden/vader_golden.py [--data ../shared/data/vader_groundtruth]

Writes, under crates/senti-vader/tests/golden/ (all committed, all byte-for-byte reproducible):

* groundtruth.jsonl  one line per text of the four VADER ground-truth files (tweets, movie,
                     amazon, nyt, in file order): {"src": "tweets:<id>", "text", "neg", "neu",
                     "pos", "compound"}, the numbers being exactly what
                     SentimentIntensityAnalyzer().polarity_scores(text) returns.
* generated.jsonl    the same shape for deterministic generated inputs ("src": "gen:<rule>:<n>")
                     aimed at every rule and quirk of the reference implementation (see the
                     generator blocks below; each says what it targets).
* pyround.jsonl      {"x": repr(x), "n": 3|4, "r": repr(round(x, n))}: Python's correctly rounded
                     round-half-even on doubles, which the port must reproduce bit for bit.
* COVERAGE.md        coverage.py branch report of vaderSentiment.py while scoring every text above,
                     plus an explanation, checked by this script, of every line and branch not hit.

The script refuses to run unless vaderSentiment 3.3.2 is the installed distribution, and (unless
--allow-other-python) unless the interpreter is CPython 3.11: Python 3.12 changed sum() over floats
to compensated (Neumaier) summation and moved to Unicode 15, both of which change VADER's output
for some inputs, and the Rust port mirrors 3.11 (see crates/senti-pyunicode).

Determinism: every random block uses its own random.Random seeded from a fixed number and the block
name, nothing iterates over a set or depends on hash order, and the output contains no paths,
timestamps or timings. The interpreter version string is recorded only in COVERAGE.md.
"""

import argparse
import hashlib
import io
import json
import math
import os
import random
import sys
import tempfile
import zlib
from fractions import Fraction
from importlib import metadata
from pathlib import Path

VADER_VERSION = "3.3.2"
SEED = 20240613
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO_ROOT / ".." / "shared" / "data" / "vader_groundtruth"
DEFAULT_OUT = REPO_ROOT / "crates" / "senti-vader" / "tests" / "golden"
GROUNDTRUTH_FILES = [
    ("tweets", "tweets_GroundTruth.txt"),
    ("movie", "movieReviewSnippets_GroundTruth.txt"),
    ("amazon", "amazonReviewSnippets_GroundTruth.txt"),
    ("nyt", "nytEditorialSnippets_GroundTruth.txt"),
]

# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def block_rng(name):
    """A private, reproducible RNG per generator block (adding a block never shifts another)."""
    return random.Random(SEED * 1_000_003 + zlib.crc32(name.encode("utf-8")))


# json.dumps(ensure_ascii=False) leaves these raw; they are line breaks for str.splitlines() and
# some editors, so escape them to keep "one JSON document per '\n'-terminated line" for any reader.
_LINEBREAK_ESCAPES = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_line(obj):
    s = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    for raw, esc in _LINEBREAK_ESCAPES.items():
        s = s.replace(raw, esc)
    s.encode("utf-8")  # strict: raises on a lone surrogate
    return s + "\n"


def write_lines(path, lines):
    data = "".join(lines).encode("utf-8")  # strict
    path.write_bytes(data)
    return len(data)


def load_groundtruth(data_dir):
    cases = []
    per_file = []
    for tag, fname in GROUNDTRUTH_FILES:
        raw = (data_dir / fname).read_bytes().decode("utf-8")
        n = 0
        for line in raw.split("\n"):
            if line.endswith("\r"):
                line = line[:-1]
            if not line:
                continue
            ident, _rating, text = line.split("\t", 2)
            cases.append((f"{tag}:{ident}", text))
            n += 1
        per_file.append((tag, fname, n))
    return cases, per_file


# --------------------------------------------------------------------------------------------
# generated inputs
# --------------------------------------------------------------------------------------------


class Gen:
    """Collects (src, text) pairs; src = gen:<rule>:<n>, n counting from 0 within the rule."""

    def __init__(self):
        self.cases = []
        self.counts = {}

    def add(self, rule, text):
        assert isinstance(text, str)
        text.encode("utf-8")  # no lone surrogates
        n = self.counts.get(rule, 0)
        self.counts[rule] = n + 1
        self.cases.append((f"gen:{rule}:{n}", text))

    def add_all(self, rule, texts):
        for t in texts:
            self.add(rule, t)


def generate(vs, lexicon, emojis, raw_lexicon_text):
    """All generated texts. `vs` is the vaderSentiment module (constants), `lexicon` and `emojis`
    the analyzer's dicts. Blocks are documented inline."""
    g = Gen()
    NEGATE = list(vs.NEGATE)
    BOOST = list(vs.BOOSTER_DICT)  # dict order = source order
    SPECIAL = list(vs.SPECIAL_CASES)
    IDIOMS = list(vs.SENTIMENT_LADEN_IDIOMS)

    POS = ["good", "great", "love", "nice", "happy", "excellent", "funny", "smart", "beautiful",
           "fun", "best", "wonderful", "amazing"]
    NEG = ["bad", "terrible", "hate", "awful", "sad", "horrible", "ugly", "boring", "worst",
           "poor", "angry", "stupid"]
    FILL = ["it", "was", "movie", "is", "film", "plot", "day", "food", "service", "story", "car",
            "we", "they", "he", "she", "that", "today", "book", "show", "one", "an", "my", "our",
            "seems", "looks", "felt", "the", "a", "i", "and", "acting"]
    SPECIAL_WORDS = ["no", "but", "least", "at", "very", "kind", "of", "sort", "so", "this",
                     "never", "without", "doubt", "or", "nor", "just", "enough", "the", "shit",
                     "bomb", "bad", "ass", "badass", "bus", "stop", "yeah", "right", "kiss",
                     "death", "to", "die", "for", "beating", "heart", "not", "n't"]
    for w in POS + NEG:
        assert w in lexicon, w
    for w in FILL:
        assert w not in lexicon and w not in vs.BOOSTER_DICT and w not in NEGATE, w
        assert w not in ("no", "but", "least", "at", "so", "this", "never", "without", "of")
    words_lex = list(lexicon)  # file order, duplicates resolved (last wins)
    EMOTICONS = [k for k in words_lex if not any(c.isalpha() for c in k)]
    single_emoji = [k for k in emojis if len(k) == 1]
    multi_emoji = [k for k in emojis if len(k) > 1]
    WS = [chr(c) for c in range(0x110000) if chr(c).isspace()]  # exactly what str.split() splits on
    NOT_WS = ["\u200b", "\u180e", "\ufeff", "\u2060", "\u00ad", "\u200c", "\u200d"]
    # Negators: NEGATE plus "n't" forms that are not in NEGATE (they negate via the "n't" test),
    # a curly-apostrophe form (NOT a negator) and caps forms (lowercased before the test).
    NT_EXTRA = ["n't", "shouldn't've", "mightn't've", "y'alln't", "isn't!", "aren't,", "don’t",
                "isn’t", "DON'T", "Didn't", "NOT", "Never", "WITHOUT", "nt", "not!", "'not'"]
    NEGATORS = NEGATE + NT_EXTRA

    def cyc(seq, i):
        return seq[i % len(seq)]

    # ---- edge: empty / whitespace-only / punctuation-only / single tokens -------------------
    # Targets: `if sentiments` false (no tokens), the strip() after emoji replacement, texts whose
    # only token is a booster / "no" / "but" / "least", lone punctuation counted with a zero sum.
    g.add_all("edge", [
        "", " ", "  ", "\t", "\n", "\r\n", " \t\n\x0b\x0c\r ", "\u3000", "\u00a0\u2003\u3000",
        "\x1c\x1d\x1e\x1f", "\u0085", "\u2028\u2029", ".", "!", "?", "!!", "??", "!!!", "???",
        "!?!?", "?!", "...", "!!!!!!!!", "????????", "-", "'", "''", "\"", ":", ";", ",", "#",
        "@", "...!!!???", ":)", ":(", "😀", "💔", "❤️", "🇺🇸", "👍🏽", "😀😀", "a", "I", "i",
        "no", "No", "NO", "no!", "but", "BUT", "but!", "least", "kind", "kind of", "of", "sort of",
        "just enough", "never", "not", "n't", "very", "VERY", "so", "this", "without",
        "without doubt", "doubt", "good", "GOOD", "Good", "gOOD", "good!", "GOOD!!!", "bad?",
        "bad??", "\u200b", "\ufeff", "\u180e", "0", "1", "1.5", "42!", "_", "—", "…", "好",
        "ǅ", "Ⅰ", "İ", "ı", "ß", "é", "e\u0301", "\U0001f600", "x", "xx", "xxx", "!a", "a!",
        "good\n", "\ngood", " good ", "\tgood\t", "good" + "\u3000", "\u2028good\u2029",
    ])

    # ---- neg: every negator at distances 1, 2, 3 before a lexicon word -----------------------
    # Targets: _negation_check start_i 0/1/2 via negated() (NEGATE membership and the "n't"
    # substring test), negators written in caps / with punctuation ("not!" strips to "not",
    # "aren't," to "aren't"), curly apostrophes (not negations), a negator followed
    # by a lexicon word at distance 2/3 (the in-between lexicon word blocks nothing: only tokens
    # not in the lexicon are examined), and prefixes so that i > 2 (distance-3 step runs).
    for k, neg in enumerate(NEGATORS):
        for d in (1, 2, 3):
            for pol, pool in (("p", POS), ("n", NEG)):
                w = cyc(pool, k + d)
                mid = " ".join(cyc(FILL, k + d + j) for j in range(d - 1))
                core = f"{neg} {mid} {w}" if mid else f"{neg} {w}"
                g.add("neg", core)
                g.add("neg", f"the movie {core}")
                if d == 2 and pol == "p":
                    g.add("neg", f"{neg} {cyc(NEG, k)} {w}")  # lexicon word in between
                if d == 3 and pol == "n":
                    g.add("neg", f"{neg} {cyc(FILL, k)} {cyc(POS, k)} {w}!")
    g.add_all("neg", [
        "not not good", "not never good", "never not good", "not a not good", "not bad at all",
        "Not bad at all", "isn't bad", "isn't it bad", "don't you dare love it", "it's not that great",
        "nothing nothing nothing good", "nope nope nope", "not", "not good not bad", "n't good",
        "couldn't be better", "doesnt hurt", "uh-uh good", "uhuh good", "despite the great cast",
        "rarely good", "seldom bad", "none good", "neither good nor bad", "nor bad", "without love",
        "I can't stand it", "I don't like it", "I do not LIKE it", "I DO NOT like it",
        "I DON'T LIKE IT", "not GOOD", "NOT good", "NOT GOOD", "wasn't the worst", "won't hate",
    ])

    # ---- never: "never so/this" (x1.25) at distances 2 and 3, and plain "never" ---------------
    # Targets: start_i==1 `never` + so/this branch, start_i==2 `never` + so/this at i-2, the
    # so/this booster contribution itself, caps, punctuation attached to so/this.
    nev = ["never {w}", "never so {w}", "never this {w}", "never so very {w}", "never this very {w}",
           "never very so {w}", "never a so {w}", "never the this {w}", "never a b {w}",
           "never so a {w}", "never this a {w}", "NEVER SO {W}", "Never So {w}", "never so {w} {w}",
           "never, so {w}", "never so, {w}", "never this, {w}", "never so {w}!", "never so not {w}",
           "not so {w}", "not this {w}", "never such {w}", "never too {w}"]
    for k, tpl in enumerate(nev):
        for pre in ("", "it was ", "the movie has "):
            for w in (cyc(POS, k), cyc(NEG, k + 1)):
                g.add("never", pre + tpl.format(w=w, W=w.upper()))
    g.add_all("never", ["Sentiment analysis has never been good.",
                        "Sentiment analysis has never been this good!",
                        "it has never been so bad", "I have never been this happy"])

    # ---- dist3bug: operator-precedence bug at distance 3 ------------------------------------
    # `A and (B or C) or (D or E)`: x1.25 whenever the word right before the lexicon word is
    # "so"/"this" (case-insensitive, exact token) and i >= 3 with token i-3 not in the lexicon,
    # even without "never"; the negation elif is then skipped ("not a so good" is not negated).
    tpls = ["{f} {g} so {w}", "{f} {g} this {w}", "{f} {g} SO {w}", "{f} {g} This {w}",
            "not {f} so {w}", "not {f} this {w}", "don't {f} so {w}", "{f} not so {w}",
            "{f} so {w}", "so {w}", "{f} {g} so, {w}", "{f} {g} so. {w}", "{f} {g} also {w}",
            "{f} {g} thiss {w}", "without {f} so {w}", "{x} {g} so {w}", "{x} {g} this {w}",
            "{f} {x} so {w}", "very {f} so {w}", "VERY {f} so {w}", "{f} {g} so {w} so {w}",
            "{f} {g} {h} this {w}", "the movie is so {w} but this {w}"]
    for k, tpl in enumerate(tpls):
        for j in range(4):
            w = cyc(POS, k + j) if j % 2 == 0 else cyc(NEG, k + j)
            g.add("dist3bug", tpl.format(f=cyc(FILL, k + j), g=cyc(FILL, k + j + 5),
                                         h=cyc(FILL, k + j + 9), w=w, x=cyc(NEG, k + j + 3)))

    # ---- without: "without doubt" / "without a doubt" and plain "without" -------------------
    # Targets: start_i==1 without+doubt (unchanged) branch, start_i==2 without + doubt at i-2 or
    # i-1, "doubt" itself being a lexicon word (negated by a preceding "without").
    wd = ["without doubt {w}", "without a doubt {w}", "without doubt a {w}", "without any doubt {w}",
          "without {w}", "without a {w}", "without a b {w}", "the without doubt {w}",
          "Without a doubt, {w} idea.", "WITHOUT DOUBT {W}", "without doubt", "doubt {w}",
          "no doubt {w}", "without doubt doubt {w}", "without doubt, {w}", "without, doubt {w}",
          "it is without doubt the {w} one", "without the doubt {w}", "without doubt not {w}",
          "not without doubt {w}", "without doubts {w}", "without a doubt an {w} idea"]
    for k, tpl in enumerate(wd):
        for w in (cyc(POS, k), cyc(NEG, k)):
            g.add("without", tpl.format(w=w, W=w.upper()))

    # ---- booster: every BOOSTER_DICT key, lower/UPPER/Title, distances 1-3 ------------------
    # Targets: scalar_inc_dec (sign flip for negative valence; the x0.95 / x0.9 distance damping;
    # the ALL-CAPS booster +-0.733 only when is_cap_diff), booster tokens skipped as 0,
    # multi-word keys ("kind of", "sort of", "just enough") that only act through the distance-3
    # n-gram check, boosters before a valence-0 word ("no" followed by a lexicon word).
    for k, b in enumerate(BOOST):
        B = b.upper()
        p, n = cyc(POS, k), cyc(NEG, k)
        f1, f2 = cyc(FILL, k), cyc(FILL, k + 7)
        for t in [f"{b} {p}", f"{b} {n}", f"{b} {f1} {p}", f"{b} {f1} {n}", f"{b} {f1} {f2} {p}",
                  f"{b} {f1} {f2} {n}", f"{f1} {b} {p}", f"the {B} {p} {f1}", f"the {B} {n} {f1}",
                  f"{B} {p.upper()}", f"{B} {n.upper()}", f"{B} {f1} {p}", f"{b.title()} {p}",
                  f"{f1} {f2} {b} {n}!", f"{b} {b} {p}", f"{b} {f1}", f"{b}", f"the {B} no {p}",
                  f"the {b} no {n}", f"not {b} {p}", f"{b} not {n}", f"{b}, {p}"]:
            g.add("booster", t)

    # ---- caps: ALL-CAPS lexicon words, is_cap_diff true/false --------------------------------
    # Targets: allcap_differential (some-but-not-all tokens isupper()), +-0.733 on caps lexicon
    # words; tokens without cased letters (":)", "123", "!!") are NOT isupper() and so make a
    # caps sentence "different"; "I" is upper; Title case is not.
    for k in range(len(POS) + len(NEG)):
        w = (POS + NEG)[k]
        W = w.upper()
        for t in [W, f"{W} {w}", f"the {W} movie", f"THE {W} MOVIE", f"I {W} it", f"I {W} IT",
                  f"{W} :)", f"{W} :(", f"{W} 123", f"{W}!", f"{W}!!! {cyc(FILL, k)}",
                  f"{w.title()} {cyc(FILL, k)}", f"{W} VERY {cyc(POS, k).upper()}",
                  f"{W} very {cyc(POS, k)}", f"NOT {W} at all", f"{W} {W} {W}", f"{W}, {w}.",
                  f"{W} 😀", f"{W} 😀 {W}", f"{W} - {W}", f"{W} a", f"A {W}"]:
            g.add("caps", t)

    # ---- but: contrastive conjunction, incl. the list.index() wrong-slot bug ------------------
    # Targets: _but_check: x0.5 before / x1.5 after the FIRST "but"; si == bi (the but slot or a
    # value equal to the one at the but slot); "but" first / last / repeated / capitalised /
    # with stripped punctuation; equal valences so sentiments.index() finds an earlier,
    # already-rescaled slot (e.g. 2v then v before "but": the first slot is halved twice).
    but_t = ["{p} but {n}", "{n} but {p}", "{p} {f} but {f} {n}", "but {p} {n}", "{p} {n} but",
             "{p} but {n} but {p}", "{p} but {p}", "{p} {p} but {p}", "{p} {p} but {p} {p}",
             "{p} BUT {n}", "{p} But {n}", "{p}, but {n}", "{p} but, {n}", "{p} but! {n}",
             "{p} butt {n}", "{p} ... but", "but", "but but {p}", "{p} but but {n}",
             "{f} {p} but {f} {f} {p} {p} {n}", "not {p} but {n}", "{p} but not {n}",
             "{p} but {n}!!!", "{n} but {n}", "{n} {n} but {n} {n}", "{p}!! but {n}??",
             "but {f} {p}", "{f} but {p} {p} {p}", "{p} but very {p}", "the {p} but the {p}"]
    for k, tpl in enumerate(but_t):
        for j in range(3):
            g.add("but", tpl.format(p=cyc(POS, k + j), n=cyc(NEG, k + 2 * j),
                                    f=cyc(FILL, k + j)))
    # exact-value collisions for sentiments.index(): pairs (a, b) with b == a*0.5 (before "but")
    # or b == a*1.5 (after "but").
    byval = {}
    for w in words_lex:
        if w.isalpha() and w.islower() and len(w) > 2 and w not in vs.BOOSTER_DICT \
                and w not in NEGATE and w not in ("no", "kind", "least", "but"):
            byval.setdefault(lexicon[w], w)
    coll = []
    for v, w in sorted(byval.items()):
        if v * 0.5 in byval:
            coll.append(("half", w, byval[v * 0.5]))
        if v * 1.5 in byval:
            coll.append(("x1.5", w, byval[v * 1.5]))
    for kind, a, b in coll:
        if kind == "half":
            g.add_all("but", [f"{a} {b} but ok", f"{a} {b} but {a} {b}", f"{a} {b} {b} but",
                              f"{a} {a} {b} but {b}"])
        else:
            g.add_all("but", [f"but {a} {b}", f"the but {a} {b} {b}", f"{b} but {a} {b}",
                              f"{a} but {a} {b} {a}"])

    # ---- punct: "!" 0..6 and "?" 0..5, mixed, on positive / negative / zero sums --------------
    # Targets: _amplify_ep cap at 4, _amplify_qm (only >=2 count, x0.18 up to 3, else 0.96),
    # amplifier added away from zero for compound, to the larger of pos/neg; nothing when the
    # sum is 0; marks counted anywhere in the text (inside tokens, emoticons, URLs).
    bases = ["good", "bad", "it", "good bad", "I love it", "I hate it", "good but bad", "okay",
             "the movie", "GOOD movie"]
    for bi, base in enumerate(bases):
        for e in range(7):
            for q in range(6):
                if (e + q + bi) % 2 == 0 or bi < 4:
                    g.add("punct", base + "!" * e + "?" * q)
    g.add_all("punct", [
        "good ?!?!?!", "good !?!?", "bad ? ? ?", "good ! ! ! ! ! !", "good!? bad?!", "?good?",
        "!good!", "what?? good", "http://x.com/?a=1&b=2 good", "good :-? ?", "good ！！",
        "good ？？", "good ‼", "good ⁉", "good ❗❗", "bad ❓❓", "bad?!?!?!?!", "good" + "!" * 40,
        "good" + "?" * 40, "no!!", "but!!", "!!! good", "good !!!!!!!!!! bad",
    ])

    # ---- least: "least" negation, "at least" / "very least" exemptions, i == 1 --------------
    # Targets: _least_check both arms: i > 1 with the at/very exemption, and the elif for i == 1.
    least_t = ["least {w}", "the least {w}", "at least {w}", "very least {w}", "the very least {w}",
               "at the least {w}", "LEAST {w}", "At Least {w}", "AT LEAST {w}", "least, {w}",
               "{w} least", "least least {w}", "not least {w}", "least very {w}", "at least very {w}",
               "one of the least {w} films", "at least it isn't a {w} book", "least {W}",
               "a least {w}", "very, least {w}", "at, least {w}", "leastt {w}", "least! {w}",
               "the least {w} but {w}"]
    for k, tpl in enumerate(least_t):
        for w in (cyc(POS, k), cyc(NEG, k)):
            g.add("least", tpl.format(w=w, W=w.upper()))
    g.add_all("least", ["Roger Dodger is at least compelling as a variation on the theme.",
                        "Roger Dodger is one of the least compelling variations on this theme."])

    # ---- kindof: "kind of" / "sort of" / "just enough" / "kinda" ------------------------------
    # Targets: the "kind" + "of" skip in polarity_scores (and "kind" last, where the i+1 look-up
    # is not made), the n-gram booster add in _special_idioms_check (only at distance 3 with
    # i >= 3, no sign flip), single-token dampeners.
    kt = ["kind of {w}", "{f} kind of {w}", "{f} {f} kind of {w}", "sort of {w}", "{f} sort of {w}",
          "just enough {w}", "{f} just enough {w}", "kinda {w}", "kindof {w}", "kind-of {w}",
          "sorta {w}", "sortof {w}", "sort-of {w}", "{f} KIND OF {w}", "{f} Kind Of {w}",
          "kind of", "{f} kind of", "kind", "so kind", "kind of kind", "{f} kind of kind",
          "kind {w}", "{f} not kind of {w}", "kind of not {w}", "{f} kind of {f} {w}",
          "{f} sort of a {w}", "{f} just enough {f} {w}", "kind, of {w}", "{f} kind of, {w}",
          "kind of {w} kind", "{f} kind kind of {w}", "The book was only kind of {w}.",
          "Today only kinda sux! But I'll get by, lol", "{f} kind", "very kind", "KIND",
          "{f} KIND {f}"]
    for k, tpl in enumerate(kt):
        for w in (cyc(POS, k), cyc(NEG, k)):
            g.add("kindof", tpl.format(w=w, f=cyc(FILL, k)))

    # ---- no: "no" as lexicon word vs negator ------------------------------------------------
    # Targets: sentiment_valence "no" before a lexicon word -> 0.0 (not when last), lexicon word
    # 1 or 2 tokens after "no" or 3 after "no or/nor" -> lexicon*-0.74 (reset, dropping "no"'s
    # own handling), followed by the caps and booster steps; "no," is kept by the strip rule.
    nt = ["no {w}", "no", "{w} no", "no {f} {w}", "no {f} {f} {w}", "no {f} or {w}",
          "no {f} nor {w}", "no {f} and {w}", "no no {w}", "no {w} {w2}", "No {W}", "NO {w}",
          "no, {w}", "no {w}!", "{f} no {w}", "{f} {f} no", "no {f}", "no or {w}", "not no {w}",
          "very no {w}", "no very {w}", "no {w} or {w2}", "no doubt", "no no", "no no no",
          "{f} NO {f} {W}", "no {f} OR {w}", "no {f} {f} {f} {w}", "no {w2} {f} {w}",
          "the no {f} nor {w}", "no kind of {w}", "no but {w}", "no least {w}", "no :)",
          "no 😀", "no!", "{w} no!", "no {f} or", "no {W} IT", "NO {W} IT"]
    for k, tpl in enumerate(nt):
        for j in range(2):
            w = cyc(POS, k + j) if j == 0 else cyc(NEG, k + j)
            g.add("no", tpl.format(w=w, W=w.upper(), w2=cyc(NEG + POS, k + 3 * j),
                                   f=cyc(FILL, k + j)))

    # ---- special: SPECIAL_CASES phrases where they do and do not fire -----------------------
    # Targets: _special_idioms_check only runs at start_i == 2 (needs i >= 3 and token i-3 not
    # in the lexicon, and the current word in the lexicon); each of the five look-back sequences,
    # the look-ahead pairs/triples, the override of boosters/negation, "bus stop" -> 0.0.
    sp_t = ["{s}", "a {s}", "a b {s}", "a b c {s}", "it is {s}", "it is really {s}",
            "it was not {s}", "{p} {s}", "{p} a {s}", "{p} a b {s}", "{s} a b c", "a b c {s} d e",
            "{S}", "a b c {S}", "a b c {s}!", "a b c {s} {p}", "a b c {s} a {p}", "a {s} b {p}",
            "a b {s} {n}", "very very very {s}", "not a b {s}", "a b c {s} but {n}"]
    for k, s in enumerate(SPECIAL):
        for tpl in sp_t:
            g.add("special", tpl.format(s=s, S=s.upper(), p=cyc(POS, k), n=cyc(NEG, k)))
    g.add_all("special", [
        "With VADER, sentiment analysis is the shit!", "On the other hand, VADER is quite bad ass",
        "VADER is such a badass!", "Not such a badass after all.", "the movie is the bomb",
        "my boss is the shit", "wait at the bus stop", "the bus stop sucks", "yeah right, great",
        "oh yeah right", "it was the kiss of death", "the cake was to die for",
        "my beating heart", "a b c to die for", "a b c d kiss of death", "the the shit",
        "bus stop", "a bus stop", "x y bus stop good", "x bus stop least good",
    ])
    # SENTIMENT_LADEN_IDIOMS: dead code in 3.3.2 (never called) - these must score as plain text.
    for k, s in enumerate(IDIOMS):
        g.add_all("deadidiom", [s, f"it is {s}", f"a b c {s} {cyc(POS, k)}", f"not {s}"])

    # ---- emoticon: lexicon emoticons with surrounding punctuation ---------------------------
    # Targets: lexicon tokens made of punctuation, the strip rule on them ("(:" stays, ":-))"
    # strips to "-" -> kept as ":-))"), "!"/"?" inside emoticons counting as emphasis.
    for k, e in enumerate(EMOTICONS):
        for t in (e, f"{cyc(FILL, k)} {e}", f"({e})", f"{e}!", f"{e}.", f"{e},{e}", f"!{e}!",
                  f"{e} {e}"):
            if k % 2 == 0 or t in (e, f"({e})", f"{e}!"):
                g.add("emoticon", t)

    # ---- strip: the <=2-character punctuation strip rule --------------------------------------
    # Targets: _strip_punc_if_word: ASCII string.punctuation only, length in code points, the
    # original token returned when the stripped form has <= 2 chars.
    strip_toks = ["ok!", "ok", "OK!", "ok.", "no,", "no", "NO!", ":)", "(:", "'s", "好!", "好好!",
                  "好好好!", "é!!", "e\u0301!!", "ée!", "good!", "!good!", "'good'", "\"good\"",
                  "(good)", "good's", "goods", "lol!", "lol!!!", "xd!", "a!", "!!a", "<3!", "ok.!",
                  "--ok--", "hi.", "bad...", "BAD!!", "(bad)", "x-d", "'ok'", "«good»", "good…",
                  "good。", "good！", "good?!", "“good”", "‘bad’", "¡good!", "¿bad?", "gj!", "gg.",
                  "fu!", "ez,", "ff?", "jk!", "4q!", "bl.", ":d!", ":D!", "8)!", "<3<3", ":):)",
                  "so!", "so,", "but,", "but...", "not!", "no.", "kind,", "of,", "least.",
                  "😀!", "!😀", "good😀!", "ok👍", "😀ok"]
    for k, t in enumerate(strip_toks):
        g.add_all("strip", [t, f"it is {t}", f"{t} {cyc(POS, k)}", f"not {t}", f"the movie {t} !!"])

    # ---- emoji1: single-code-point emoji, adjacency, whitespace before, descriptions ----------
    # Targets: the character-by-character replacement; a space is inserted before the
    # description only when the previous char is not ' ' (tab/newline/NBSP count as "not a
    # space"); nothing is inserted AFTER, so "😀good" -> "grinning facegood"; descriptions that
    # contain "!" (🔛 "ON! arrow", 🆙 "UP! button") count as exclamation marks; descriptions with
    # "but" (😥), "no"/"NO" (⛔ 🚭 🙅) and ALL-CAPS words (🆗 "OK button", 🆒 "COOL button").
    em_s = ["😀", "😍", "😢", "😡", "👍", "💔", "🙂", "🙁", "💘", "💋", "😁", "☺", "❤", "©", "®",
            "🔛", "🆙", "😥", "🙅", "🆗", "⛔", "🚭", "🙆", "👌", "🆒", "🆓", "🆕", "🆘", "🔞"]
    em_t = ["{e}", "good{e}", "{e}good", "{e}{e}", "{e} {e}", "good {e}", "good\t{e}", "good\n{e}",
            "good\u00a0{e}", "{e}\tgood", "{e}!", "!{e}", "x{e}y", "{e}{e}{e}", "NOT {e}",
            "not {e}", "very {e}", "{e} but {f}", "GOOD {e}", "it is {e} :)", "no {e}", "{e}?? !!",
            "{e}\u3000{e}", "{e}\u2028good", " {e} ", "{e}'s", "({e})", "{e}{f}", "{f}{e}{f}"]
    for k, e in enumerate(em_s):
        f = cyc(em_s, k + 3)
        for tpl in em_t:
            g.add("emoji1", tpl.format(e=e, f=f))
    # every single-code-point emoji key once, in rotating contexts
    ctx = ["{e}", "it was {e}", "{e} good", "bad {e}", "{e}{e}", "x{e}", "{e}!", "NOT {e}"]
    for k, e in enumerate(single_emoji):
        g.add("emojiall", cyc(ctx, k).format(e=e))

    # ---- emojimulti: multi-code-point emoji keys that can never match as a whole -------------
    # Targets: ❤️ = ❤ (a key) + U+FE0F (kept, glued to "heart"), skin tones (both halves are
    # keys), flags (regional indicators are not keys), ZWJ sequences, keycaps.
    g.add_all("emojimulti", [
        "❤️", "I ❤️ it", "❤️ good", "❤️❤️", "👍🏽", "👍🏽 good", "good 👍🏽", "🇺🇸", "I love 🇺🇸",
        "👨\u200d👩\u200d👧", "👨‍👩‍👧‍👦 happy", "1️⃣", "#️⃣ good", "☺️", "☺️ great", "😀\ufe0f",
        "👩🏻\u200d💻 bad", "🏳️\u200d🌈", "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
        "✌🏿✌🏿", "👋🏼!!", "😀🏽", "🏽", "\ufe0f", "\u200d", "\u20e3", "good\ufe0f", "GOOD ❤️",
    ])
    for j in range(0, len(multi_emoji), 4):
        chunk = multi_emoji[j:j + 4]
        sep = cyc(["", " ", " and ", "good "], j // 4)
        g.add("emojimulti", sep.join(chunk) if sep != "good " else "good " + " ".join(chunk))

    # ---- ws: every str.split() whitespace char, and look-alikes that are not whitespace ------
    # Targets: split()/strip() on the full Python whitespace set (U+001C..U+001F, U+0085, U+00A0,
    # U+1680, U+2000..U+200A, U+2028/9, U+202F, U+205F, U+3000 ...); prev_space is True only for
    # ' '; U+200B / U+180E / U+FEFF / U+2060 / U+00AD / ZWNJ / ZWJ do not split tokens.
    ws_t = ["good{c}bad", "not{c}good", "{c}good{c}", "good{c}{c}!", "VERY{c}good{c}movie",
            "😀{c}good", "good{c}😀", "no{c}good", "good{c}but{c}bad", "the{c}movie{c}so{c}good",
            "{c}", "{c}{c}{c}", "GOOD{c}movie", "least{c}good", "kind{c}of{c}good", ":){c}:)",
            "good!{c}!{c}?{c}?"]
    for c in WS + NOT_WS:
        for tpl in ws_t:
            g.add("ws", tpl.format(c=c))

    # ---- ucase: Unicode case mapping and isupper() beyond ASCII -----------------------------
    # Targets: str.lower() for lexicon look-ups and str.isupper() for caps emphasis with
    # non-ASCII letters: Kelvin sign (U+212A lowercases to ASCII k: "O\u212aAY" -> "okay",
    # "\u212aIND of" -> "kind of"), Angstrom sign, Turkish İ (lowercases to "i\u0307") and ı,
    # Greek final sigma, titlecase ǅ (not upper), ß / ẞ, fullwidth letters (upper, but their
    # lowercase is fullwidth), Roman numeral Ⅰ (isupper), mixed-case lexicon keys (":D", ":Þ").
    u_toks = ["O\u212aAY", "O\u212a", "o\u212a", "\u212aIND", "\u212aind of good", "LİKE", "lİke",
              "İ", "ı", "lıke", "LIKE", "ΣΑΣ", "ΟΔΟΣ", "σας", "ǅ", "Ǆ", "ǆ", "ß", "ẞ", "STRAẞE",
              "ＧＯＯＤ", "ｇｏｏｄ", "Ｇｏｏｄ", "ＮＯＴ", "Ⅰ", "Ⅱ", "ⅰ", "Å", "\u212b", "ﬀ", "ŉ",
              "ǰ", "ΐ", "Ꭰ", "ꭰ", "ᲀ", "ⓐ", "Ⓐ", "🅰", "Ꙋ", "ɐ", "ᾈ", "ᾀ", "\u0130\u0130",
              ":D", ":d", ":P", ":p", ":Þ", ":þ", ":-Þ", "XD", "xD", "Xd", "LOL", "Lol", "lOl",
              "O.o", "o.O", "O_o", "(:O", "(:o", "=D", ";D"]
    u_ctx = ["{t}", "{t} good", "good {t}", "not {t}", "{t} {t}", "VERY {t}", "the {t} movie",
             "GOOD {t}", "{t} GOOD", "{t}!", "no {t}", "{t} of good", "a b {t} good"]
    for k, t in enumerate(u_toks):
        for tpl in u_ctx:
            g.add("ucase", tpl.format(t=t))
    g.add_all("ucase", ["NOT O\u212aAY", "VERY O\u212aAY movie", "the movie is O\u212aAY",
                        "\u212aIND OF GOOD", "x \u212aIND OF good", "GOOD ǅ", "GOOD Ⅰ", "GOOD ß",
                        "GOOD 123", "GOOD ΣΑΣ", "Ⅰ LOVE it", "Ⅰ LOVE IT", "I LOVE IT", "I LOVE it",
                        "ＧＯＯＤ movie", "ＧＯＯＤ ＭＯＶＩＥ", "GOOD ＭＯＶＩＥ", "İYİ good",
                        "good ǅemal", "ǅ GOOD", "Ǆ GOOD", "GOOD STRAẞE", "GOOD STRASSE"])

    # ---- lexcase / dup / multiword: lexicon data quirks --------------------------------------
    # Targets: keys containing upper-case letters can never match (look-ups are lowercased),
    # duplicate keys (the last line wins, e.g. "lol" 1.8 not 2.9), multi-word keys never match
    # (tokens never contain spaces).
    raw_keys = [ln.strip().split("\t")[0] for ln in raw_lexicon_text.rstrip("\n").split("\n")]
    seen, dups = set(), []
    for key in raw_keys:
        if key in seen and key not in dups:
            dups.append(key)
        seen.add(key)
    for key in dups:
        g.add_all("dup", [key, key.upper(), f"it is {key}", f"not {key}", f"{key} {key}!"])
    for key in [k for k in raw_keys if k != k.lower()]:
        g.add_all("lexcase", [key, key.lower(), f"a {key} b", f"{key}!"])
    for key in [k for k in raw_keys if " " in k]:
        g.add_all("multiword", [key, f"I {key} it", f"not {key}", key.upper()])

    # ---- cancel: float cancellation and ties between pos and neg ----------------------------
    # Targets: sum() is plain left-to-right float addition (Python 3.11), so valences that
    # cancel in decimal can leave a residue like 4.4e-16 which then picks up the punctuation
    # amplifier; pos_sum == |neg_sum| (neither side gets the amplifier); exact zero sums.
    vals = {}
    for w in words_lex:
        if w.isalpha() and w.islower() and len(w) > 2 and w not in vs.BOOSTER_DICT \
                and w not in NEGATE and w not in ("no", "kind", "least", "but"):
            vals.setdefault(lexicon[w], w)
    pos_vals = sorted(v for v in vals if v > 0)
    neg_vals = sorted(v for v in vals if v < 0)
    triples = []
    for a in pos_vals:
        for b in pos_vals:
            if b < a:
                continue
            c = -round(a + b, 1)
            if c in vals:
                s = a + b + c
                if s != 0.0:
                    triples.append((vals[a], vals[b], vals[c], s))
    rng = block_rng("cancel")
    rng.shuffle(triples)
    for a, b, c, _s in triples[:60]:
        for suf in ("", "!", "??", "!!!!", "?"):
            g.add("cancel", f"{a} {b} {c}{suf}")
            g.add("cancel", f"{c} {a} {b}{suf}")
    for v in pos_vals:
        if -v in vals:
            a, b = vals[v], vals[-v]
            g.add_all("cancel", [f"{a} {b}", f"{a} {b}!", f"{b} {a}??", f"{a} {b} {a} {b}!!",
                                 f"very {a} very {b}!", f"{a} but {b}", f"not {a} not {b}!"])

    # ---- lexall: every lexicon key once, in rotating contexts ------------------------------
    # Targets: the whole lexicon as parsed (odd keys, emoticons, duplicates resolved).
    lctx = ["{w}", "it was {w}", "{w}!", "not {w}", "the {w} one", "{W} movie", "very {w}",
            "{w} but ok"]
    for k, w in enumerate(words_lex):
        g.add("lexall", cyc(lctx, k).format(w=w, W=w.upper()))

    # ---- salad: random word salads (the bulk, for interactions) -----------------------------
    # Targets: interactions of all of the above: lexicon words (common and random), fillers,
    # boosters (lower/UPPER/Title), negators, the special words, emoticons, emoji, punctuation
    # suffixes, sentence-level caps modes, and non-' ' whitespace separators.
    rng = block_rng("salad")
    common = POS + NEG + ["kind", "no", "doubt", "okay", "ok", "lol", "like", "yeah", "stop",
                          "shit", "bomb", "ass", "death", "die", "heart", "beating", "kiss"]
    punct_suffix = ["!", "?", ",", ".", "!!", "...", "?!", "!!!", "??", ")", ":"]
    seps = [" "] * 40 + ["  ", "\t", "\n", "\u00a0", "\u3000", "\u2003", "\x1c", "\u0085"]

    def salad_token():
        r = rng.random()
        if r < 0.18:
            t = rng.choice(common)
        elif r < 0.32:
            t = rng.choice(words_lex)
        elif r < 0.50:
            t = rng.choice(FILL)
        elif r < 0.60:
            t = rng.choice(BOOST)
        elif r < 0.68:
            t = rng.choice(NEGATORS)
        elif r < 0.88:
            t = rng.choice(SPECIAL_WORDS)
        elif r < 0.93:
            t = rng.choice(EMOTICONS)
        else:
            t = rng.choice(single_emoji if rng.random() < 0.8 else multi_emoji)
        c = rng.random()
        if c < 0.08:
            t = t.upper()
        elif c < 0.11:
            t = t.title()
        if rng.random() < 0.10:
            t = t + rng.choice(punct_suffix)
        if rng.random() < 0.02:
            t = rng.choice("(\"'*") + t
        return t

    for _ in range(5500):
        n = rng.choice([1, 2, 2, 3, 3, 4, 4, 5, 6, 7, 8, 10, 12, 15, 20, 30, 45])
        toks = [salad_token() for _ in range(n)]
        mode = rng.random()
        if mode < 0.12:
            toks = [t.upper() for t in toks]
        elif mode < 0.25:
            toks = [t.upper() if rng.random() < 0.25 else t for t in toks]
        out = toks[0]
        for t in toks[1:]:
            out += (rng.choice(seps) if rng.random() < 0.15 else " ") + t
        if rng.random() < 0.2:
            out += "!" * rng.randint(0, 6) + "?" * rng.randint(0, 5)
        g.add("salad", out)

    # ---- long: a few very long texts (5,000-20,000 words) -----------------------------------
    # Targets: no length limits / overflow in counters, the O(n^2) look-ups in _but_check and the
    # per-word lowercased copies, accumulated float sums over thousands of terms.
    rng = block_rng("long")
    # Mostly filler: every lexicon word costs four lowercased copies of the whole token list in
    # the reference, so the lexicon-word density is kept low (~3%) to bound the run time.
    long_pool = FILL * 40 + POS + NEG + BOOST[:20] + ["not", "no", "but", "least", "so", "kind",
                                                     "of", ":)", "😀", "never", "this"]
    for nwords in (5000, 8000, 12000, 20000):
        toks = [rng.choice(long_pool) for _ in range(nwords)]
        text = " ".join(toks)
        if nwords == 8000:
            text += "!!!"
        if nwords == 12000:
            text = text.upper()
        g.add("long", text)

    return g


# --------------------------------------------------------------------------------------------
# round() cases
# --------------------------------------------------------------------------------------------


def round_cases():
    """(x, n) pairs; the reference value is Python's round(x, n)."""
    rng = block_rng("pyround")
    xs = []  # list of (x, n)
    # 1. uniform random doubles in [-1, 1]
    for _ in range(3000):
        xs.append((rng.uniform(-1.0, 1.0), 3))
        xs.append((rng.uniform(-1.0, 1.0), 4))
    # 2. random bit patterns in [-1, 1] of every magnitude (exponents down to subnormals)
    for _ in range(1500):
        e = rng.randint(-1074, 0)
        m = rng.random()
        x = math.ldexp(1.0 + m, e - 1) if e > -1022 else math.ldexp(m, -1022)
        x = min(x, 1.0) * (-1 if rng.random() < 0.5 else 1)
        xs.append((x, rng.choice((3, 4))))
    # 3. exact binary fractions k/2^m (m <= 8) in [-1, 1]: exact ties at 3 dp (k/16, k odd) and
    #    at 4 dp (k/32, k odd) -> round-half-even on the exact value
    for m in range(1, 9):
        for k in range(-(2 ** m), 2 ** m + 1):
            x = k / 2 ** m
            xs.append((x, 3))
            xs.append((x, 4))
    # 4. doubles within 3 ULPs of every decimal tie (2k+1)/2000 (3 dp) in [-1, 1], and of 2,000
    #    random ties (2k+1)/20000 (4 dp); the nearest double to a tie is just above or below it
    def around(t, n):
        x = float(t)
        out = [x]
        lo = hi = x
        for _ in range(3):
            lo = math.nextafter(lo, -math.inf)
            hi = math.nextafter(hi, math.inf)
            out += [lo, hi]
        return [(v, n) for v in out]
    for k in range(-1000, 1000):
        xs += around(Fraction(2 * k + 1, 2000), 3)
    for k in sorted(rng.sample(range(-10000, 10000), 2000)):
        xs += around(Fraction(2 * k + 1, 20000), 4)
    # 5. small negatives that round to -0.0, and the boundary of that interval
    for _ in range(500):
        xs.append((-rng.uniform(0.0, 0.0005), 3))
        xs.append((-rng.uniform(0.0, 0.00005), 4))
    xs += around(Fraction(-1, 2000), 3) + around(Fraction(-1, 20000), 4)
    # 6. specials
    for x in (0.0, -0.0, 1.0, -1.0, 5e-324, -5e-324, 2.2250738585072014e-308, 0.5, -0.5,
              0.9999, 0.99995, 0.9995, -0.99995, 1e-16, 0.1, 0.2, 0.3, 0.7, 2.675, 1.0005,
              123.4565, -2.5, 0.000499999999999999, 0.0004999999999999999):
        xs += [(x, 3), (x, 4)]
    return xs


# --------------------------------------------------------------------------------------------
# coverage explanation (checked: every miss must be explained, every explanation must be a miss)
# --------------------------------------------------------------------------------------------

# (first line, last line, expected text of the first line, reason). Lines are the 3.3.2 file.
UNREACHABLE_LINES = [
    (112, 112, "return -1.0",
     "normalize(): x/sqrt(x*x+15) is never below -1 in IEEE doubles: sqrt(fl(x*x)) == abs(x) "
     "exactly (radix 2, round to nearest) and adding 15 only grows the denominator (for abs(x) > ~1.3e154, x*x overflows to inf "
     "and the quotient is 0). The valence sum of any text is far from that."),
    (114, 114, "return 1.0", "normalize(): the same argument for +1."),
    (163, 163, "text = str(text).encode('utf-8')",
     "SentiText() is only built from `text_no_emoji.strip()`, which polarity_scores() makes by "
     "concatenating onto \"\": it is always a str (non-str input either raises TypeError in that "
     "loop or is turned into a str there), so the `not isinstance(text, str)` arm never runs."),
    (217, 217, "continue",
     "make_lex_dict(): the packaged vader_lexicon.txt has no empty line (after rstrip('\\n')), so "
     "`if not line: continue` is never taken; it could only run for a custom lexicon_file, which "
     "is not a polarity_scores() input."),
    (390, 398, "idioms_valences = []",
     "_sentiment_laden_idioms_check() is dead code: nothing calls it (\"future work\"), so "
     "SENTIMENT_LADEN_IDIOMS has no effect (the deadidiom block shows those phrases score as "
     "plain text)."),
    (516, 687, "sentences = [\"VADER is smart, handsome, and funny.\",",
     "the `if __name__ == '__main__':` demo; the module is imported, never run as a script."),
]
# (from line, to line, expected text of the from-line, reason); negative `to` = exit arc.
UNREACHABLE_ARCS = [
    (94, 98, "if include_nt:",
     "negated() is only ever called with the default include_nt=True, so the False arm of "
     "`if include_nt:` (a jump to the bare string literal on line 98 that holds the old, "
     "disabled \"least\" rule) is never taken."),
    (111, 112, "if norm_score < -1.0:", "see line 112."),
    (113, 114, "elif norm_score > 1.0:", "see line 114."),
    (162, 163, "if not isinstance(text, str):", "see line 163."),
    (216, 217, "if not line:", "see line 217."),
    (514, 516, "if __name__ == '__main__':", "see lines 516-687."),
]


def explain_coverage(src_lines, fdata):
    """Match coverage.py's JSON file data against the tables above. Returns markdown text and a
    list of problems (unexplained misses or explained lines/arcs that were in fact hit)."""
    problems = []

    def text_at(n):
        return src_lines[n - 1].strip()

    missing = set(fdata["missing_lines"])
    missing_arcs = [tuple(a) for a in fdata.get("missing_branches", [])]
    explained_lines = set()
    rows = []
    for first, last, expect, reason in UNREACHABLE_LINES:
        if not text_at(first).startswith(expect):
            problems.append(f"line {first} is {text_at(first)!r}, expected {expect!r} "
                            f"(not the vaderSentiment 3.3.2 source?)")
        span = {n for n in missing if first <= n <= last}
        # every statement coverage.py knows in the range must be missing
        stmts = {n for n in range(first, last + 1)
                 if n in missing or n in set(fdata["executed_lines"])}
        hit = sorted(stmts - span)
        if hit:
            problems.append(f"lines {hit} in {first}-{last} were executed but are listed as "
                            f"unreachable")
        explained_lines |= span
        inner = [f"{a}->{b}" for a, b in missing_arcs if first <= a <= last]
        where = f"{first}" if first == last else f"{first}-{last}"
        rows.append(f"| line{'s' if first != last else ''} {where} | {len(span)} | "
                    f"{', '.join(inner) or '-'} | {reason} |")
    for n in sorted(missing - explained_lines):
        problems.append(f"line {n} ({text_at(n)!r}) not hit and not explained")
    arc_rows = []
    explained_arcs = set()
    for a, b, expect, reason in UNREACHABLE_ARCS:
        if not text_at(a).startswith(expect):
            problems.append(f"line {a} is {text_at(a)!r}, expected {expect!r}")
        if (a, b) not in missing_arcs:
            problems.append(f"arc {a}->{b} is listed as unreachable but was taken "
                            f"(or is not a branch)")
        explained_arcs.add((a, b))
        arc_rows.append(f"| branch {a}->{b} (`{expect}`) | {reason} |")
    for a, b in missing_arcs:
        if (a, b) in explained_arcs:
            continue
        if a in explained_lines:  # a branch inside an unreachable block
            continue
        problems.append(f"branch {a}->{b} ({text_at(a)!r}) not taken and not explained")
    return rows, arc_rows, problems


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help="directory with the *_GroundTruth.txt files "
                         "(default: ../shared/data/vader_groundtruth from the repo root)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT,
                    help="output directory (default: crates/senti-vader/tests/golden)")
    ap.add_argument("--allow-other-python", action="store_true",
                    help="run on a CPython other than 3.11 (outputs may then differ)")
    args = ap.parse_args()

    # (a) versions
    installed = metadata.version("vaderSentiment")
    assert installed == VADER_VERSION, f"vaderSentiment {installed} installed, need {VADER_VERSION}"
    cov_version = metadata.version("coverage")
    if sys.implementation.name != "cpython" or sys.version_info[:2] != (3, 11):
        msg = (f"this is {sys.implementation.name} {sys.version.split()[0]}; the golden data is "
               f"defined by CPython 3.11 (3.12 changed float sum() and the Unicode database)")
        if not args.allow_other_python:
            sys.exit("error: " + msg + "; pass --allow-other-python to run anyway")
        print("warning: " + msg, file=sys.stderr)
    dist = metadata.distribution("vaderSentiment")
    vader_py = Path(dist.locate_file("vaderSentiment/vaderSentiment.py")).resolve()
    assert vader_py.is_file(), vader_py
    site_dir = vader_py.parent.parent

    import coverage  # noqa: E402  (after the version checks)

    gt_cases, gt_files = load_groundtruth(args.data)
    assert len(gt_cases) == 23_703, f"expected 23,703 ground-truth texts, got {len(gt_cases)}"

    # Coverage must be running before vaderSentiment is imported so module-level lines count.
    # File names are reported relative to the directory that is current when measurement starts:
    # start it from site-packages so the report says vaderSentiment/vaderSentiment.py everywhere.
    assert "vaderSentiment.vaderSentiment" not in sys.modules
    cwd = os.getcwd()
    os.chdir(site_dir)
    try:
        cov = coverage.Coverage(branch=True, include=[str(vader_py)], data_file=None,
                                config_file=False)
        cov.start()
        import vaderSentiment.vaderSentiment as vs  # noqa: E402
        analyzer = vs.SentimentIntensityAnalyzer()
        cov.stop()
    finally:
        os.chdir(cwd)
    assert Path(vs.__file__).resolve() == vader_py, (vs.__file__, vader_py)
    raw_lex = (vader_py.parent / "vader_lexicon.txt").read_text(encoding="utf-8")

    gen = generate(vs, dict(analyzer.lexicon), dict(analyzer.emojis), raw_lex)
    assert len(gen.cases) >= 6000

    # score everything with coverage on
    def score_all(cases):
        out = []
        for src, text in cases:
            r = analyzer.polarity_scores(text)
            assert list(r) == ["neg", "neu", "pos", "compound"], r
            assert all(type(v) is float for v in r.values()), (src, r)
            out.append(json_line({"src": src, "text": text, "neg": r["neg"], "neu": r["neu"],
                                  "pos": r["pos"], "compound": r["compound"]}))
        return out

    os.chdir(site_dir)
    try:
        cov.start()
        gt_lines = score_all(gt_cases)
        gen_lines = score_all(gen.cases)
        cov.stop()
    finally:
        os.chdir(cwd)

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    sizes = {}
    sizes["groundtruth.jsonl"] = write_lines(out / "groundtruth.jsonl", gt_lines)
    sizes["generated.jsonl"] = write_lines(out / "generated.jsonl", gen_lines)

    # (d) round
    rc = round_cases()
    seen = set()
    r_lines = []
    for x, n in rc:
        key = (x.hex(), math.copysign(1, x), n)
        if key in seen:
            continue
        seen.add(key)
        r = round(x, n)
        assert float(repr(x)) == x and float(repr(r)) == r
        r_lines.append(json_line({"x": repr(x), "n": n, "r": repr(r)}))
    assert len(r_lines) >= 20_000, len(r_lines)
    sizes["pyround.jsonl"] = write_lines(out / "pyround.jsonl", r_lines)

    # (e) coverage report
    os.chdir(site_dir)
    try:
        buf = io.StringIO()
        cov.report(file=buf, show_missing=True)
        with tempfile.TemporaryDirectory() as td:
            jpath = os.path.join(td, "cov.json")
            cov.json_report(outfile=jpath)
            with open(jpath, encoding="utf-8") as fh:
                cj = json.load(fh)
        exclude_list = list(cov.config.exclude_list)
    finally:
        os.chdir(cwd)
    report = buf.getvalue()
    (fname, fdata), = cj["files"].items()
    summ = fdata["summary"]
    src_lines = vader_py.read_text(encoding="utf-8").split("\n")
    rows, arc_rows, problems = explain_coverage(src_lines, fdata)

    files_table = "\n".join(
        f"| `{name}` | {nlines} | `{hashlib.sha256((out / name).read_bytes()).hexdigest()}` |"
        for name, nlines in (("groundtruth.jsonl", len(gt_lines)),
                             ("generated.jsonl", len(gen_lines)),
                             ("pyround.jsonl", len(r_lines))))
    gt_counts = ", ".join(f"{tag} {n} (`{fn}`)" for tag, fn, n in gt_files)
    rules = "\n".join(f"| `{r}` | {c} |" for r, c in gen.counts.items())
    md = f"""# Branch coverage of vaderSentiment {VADER_VERSION} by the golden inputs

Generated by `scripts/golden/vader_golden.py` (do not edit by hand). Measured with coverage.py
{cov_version} (`branch=True`, restricted to `{fname}`) while scoring every text in
`groundtruth.jsonl` ({len(gt_lines)} texts) and `generated.jsonl` ({len(gen_lines)} texts), with
the import of the module and the construction of `SentimentIntensityAnalyzer()` included.

Interpreter: `{sys.implementation.name} {sys.version}`

## Report (`coverage report --show-missing`)

```
{report.rstrip()}
```

Statements: {summ['covered_lines']} of {summ['num_statements']} executed,
{summ['missing_lines']} missing. Branches: {summ['covered_branches']} of {summ['num_branches']}
taken, {summ['missing_branches']} missing: {len(UNREACHABLE_ARCS)} untaken arms of executed
`if`s (the partial branches, "BrPart") and {summ['missing_branches'] - len(UNREACHABLE_ARCS)}
arcs that start inside never-executed blocks.
Excluded lines: {summ['excluded_lines']} (coverage.py exclusion patterns in force:
{', '.join('`' + p + '`' for p in exclude_list) or 'none'}; no pragma in vaderSentiment.py
matches them, and this script adds no exclusions of its own).

## Every line and branch not hit, and why it cannot be reached from `polarity_scores()`

Each entry below is checked by the script: the run fails if something is missed that is not
listed here, or if something listed here was in fact executed. Branches that start inside an
unreachable block (e.g. the loop in `_sentiment_laden_idioms_check`) are listed with the block.

| Lines | Statements | Branch arcs starting inside (not taken) | Reason |
|---|---|---|---|
{chr(10).join(rows)}

| Branch | Reason |
|---|---|
{chr(10).join(arc_rows)}

Everything else in the file, every statement and both arms of every branch, is executed by the
inputs above.

## Output files

| File | Lines | SHA-256 |
|---|---|---|
{files_table}

Ground truth texts per source file: {gt_counts}.

## Generated inputs per rule block

| Block | Texts |
|---|---|
{rules}
"""
    if problems:
        md += "\n## PROBLEMS\n\n" + "\n".join(f"- {p}" for p in problems) + "\n"
    (out / "COVERAGE.md").write_bytes(md.encode("utf-8"))

    print(f"vaderSentiment {installed}, coverage {cov_version}, Python {sys.version.split()[0]}")
    for tag, fname_, n in gt_files:
        print(f"  ground truth {tag:7s} {n:6d} texts ({fname_})")
    for name, size in sizes.items():
        print(f"  wrote {name}: {size:,} bytes")
    print(f"  generated {len(gen_lines)} texts in {len(gen.counts)} blocks; "
          f"{len(r_lines)} round cases")
    print(f"  coverage: {summ['covered_lines']}/{summ['num_statements']} statements, "
          f"{summ['covered_branches']}/{summ['num_branches']} branches")
    if problems:
        print("coverage problems:\n  " + "\n  ".join(problems), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
