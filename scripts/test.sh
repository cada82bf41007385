#!/usr/bin/env bash
# The test command: sets up ONNX Runtime for the model tests (scripts/ort-env.sh), then
# runs the whole workspace's tests. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
ORT_DYLIB_PATH=$(bash scripts/ort-env.sh)
export ORT_DYLIB_PATH
echo "ORT_DYLIB_PATH=$ORT_DYLIB_PATH"
exec cargo test --workspace "$@"
