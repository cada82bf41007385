"""Tiny ONNX sentiment models for CI (no torch, no download): writes the committed fixtures under
crates/senti-model/tests/fixtures/ and their reference outputs (expected.json).

Each fixture is a model directory in the Hugging Face optimum export layout:
    model.onnx      inputs input_ids, attention_mask (and token_type_ids for tiny-en and slow),
                    int64 [batch, seq]; output logits float32 [batch, num_labels]; opset 17, IR 10
    tokenizer.json  Hugging Face tokenizers format (WordLevel, "[CLS] $A [SEP]" template), with no
                    padding or truncation configured inside it
    config.json     id2label, label2id, problem_type, max_position_embeddings (the number of tokens,
                    special tokens included, the loader truncates to)

The model's arithmetic is a bag of words you can do by hand:
    logits[b] = sum_s attention_mask[b, s] * E[input_ids[b, s], :] + bias
(Gather, Cast, Unsqueeze, Mul, ReduceSum, Add), so padded and single runs agree and every expected
number can be checked against the table E below.

    usage: python3 -m venv .venv-testmodels
           .venv-testmodels/bin/pip install -r scripts/models/requirements-test-models.txt
           .venv-testmodels/bin/python scripts/models/make_test_models.py [--slow-matmuls N]
Deterministic: running it again writes the same bytes (except the slow model's measured time in
README.md, which is measured anew unless --keep-slow-time is given).
"""

import argparse
import json
import os
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "crates", "senti-model", "tests", "fixtures")
OPSET = 17
IR_VERSION = 10  # onnxruntime 1.31 reads IR <= 11; 10 is what opset 17 exporters write
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]  # ids 0, 1, 2, 3 in every vocabulary

# ------------------------------------------------------------------------------ vocabularies

EN_POS = {"good": 2.0, "great": 2.5, "love": 3.0, "excellent": 3.0, "happy": 1.5, "amazing": 2.75}
EN_NEG = {"bad": 2.0, "awful": 3.0, "hate": 3.0, "terrible": 3.0, "sad": 1.5, "boring": 1.25}
EN_NOT = ["not"]  # an all-zero row: these models have no negation logic
EN_NEUTRAL = ["the", "movie", "is", "was", "a", "food", "service", "it", "this", "and", "i", "very",
              "film", "day", "place", "staff", "an", "of", "to", "we", "that", "so"]
EN_PUNCT = [".", ",", "!", "?"]
EN_TOXIC = {"hate": 2.5, "stupid": 3.0, "idiot": 3.5}  # tiny-multi only adds stupid, idiot

ZH_POS = {"好": 2.0, "棒": 2.5, "爱": 3.0, "赞": 2.5}
ZH_NEG = {"差": 2.0, "烂": 2.5, "坏": 2.0, "垃": 1.5, "圾": 1.5}
ZH_NEUTRAL = ["这", "个", "电", "影", "很", "不", "是", "的", "了", "我", "们", "服", "务", "菜",
              "一", "太", "真", "家", "店", "吃", "。", "，", "！", "？"]


def en_vocab(extra=()):
    words = SPECIALS + list(EN_POS) + list(EN_NEG) + EN_NOT + EN_NEUTRAL + EN_PUNCT + list(extra)
    assert len(set(words)) == len(words)
    return {w: i for i, w in enumerate(words)}


def zh_vocab():
    words = SPECIALS + list(ZH_POS) + list(ZH_NEG) + ZH_NEUTRAL
    assert len(set(words)) == len(words)
    return {w: i for i, w in enumerate(words)}


def make_tokenizer(vocab, chinese=False):
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    if chinese:
        # one token per character; whitespace dropped
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.WhitespaceSplit(),
            pre_tokenizers.Split(Regex("."), behavior="isolated"),
        ])
    else:
        # "Good, movie!!" -> good , movie ! !
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.WhitespaceSplit(),
            pre_tokenizers.Punctuation(behavior="isolated"),
        ])
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    tok.add_special_tokens(SPECIALS)
    tok.no_padding()
    tok.no_truncation()
    return tok


