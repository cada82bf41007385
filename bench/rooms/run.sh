#!/usr/bin/env bash
# Live-rooms benchmark on this machine (never part of CI), lexicon path, comment file of our
# own writing (bench/rooms/comments.jsonl, about 80% Chinese; bench/rooms/make_comments.py):
#   1. ingest over gRPC: `senti replay --grpc` as fast as the server takes it, 100 comments a
#      message, for SECS seconds;
#   2. ingest over HTTP: `senti replay` with 1,000-line NDJSON bodies, for SECS seconds;
#   3. delivery: SUBS SSE subscribers (`?comments=all`, bench/sse-sub) on one room while
#      `senti replay --grpc --stamp` sends RATE comments/s into it; latency from the stamp
#      (send time) to receipt, P50/P99, and the jitter of the 1 s stats tick.
# Each replay reports its own CPU seconds (the generator's cost); the server's CPU seconds
# are read from /proc. Raw output in bench/results/rooms-<UTC time>/, summary.md beside it.
#
#   usage: bench/rooms/run.sh     env: SECS=10 SUBS=100 RATE=10000 NO_BUILD=1
# Targets only 127.0.0.1; every run is bounded by SECS.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${SECS:-10}
SUBS=${SUBS:-100}
RATE=${RATE:-10000}
HTTP_PORT=${HTTP_PORT:-18090}
GRPC_PORT=${GRPC_PORT:-18091}
OUT=bench/results/rooms-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
if [ -z "${NO_BUILD:-}" ]; then
  cargo build --release -p senti-cli -p senti-bench-sse-sub >&2
fi
SENTI=target/release/senti
SUB=target/release/senti-bench-sse-sub
FILE=bench/rooms/comments.jsonl
{ nproc; grep -m1 'model name' /proc/cpuinfo; uptime; } > "$OUT/machine.txt"

$SENTI serve --addr 127.0.0.1:$HTTP_PORT --grpc-addr 127.0.0.1:$GRPC_PORT \
  --log-level warn --access-log-sample 0 --room-max-rate 1000000 >"$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf http://127.0.0.1:$HTTP_PORT/readyz >/dev/null && break; sleep 0.1; done

cpu() { awk '{print ($14 + $15) / 100}' /proc/$SERVER/stat; }

run_phase() { # name, then the replay arguments
  local name=$1; shift
  local c0; c0=$(cpu)
  $SENTI replay "$FILE" "$@" > "$OUT/$name.json"
  local c1; c1=$(cpu)
  echo "{\"server_cpu_seconds\": $(echo "$c1 - $c0" | bc -l)}" > "$OUT/$name.server.json"
  echo "$name: $(cat "$OUT/$name.json") server cpu $(echo "$c1 - $c0" | bc -l) s" >&2
}

run_phase ingest-grpc --room bench-grpc --rate 0 --duration "$SECS" --unique-ids \
  --grpc http://127.0.0.1:$GRPC_PORT --batch 100 --connections 2
run_phase ingest-http --room bench-http --rate 0 --duration "$SECS" --unique-ids \
  --http http://127.0.0.1:$HTTP_PORT --batch 1000 --connections 2

$SUB "http://127.0.0.1:$HTTP_PORT/v1/rooms/bench-lat/events?comments=all" "$SUBS" $((SECS + 3)) \
  > "$OUT/delivery.json" &
SUBPID=$!
sleep 1.5
run_phase delivery-replay --room bench-lat --rate "$RATE" --duration "$SECS" --unique-ids --stamp \
  --grpc http://127.0.0.1:$GRPC_PORT --batch 100 --connections 1
wait $SUBPID
echo "delivery: $(cat "$OUT/delivery.json")" >&2

python3 - "$OUT" "$SECS" "$SUBS" "$RATE" <<'PY' > "$OUT/summary.md"
import json, sys, pathlib
out, secs, subs, rate = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
j = lambda n: json.loads((out / n).read_text())
g, h, d, dr = j("ingest-grpc.json"), j("ingest-http.json"), j("delivery.json"), j("delivery-replay.json")
gs, hs = j("ingest-grpc.server.json"), j("ingest-http.server.json")
print(f"Rooms benchmark, {(out / 'machine.txt').read_text().splitlines()[1].split(':')[1].strip()}, "
      f"{secs} s per phase, lexicon path, bench/rooms/comments.jsonl\n")
print("| measure | result | goal |\n|---|---|---|")
for name, r, s in (("gRPC Ingest (100/message)", g, gs), ("HTTP NDJSON (1,000/body)", h, hs)):
    print(f"| ingest over {name} | {r['accepted'] / r['seconds']:,.0f} comments/s accepted "
          f"(server CPU {s['server_cpu_seconds']:.1f} s, generator CPU {r['generator_cpu_seconds']:.1f} s "
          f"over {r['seconds']:.1f} s) | >= 100,000 |")
lat = d["latency_ms"]
print(f"| delivery latency at {dr['comments_per_second']:,.0f} comments/s sent, {subs} SSE subscribers "
      f"| P50 {lat['p50']:.1f} ms, P99 {lat['p99']:.1f} ms, max {lat['max']:.1f} ms "
      f"({d['comment_events']:,} events, {d['lagged_events']} lagged) | P99 <= 50 ms |")
t = d["stats_tick_jitter_ms"]
print(f"| stats tick jitter (|interval - 1 s|) | P50 {t['p50']:.1f} ms, P99 {t['p99']:.1f} ms, max {t['max']:.1f} ms | |")
PY
cat "$OUT/summary.md"
