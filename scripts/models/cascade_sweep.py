"""The cascade's accuracy/cost curve: sweeps the threshold (a text goes to the model when the
lexicon's |compound| is below it) over SST-2 dev, TweetEval test and the Chinese test splits,
and plots accuracy against the share of texts sent to the model, lexicon-only (threshold 0)
and model-only (every text sent) at the two ends.

Each set is scored twice through the real binary, `senti score`: once by the lexicon scorers
and once by the set's model. Because the cascade's rule is a function of the lexicon's result
alone, the cascade's answer at threshold T is the lexicon's where |compound| >= T and the
model's elsewhere: one pass of each gives the whole curve. At the chosen threshold the script
then runs `senti score --cascade` itself and checks that every answer and path equals the
simulated one (a mismatch fails the run).

Metrics: binary sets, accuracy of the sign (compound >= 0: positive, the project's rule);
TweetEval (3 classes), macro recall over negative/neutral/positive of the `label` senti
returns (a 3-class model's is its argmax; the lexicon's is VADER's +-0.05 band).

The default thresholds (`senti_engine::CASCADE_THRESHOLDS`, one per language: the lexicons'
compounds are not on one scale) are read off the dev splits only: English from SST-2 dev,
Chinese from the mean over the dev splits of the three Chinese sets; for each, the smallest
threshold above 0 whose accuracy is within 2 points (the issue's tolerance) of the best the
curve reaches. The test splits
(and TweetEval test) are only reported. A second table compares the rule with other ways of
ranking how sure the lexicon is (at equal shares sent to the model, SST-2 dev).

    cargo build --release -p senti-cli
    .venv-train/bin/python scripts/models/cascade_sweep.py

Writes bench/results/cascade-<UTC>/{summary.md,curves.json,cascade.png}. Texts stay in a
temporary directory; nothing of the data is written into the repository."""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "zh"))
import common  # noqa: E402
import zh_data  # noqa: E402

THRESHOLDS = [round(0.05 * i, 2) for i in range(21)] + [1.01]
LABELS3 = ["negative", "neutral", "positive"]


def sets(args):
    """(name, lang, split, texts, gold, model, kind): gold is 0/1 for binary sets, 0/1/2 for
    TweetEval."""
    out = []
    sst = common.load_sst2("dev")
    out.append(("SST-2 dev", "en", "dev", [t for t, _ in sst], [y for _, y in sst], args.en_model, "binary"))
    if args.tweet_model and os.path.isdir(os.path.join(args.repo, args.tweet_model)):
        tw = common.load_tweeteval("test")
        out.append(("TweetEval test", "en", "report", [t for t, _ in tw], [y for _, y in tw], args.tweet_model,
                    "3class"))
    for split in ("dev", "test"):
        for name, label in (("chnsenticorp_htl", "ChnSentiCorp htl"), ("waimai_10k", "waimai_10k"),
                            ("weibo_senti_100k_subset", "weibo, tags removed")):
            rows = [(zh_data.strip_tags(t), l) for t, l, s in zh_data.load(name) if s == split]
            out.append((f"{label} {split}", "zh", split, [t for t, _ in rows], [l for _, l in rows], args.zh_model,
                        "binary"))
    return out


def score(bin_, texts, tmp, extra):
    """senti score over texts (one JSON object per line); the `sentiment` objects in order."""
    path = os.path.join(tmp, "in.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
    t0 = time.perf_counter()
    p = subprocess.run([bin_, "score", "--input", path, *extra], capture_output=True, text=True, check=False)
    secs = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"senti score {' '.join(extra)} failed ({p.returncode}): {p.stderr[-2000:]}")
    rows = [json.loads(l)["sentiment"] for l in p.stdout.splitlines() if l.strip()]
    assert len(rows) == len(texts), (len(rows), len(texts))
    return rows, secs


def correct(s, gold, kind):
    if kind == "binary":
        return int(s["compound"] >= 0) == gold
    return LABELS3.index(s["label"]) == gold


def metric(answers, gold, kind):
    if kind == "binary":
        return sum(correct(s, g, kind) for s, g in zip(answers, gold)) / len(gold)
    recalls = []
    for c in range(3):
        idx = [i for i, g in enumerate(gold) if g == c]
        recalls.append(sum(correct(answers[i], c, kind) for i in idx) / max(1, len(idx)))
    return sum(recalls) / 3


def routed_at(l, lang, t):
    """The cascade's rule as the server runs it with `--cascade-model LANG=MODEL` only: a text goes
    to the model when the lexicon scored it as LANG and |compound| < t (a text of another
    language, e.g. an all-Latin weibo post, has no model and keeps the lexicon's answer)."""
    return l["lang"] == lang and abs(l["compound"]) < t


