#!/usr/bin/env bash
# Clustered mode on this machine: 1, 2 and 3 replicas of `senti serve --nats-url` against a
# NATS JetStream server of the benchmark's own (loopback, a temporary store), each run:
#   throughput  `senti replay --nats` publishes comments as fast as JetStream acknowledges them
#               for SECS seconds (unique ids, bench/rooms/comments.jsonl: our own writing);
#               the clock stops when every replica has folded every accepted comment;
#               replicas' and NATS's CPU seconds per comment from /proc/PID/stat
#   latency     comments posted over HTTP to the first replica at RATE/s with `--stamp`, one
#               SSE subscriber on the last replica: ingest-to-SSE P50/P99 across replicas
# Raw output: bench/results/cluster-<UTC time>/. Loopback only; every phase is bounded.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${SECS:-10}
RATE=${RATE:-2000}
REPLICAS=${REPLICAS:-"1 2 3"}
NATS_PORT=${NATS_PORT:-14222}
OUT=bench/results/cluster-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
[ -n "${NO_BUILD:-}" ] || cargo build --release -q -p senti-cli -p senti-bench-sse-sub
SENTI=target/release/senti
SUB=target/release/senti-bench-sse-sub
FILE=bench/rooms/comments.jsonl
{ nproc; grep -m1 'model name' /proc/cpuinfo; uptime; nats-server --version; } > "$OUT/machine.txt"

STORE=$(mktemp -d)
nats-server -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$STORE" >"$OUT/nats.log" 2>&1 &
NATS=$!
PIDS=()
cleanup() { kill "${PIDS[@]}" 2>/dev/null || true; kill $NATS 2>/dev/null || true; rm -rf "$STORE"; }
trap cleanup EXIT
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$NATS_PORT) 2>/dev/null && break; sleep 0.1; done
URL=nats://127.0.0.1:$NATS_PORT

cpu() { awk '{print ($14 + $15) / 100}' "/proc/$1/stat"; }
sum_cpu() { local s=0; for p in "$@"; do s=$(echo "$s + $(cpu "$p")" | bc -l); done; echo "$s"; }
member() { curl -sf "$1/v1/info" | python3 -c 'import json,sys; c=json.load(sys.stdin)["cluster"]; sys.exit(0 if c["ready"] and c["scoring"] and c["folding"] else 1)'; }
total() { curl -sf "$1/v1/rooms/$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }

for n in $REPLICAS; do
  prefix=bench$n-$$
  PIDS=(); urls=()
  for i in $(seq "$n"); do
    port=$((18100 + 10 * n + i))
    $SENTI serve --addr 127.0.0.1:$port --grpc-addr off --log-level warn --access-log-sample 0 \
      --nats-url "$URL" --nats-prefix "$prefix" >"$OUT/r$n-$i.log" 2>&1 &
    PIDS+=($!); urls+=("http://127.0.0.1:$port")
  done
  for u in "${urls[@]}"; do
    for _ in $(seq 200); do member "$u" && break; sleep 0.1; done
  done

  # Throughput.
  c0=$(sum_cpu "${PIDS[@]}"); n0=$(cpu $NATS); t0=$(date +%s.%N)
  $SENTI replay "$FILE" --room tput --rate 0 --duration "$SECS" --unique-ids \
    --nats "$URL" --nats-prefix "$prefix" --batch 500 --connections 4 > "$OUT/r$n-replay.json"
  accepted=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["accepted"])' "$OUT/r$n-replay.json")
  for u in "${urls[@]}"; do
    for _ in $(seq 1200); do [ "$(total "$u" tput)" -ge "$accepted" ] && break; sleep 0.05; done
  done
  t1=$(date +%s.%N); c1=$(sum_cpu "${PIDS[@]}"); n1=$(cpu $NATS)
  scored=""
  for u in "${urls[@]}"; do
    scored="$scored $(curl -sf "$u/metrics" | awk '$1=="senti_cluster_scored_total"{print $2}')"
  done
  python3 - "$n" "$accepted" "$t0" "$t1" "$c0" "$c1" "$n0" "$n1" "$scored" > "$OUT/r$n-throughput.json" <<'PY'
import json, sys
n, acc, t0, t1, c0, c1, n0, n1, scored = sys.argv[1:]
acc = int(acc); secs = float(t1) - float(t0)
print(json.dumps({"replicas": int(n), "comments": acc, "seconds": round(secs, 3),
  "comments_per_s": round(acc / secs), "replica_cpu_us_per_comment": round((float(c1) - float(c0)) / acc * 1e6, 2),
  "nats_cpu_us_per_comment": round((float(n1) - float(n0)) / acc * 1e6, 2),
  "scored_per_replica": [int(float(x)) for x in scored.split()]}))
PY
  echo "$n replicas: $(cat "$OUT/r$n-throughput.json")" >&2

  # Ingest-to-SSE latency, across replicas (posted to the first, watched on the last).
  $SUB "${urls[-1]}/v1/rooms/lat/events?comments=all" 1 $((SECS + 3)) > "$OUT/r$n-latency.json" &
  SUBPID=$!
  sleep 1.5
  $SENTI replay "$FILE" --room lat --rate "$RATE" --duration "$SECS" --unique-ids --stamp \
    --http "${urls[0]}" --batch 20 --connections 2 > "$OUT/r$n-latency-replay.json"
  wait $SUBPID
  echo "$n replicas, latency: $(cat "$OUT/r$n-latency.json")" >&2
  kill "${PIDS[@]}" 2>/dev/null || true
  wait "${PIDS[@]}" 2>/dev/null || true
done
cat "$OUT"/r*-throughput.json > "$OUT/summary.jsonl"
for n in $REPLICAS; do
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps({"replicas": int(sys.argv[2]), "latency": d}))' "$OUT/r$n-latency.json" "$n" >> "$OUT/summary.jsonl"
done
cat "$OUT/summary.jsonl"
echo "raw output: $OUT" >&2
