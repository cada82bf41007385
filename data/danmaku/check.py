#!/usr/bin/env python3
"""Validate data/danmaku/comments.jsonl and print counts (stdlib only).

Usage: python3 data/danmaku/check.py [path/to/comments.jsonl]
Exit status 0 when every check passes, 1 otherwise.
"""
import json
import re
import sys
from collections import Counter
from pathlib import Path

LABELS = ("positive", "neutral", "negative")
SPLITS = ("tune", "holdout")
KEYS = {"id", "text", "label", "split"}
ID_RE = re.compile(r"^dm\d{4}$")
MIN_ROWS = 360
CLASS_SHARE = (0.30, 0.40)   # each class must be within this share of all rows
SPLIT_SHARE = (0.45, 0.55)   # within each class, tune share must be in this range


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("comments.jsonl")
    errors = []
    rows = []
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        print(f"FAIL: not valid UTF-8: {e}")
        return 1
    if content.startswith("\ufeff"):
        errors.append("file starts with a BOM")
    for n, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            errors.append(f"line {n}: blank line")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"line {n}: invalid JSON ({e})")
            continue
        if not isinstance(obj, dict) or set(obj) != KEYS:
            errors.append(f"line {n}: keys must be exactly {sorted(KEYS)}")
            continue
        if not isinstance(obj["id"], str) or not ID_RE.match(obj["id"]):
            errors.append(f"line {n}: bad id {obj['id']!r}")
        if not isinstance(obj["text"], str) or not obj["text"].strip():
            errors.append(f"line {n}: empty text")
        if obj["label"] not in LABELS:
            errors.append(f"line {n}: bad label {obj['label']!r}")
        if obj["split"] not in SPLITS:
            errors.append(f"line {n}: bad split {obj['split']!r}")
        rows.append(obj)

    ids = Counter(r["id"] for r in rows)
    for i, c in ids.items():
        if c > 1:
            errors.append(f"duplicate id {i} ({c}x)")
    texts = Counter(r["text"] for r in rows)
    for t, c in texts.items():
        if c > 1:
            errors.append(f"duplicate text {t!r} ({c}x)")

    total = len(rows)
    if total < MIN_ROWS:
        errors.append(f"only {total} rows, need at least {MIN_ROWS}")

    by_label = Counter(r["label"] for r in rows)
    by_cell = Counter((r["label"], r["split"]) for r in rows)
    by_split = Counter(r["split"] for r in rows)

    print(f"file: {path}")
    print(f"rows: {total}")
    print(f"{'label':<10}{'tune':>7}{'holdout':>9}{'total':>7}{'share':>8}")
    for lab in LABELS:
        t, h, a = by_cell[(lab, 'tune')], by_cell[(lab, 'holdout')], by_label[lab]
        share = a / total if total else 0.0
        print(f"{lab:<10}{t:>7}{h:>9}{a:>7}{share:>8.1%}")
        if not (CLASS_SHARE[0] <= share <= CLASS_SHARE[1]):
            errors.append(f"class {lab} share {share:.1%} outside {CLASS_SHARE}")
        if a and not (SPLIT_SHARE[0] <= t / a <= SPLIT_SHARE[1]):
            errors.append(f"class {lab}: tune share {t / a:.1%} outside {SPLIT_SHARE}")
    print(f"{'all':<10}{by_split['tune']:>7}{by_split['holdout']:>9}{total:>7}")

    lengths = sorted(len(r["text"]) for r in rows)
    if lengths:
        in_range = sum(1 for n in lengths if 2 <= n <= 30)
        print(f"text length (chars): min {lengths[0]}, median {lengths[len(lengths) // 2]}, "
              f"max {lengths[-1]}; {in_range / total:.0%} within 2-30")

    if errors:
        print(f"FAIL: {len(errors)} problem(s)")
        for e in errors[:50]:
            print("  -", e)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
