#!/usr/bin/env bash
# `senti score` on one core, JSONL in and out, against vaderSentiment 3.3.2's bare loop
# (bench/vader_python.py: polarity_scores over preloaded texts, no I/O), side by side in one
# run: three rounds, each scoring the same input with senti (best of 3 passes, pinned to CPU 0
# with --threads 1, so the reader, the one worker and the writer share that core) and then
# Python (pinned to CPU 0). Also runs the in-memory VADER bench on the same core, so the file
# path's own cost per line (JSON parse of the input line, output formatting, chunk hand-off)
# can be read off as the difference. Input: the four VADER ground-truth files as
# {"id": N, "text": ...} lines, repeated COPIES times (default 20: 474,060 lines).
# Raw output: bench/results/score-speed-<UTC time>.txt. Not part of CI.
#   usage: bench/score_speed.sh    (env: COPIES, ROUNDS, SENTI_BENCH_SECS, NO_BUILD=1)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${SENTI_VADER_DATA:-$(cd ../shared/data/vader_groundtruth && pwd)}
COPIES=${COPIES:-20}
ROUNDS=${ROUNDS:-3}
export SENTI_VADER_DATA=$DATA SENTI_BENCH_SECS=${SENTI_BENCH_SECS:-3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p bench/results
OUT=bench/results/score-speed-$(date -u +%Y%m%dT%H%M%SZ).txt

if [ ! -x bench/.venv-vader/bin/python ]; then
  python3 -m venv bench/.venv-vader
  bench/.venv-vader/bin/pip install -q vaderSentiment==3.3.2
fi
if [ -z "${NO_BUILD:-}" ]; then
  cargo build --release --locked -p senti-cli >/dev/null 2>&1
  cargo bench -p senti-vader --bench throughput --no-run >/dev/null 2>&1
fi
BIN=target/release/senti
TP=$(cargo bench -p senti-vader --bench throughput --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import sys,json
for l in sys.stdin:
    m=json.loads(l)
    if m.get("reason")=="compiler-artifact" and m["target"]["name"]=="throughput" and m.get("executable"): print(m["executable"])' | tail -1)

python3 bench/groundtruth_jsonl.py "$DATA" "$TMP/in.jsonl" --copies "$COPIES"
LINES=$(wc -l < "$TMP/in.jsonl")
{
  echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"
  echo "# senti: $BIN (git $(git rev-parse --short HEAD), $(rustc --version)); python: $(bench/.venv-vader/bin/python --version)"
  echo "# input: $LINES lines, $(stat -c %s "$TMP/in.jsonl") bytes; senti score --threads 1 on CPU 0, best of 3 passes per round"
} | tee "$OUT"

score_once() {
  local t0 t1
  t0=$(date +%s.%N)
  taskset -c 0 "$BIN" score --input "$TMP/in.jsonl" --output "$TMP/out.jsonl" --threads 1 --progress false
  t1=$(date +%s.%N)
  python3 -c "import sys; print(int(sys.argv[3]) / (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$t1" "$LINES"
}
for i in $(seq "$ROUNDS"); do
  best=0
  for _ in 1 2 3; do
    r=$(score_once)
    best=$(python3 -c "print(max(float('$best'), float('$r')))")
  done
  [ "$(wc -l < "$TMP/out.jsonl")" = "$LINES" ] || { echo "output has the wrong line count" >&2; exit 1; }
  echo "score $i {\"lines_per_s\": $best}" | tee -a "$OUT"
  echo "vader $i $(taskset -c 0 "$TP")" | tee -a "$OUT"
  echo "python $i $(taskset -c 0 bench/.venv-vader/bin/python bench/vader_python.py "$DATA")" | tee -a "$OUT"
done
python3 - "$OUT" <<'PY' | tee -a "$OUT"
import json, sys, statistics
rows = {"score": [], "vader": [], "python": []}
for line in open(sys.argv[1]):
    k = line.split(" ", 1)[0]
    if k in rows:
        rows[k].append(json.loads(line.split(" ", 2)[2]))
score = [r["lines_per_s"] for r in rows["score"]]
vader = [r["single_thread_sentences_per_s"]["best"] for r in rows["vader"]]
py = [r["single_thread_sentences_per_s"]["best"] for r in rows["python"]]
ratio = [s / p for s, p in zip(score, py)]
vratio = [v / p for v, p in zip(vader, py)]
med = statistics.median
print("# summary")
print(f"senti score, one core, JSONL in and out: {med(score):,.0f} lines/s (median of rounds)")
print(f"VADER in memory, one thread, same core:  {med(vader):,.0f} sentences/s")
print(f"python vaderSentiment bare loop:          {med(py):,.0f} sentences/s")
print(f"ratio senti score / python: median {med(ratio):.1f}x (min {min(ratio):.1f}x, max {max(ratio):.1f}x)")
print(f"ratio VADER in memory / python: median {med(vratio):.1f}x (min {min(vratio):.1f}x, max {max(vratio):.1f}x)")
per_line = [1e6 / s - 1e6 / v for s, v in zip(score, vader)]
print(f"file path's own cost per line (1/score - 1/vader): median {med(per_line):.3f} us")
PY
echo "raw output: $OUT"
