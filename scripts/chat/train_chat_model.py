"""Trains the `chat` domain's classifier (crates/senti-engine/src/chat/model.rs).

    python3 -m venv .venv-chat && .venv-chat/bin/pip install -r scripts/chat/requirements.txt
    cargo build --release -p senti-engine --example chat_features
    .venv-chat/bin/python scripts/chat/train_chat_model.py

Data (3 classes: negative / neutral / positive):
- data/danmaku/train.jsonl: live comments written for training (our own writing, MIT);
- data/danmaku/comments.jsonl, split `tune` only: model selection, then added to the final fit;
- ../shared/data/tweeteval_sentiment val (2,000 English tweets, 3 classes), optional
  (--tweeteval), chosen on `tune` like C. No text of it goes into the repository: the model
  file holds hashed weights only.
The holdouts (`holdout` rows of comments.jsonl, holdout2.jsonl) are never read here.

Features come from the Rust bridge (examples/chat_features.rs, the run-time code), so ids
and values match serving. Multinomial logistic regression (L2, lbfgs); C and the TweetEval
choice by `tune` 3-class accuracy (ties: smaller C); then refit on train + tune (+ TweetEval)
with the chosen settings. Writes crates/senti-engine/data/chat_model.bin (header: magic
SCHM, version 1, buckets, i16 scale, three f32 biases; then per bucket three i16 weights,
little-endian) and chat_model.md."""

import argparse
import datetime
import json
import os
import struct
import subprocess

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED = os.environ.get("SENTI_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
CLASSES = ["negative", "neutral", "positive"]
BUCKETS = 1 << 18
BRIDGE = os.path.join(ROOT, "target", "release", "examples", "chat_features")


def load_jsonl(path, split=None):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            v = json.loads(line)
            if split is not None and v.get("split") != split:
                continue
            rows.append((v["text"], CLASSES.index(v["label"])))
    return rows


def load_tweeteval():
    d = os.path.join(SHARED, "tweeteval_sentiment")
    with open(os.path.join(d, "val_text.txt"), encoding="utf-8") as f:
        texts = [l.rstrip("\n") for l in f]
    with open(os.path.join(d, "val_labels.txt")) as f:
        labels = [int(l) for l in f if l.strip()]
    # TweetEval: 0 negative, 1 neutral, 2 positive (the same order as CLASSES).
    return list(zip(texts, labels))


def features(texts):
    inp = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts)
    out = subprocess.run([BRIDGE], input=inp.encode(), capture_output=True, check=True).stdout
    rows, cols, vals, stage1 = [], [], [], []
    for i, line in enumerate(out.decode().splitlines()):
        r = json.loads(line)
        stage1.append(r["c"])
        for j, v in r["f"]:
            rows.append(i)
            cols.append(j)
            vals.append(v)
    assert i + 1 == len(texts), "bridge output lines"
    X = sp.csr_matrix((vals, (rows, cols)), shape=(len(texts), BUCKETS), dtype=np.float64)
    return X, np.array(stage1)


def stage1_accuracy(c, y):
    # The lexicon stage alone, VADER's +-0.05 rule.
    pred = np.where(c >= 0.05, 2, np.where(c <= -0.05, 0, 1))
    return float((pred == np.asarray(y)).mean())


def fit(X, y, C):
    m = LogisticRegression(C=C, max_iter=3000, tol=1e-6)
    m.fit(X, y)
    return m


def accuracy(m, X, y):
    return float((m.predict(X) == np.asarray(y)).mean())


