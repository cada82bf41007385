#!/usr/bin/env bash
# The cache benchmark: a live-comment workload (Zipf repeats plus near-duplicates, our own
# text) through the engine with each tier on and off, lexicon path and model path, in one
# run. Needs the machine's Redis on 127.0.0.1:6379 (REDIS_URL to change) and, for the model
# path, ONNX Runtime (scripts/ort-env.sh) and models/zh-textcnn. Raw output under
# bench/results/cache-*.jsonl.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-50000}
export ORT_DYLIB_PATH=${ORT_DYLIB_PATH:-$(bash scripts/ort-env.sh)}
cargo build --release -q -p senti-engine --example cache_bench
out=bench/results/cache-$(date -u +%Y%m%dT%H%M%SZ).jsonl
{
  echo "{\"machine\":\"$(nproc) vCPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)\",\"redis\":\"$(redis-server --version | cut -d' ' -f3)\"}"
  ./target/release/examples/cache_bench "$N" models "${MODEL:-zh-textcnn}"
} | tee "$out"
echo "raw output: $out"
