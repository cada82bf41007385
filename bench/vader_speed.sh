#!/usr/bin/env bash
# VADER scoring speed, Rust vs Python vaderSentiment 3.3.2, side by side in one run.
# Alternates the two three times and reports the median Rust/Python ratio with min-max.
# Raw output goes to bench/results/vader-speed-<UTC time>.txt. Not part of CI.
#   usage: bench/vader_speed.sh [DATA_DIR]   (default ../shared/data/vader_groundtruth)
#   env:   BASE_BIN=path  also alternate another build of the throughput bench (e.g. an older
#          commit's, `cargo bench -p senti-vader --bench throughput --no-run` there), for a
#          before/after ratio measured side by side
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-$(cd ../shared/data/vader_groundtruth && pwd)}
export SENTI_VADER_DATA=$DATA SENTI_BENCH_SECS=${SENTI_BENCH_SECS:-5}
mkdir -p bench/results
OUT=bench/results/vader-speed-$(date -u +%Y%m%dT%H%M%SZ).txt

if [ ! -x bench/.venv-vader/bin/python ]; then
  python3 -m venv bench/.venv-vader
  bench/.venv-vader/bin/pip install -q vaderSentiment==3.3.2
fi
cargo bench -p senti-vader --bench throughput --no-run >/dev/null 2>&1
BIN=$(cargo bench -p senti-vader --bench throughput --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import sys,json
for l in sys.stdin:
    m=json.loads(l)
    if m.get("reason")=="compiler-artifact" and m["target"]["name"]=="throughput" and m.get("executable"): print(m["executable"])' | tail -1)

{
  echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"
  echo "# rustc: $(rustc --version)"
  echo "# data: ${DATA//$(cd .. && pwd)\//../}; rounds of >= ${SENTI_BENCH_SECS}s each side"
} | tee "$OUT"
for i in 1 2 3; do
  echo "rust $i $("$BIN")" | tee -a "$OUT"
  if [ -n "${BASE_BIN:-}" ]; then echo "base $i $("$BASE_BIN")" | tee -a "$OUT"; fi
  echo "python $i $(bench/.venv-vader/bin/python bench/vader_python.py "$DATA")" | tee -a "$OUT"
done
python3 - "$OUT" <<'PY' | tee -a "$OUT"
import json, sys, statistics
rust, py, base = [], [], []
for line in open(sys.argv[1]):
    if line.startswith("rust "): rust.append(json.loads(line.split(" ", 2)[2]))
    if line.startswith("python "): py.append(json.loads(line.split(" ", 2)[2]))
    if line.startswith("base "): base.append(json.loads(line.split(" ", 2)[2]))
ratios = [r["single_thread_sentences_per_s"]["best"] / p["single_thread_sentences_per_s"]["best"] for r, p in zip(rust, py)]
multi = [r["all_cores_sentences_per_s"]["best"] / p["single_thread_sentences_per_s"]["best"] for r, p in zip(rust, py)]
med = lambda xs: statistics.median(xs)
print("# summary")
print(f"rust single-thread sentences/s (median of runs): {med([r['single_thread_sentences_per_s']['best'] for r in rust]):,.0f}")
print(f"rust all-cores sentences/s (median of runs):     {med([r['all_cores_sentences_per_s']['best'] for r in rust]):,.0f} on {rust[0]['all_cores_sentences_per_s']['threads']} threads")
print(f"python single-thread sentences/s (median):       {med([p['single_thread_sentences_per_s']['best'] for p in py]):,.0f}")
print(f"ratio single-thread rust/python: median {med(ratios):.1f}x (min {min(ratios):.1f}x, max {max(ratios):.1f}x)")
print(f"ratio all-cores rust / python single-thread: median {med(multi):.1f}x (min {min(multi):.1f}x, max {max(multi):.1f}x)")
if base:
    b = [r["single_thread_sentences_per_s"]["best"] / x["single_thread_sentences_per_s"]["best"] for r, x in zip(rust, base)]
    bp = [x["single_thread_sentences_per_s"]["best"] / p["single_thread_sentences_per_s"]["best"] for x, p in zip(base, py)]
    print(f"base (BASE_BIN) single-thread sentences/s (median): {med([x['single_thread_sentences_per_s']['best'] for x in base]):,.0f}; base/python median {med(bp):.1f}x")
    print(f"ratio single-thread rust/base: median {med(b):.2f}x (min {min(b):.2f}x, max {max(b):.2f}x)")
a = rust[-1]["allocations_per_sentence"]
print(f"allocations per scored sentence: median {a['median']}, max {a['max']}, mean {a['mean']:.3f}")
PY
echo "raw output: $OUT"
