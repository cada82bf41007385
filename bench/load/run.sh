#!/usr/bin/env bash
# HTTP load benchmark, side by side in one run on one machine (never part of CI):
#   hello           axum hello-world ceiling (bench/hello): same runtime, same JSON parsing,
#                   fixed response of the same shape and size, no middleware
#   senti           `senti serve` with its defaults
#   fastapi-vader   FastAPI + vaderSentiment 3.3.2 under uvicorn, 2 workers
#   flask-textblob  Flask + TextBlob under gunicorn, 2 (sync) workers
# For ROUNDS rounds, each server in turn: start it, warm it up, closed loop with wrk at 100 and
# 1,000 connections, open loop with oha (latency-corrected) at 80, 1,228 and 10,000 req/s,
# Chinese requests, peak RSS over its process tree, stop it. Request bodies rotate over
# bench/load/sentences.txt. Raw output in bench/results/load-<UTC time>/, then summarise.py
# prints the table (median over rounds with min-max, senti/hello ratios, goals) to summary.md.
#
#   usage: bench/load/run.sh
#   env:   LOAD_SECS=10        seconds per wrk/oha run
#          ROUNDS=3            rounds (servers alternate within each round)
#          SERVERS="hello senti fastapi-vader flask-textblob"   subset/order; also available,
#                              not in the default set: senti-nolog (senti with --access-log-sample 0),
#                              senti-base (another senti binary, SENTI_BASE_BIN=path, e.g. an
#                              older commit's release build, for before/after ratios)
#          CONNS="100 1000"    wrk connection counts;  RATES="80 1228 10000"  oha rates
#          WARMUP_SECS=2  ZH_SECS=3  OHA_CONNS=100  WRK_TIMEOUT=5s
#          PIN=split           split: server on CPU 0, load generator + RSS sampler on CPU 1
#                              (needs >= 2 CPUs); none: no pinning
#          SERVER_CPUS=0 GEN_CPUS=1   the CPU lists used by PIN=split
#          NO_BUILD=1          use the existing target/release binaries (no cargo build)
#          QUIET_WAIT=60       before each server, wait up to this many seconds for the machine
#                              to be idle (other work on it skews every number; the summary warns)
# Needs: cargo, python3 (venv), curl; installs wrk (apt) and oha (cargo, into bench/.tools).
# Targets only 127.0.0.1; every load run is bounded by LOAD_SECS.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
LOAD=$ROOT/bench/load

LOAD_SECS=${LOAD_SECS:-10}
ROUNDS=${ROUNDS:-3}
SERVERS=${SERVERS:-"hello senti fastapi-vader flask-textblob"}
CONNS=${CONNS:-"100 1000"}
RATES=${RATES:-"80 1228 10000"}
WARMUP_SECS=${WARMUP_SECS:-2}
ZH_SECS=${ZH_SECS:-3}
OHA_CONNS=${OHA_CONNS:-100}
WRK_TIMEOUT=${WRK_TIMEOUT:-5s}
PIN=${PIN:-split}
SERVER_CPUS=${SERVER_CPUS:-0}
GEN_CPUS=${GEN_CPUS:-1}
OHA_VERSION=${OHA_VERSION:-1.16.0}
QUIET_WAIT=${QUIET_WAIT:-60}

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- tools -----------------------------------------------------------------------------------
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi; }
if ! command -v wrk >/dev/null; then
  log "installing wrk (apt)"
  as_root apt-get install -y wrk >/dev/null || { as_root apt-get update >/dev/null && as_root apt-get install -y wrk >/dev/null; }
fi
OHA=""
if command -v oha >/dev/null; then OHA=$(command -v oha)
elif [ -x "$ROOT/bench/.tools/bin/oha" ]; then OHA=$ROOT/bench/.tools/bin/oha
elif apt-cache policy oha 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  log "installing oha (apt)"; as_root apt-get install -y oha >/dev/null; OHA=$(command -v oha)
else
  log "installing oha $OHA_VERSION (cargo install --locked into bench/.tools; takes a few minutes, once)"
  cargo install "oha@$OHA_VERSION" --locked --root "$ROOT/bench/.tools" >/dev/null 2>&1 \
    || die "cargo install oha failed"
  OHA=$ROOT/bench/.tools/bin/oha