def curve(lex, mod, gold, kind, lang):
    pts = []
    for t in THRESHOLDS:
        routed = [routed_at(l, lang, t) for l in lex]
        answers = [m if r else l for l, m, r in zip(lex, mod, routed)]
        pts.append({"threshold": t, "sent": sum(routed) / len(routed), "metric": metric(answers, gold, kind)})
    return pts


TOLERANCE = 0.02  # the issue's: "within 2 accuracy points of model-only"


def choose(curves):
    """The smallest threshold above 0 (a text without a lexicon hit, compound 0, always goes to the
    model) whose mean metric over `curves` is within TOLERANCE of the best mean on the curve."""
    n = len(THRESHOLDS)
    mean = [sum(c[i]["metric"] for c in curves) / len(curves) for i in range(n)]
    sent = [sum(c[i]["sent"] for c in curves) / len(curves) for i in range(n)]
    best = max(mean)
    i = next(i for i in range(1, n) if mean[i] >= best - TOLERANCE)
    return {"threshold": THRESHOLDS[i], "metric": mean[i], "sent": sent[i], "best": best}


# Other ways of ranking how sure the lexicon is, compared at equal shares sent (SST-2 dev).
NEGATION = re.compile(r"\b(not|no|never|nothing|nobody|neither|nor|without|hardly)\b|n't", re.I)
CONTRAST = re.compile(r"\b(but|though|although|however|yet|despite|while)\b", re.I)
RULES = [
    ("abs(compound) (the rule)", lambda l, t: abs(l["compound"])),
    ("abs(compound) x agreement abs(pos-neg)/(pos+neg)",
     lambda l, t: abs(l["compound"]) * (abs(l["pos"] - l["neg"]) / (l["pos"] + l["neg"]) if l["pos"] + l["neg"] else 0)),
    ("abs(pos - neg)", lambda l, t: abs(l["pos"] - l["neg"])),
    ("abs(compound); negation or contrast word: model",
     lambda l, t: 0.0 if NEGATION.search(t) or CONTRAST.search(t) else abs(l["compound"])),
    ("abs(compound); contrast word: model", lambda l, t: 0.0 if CONTRAST.search(t) else abs(l["compound"])),
]


