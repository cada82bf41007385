#!/usr/bin/env bash
# Precision cost of near-duplicate cache hits on labelled sets (read at run time from
# ../shared/data and data/danmaku; nothing of them is committed): how often a near hit's label
# differs from the label computed for the text itself. Lexicon path, then (with ONNX Runtime)
# the zh-textcnn model on the Chinese sets. Raw output under bench/results/.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -q -p senti-engine --example near_precision
bin=./target/release/examples/near_precision
D=../shared/data
zh=(data/danmaku/comments.jsonl "$D/weibo_senti_100k_subset/test.tsv")
en=("$D/sst2/dev.tsv" "$D/tweeteval_sentiment/test_text.txt")
out=bench/results/near-precision-$(date -u +%Y%m%dT%H%M%SZ).jsonl
{
  echo '{"path":"lexicon","near_min_chars":12,"near_distance":3}'
  "$bin" "${zh[@]}" "${en[@]}"
  export ORT_DYLIB_PATH=${ORT_DYLIB_PATH:-$(bash scripts/ort-env.sh)}
  echo '{"path":"model zh-textcnn","near_min_chars":12,"near_distance":3}'
  MODEL_REPO=models MODEL=zh-textcnn "$bin" "${zh[@]}"
} | tee "$out"
echo "raw output: $out"
