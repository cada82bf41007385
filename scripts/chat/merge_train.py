"""Builds data/danmaku/train.jsonl from the written parts (JSON lines of text, label, lang):
ids tr_0001..., in a seeded shuffle; drops repeated texts and, so that nothing leaks into
the evaluation, any text that is also in an evaluation set (`comments.jsonl`, both splits,
and `holdout2.jsonl`; compared after trimming, never printed).

    python3 scripts/chat/merge_train.py PART.jsonl ..."""

import json
import os
import random
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
D = os.path.join(ROOT, "data", "danmaku")


def texts(path):
    with open(path, encoding="utf-8") as f:
        return {json.loads(l)["text"].strip() for l in f if l.strip()}


def main():
    held = texts(os.path.join(D, "comments.jsonl")) | texts(os.path.join(D, "holdout2.jsonl"))
    rows, seen, dup, leak = [], set(), 0, 0
    for p in sys.argv[1:]:
        with open(p, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                v = json.loads(line)
                t = v["text"].strip()
                assert v["label"] in ("positive", "neutral", "negative"), line
                assert v["lang"] in ("zh", "en", "mixed"), line
                if t.lower() in seen:
                    dup += 1
                    continue
                if t in held:
                    leak += 1
                    continue
                seen.add(t.lower())
                rows.append({"text": v["text"], "label": v["label"], "lang": v["lang"]})
    random.Random(20261202).shuffle(rows)
    with open(os.path.join(D, "train.jsonl"), "w", encoding="utf-8") as f:
        for i, r in enumerate(rows):
            r = {"id": f"tr_{i + 1:04d}", **r, "split": "train"}
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    by = {}
    for r in rows:
        by[(r["lang"], r["label"])] = by.get((r["lang"], r["label"]), 0) + 1
    print(f"{len(rows)} rows; dropped {dup} repeated, {leak} also in an evaluation set")
    for k in sorted(by):
        print(k, by[k])


if __name__ == "__main__":
    main()
