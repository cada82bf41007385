#!/usr/bin/env python3
"""Export Python jieba 0.42.1's dictionary and HMM tables for crates/senti-zh.

Writes, deterministically (gzip with mtime 0, fixed order):
  crates/senti-zh/data/dict.txt.gz      byte copy of jieba/dict.txt
  crates/senti-zh/data/hmm_prob.tsv.gz  finalseg's start/trans/emit tables as loaded by CPython
                                        (jieba/finalseg/prob_*.py), floats written with repr()
                                        so every value round-trips to the same IEEE double.
and prints the SHA-256 of the sources and outputs for data/SOURCE.md.

Usage: python3 -m venv .venv-jieba && .venv-jieba/bin/pip install -r scripts/zh/requirements.txt
       .venv-jieba/bin/python scripts/zh/export_jieba_tables.py
"""
import gzip
import hashlib
import io
import os
import sys

import jieba
import jieba.finalseg as finalseg

EXPECTED_VERSION = "0.42.1"
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DATA = os.path.join(ROOT, "crates", "senti-zh", "data")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def write_gz(path, data):
    buf = io.BytesIO()
    # filename='' and mtime=0 keep the archive byte-identical from run to run.
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buf, mtime=0) as gz:
        gz.write(data)
    with open(path, "wb") as f:
        f.write(buf.getvalue())
    return buf.getvalue()


def main():
    if jieba.__version__ != EXPECTED_VERSION:
        sys.exit(f"need jieba=={EXPECTED_VERSION}, found {jieba.__version__}")
    pkg = os.path.dirname(jieba.__file__)
    os.makedirs(DATA, exist_ok=True)

    with open(os.path.join(pkg, "dict.txt"), "rb") as f:
        dict_bytes = f.read()
    dict_gz = write_gz(os.path.join(DATA, "dict.txt.gz"), dict_bytes)

    lines = [
        "# jieba 0.42.1 finalseg HMM tables (jieba/finalseg/prob_start.py, prob_trans.py, prob_emit.py)",
        "# exported by scripts/zh/export_jieba_tables.py; floats are Python repr(), exact doubles",
        "# start<TAB>state<TAB>logp | trans<TAB>from<TAB>to<TAB>logp | emit<TAB>state<TAB>codepoint-hex<TAB>logp",
    ]
    for s in sorted(finalseg.start_P):
        lines.append(f"start\t{s}\t{finalseg.start_P[s]!r}")
    for s in sorted(finalseg.trans_P):
        for t in sorted(finalseg.trans_P[s]):
            lines.append(f"trans\t{s}\t{t}\t{finalseg.trans_P[s][t]!r}")
    for s in sorted(finalseg.emit_P):
        for ch in sorted(finalseg.emit_P[s]):
            lines.append(f"emit\t{s}\t{ord(ch):04x}\t{finalseg.emit_P[s][ch]!r}")
    hmm_bytes = ("\n".join(lines) + "\n").encode("ascii")
    hmm_gz = write_gz(os.path.join(DATA, "hmm_prob.tsv.gz"), hmm_bytes)

    print(f"jieba {jieba.__version__} at {pkg}")
    for name in ["dict.txt", "finalseg/prob_start.py", "finalseg/prob_trans.py", "finalseg/prob_emit.py"]:
        with open(os.path.join(pkg, name), "rb") as f:
            print(f"sha256 {sha256(f.read())}  jieba/{name}")
    print(f"sha256 {sha256(dict_gz)}  data/dict.txt.gz (uncompressed {sha256(dict_bytes)})")
    print(f"sha256 {sha256(hmm_gz)}  data/hmm_prob.tsv.gz (uncompressed {sha256(hmm_bytes)})")
    print(f"emit entries: " + ", ".join(f"{s}={len(finalseg.emit_P[s])}" for s in "BMES"))


if __name__ == "__main__":
    main()