def rule_table(texts, lex, mod, gold):
    shares = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
    lok = [correct(l, g, "binary") for l, g in zip(lex, gold)]
    mok = [correct(m, g, "binary") for m, g in zip(mod, gold)]
    rows = []
    for name, f in RULES:
        conf = [f(l, t) for l, t in zip(lex, texts)]
        order = sorted(range(len(conf)), key=lambda i: conf[i])  # least sure first: sent
        accs = []
        for share in shares:
            sent = set(order[: int(round(share * len(conf)))])
            accs.append(sum(mok[i] if i in sent else lok[i] for i in range(len(conf))) / len(conf))
        rows.append((name, accs))
    return shares, rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--senti", default=os.path.join(common.ROOT, "target", "release", "senti"))
    ap.add_argument("--repo", default=common.MODELS)
    ap.add_argument("--en-model", default="sst2-minilm")
    ap.add_argument("--tweet-model", default="tweet-minilm")
    ap.add_argument("--zh-model", default="zh-textcnn")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    stamp = common.utc_stamp()
    out = args.out or os.path.join(common.RESULTS, f"cascade-{stamp}")
    os.makedirs(out, exist_ok=True)
    log = common.Log(os.path.join(out, "sweep.log"))
    log(f"cascade sweep: {common.hardware()}; senti {args.senti}; models {args.repo}")

    curves, chosen, rules, raw = {}, {}, None, {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, lang, split, texts, gold, model, kind in sets(args):
            lex, lsecs = score(args.senti, texts, tmp, [])
            mod, msecs = score(args.senti, texts, tmp, ["--model-repo", args.repo, "--model", model])
            pts = curve(lex, mod, gold, kind, lang)
            curves[name] = {"lang": lang, "split": split, "model": model, "kind": kind, "n": len(texts),
                            "points": pts, "lexicon_secs": lsecs, "model_secs": msecs}
            raw[name] = (texts, lex, mod, gold)
            log(f"{name} (n={len(texts)}, {model}): lexicon-only {pts[0]['metric']:.4f}, model-only "
                f"{pts[-1]['metric']:.4f}; senti score {lsecs:.1f} s lexicon, {msecs:.1f} s model")
            if name == "SST-2 dev":
                rules = rule_table(texts, lex, mod, gold)
        for lang in ("en", "zh"):
            dev = [c["points"] for c in curves.values() if c["lang"] == lang and c["split"] == "dev"]
            chosen[lang] = choose(dev)
            log(f"{lang}: chosen threshold {chosen[lang]['threshold']} (dev mean {chosen[lang]['metric']:.4f}, best "
                f"{chosen[lang]['best']:.4f}, sends {chosen[lang]['sent']:.1%})")
        # The real cascade at the chosen thresholds must give exactly the simulated answers.
        th = f"en={chosen['en']['threshold']},zh={chosen['zh']['threshold']}"
        for name in ("SST-2 dev", "weibo, tags removed dev"):
            texts, lex, mod, gold = raw[name]
            c = curves[name]
            t = chosen[c["lang"]]["threshold"]
            real, csecs = score(args.senti, texts, tmp, [
                "--model-repo", args.repo, "--cascade-model", f"{c['lang']}={c['model']}", "--cascade",
                "--cascade-threshold", th])
            bad = 0
            for r, l, m in zip(real, lex, mod):
                s_, path = (m, "model") if routed_at(l, c["lang"], t) else (l, "lexicon")
                bad += (r["compound"], r["label"], r.get("path")) != (s_["compound"], s_["label"], path)
            log(f"senti score --cascade --cascade-threshold {th} on {name}: {csecs:.1f} s, {bad} answers differ "
                "from the simulation")
            if bad:
                raise SystemExit("the real cascade disagrees with the simulated one")
            c["cascade_secs"] = csecs

    with open(os.path.join(out, "curves.json"), "w", encoding="utf-8") as f:
        json.dump({"chosen": chosen, "thresholds": THRESHOLDS, "sets": curves}, f, indent=1)

    lines = [f"# Cascade sweep ({stamp})", "", f"Hardware: {common.hardware()}. Command: "
             "`.venv-train/bin/python scripts/models/cascade_sweep.py`.", "",
             "Chosen thresholds (dev splits only; the smallest above 0 within 2 points of the best on the curve): "
             + "; ".join(f"**{lang} {c['threshold']}** (dev {'SST-2' if lang == 'en' else 'mean of 3 sets'}: "
                         f"sends {c['sent']:.1%}, accuracy {c['metric']:.4f}, best {c['best']:.4f})"
                         for lang, c in chosen.items()), ""]
    shares, rows = rules
    lines += ["## Ranking rules compared (SST-2 dev, accuracy at equal shares sent)", "",
              "| rule | " + " | ".join(f"{s:.0%} sent" for s in shares) + " |",
              "|---|" + "---:|" * len(shares)]
    for name, accs in rows:
        lines.append(f"| {name} | " + " | ".join(f"{a:.4f}" for a in accs) + " |")
    lines.append("")
    for name, c in curves.items():
        unit = "macro recall" if c["kind"] == "3class" else "accuracy"
        lines += [f"## {name} (n = {c['n']}, model `{c['model']}`, {unit})", "",
                  "| threshold | sent to the model | " + unit + " |", "|---:|---:|---:|"]
        for p in c["points"]:
            t = "model-only" if p["threshold"] > 1 else f"{p['threshold']:.2f}"
            lines.append(f"| {t} | {p['sent']:.1%} | {p['metric']:.4f} |")
        lines.append("")
    with open(os.path.join(out, "summary.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 5.2), dpi=110)
    for ax, lang, title in ((axes[0], "en", "English"), (axes[1], "zh", "Chinese")):
        for name, c in curves.items():
            if c["lang"] != lang:
                continue
            xs = [p["sent"] * 100 for p in c["points"]]
            ys = [p["metric"] * 100 for p in c["points"]]
            unit = "macro recall" if c["kind"] == "3class" else "accuracy"
            ax.plot(xs, ys, marker="o", ms=3, ls="--" if c["split"] == "dev" and lang == "zh" else "-",
                    label=f"{name}, {c['model']} ({unit})")
            t = chosen[lang]["threshold"]
            p = next(p for p in c["points"] if p["threshold"] == t)
            ax.scatter([p["sent"] * 100], [p["metric"] * 100], s=80, facecolors="none", edgecolors="black", zorder=5)
        ax.axvline(20, color="grey", ls=":", lw=1)
        ax.text(21, ax.get_ylim()[0] + 0.3, "20% sent = 5x model-only throughput", fontsize=7, color="grey")
        ax.set_title(f"{title}: circles = default threshold {chosen[lang]['threshold']}")
        ax.set_xlabel("texts sent to the model (%): 0 = lexicon only, 100 = model only")
        ax.set_ylabel("accuracy / macro recall (%)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    fig.suptitle("senti cascade: a text goes to the model when the lexicon's |compound| < threshold")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "cascade.png"))
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
