#!/usr/bin/env bash
# Instructions per sentence, Rust VADER against vaderSentiment 3.3.2 on CPython, counted by
# valgrind's callgrind: a figure that does not move with the machine's noise (unlike the
# timings of bench/vader_speed.sh, which it complements). Both score the same first LIMIT
# sentences of the four ground-truth files (default 5,000) once each, after a warm-up pass.
# Rust: only the `measured` function of crates/senti-vader/benches/count.rs is collected.
# Python: callgrind counts the whole process, so it runs twice, loading and warming up only and
# then also scoring, and the difference is the scoring. Raw output:
# bench/results/callgrind-vader-<UTC time>.txt. Not part of CI.
#   usage: bench/callgrind_vader.sh    (env: LIMIT, NO_BUILD=1)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${SENTI_VADER_DATA:-$(cd ../shared/data/vader_groundtruth && pwd)}
LIMIT=${LIMIT:-5000}
export SENTI_VADER_DATA=$DATA SENTI_COUNT_LIMIT=$LIMIT
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p bench/results
OUT=bench/results/callgrind-vader-$(date -u +%Y%m%dT%H%M%SZ).txt
if [ ! -x bench/.venv-vader/bin/python ]; then
  python3 -m venv bench/.venv-vader
  bench/.venv-vader/bin/pip install -q vaderSentiment==3.3.2
fi
[ -n "${NO_BUILD:-}" ] || cargo bench -p senti-vader --bench count --no-run >/dev/null 2>&1
BIN=$(cargo bench -p senti-vader --bench count --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import sys,json
for l in sys.stdin:
    m=json.loads(l)
    if m.get("reason")=="compiler-artifact" and m["target"]["name"]=="count" and m.get("executable"): print(m["executable"])' | tail -1)
cat > "$TMP/py_count.py" <<'PY'
import os, sys
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
data, limit, score = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "score"
texts = []
for name in ["tweets", "movieReviewSnippets", "amazonReviewSnippets", "nytEditorialSnippets"]:
    for line in open(os.path.join(data, name + "_GroundTruth.txt"), "rb").read().decode("utf-8").split("\n"):
        line = line[:-1] if line.endswith("\r") else line
        parts = line.split("\t", 2) if line else []
        if len(parts) == 3:
            texts.append(parts[2])
texts = texts[:limit]
a = SentimentIntensityAnalyzer()
for t in texts:
    a.polarity_scores(t)
if score:
    for t in texts:
        a.polarity_scores(t)
print(len(texts))
PY
ir() { grep -o 'Collected : [0-9]*' "$1" | awk '{print $3}'; }
{
  echo "# machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(valgrind --version); git $(git rev-parse --short HEAD)"
  echo "# python: $(bench/.venv-vader/bin/python --version), vaderSentiment 3.3.2; sentences: first $LIMIT"
} | tee "$OUT"
valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect='*measured*' "$BIN" >"$TMP/rust.out" 2>"$TMP/rust.err"
n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sentences"])' "$TMP/rust.out")
rust=$(ir "$TMP/rust.err")
for mode in warm score; do
  valgrind --tool=callgrind --callgrind-out-file=/dev/null bench/.venv-vader/bin/python "$TMP/py_count.py" "$DATA" "$LIMIT" $mode >/dev/null 2>"$TMP/py-$mode.err"
done
py=$(( $(ir "$TMP/py-score.err") - $(ir "$TMP/py-warm.err") ))
python3 - "$n" "$rust" "$py" <<'PY' | tee -a "$OUT"
import sys
n, rust, py = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
print(f"rust instructions: {rust:,} ({rust / n:,.0f} per sentence)")
print(f"python instructions: {py:,} ({py / n:,.0f} per sentence)")
print(f"ratio python / rust instructions: {py / rust:.1f}x")
PY
echo "raw output: $OUT"