def quantise(m):
    # sklearn orders classes by value: 0 negative, 1 neutral, 2 positive.
    assert list(m.classes_) == [0, 1, 2]
    W = m.coef_.T  # buckets x 3
    scale = float(np.abs(W).max()) / 32767.0 or 1.0
    q = np.clip(np.round(W / scale), -32767, 32767).astype("<i2")
    bias = [float(b) for b in m.intercept_]
    head = b"SCHM" + struct.pack("<IIf3f", 1, BUCKETS, scale, *bias)
    return head + q.tobytes(order="C"), scale, q.astype(np.float64) * scale, np.array(bias)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", default=os.path.join(ROOT, "data", "danmaku", "train.jsonl"))
    ap.add_argument("--out", default=os.path.join(ROOT, "crates", "senti-engine", "data"))
    ap.add_argument("--cs", default="0.1,0.3,1,3,10")
    ap.add_argument("--tweeteval", choices=["auto", "yes", "no"], default="auto")
    a = ap.parse_args()

    train = load_jsonl(a.train)
    tune = load_jsonl(os.path.join(ROOT, "data", "danmaku", "comments.jsonl"), split="tune")
    tweets = load_tweeteval()
    print(f"train {len(train)}, tune {len(tune)}, tweeteval val {len(tweets)}")
    (Xtr, ctr), ytr = features([t for t, _ in train]), [l for _, l in train]
    (Xtu, ctu), ytu = features([t for t, _ in tune]), [l for _, l in tune]
    (Xtw, ctw), ytw = features([t for t, _ in tweets]), [l for _, l in tweets]
    base = {k: stage1_accuracy(c, y) for k, c, y in
            [("train", ctr, ytr), ("tune", ctu, ytu), ("tweeteval val", ctw, ytw)]}
    print("lexicon stage alone, 3-class accuracy:", base)

    grid = []
    options = {"auto": [False, True], "yes": [True], "no": [False]}[a.tweeteval]
    for use_tw in options:
        X = sp.vstack([Xtr, Xtw]) if use_tw else Xtr
        y = ytr + ytw if use_tw else ytr
        for C in [float(c) for c in a.cs.split(",")]:
            m = fit(X, y, C)
            acc = accuracy(m, Xtu, ytu)
            grid.append((acc, -C, use_tw))
            print(f"C={C:<5} tweeteval={use_tw!s:<5} tune 3-class accuracy {acc:.4f}")
    best = max(grid)
    acc_tune, C, use_tw = best[0], -best[1], best[2]
    print(f"chosen: C={C}, tweeteval={use_tw} (tune {acc_tune:.4f})")

    # 5-fold cross-validation on the training set, for the card.
    cv = []
    for k, (i, j) in enumerate(StratifiedKFold(5, shuffle=True, random_state=1).split(Xtr, ytr)):
        X = sp.vstack([Xtr[i], Xtw]) if use_tw else Xtr[i]
        y = [ytr[x] for x in i] + (ytw if use_tw else [])
        cv.append(accuracy(fit(X, y, C), Xtr[j], [ytr[x] for x in j]))
    print(f"train 5-fold accuracy {np.mean(cv):.4f} (min {min(cv):.4f}, max {max(cv):.4f})")

    parts = [Xtr, Xtu] + ([Xtw] if use_tw else [])
    X = sp.vstack(parts)
    y = ytr + ytu + (ytw if use_tw else [])
    m = fit(X, y, C)
    blob, scale, Wq, bias = quantise(m)
    # The quantised model must decide as the float one does on the training rows.
    zq = X @ Wq + bias
    agree = float((zq.argmax(1) == m.predict(X)).mean())
    print(f"quantised agrees with float on {agree:.4f} of the fit rows")
    with open(os.path.join(a.out, "chat_model.bin"), "wb") as f:
        f.write(blob)

    counts = lambda rows: "/".join(str(sum(l == c for _, l in rows)) for c in range(3))
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    card = f"""# chat_model.bin: the `chat` domain's classifier (our own artifact)

Written by `scripts/chat/train_chat_model.py` on {when}; numbers only: {BUCKETS} hashed buckets x
3 classes (negative, neutral, positive) as i16 with one scale ({scale:.3e}), three f32 biases.
No text of any data set is in it. Features: `crates/senti-engine/src/chat/model.rs`.

Fitted on (rows; negative/neutral/positive):

- `data/danmaku/train.jsonl`, our own writing: {len(train)} ({counts(train)})
- `data/danmaku/comments.jsonl` split `tune`: {len(tune)} ({counts(tune)})
""" + (f"- `../shared/data/tweeteval_sentiment` val: {len(tweets)} ({counts(tweets)})\n" if use_tw else "") + f"""
Multinomial logistic regression, L2, C={C} and TweetEval {'used' if use_tw else 'not used'}
(chosen by `tune` 3-class accuracy with the model fitted on the training set alone:
{acc_tune:.4f}); 5-fold cross-validated accuracy on the training set {np.mean(cv):.4f}. The
lexicon stage alone (VADER's +-0.05 rule on its compound): train {base['train']:.4f}, tune
{base['tune']:.4f}, TweetEval val {base['tweeteval val']:.4f}. The holdouts (`holdout`,
`holdout2`) were never read by the trainer.
"""
    card += """
Licence: the weights are ours (the project's MIT licence). The training comments are our own
writing (MIT); TweetEval states no restrictions (SemEval-2017 and Twitter terms apply to its
texts), and no tweet text is in the file, only hashed weights it moved.
"""
    with open(os.path.join(a.out, "chat_model.md"), "w", encoding="utf-8") as f:
        f.write(card)
    print(card)


if __name__ == "__main__":
    main()