# ------------------------------------------------------------------------------ ONNX graphs


def bag_of_words_graph(name, emb, bias, token_type_ids, slow_matmuls=0):
    """logits = ReduceSum(Gather(E, input_ids) * Unsqueeze(Cast(mask)), axis 1) + bias."""
    emb = np.asarray(emb, dtype=np.float32)
    bias = np.asarray(bias, dtype=np.float32)
    labels = emb.shape[1]
    dims = ["batch", "seq"]
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, dims),
              helper.make_tensor_value_info("attention_mask", TensorProto.INT64, dims)]
    if token_type_ids:
        inputs.append(helper.make_tensor_value_info("token_type_ids", TensorProto.INT64, dims))
    inits = [numpy_helper.from_array(emb, "embedding"),
             numpy_helper.from_array(bias, "bias"),
             numpy_helper.from_array(np.array([1], dtype=np.int64), "axis_seq"),
             numpy_helper.from_array(np.array([-1], dtype=np.int64), "axis_last")]
    if token_type_ids or slow_matmuls:
        inits.append(numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"))
    nodes = [
        helper.make_node("Gather", ["embedding", "input_ids"], ["rows"], axis=0),
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_f", "axis_last"], ["mask_3d"]),
        helper.make_node("Mul", ["rows", "mask_3d"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "axis_seq"], ["summed"], keepdims=0),
        helper.make_node("Add", ["summed", "bias"], ["logits_0"]),
    ]
    last = "logits_0"
    if token_type_ids:
        # a real input that changes nothing: ReduceSum(Cast(token_type_ids)) * 0 added to the logits
        nodes += [
            helper.make_node("Cast", ["token_type_ids"], ["tt_f"], to=TensorProto.FLOAT),
            helper.make_node("ReduceSum", ["tt_f", "axis_seq"], ["tt_sum"], keepdims=1),
            helper.make_node("Mul", ["tt_sum", "zero"], ["tt_zero"]),
            helper.make_node("Add", [last, "tt_zero"], ["logits_1"]),
        ]
        last = "logits_1"
    if slow_matmuls:
        # fixed work per run that depends on the input (so it cannot be folded away): an all-ones
        # [512, 512] matrix times W (all 1/512, so it stays all ones exactly) slow_matmuls times
        n = 512
        inits += [numpy_helper.from_array(np.array([n, n], dtype=np.int64), "square"),
                  numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one"),
                  numpy_helper.from_array(np.array(1.0 / n, dtype=np.float32), "w_value")]
        nodes += [
            helper.make_node("Cast", ["input_ids"], ["ids_f"], to=TensorProto.FLOAT),
            helper.make_node("ReduceSum", ["ids_f"], ["ids_sum"], keepdims=0),
            helper.make_node("Mul", ["ids_sum", "zero"], ["ids_zero"]),
            helper.make_node("Add", ["ids_zero", "one"], ["ones_scalar"]),
            helper.make_node("Expand", ["ones_scalar", "square"], ["chain_0"]),
            helper.make_node("Expand", ["w_value", "square"], ["w"]),
        ]
        for i in range(slow_matmuls):
            nodes.append(helper.make_node("MatMul", [f"chain_{i}", "w"], [f"chain_{i + 1}"]))
        nodes += [
            helper.make_node("ReduceSum", [f"chain_{slow_matmuls}"], ["chain_sum"], keepdims=0),
            helper.make_node("Mul", ["chain_sum", "zero"], ["chain_zero"]),
            helper.make_node("Add", [last, "chain_zero"], ["logits_2"]),
        ]
        last = "logits_2"
    nodes.append(helper.make_node("Identity", [last], ["logits"]))
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", labels])]
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="senti make_test_models.py", producer_version="1")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


