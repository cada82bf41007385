#!/usr/bin/env bash
# `senti score` on large JSONL files: peak RSS (goal <= 100 MB whatever the input size) and
# throughput. Builds inputs of 100 MB and 1 GB by repeating the VADER ground-truth sentences
# (each line {"id": N, "text": ...}), scores them to /dev/null and reads the peak RSS from
# /proc via GNU time. Raw output: bench/results/score-memory-<UTC time>.txt. Not part of CI.
#   usage: bench/score_memory.sh [SIZES_MB...]   (default: 100 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${*:-100 1000}
DATA=${SENTI_VADER_DATA:-$(cd ../shared/data/vader_groundtruth && pwd)}
TMP=${TMPDIR:-/tmp}/senti-score-memory
mkdir -p "$TMP" bench/results
OUT=bench/results/score-memory-$(date -u +%Y%m%dT%H%M%SZ).txt
command -v /usr/bin/time >/dev/null || apt-get install -y -q time >/dev/null
cargo build --release -p senti-cli >/dev/null 2>&1
BIN=target/release/senti

{
  echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB"
  echo "# binary: $BIN ($(rustc --version))"
} | tee "$OUT"
for mb in $SIZES; do
  f=$TMP/input-${mb}mb.jsonl
  if [ ! -s "$f" ]; then
    python3 bench/groundtruth_jsonl.py "$DATA" "$f" --mb "$mb"
  fi
  size=$(stat -c %s "$f"); lines=$(wc -l < "$f")
  /usr/bin/time -f "%M %e" -o "$TMP/time.txt" "$BIN" score --input "$f" --output /dev/null --progress false
  read -r rss_kb secs < "$TMP/time.txt"
  python3 -c "import sys; kb,s,size,lines,mb=float(sys.argv[1]),float(sys.argv[2]),int(sys.argv[3]),int(sys.argv[4]),sys.argv[5]; print(f'input {mb} MB: {size:,} bytes, {lines:,} lines; peak RSS {kb/1024:.1f} MiB; {s:.2f} s; {lines/s:,.0f} lines/s; {size/s/1e6:.1f} MB/s')" "$rss_kb" "$secs" "$size" "$lines" "$mb" | tee -a "$OUT"
done
echo "raw output: $OUT"
