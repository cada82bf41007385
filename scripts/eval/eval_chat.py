"""Live-comment sentiment, 3 classes: senti (`senti score`, `general` and `chat` domains)
side by side with SnowNLP 0.12.3 on the same texts.

    python3 -m venv .venv-eval && .venv-eval/bin/pip install -r scripts/eval/requirements.txt
    cargo build --release -p senti-cli
    .venv-eval/bin/python scripts/eval/eval_chat.py [--senti target/release/senti]

Sets: data/danmaku/comments.jsonl (split `tune`, where the chat lexicon was tuned, and
`holdout`) and data/danmaku/holdout2.jsonl (written and committed before any tuning on it).
Labels are positive / neutral / negative by VADER's +-0.05 rule on compound (SnowNLP: compound
2p - 1, same rule). Per set and scorer: 3-class accuracy, macro-F1, the neutral share of the
predictions, and the confusion matrix (rows gold, columns predicted). Prints markdown and saves
it, with the commands, to bench/results/eval-chat-<UTC>.md."""

import argparse
import datetime
import io
import json
import os
import subprocess
import sys
import time

from snownlp import SnowNLP

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
LABELS = ["positive", "neutral", "negative"]


def label(c):
    return "positive" if c >= 0.05 else ("negative" if c <= -0.05 else "neutral")


def senti(binary, texts, domain, threads=None):
    inp = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts)
    extra = ["--threads", str(threads)] if threads else []
    out = subprocess.run(
        [binary, "score", "--input", "-", "--format", "jsonl", "--domain", domain] + extra,
        input=inp.encode(), capture_output=True, check=True).stdout.decode()
    return [json.loads(l)["sentiment"]["compound"] for l in out.splitlines() if l.strip()]


def snow(texts):
    return [2 * SnowNLP(t).sentiments - 1 if t.strip() else 0.0 for t in texts]


def metrics(gold, comp):
    pred = [label(c) for c in comp]
    n = len(gold)
    acc = sum(g == p for g, p in zip(gold, pred)) / n
    f1s = []
    for c in LABELS:
        tp = sum(g == c and p == c for g, p in zip(gold, pred))
        fp = sum(g != c and p == c for g, p in zip(gold, pred))
        fn = sum(g == c and p != c for g, p in zip(gold, pred))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    conf = [[sum(g == a and p == b for g, p in zip(gold, pred)) for b in LABELS] for a in LABELS]
    return acc, sum(f1s) / 3, pred.count("neutral") / n, conf


def load(path, split=None, lang=None):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                if (split is None or d.get("split") == split) and (lang is None or d.get("lang") == lang):
                    rows.append((d["text"], d["label"]))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--senti", default=os.path.join(ROOT, "target/release/senti"))
    args = ap.parse_args()
    sets = [("danmaku tune", load(os.path.join(ROOT, "data/danmaku/comments.jsonl"), "tune")),
            ("danmaku holdout", load(os.path.join(ROOT, "data/danmaku/comments.jsonl"), "holdout"))]
    h2 = os.path.join(ROOT, "data/danmaku/holdout2.jsonl")
    if os.path.exists(h2):
        sets.append(("holdout2", load(h2)))
        for lang in ["zh", "mixed", "en"]:
            sets.append((f"holdout2 {lang}", load(h2, lang=lang)))
    buf = io.StringIO()
    out = lambda s="": (print(s), buf.write(s + "\n"))
    out(f"# Live-comment 3-class evaluation ({datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC)")
    out(f"\nCommand: `{' '.join(sys.argv)}`; senti `{os.path.relpath(args.senti, ROOT)}`; SnowNLP 0.12.3.\n")
    out("| set | texts | scorer | 3-class accuracy | macro-F1 | neutral share (gold) |")
    out("|---|---:|---|---:|---:|---:|")
    confs = []
    speeds = []
    for name, rows in sets:
        texts = [t for t, _ in rows]
        gold = [l for _, l in rows]
        t0 = time.perf_counter()
        chat = senti(args.senti, texts, "chat")
        t_senti = time.perf_counter() - t0
        t0 = time.perf_counter()
        snow_comp = snow(texts)
        t_snow = time.perf_counter() - t0
        speeds.append((name, len(texts), t_senti, t_snow))
        gold_neu = gold.count("neutral") / len(gold)
        for scorer, comp in [("senti chat", chat),
                             ("senti general", senti(args.senti, texts, "general")),
                             ("SnowNLP", snow_comp)]:
            acc, f1, neu, conf = metrics(gold, comp)
            out(f"| {name} | {len(rows)} | {scorer} | {acc:.3f} | {f1:.3f} | {neu:.3f} ({gold_neu:.3f}) |")
            confs.append((name, scorer, conf))
    out("\nSpeed (one run each; senti: the whole `senti score --domain chat` process, start-up and "
        "JSON included; SnowNLP: SnowNLP(t).sentiments in this process):\n")
    for name, n, ts, tn in speeds:
        out(f"- {name}: senti {n / ts:,.0f} texts/s, SnowNLP {n / tn:,.0f} texts/s, ratio {tn / ts:.0f}x")
    # Speed of the Chinese path on one core: holdout2's Chinese comments 100 times over, so
    # that process start-up does not count, against SnowNLP on the same texts once.
    zh = [t for t, _ in load(h2, lang="zh")] if os.path.exists(h2) else []
    if zh:
        many = zh * 100
        t0 = time.perf_counter()
        senti(args.senti, many, "chat", threads=1)
        ts = (time.perf_counter() - t0) / len(many)
        t0 = time.perf_counter()
        snow(zh)
        tn = (time.perf_counter() - t0) / len(zh)
        out(f"\nChinese comments on one thread (holdout2 zh x100 through `senti score --domain chat "
            f"--threads 1`, JSONL in and out): senti {1 / ts:,.0f} texts/s, SnowNLP {1 / tn:,.0f} "
            f"texts/s: **{tn / ts:.0f}x**")
    out("\nConfusion matrices (rows: gold positive / neutral / negative; columns: predicted, same order):\n")
    for name, scorer, conf in confs:
        out(f"- {name}, {scorer}: " + " / ".join(" ".join(str(x) for x in row) for row in conf))
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = os.path.join(ROOT, "bench/results", f"eval-chat-{stamp}.md")
    with open(path, "w", encoding="utf-8") as f:
        f.write(buf.getvalue())
    print(f"\nsaved {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