fi
command -v taskset >/dev/null || PIN=none
command -v curl >/dev/null || die "curl is needed"

# --- Python services (venvs, pinned requirements) -----------------------------------------
venv() { # venv DIR REQUIREMENTS
  local dir=$1 req=$2 sum
  sum=$(sha256sum "$req" | cut -d' ' -f1)
  if [ ! -x "$dir/bin/python" ] || [ "$(cat "$dir/.requirements.sha256" 2>/dev/null)" != "$sum" ]; then
    log "setting up $dir from $(basename "$req")"
    python3 -m venv "$dir"
    "$dir/bin/pip" install -q --disable-pip-version-check -r "$req"
    echo "$sum" >"$dir/.requirements.sha256"
  fi
}
want() { case " $SERVERS " in *" $1 "*) return 0 ;; esac; return 1; }
want_senti() { want senti || want senti-nolog; }
if want senti-base; then
  [ -x "${SENTI_BASE_BIN:-}" ] || die "senti-base needs SENTI_BASE_BIN=<path of a senti binary>"
fi
want fastapi-vader && venv "$ROOT/bench/.venv-fastapi" "$LOAD/requirements-fastapi.txt"
want flask-textblob && venv "$ROOT/bench/.venv-flask" "$LOAD/requirements-flask.txt"

# --- Rust servers ---------------------------------------------------------------------------
SKIPPED=""
if [ "${NO_BUILD:-0}" = 1 ]; then
  log "NO_BUILD=1: using the existing release binaries as they are"
  [ -x "$ROOT/target/release/senti-bench-hello" ] || die "no target/release/senti-bench-hello"
else
  log "building senti-bench-hello (release)"
  if ! cargo build --release -q -p senti-bench-hello; then
    [ -x "$ROOT/target/release/senti-bench-hello" ] || die "cannot build senti-bench-hello"
    log "WARNING: building senti-bench-hello failed (workspace broken?); using the existing target/release/senti-bench-hello"
  fi
fi
if want_senti; then
  if [ "${NO_BUILD:-0}" != 1 ]; then
    log "building senti-cli (release)"
    cargo build --release -q -p senti-cli || { log "SKIPPING senti: cargo build -p senti-cli failed"; SKIPPED="senti (build failed)"; }
  fi
  if [ -z "$SKIPPED" ] && ! "$ROOT/target/release/senti" serve --help >/dev/null 2>&1; then
    log "SKIPPING senti: target/release/senti is missing or has no 'serve' subcommand yet"; SKIPPED="senti (no serve subcommand)"
  fi
  if [ -n "$SKIPPED" ]; then SERVERS=$(echo " $SERVERS " | sed 's/ senti / /; s/ senti-nolog / /'); fi
fi

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -ge 2100 ] || die "ulimit -n is $(ulimit -n): need > 2,000 for 1,000 connections"

if [ "$PIN" = split ] && [ "$(nproc)" -ge 2 ]; then
  SRV=(taskset -c "$SERVER_CPUS"); GEN=(taskset -c "$GEN_CPUS")
else
  PIN=none; SRV=(); GEN=()
fi

# --- results folder, request bodies ---------------------------------------------------------
TS=$(date -u +%Y%m%dT%H%M%SZ)
RES=$ROOT/bench/results/load-$TS
mkdir -p "$RES"
python3 - "$LOAD/sentences.txt" "$RES/bodies-en.jsonl" "$LOAD/sentences_zh.txt" "$RES/bodies-zh.jsonl" <<'PY'
import json, sys
for src, dst in ((sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])):
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        for line in f:
            line = line.rstrip("\r\n")
            if line:
                out.write(json.dumps({"text": line}, ensure_ascii=False) + "\n")