def table(vocab, labels, rows):
    """Embedding [len(vocab), labels], zero except rows {word: vector}."""
    e = np.zeros((len(vocab), labels), dtype=np.float32)
    for w, v in rows.items():
        e[vocab[w]] += np.asarray(v, dtype=np.float32)
    return e


# ------------------------------------------------------------------------------ fixtures


def fixtures(slow_matmuls):
    """name -> dict(vocab, emb, bias, config, token_type_ids, chinese, texts)."""
    en = en_vocab()
    en_texts = [
        "good",
        "bad",
        "GOOD movie!!!",
        "The food was NOT bad, it was Great.",
        "",
        "zyzzyva quux florp",  # unknown words only -> [UNK] rows (all zero)
        "I hate this awful, terrible, boring film. So sad!",
        # 20 words > 16 tokens: truncated to [CLS] + 14 words + [SEP]
        "the movie was good and the food was great and the staff was happy and it was a bad day",
        "   ",
    ]
    out = {}

    def en_rows(pos_idx, neg_idx, labels, neutral=None):
        rows = {}
        for w, s in EN_POS.items():
            v = [0.0] * labels; v[pos_idx] = s; rows[w] = v
        for w, s in EN_NEG.items():
            v = [0.0] * labels; v[neg_idx] = s; rows[w] = v
        if neutral is not None:
            for w in EN_NEUTRAL:
                v = [0.0] * labels; v[neutral[0]] = neutral[1]; rows[w] = v
        return rows

    cfg_common = {"model_type": "senti-tiny", "architectures": ["SentiTinyBagOfWords"],
                  "torch_dtype": "float32"}

    def config(id2label, problem_type, max_len, vocab, extra=None):
        c = dict(cfg_common)
        c.update({"id2label": {str(k): v for k, v in id2label.items()},
                  "label2id": {v: k for k, v in id2label.items()},
                  "problem_type": problem_type, "max_position_embeddings": max_len,
                  "num_labels": len(id2label), "vocab_size": len(vocab), "pad_token_id": 0})
        if extra:
            c.update(extra)
        return c

    out["tiny-en"] = dict(
        vocab=en, emb=table(en, 2, en_rows(1, 0, 2)), bias=[0.125, -0.125], token_type_ids=True,
        chinese=False, texts=en_texts,
        config=config({0: "NEGATIVE", 1: "POSITIVE"}, "single_label_classification", 16, en),
        about="2 labels NEGATIVE/POSITIVE (SST-2 style names), single-label (softmax), "
              "max_position_embeddings 16, has a token_type_ids input (used by nothing).")

    out["tiny-3class"] = dict(
        vocab=en, emb=table(en, 3, en_rows(2, 0, 3, neutral=(1, 0.75))), bias=[0.0, 0.25, 0.0],
        token_type_ids=False, chinese=False, texts=en_texts,
        config=config({0: "neg", 1: "neu", 2: "pos"}, "single_label_classification", 16, en),
        about="3 labels neg/neu/pos (TweetEval style short names), single-label (softmax), "
              "max_position_embeddings 16; neutral words (not punctuation) add 0.75 to neu.")

    multi = en_vocab(extra=["stupid", "idiot"])
    rows = en_rows(1, 0, 3)
    for w, s in EN_TOXIC.items():
        v = list(rows.get(w, [0.0, 0.0, 0.0])); v[2] = s; rows[w] = v
    out["tiny-multi"] = dict(
        vocab=multi, emb=table(multi, 3, rows), bias=[-1.0, -1.0, -2.0], token_type_ids=False,
        chinese=False,
        texts=en_texts[:7] + ["you stupid idiot, I hate you", en_texts[7]],
        config=config({0: "negative", 1: "positive", 2: "toxic"}, "multi_label_classification",
                      16, multi),
        about="multi_label_classification (a sigmoid per label): negative/positive/toxic, "
              "max_position_embeddings 16; hate, stupid, idiot push toxic; bias -1,-1,-2.")

    out["tiny-custom-labels"] = dict(
        vocab=en, emb=table(en, 2, en_rows(1, 0, 2)), bias=[0.125, -0.125], token_type_ids=False,
        chinese=False, texts=en_texts,
        config=config({0: "LABEL_0", 1: "LABEL_1"}, "single_label_classification", 16, en,
                      extra={"senti": {"label_map": {"LABEL_0": "negative",
                                                     "LABEL_1": "positive"}}}),
        about="tiny-en's arithmetic with labels LABEL_0/LABEL_1 and a senti.label_map in "
              "config.json saying LABEL_0 = negative, LABEL_1 = positive; no token_type_ids.")

    out["slow"] = dict(
        vocab=en, emb=table(en, 2, en_rows(1, 0, 2)), bias=[0.125, -0.125], token_type_ids=True,
        chinese=False, texts=en_texts[:5] + [en_texts[7]], slow_matmuls=slow_matmuls,
        config=config({0: "NEGATIVE", 1: "POSITIVE"}, "single_label_classification", 16, en),
        about=f"tiny-en's outputs, plus {slow_matmuls} chained [512,512] MatMuls per run "
              "(fixed cost per session.run, independent of batch size and text).")

    out["broken"] = dict(
        vocab=en, emb=None, bias=None, token_type_ids=False, chinese=False, texts=[],
        config=config({0: "NEGATIVE", 1: "POSITIVE"}, "single_label_classification", 16, en),
        about="config.json and tokenizer.json valid (tiny-en's), model.onnx is the bytes "
              "'not an onnx model' (loading must fail with an error, not a panic).")

    zh = zh_vocab()
    zrows = {}
    for w, s in ZH_POS.items():
        zrows[w] = [0.0, s]
    for w, s in ZH_NEG.items():
        zrows[w] = [s, 0.0]
    out["zh-char"] = dict(
        vocab=zh, emb=table(zh, 2, zrows), bias=[0.0625, -0.0625], token_type_ids=False, chinese=True,
        texts=[
            "好",
            "太差了",
            "这家店的菜真好吃！",
            "垃圾",
            "",
            "这个电影 Good 哈哈",  # latin letters and 哈 are unknown chars -> [UNK]
            "我爱这个电影，不是很差。",
            # 40 chars > 32 tokens: truncated to [CLS] + 30 chars + [SEP]
            "这个电影很好这个电影很好这个电影很好这个电影很好这个电影很好差差差差差差差差差差",
            "服务一般，菜很烂，不好",
        ],
        config=config({0: "negative", 1: "positive"}, "single_label_classification", 32, zh),
        about="Chinese, one token per character (WordLevel over single chars, pre-tokenizer "
              "WhitespaceSplit then Split on regex '.' isolated), negative/positive, "
              "max_position_embeddings 32, no token_type_ids.")
    return out


