"""The Python peer for bench/models/run.sh: FastAPI + onnxruntime + tokenizers serving one model
directory (Hugging Face optimum export layout: model.onnx or model_quantized.onnx, tokenizer.json,
config.json), one inference per request (no batching). Not part of CI.

    PEER_MODEL_DIR=DIR PEER_THREADS=1 uvicorn --workers 1 --host 127.0.0.1 --port PORT \
        --app-dir bench/models peer:app

POST /v1/sentiment {"text": "...", "model": "..."} ("model" is accepted and ignored: one model)
  -> {"label": "positive"|"negative"|"neutral",
      "scores": {"positive": p, "neutral": p, "negative": p}, "compound": p_pos - p_neg}
GET /healthz -> {"status": "ok", ...}

As the Rust loader does it: the tokenizer as stored (no padding or truncation of its own), then
truncation to config.json's max_position_embeddings tokens (special tokens included, longest
first, from the right); token_type_ids (zeros) only when the graph has that input; softmax over
the logits for single_label_classification (minus the max), a sigmoid per label for
multi_label_classification. Labels are read from config.json's id2label, mapped to
positive/negative/neutral by config.json's "senti": {"label_map": {...}} when given, else by name
(pos*/neg*/neu*, case-insensitive) or, for LABEL_k names, by position (2 labels: negative,
positive; 3 labels: negative, neutral, positive); labels mapping to none of the three are left
out of "scores". A 2-label model reports neutral 0.0.

env: PEER_MODEL_DIR (required)   PEER_THREADS=1 (onnxruntime intra_op_num_threads)
     PEER_HANDLER=async  async: inference on the event loop (no thread hop: Python's best case
                          for short CPU-bound work, one request at a time per worker);
                          thread: a plain `def` handler on FastAPI's thread pool (concurrent
                          session.run calls, onnxruntime releases the GIL while it computes)
"""

import json
import os

import numpy as np
import onnxruntime as ort
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel
from tokenizers import Tokenizer

MAX_CHARS = 10_000
CANONICAL = ("positive", "neutral", "negative")


def canonical_labels(config):
    """[canonical name or None] by label index."""
    id2label = {int(k): str(v) for k, v in config["id2label"].items()}
    n = len(id2label)
    label_map = (config.get("senti") or {}).get("label_map") or {}
    by_position = {2: ["negative", "positive"], 3: ["negative", "neutral", "positive"]}.get(n)
    out = []
    for i in range(n):
        name = id2label[i]
        if name in label_map:
            c = str(label_map[name]).lower()
            out.append(c if c in CANONICAL else None)
            continue
        low = name.lower()
        if low.startswith("pos"):
            out.append("positive")
        elif low.startswith("neg"):
            out.append("negative")
        elif low.startswith("neu"):
            out.append("neutral")
        elif low.startswith("label_") and by_position:
            out.append(by_position[i])
        else:
            out.append(None)
    if "positive" not in out or "negative" not in out:
        raise SystemExit(f"peer: cannot tell positive and negative apart in id2label {id2label}")
    return out


class Model:
    def __init__(self, model_dir, threads):
        with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
            self.config = json.load(f)
        for cand in ("model.onnx", "model_quantized.onnx"):
            path = os.path.join(model_dir, cand)
            if os.path.exists(path):
                break
        else:
            raise SystemExit(f"peer: no model.onnx or model_quantized.onnx in {model_dir}")
        self.path = path
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
        self.tok.no_padding()
        self.max_len = int(self.config["max_position_embeddings"])
        self.tok.enable_truncation(self.max_len)
        self.multi = self.config.get("problem_type") == "multi_label_classification"
        self.labels = canonical_labels(self.config)

    def score(self, text):
        ids = np.asarray([self.tok.encode(text).ids], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        logits = self.session.run(["logits"], feed)[0][0].astype(np.float64)
        if self.multi:
            p = 1.0 / (1.0 + np.exp(-logits))
        else:
            e = np.exp(logits - logits.max())
            p = e / e.sum()
        scores = {"positive": 0.0, "neutral": 0.0, "negative": 0.0}
        for c, v in zip(self.labels, p):
            if c is not None:
                scores[c] += float(v)
        label = max(CANONICAL, key=lambda c: scores[c])
        return {"label": label, "scores": scores, "compound": scores["positive"] - scores["negative"]}


MODEL_DIR = os.environ.get("PEER_MODEL_DIR")
if not MODEL_DIR:
    raise SystemExit("peer: set PEER_MODEL_DIR to a model directory")
THREADS = int(os.environ.get("PEER_THREADS", "1"))
HANDLER = os.environ.get("PEER_HANDLER", "async")
MODEL = Model(MODEL_DIR, THREADS)
app = FastAPI()


class SentimentRequest(BaseModel):
    text: str
    model: str | None = None


class SentimentResponse(BaseModel):
    label: str
    scores: dict[str, float]
    compound: float


def _score(req: SentimentRequest) -> dict:
    if len(req.text) > MAX_CHARS:
        raise HTTPException(status_code=413, detail=f"text longer than {MAX_CHARS} characters")
    return MODEL.score(req.text)


if HANDLER == "thread":

    @app.post("/v1/sentiment", response_model=SentimentResponse)
    def sentiment(req: SentimentRequest) -> dict:
        return _score(req)

elif HANDLER == "async":

    @app.post("/v1/sentiment", response_model=SentimentResponse)
    async def sentiment(req: SentimentRequest) -> dict:
        return _score(req)

else:
    raise SystemExit(f"peer: PEER_HANDLER is {HANDLER!r}: async or thread")


@app.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok", "model": os.path.basename(MODEL.path), "threads": THREADS,
            "handler": HANDLER, "onnxruntime": ort.__version__}