PY
{
  echo "started: $TS"
  echo "git: $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD 2>/dev/null || echo ' (dirty)')"
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB, kernel $(uname -r)"
  echo "rustc: $(rustc --version)"
  echo "wrk: $(wrk --version 2>&1 | head -1)"
  echo "oha: $("$OHA" --version)"
  echo "python: $(python3 --version 2>&1)"
  echo "settings: LOAD_SECS=$LOAD_SECS ROUNDS=$ROUNDS SERVERS='$SERVERS' CONNS='$CONNS' RATES='$RATES' WARMUP_SECS=$WARMUP_SECS ZH_SECS=$ZH_SECS OHA_CONNS=$OHA_CONNS WRK_TIMEOUT=$WRK_TIMEOUT QUIET_WAIT=$QUIET_WAIT"
  echo "pinning: $PIN$([ "$PIN" = split ] && echo " (server on CPU $SERVER_CPUS, load generator and sampler on CPU $GEN_CPUS)")"
  echo "skipped: ${SKIPPED:-none}"
  [ -n "${SENTI_BASE_BIN:-}" ] && echo "senti-base: $SENTI_BASE_BIN ($("$SENTI_BASE_BIN" --version 2>/dev/null), sha256 $(sha256sum "$SENTI_BASE_BIN" | cut -c1-16))"
  [ "${NO_BUILD:-0}" = 1 ] && echo "binaries: NO_BUILD=1, existing target/release binaries used as they were (senti built $(date -u -r "$ROOT/target/release/senti" +%FT%TZ 2>/dev/null || echo '?'))"
  for v in fastapi flask; do
    [ -x "$ROOT/bench/.venv-$v/bin/pip" ] && echo "pip freeze .venv-$v: $("$ROOT/bench/.venv-$v/bin/pip" freeze 2>/dev/null | tr '\n' ' ')"
  done
} >"$RES/meta.txt"
python3 - "$RES/meta.json" <<PY
import json, sys
json.dump({"rounds": $ROUNDS, "servers": "$SERVERS".split(), "conns": [int(x) for x in "$CONNS".split()],
           "rates": [int(x) for x in "$RATES".split()], "load_secs": $LOAD_SECS, "pin": "$PIN",
           "skipped": "$SKIPPED", "started": "$TS"}, open(sys.argv[1], "w"), indent=1)
PY
cat "$RES/meta.txt" >&2

# --- one server -------------------------------------------------------------------------------
port_of() { case $1 in hello) echo 8090 ;; senti) echo 8091 ;; fastapi-vader) echo 8092 ;; flask-textblob) echo 8093 ;; senti-nolog) echo 8094 ;; senti-base) echo 8095 ;; *) die "unknown server $1" ;; esac; }
SERVER_PID="" SAMPLER_PID=""

start_server() { # start_server NAME PORT LOGFILE
  local name=$1 port=$2 logf=$3
  case $name in
    hello) "${SRV[@]}" "$ROOT/target/release/senti-bench-hello" --addr "127.0.0.1:$port" >"$logf" 2>&1 & ;;
    senti | senti-nolog | senti-base)
      # defaults: no SENTI_* variable from the caller's environment leaks in
      local unset=() v extra=() bin=$ROOT/target/release/senti
      for v in $(env | sed -n 's/^\(SENTI_[A-Za-z0-9_]*\)=.*/\1/p'); do unset+=(-u "$v"); done
      [ "$name" = senti-nolog ] && extra=(--access-log-sample 0)
      [ "$name" = senti-base ] && bin=$SENTI_BASE_BIN
      env "${unset[@]}" "${SRV[@]}" "$bin" serve --addr "127.0.0.1:$port" "${extra[@]}" >"$logf" 2>&1 & ;;
    fastapi-vader)
      "${SRV[@]}" "$ROOT/bench/.venv-fastapi/bin/uvicorn" --workers 2 --host 127.0.0.1 --port "$port" \
        --app-dir "$LOAD" --log-level warning --no-access-log fastapi_vader:app >"$logf" 2>&1 & ;;
    flask-textblob)
      "${SRV[@]}" "$ROOT/bench/.venv-flask/bin/gunicorn" --workers 2 --bind "127.0.0.1:$port" \
        --chdir "$LOAD" --log-level warning flask_textblob:app >"$logf" 2>&1 & ;;
  esac
  SERVER_PID=$!
}

