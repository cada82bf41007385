#!/usr/bin/env bash
# Makes ONNX Runtime available for model tests and `senti serve --model-repo`:
# a venv at .venv-ort with the PyPI onnxruntime==1.31.1 wheel (ort's load-dynamic loads its
# libonnxruntime.so.1.31.1; nothing else of Python is used). Prints the library path.
#   usage: export ORT_DYLIB_PATH=$(bash scripts/ort-env.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-ort
if ! ls "$VENV"/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so.1.31.1 >/dev/null 2>&1; then
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install --quiet --disable-pip-version-check onnxruntime==1.31.1 >&2
fi
ls "$PWD/$VENV"/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so.1.31.1 | head -1