def session(path, threads=1):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def feed_for(rows, token_type_ids):
    n = max(len(r) for r in rows)
    ids = np.zeros((len(rows), n), dtype=np.int64)
    mask = np.zeros((len(rows), n), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
    feed = {"input_ids": ids, "attention_mask": mask}
    if token_type_ids:
        feed["token_type_ids"] = np.zeros_like(ids)
    return feed


def probabilities(logits, multi):
    x = np.asarray(logits, dtype=np.float64)
    if multi:
        return 1.0 / (1.0 + np.exp(-x))
    e = np.exp(x - x.max())
    return e / e.sum()


def time_one_run(path, token_type_ids, runs=30):
    s = session(path, threads=1)
    feed = feed_for([[2, 4, 3]], token_type_ids)
    for _ in range(5):
        s.run(["logits"], feed)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        s.run(["logits"], feed)
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2], times[0], times[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--slow-matmuls", type=int, default=int(os.environ.get("SLOW_MATMULS", "12")),
                    help="MatMuls in the slow model's chain (default 12)")
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()

    fx = fixtures(args.slow_matmuls)
    expected = {"_about": "Reference outputs of make_test_models.py: ids after truncation to "
                          "max_position_embeddings (special tokens included), logits from "
                          "onnxruntime on all texts of a model padded into one batch (checked "
                          "equal to one-text runs), probabilities computed in float64 from those "
                          "float32 logits (softmax minus max for single-label, sigmoid for "
                          "multi-label).",
                "_versions": {"onnx": onnx.__version__, "onnxruntime": ort.__version__,
                              "tokenizers": __import__("tokenizers").__version__,
                              "numpy": np.__version__},
                "models": {}}
    slow_timing = None
    for name, f in fx.items():
        d = os.path.join(args.out, name)
        os.makedirs(d, exist_ok=True)
        tok = make_tokenizer(f["vocab"], chinese=f["chinese"])
        tok.save(os.path.join(d, "tokenizer.json"), pretty=True)
        with open(os.path.join(d, "config.json"), "w", encoding="utf-8") as fh:
            json.dump(f["config"], fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        mpath = os.path.join(d, "model.onnx")
        if f["emb"] is None:
            with open(mpath, "wb") as fh:
                fh.write(b"not an onnx model")
            try:
                session(mpath)
                raise SystemExit("broken/model.onnx loaded?!")
            except SystemExit:
                raise
            except Exception as e:  # noqa: BLE001 - any load error is the point
                err = f"{type(e).__name__}: {str(e).splitlines()[0][:300]}".replace(ROOT + "/", "")
            expected["models"][name] = {"load_error": True, "onnxruntime_error": err,
                                        "about": f["about"]}
            continue
        model = bag_of_words_graph(name, f["emb"], f["bias"], f["token_type_ids"],
                                   f.get("slow_matmuls", 0))
        onnx.save_model(model, mpath)

        # reference outputs: the tokenizer as saved, truncation done as the loader does it
        loaded = Tokenizer.from_file(os.path.join(d, "tokenizer.json"))
        assert loaded.padding is None and loaded.truncation is None
        max_len = f["config"]["max_position_embeddings"]
        multi = f["config"]["problem_type"] == "multi_label_classification"
        full = [loaded.encode(t) for t in f["texts"]]
        loaded.enable_truncation(max_len)
        encs = [loaded.encode(t) for t in f["texts"]]
        s = session(mpath)
        assert [i.name for i in s.get_inputs()] == list(feed_for([[0]], f["token_type_ids"]))
        batch = s.run(["logits"], feed_for([e.ids for e in encs], f["token_type_ids"]))[0]
        rows = []
        id2label = {int(k): v for k, v in f["config"]["id2label"].items()}
        for i, (t, e, fe) in enumerate(zip(f["texts"], encs, full)):
            single = s.run(["logits"], feed_for([e.ids], f["token_type_ids"]))[0][0]
            diff = float(np.max(np.abs(single - batch[i])))
            assert diff <= 1e-6, (name, t, single, batch[i])
            # the logits are exactly the table lookup (checks the graph, not just ORT against itself)
            manual = f["emb"][e.ids].sum(axis=0) + np.asarray(f["bias"], dtype=np.float32)
            assert np.allclose(manual, batch[i], atol=1e-5), (name, t, manual, batch[i])
            probs = probabilities(batch[i], multi)
            assert multi or sorted(batch[i])[-1] != sorted(batch[i])[-2], (name, t, "argmax tie")
            assert len(e.ids) <= max_len and e.ids[0] == 2 and e.ids[-1] == 3
            row = {"text": t, "ids": list(e.ids), "tokens": list(e.tokens),
                   "truncated": len(fe.ids) > max_len, "untruncated_len": len(fe.ids),
                   "logits": [float(x) for x in batch[i]],
                   "probabilities": [float(p) for p in probs],
                   "batch_vs_single_max_abs_diff": diff}
            if multi:
                row["labels_over_half"] = [id2label[j] for j, p in enumerate(probs) if p > 0.5]
            else:
                row["label"] = id2label[int(np.argmax(probs))]
            rows.append(row)
        assert any(r["truncated"] for r in rows) and any(r["text"] == "" for r in rows)
        expected["models"][name] = {
            "about": f["about"], "inputs": [i.name for i in s.get_inputs()],
            "problem_type": f["config"]["problem_type"], "max_position_embeddings": max_len,
            "id2label": f["config"]["id2label"], "texts": rows}
        if f.get("slow_matmuls"):
            med, lo, hi = time_one_run(mpath, f["token_type_ids"])
            slow_timing = (f["slow_matmuls"], med, lo, hi)
            expected["models"][name]["measured_run_ms_1_thread"] = round(med * 1000, 1)
            print(f"slow: {f['slow_matmuls']} MatMuls, one run (batch 1, 1 thread): "
                  f"median {med * 1000:.1f} ms (min {lo * 1000:.1f}, max {hi * 1000:.1f})")
        print(f"{name}: {os.path.getsize(mpath)} bytes model.onnx, {len(rows)} texts")

    with open(os.path.join(args.out, "expected.json"), "w", encoding="utf-8") as fh:
        # json writes floats with repr (shortest round-trip), so full precision is kept
        json.dump(expected, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    write_readme(args.out, fx, slow_timing)


def write_readme(out, fx, slow_timing):
    n, med, lo, hi = slow_timing
    lines = [
        "# senti-model test fixtures",
        "",
        "Tiny ONNX models in the Hugging Face optimum export layout (`model.onnx`, `tokenizer.json`,",
        "`config.json`), generated — not trained — by `scripts/models/make_test_models.py` with the",
        "`onnx` helper API. Regenerate (deterministic, except the slow model's measured time) with:",
        "",
        "```sh",
        "python3 -m venv .venv-testmodels",
        ".venv-testmodels/bin/pip install -r scripts/models/requirements-test-models.txt",
        ".venv-testmodels/bin/python scripts/models/make_test_models.py",
        "```",
        "",
        "Every model: inputs `input_ids`, `attention_mask` (and `token_type_ids` where said) int64",
        "`[batch, seq]`; output `logits` float32 `[batch, num_labels]`; opset 17, IR version 10; loads",
        "in onnxruntime 1.31.1. Arithmetic: `logits[b] = sum_s mask[b,s] * E[ids[b,s]] + bias` (a bag",
        "of words; `not` and unknown words are all-zero rows, so there is no negation).",
        "",
        "Tokenizers: WordLevel, lowercasing normalizer, `[PAD]`=0 `[UNK]`=1 `[CLS]`=2 `[SEP]`=3,",
        "post-processor `[CLS] $A [SEP]`; no padding or truncation inside tokenizer.json: the loader",
        "truncates to `max_position_embeddings` tokens, special tokens included, and pads with id 0",
        "and mask 0.",
        "",
        "| fixture | what it is |",
        "| --- | --- |",
    ]
    for name, f in fx.items():
        about = f["about"]
        if name == "slow":
            about += (f" One run (batch 1, intra_op_num_threads=1) measured {med * 1000:.0f} ms "
                      f"median (min {lo * 1000:.0f}, max {hi * 1000:.0f}) on the 2-core dev "
                      "machine when generated.")
        lines.append(f"| `{name}/` | {about} |")
    lines += [
        "",
        "`expected.json`: for each model, for each of its texts: `ids` and `tokens` after truncation,",
        "`truncated` and `untruncated_len`, `logits` from onnxruntime (all texts of a model padded",
        "into one batch, checked equal to one-text runs), `probabilities` (float64 softmax minus",
        "max, or sigmoid for multi-label) and the argmax `label` (or `labels_over_half`).",
        "",
    ]
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))


if __name__ == "__main__":
    main()