tree_pids() { # the pid and all its descendants
  local p=$1 c
  echo "$p"
  # shellcheck disable=SC2013  # the children files hold space-separated pids
  for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree_pids "$c"; done
}

stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  local pids p _
  pids=$(tree_pids "$SERVER_PID")
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  for p in $pids; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

stop_sampler() {
  [ -n "$SAMPLER_PID" ] || return 0
  kill -TERM "$SAMPLER_PID" 2>/dev/null || true
  wait "$SAMPLER_PID" 2>/dev/null || true
  SAMPLER_PID=""
}
cleanup() { stop_sampler; stop_server; rm -f "$GEN_TIMES"; }
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

post() { curl -s -m 5 -o "${3:-/dev/null}" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "$2" "$1" || true; }

wait_ready() { # wait_ready URL: up to 60 s for a 200 to a real request
  local _
  for _ in $(seq 1 600); do
    kill -0 "$SERVER_PID" 2>/dev/null || return 1
    [ "$(post "$1" '{"text":"ready?"}')" = 200 ] && return 0
    sleep 0.1
  done
  return 1
}

trim_log() { # keep big server logs (access logs) to their head and tail, with the totals
  local f=$1 lines bytes
  bytes=$(stat -c %s "$f"); lines=$(wc -l <"$f")
  if [ "$bytes" -gt 1000000 ]; then
    { head -n 50 "$f"; echo "... [trimmed by run.sh: $lines lines, $bytes bytes in all] ..."; tail -n 50 "$f"; } >"$f.trim"
    mv "$f.trim" "$f"
  fi
}

wrk_run() { # wrk_run OUTFILE CONNS SECS URL SENTENCES
  "${GEN[@]}" wrk -t2 -c"$2" -d"$3"s --timeout "$WRK_TIMEOUT" --latency -s "$LOAD/rotate.lua" "$4" -- "$5" >"$1" 2>&1 || true
}

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { # user+system clock ticks used so far by the server's process tree
  local p t=0 v
  for p in $(tree_pids "$SERVER_PID"); do
    v=$(sed 's/^.*) //' /proc/"$p"/stat 2>/dev/null | awk '{print $12 + $13}') || true
    t=$((t + ${v:-0}))
  done
  echo "$t"
}
sys_ticks() { # machine-wide user+nice+system ticks, and steal ticks (a VM's host taking the CPU)
  awk '/^cpu /{print $2 + $3 + $4, $9}' /proc/stat
}
GEN_TIMES=$(mktemp)
gen_from_file() { # CPU seconds of this shell's reaped children (the load generators), from `times`
  # saved to $GEN_TIMES by this shell itself: in a subshell, `times` knows nothing of its parent's children
  sed -n 2p "$GEN_TIMES" | awk '{
    s = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } printf "%.3f", s }'
}
measure() { # measure CPUFILE PHASE CMD...: runs CMD, appends the CPU used during it by the server,
  #   by the load generator and by everything on the machine (to tell other work apart)
  local f=$1 phase=$2 c0 t0 c1 t1 m0 m1 g0 g1
  shift 2
  c0=$(cpu_ticks); m0=$(sys_ticks); t0=$(date +%s.%N); times >"$GEN_TIMES"; g0=$(gen_from_file)
  "$@" || true
  times >"$GEN_TIMES"; c1=$(cpu_ticks); m1=$(sys_ticks); t1=$(date +%s.%N); g1=$(gen_from_file)
  echo "$phase $((c1 - c0)) $CLK_TCK $t0 $t1 $(( ${m1% *} - ${m0% *} )) $(( ${m1#* } - ${m0#* } )) $g0 $g1" >>"$f"
}
busy_pct() { # share of all CPUs busy over the next second (other work on the machine skews results)
  python3 - <<'PY'
import time
def rd():
    f = open("/proc/stat").readline().split()[1:]
    v = list(map(int, f)); return sum(v), v[3] + v[4]
a = rd(); time.sleep(1); b = rd()
print(round(100 * (1 - (b[1] - a[1]) / max(1, b[0] - a[0]))))
PY
}

run_server() { # run_server ROUND NAME
  local r=$1 name=$2 port url pre c q
  port=$(port_of "$name"); url=http://127.0.0.1:$port/analyze; pre=$RES/r$r-$name
  if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then die "port $port is already in use"; fi
  local busy waited=0
  busy=$(busy_pct)
  while [ "$busy" -gt 10 ] && [ "$waited" -lt "$QUIET_WAIT" ]; do # wait for other work to finish
    [ "$waited" = 0 ] && log "  the machine is ${busy}% busy with other work; waiting up to ${QUIET_WAIT}s for it to calm down"
    busy=$(busy_pct); waited=$((waited + 1))
  done
  echo "busy_before_start_pct $busy" >"$pre-cpu.txt"
  echo "# phase server_cpu_ticks clk_tck t0 t1 machine_user_nice_system_ticks machine_steal_ticks generator_cpu_s_before generator_cpu_s_after" >>"$pre-cpu.txt"
  [ "$busy" -le 10 ] || log "  WARNING: the machine was ${busy}% busy just before this run: other work skews the numbers"
  log "round $r: $name on 127.0.0.1:$port"
  start_server "$name" "$port" "$pre-server.log"
  if ! wait_ready "$url"; then
    log "  $name did not become ready; see $pre-server.log"; tail -n 20 "$pre-server.log" >&2 || true
    stop_server; echo "not ready" >"$pre-failed.txt"; return 0
  fi
  "${GEN[@]}" python3 "$LOAD/rss_sampler.py" "$SERVER_PID" "$pre-rss.txt" 0.1 &
  SAMPLER_PID=$!
  post "$url" '{"text":"The service is great, I love it :)"}' "$pre-sample-en.json" >/dev/null
  post "$url" '{"text":"哈哈哈这波操作绝了，666"}' "$pre-sample-zh.json" >/dev/null
  log "  warm-up ${WARMUP_SECS}s"
  measure "$pre-cpu.txt" warmup wrk_run "$pre-warmup.txt" 100 "$WARMUP_SECS" "$url" "$LOAD/sentences.txt"
  for c in $CONNS; do
    sleep 1; log "  wrk closed loop, $c connections, ${LOAD_SECS}s"
    measure "$pre-cpu.txt" "wrk-c$c" wrk_run "$pre-wrk-c$c.txt" "$c" "$LOAD_SECS" "$url" "$LOAD/sentences.txt"
    grep -E 'Requests/sec|Non-2xx|Socket errors' "$pre-wrk-c$c.txt" | sed 's/^/    /' >&2 || true
  done
  for q in $RATES; do
    sleep 1; log "  oha open loop, $q req/s, ${LOAD_SECS}s"
    measure "$pre-cpu.txt" "oha-q$q" "${GEN[@]}" "$OHA" -z "${LOAD_SECS}s" -q "$q" --latency-correction -c "$OHA_CONNS" -m POST \
      -T application/json -Z "$RES/bodies-en.jsonl" --no-tui --output-format json \
      -o "$pre-oha-q$q.json" "$url" >"$pre-oha-q$q.log" 2>&1
    [ -s "$pre-oha-q$q.log" ] || rm -f "$pre-oha-q$q.log"
  done
  sleep 1; log "  Chinese requests, ${ZH_SECS}s"
  measure "$pre-cpu.txt" wrk-zh wrk_run "$pre-wrk-zh.txt" 100 "$ZH_SECS" "$url" "$LOAD/sentences_zh.txt"
  sleep 0.5
  stop_sampler
  tail -n 3 "$pre-rss.txt" | sed 's/^/    /' >&2
  stop_server
  trim_log "$pre-server.log"
  sleep 2
}

for r in $(seq 1 "$ROUNDS"); do
  for s in $SERVERS; do run_server "$r" "$s"; done
done
rm -f "$RES/bodies-en.jsonl" "$RES/bodies-zh.jsonl"   # derived from the committed sentence files
log "raw output: ${RES#"$ROOT"/}"
python3 "$LOAD/summarise.py" "$RES"
