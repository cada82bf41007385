#!/usr/bin/env bash
# Model-serving benchmark, side by side in one run on one machine (never part of CI):
#   senti   `senti serve --model-repo REPO --model NAME --model-threads THREADS --device cpu`
#   peer    bench/models/peer.py: FastAPI + onnxruntime 1.31.1 + tokenizers under uvicorn,
#           serving the same model directory with the same thread count, one inference per request
#   cascade (only when SERVERS names it) senti as above plus --cascade: the lexicon answers the
#           texts it is sure of, the model the rest; summarised against senti (model-only)
# For ROUNDS rounds, both servers in turn (the order alternates from round to round): start it,
# check its answers, warm it up, closed loop with oha at each concurrency of CONCS for LOAD_SECS
# each, peak RSS over its process tree, stop it. Request bodies {"text": ..., "model": NAME}
# rotate over bench/load/sentences.txt (the peer ignores "model"). Raw output in
# bench/results/models-<UTC time>/, then summarise.py writes summary.md (median over rounds,
# senti/peer ratios, goals: >= 1.3x the peer's throughput at concurrency 64 with no worse P99,
# parity at concurrency 1).
#
#   usage: MODEL_DIR=models/en-minilm/1 bench/models/run.sh
#          MODEL_REPO=models MODEL_NAME=en-minilm bench/models/run.sh
#   env:   MODEL_DIR           the model directory the peer serves; senti gets
#                              --model-repo "$(dirname MODEL_DIR)" --model "$(basename MODEL_DIR)"
#          MODEL_REPO, MODEL_NAME   instead of MODEL_DIR: senti's two flags as they are; the peer
#                              serves REPO/NAME, or REPO/NAME/<last version folder> when REPO/NAME
#                              holds no config.json (PEER_MODEL_DIR overrides)
#          THREADS=1           onnxruntime intra-op threads, both servers
#          PEER_WORKERS=1      uvicorn workers;   PEER_HANDLER=async (or thread, see peer.py)
#          LOAD_SECS=10        seconds per load point;   CONCS="1 16 64"  closed-loop concurrencies
#          ROUNDS=3            rounds (the servers alternate within each round)
#          NO_SENTI=1          run only the peer (while the Rust side is unfinished)
#          SERVERS="senti peer"   subset/order of the first round ("senti cascade": model-only
#                              against the cascade, both with the same SENTI_ARGS)
#          SENTI_ARGS=""       extra flags for senti and cascade (e.g. "--cache-models false": the
#                              bodies repeat, and a cached answer measures the cache, not the model)
#          SENTENCES=bench/load/sentences.txt   request texts, one a line (bench/load/sentences_zh.txt
#                              for a Chinese model)
#          WARMUP_SECS=3  CHECK_N=50 (sentences whose answers are saved and compared)
#          PIN=split           split: servers on SERVER_CPUS, load generator + RSS sampler on
#                              GEN_CPUS (needs >= 2 CPUs); none: no pinning
#          SERVER_CPUS=0 GEN_CPUS=1
#          NO_BUILD=1          use the existing target/release/senti (no cargo build)
#          ORT_DYLIB_PATH      for senti; default: the peer venv's libonnxruntime.so.1.31.1, so
#                              both servers run the very same ONNX Runtime build
#          QUIET_WAIT=60       before each server, wait up to this many seconds for the machine
#                              to be idle (other work on it skews every number; the summary warns)
# Needs: cargo, python3 (venv), curl; installs oha (cargo, into bench/.tools, as bench/load/run.sh).
# Targets only 127.0.0.1; every load run is bounded by LOAD_SECS.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
HERE=$ROOT/bench/models
LOAD=$ROOT/bench/load

LOAD_SECS=${LOAD_SECS:-10}
ROUNDS=${ROUNDS:-3}
CONCS=${CONCS:-"1 16 64"}
THREADS=${THREADS:-1}
PEER_WORKERS=${PEER_WORKERS:-1}
PEER_HANDLER=${PEER_HANDLER:-async}
WARMUP_SECS=${WARMUP_SECS:-3}
CHECK_N=${CHECK_N:-50}
PIN=${PIN:-split}
SERVER_CPUS=${SERVER_CPUS:-0}
GEN_CPUS=${GEN_CPUS:-1}
OHA_VERSION=${OHA_VERSION:-1.16.0}
QUIET_WAIT=${QUIET_WAIT:-60}
SENTENCES=${SENTENCES:-$LOAD/sentences.txt}
[ -f "$SENTENCES" ] || { echo "no sentence file $SENTENCES" >&2; exit 1; }
if [ "${NO_SENTI:-0}" = 1 ]; then SERVERS=${SERVERS:-peer}; else SERVERS=${SERVERS:-"senti peer"}; fi
if [ "${NO_SENTI:-0}" = 1 ]; then SERVERS=$(echo " $SERVERS " | sed 's/ senti / /g' | xargs); fi

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- the model ---------------------------------------------------------------------------------
abspath() { (cd "$1" && pwd); }
if [ -n "${MODEL_DIR:-}" ]; then
  [ -d "$MODEL_DIR" ] || die "MODEL_DIR $MODEL_DIR is not a directory"
  MODEL_DIR=$(abspath "$MODEL_DIR")
  MODEL_REPO=${MODEL_REPO:-$(dirname "$MODEL_DIR")}
  MODEL_NAME=${MODEL_NAME:-$(basename "$MODEL_DIR")}
elif [ -n "${MODEL_REPO:-}" ] && [ -n "${MODEL_NAME:-}" ]; then
  [ -d "$MODEL_REPO/$MODEL_NAME" ] || die "no $MODEL_REPO/$MODEL_NAME"
  MODEL_DIR=$(abspath "$MODEL_REPO/$MODEL_NAME")
  if [ ! -f "$MODEL_DIR/config.json" ]; then # a folder of versions: the last one
    v=$(find "$MODEL_DIR" -mindepth 2 -maxdepth 2 -name config.json -printf '%h\n' | sort -V | tail -n 1)
    [ -n "$v" ] || die "no config.json in $MODEL_DIR nor in its subfolders"
    MODEL_DIR=$v
  fi
else
  die "set MODEL_DIR (a model directory), or MODEL_REPO and MODEL_NAME (see the head of $0)"
fi
MODEL_REPO=$(abspath "$MODEL_REPO")
PEER_MODEL_DIR=${PEER_MODEL_DIR:-$MODEL_DIR}
for f in config.json tokenizer.json; do [ -f "$PEER_MODEL_DIR/$f" ] || die "no $f in $PEER_MODEL_DIR"; done
[ -f "$PEER_MODEL_DIR/model.onnx" ] || [ -f "$PEER_MODEL_DIR/model_quantized.onnx" ] \
  || die "no model.onnx nor model_quantized.onnx in $PEER_MODEL_DIR"

# --- tools -------------------------------------------------------------------------------------
OHA=""
if command -v oha >/dev/null; then OHA=$(command -v oha)
elif [ -x "$ROOT/bench/.tools/bin/oha" ]; then OHA=$ROOT/bench/.tools/bin/oha
elif apt-cache policy oha 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  log "installing oha (apt)"
  if [ "$(id -u)" = 0 ]; then apt-get install -y oha >/dev/null; else sudo apt-get install -y oha >/dev/null; fi
  OHA=$(command -v oha)
else
  log "installing oha $OHA_VERSION (cargo install --locked into bench/.tools; takes a few minutes, once)"
  cargo install "oha@$OHA_VERSION" --locked --root "$ROOT/bench/.tools" >/dev/null 2>&1 \
    || die "cargo install oha failed"
  OHA=$ROOT/bench/.tools/bin/oha
fi
command -v taskset >/dev/null || PIN=none
command -v curl >/dev/null || die "curl is needed"

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
# the peer's venv also provides the ONNX Runtime library senti dlopens
venv "$ROOT/bench/.venv-peer" "$HERE/requirements-peer.txt"
PEER_PY=$ROOT/bench/.venv-peer/bin/python
ORT_LIB=$("$PEER_PY" - <<'PY'
import glob, os, onnxruntime
libs = sorted(glob.glob(os.path.join(os.path.dirname(onnxruntime.__file__), "capi", "libonnxruntime.so*")))
print(libs[-1] if libs else "")
PY
)
export ORT_DYLIB_PATH=${ORT_DYLIB_PATH:-$ORT_LIB}

# --- the Rust server ---------------------------------------------------------------------------
SKIPPED=""
if want senti || want cascade; then
  if [ "${NO_BUILD:-0}" != 1 ]; then
    log "building senti-cli (release)"
    cargo build --release -q -p senti-cli || { log "SKIPPING senti: cargo build -p senti-cli failed"; SKIPPED="senti (build failed)"; }
  fi
  if [ -z "$SKIPPED" ]; then
    help=$("$ROOT/target/release/senti" serve --help 2>&1 || true)
    case $help in
      *--model-repo*) ;;
      *) log "SKIPPING senti: target/release/senti serve has no --model-repo flag yet (NO_SENTI=1 runs only the peer)"
         SKIPPED="senti (no 'serve --model-repo')" ;;
    esac
  fi
  if [ -n "$SKIPPED" ]; then SERVERS=$(echo " $SERVERS " | sed 's/ senti / /g' | xargs); fi
fi
[ -n "$SERVERS" ] || die "no server left to run"

if [ "$PIN" = split ] && [ "$(nproc)" -ge 2 ]; then
  SRV=(taskset -c "$SERVER_CPUS"); GEN=(taskset -c "$GEN_CPUS")
  n_srv=$(taskset -c "$SERVER_CPUS" nproc 2>/dev/null || echo 1)
  [ "$THREADS" -le "$n_srv" ] || log "WARNING: THREADS=$THREADS but the servers are pinned to $n_srv CPU(s) ($SERVER_CPUS)"
else
  PIN=none; SRV=(); GEN=()
fi

# --- results folder, request bodies -----------------------------------------------------------
TS=$(date -u +%Y%m%dT%H%M%SZ)
RES=$ROOT/bench/results/models-$TS
mkdir -p "$RES"
python3 - "$SENTENCES" "$RES/bodies.jsonl" "$MODEL_NAME" <<'PY'
import json, sys
src, dst, model = sys.argv[1:4]
with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
    for line in f:
        line = line.rstrip("\r\n")
        if line:
            out.write(json.dumps({"text": line, "model": model}, ensure_ascii=False) + "\n")
PY
{
  echo "started: $TS"
  echo "git: $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD 2>/dev/null || echo ' (dirty)')"
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB, kernel $(uname -r)"
  echo "model: repo $MODEL_REPO, name $MODEL_NAME; peer serves $PEER_MODEL_DIR ($(cd "$PEER_MODEL_DIR" && ls model.onnx 2>/dev/null || ls model_quantized.onnx), $(du -sh "$PEER_MODEL_DIR" | cut -f1))"
  echo "rustc: $(rustc --version 2>/dev/null || echo '?')"
  echo "oha: $("$OHA" --version)"
  echo "python: $("$PEER_PY" --version 2>&1)"
  echo "onnxruntime: $ORT_DYLIB_PATH (senti's ORT_DYLIB_PATH); peer: onnxruntime $("$PEER_PY" -c 'import onnxruntime; print(onnxruntime.__version__)')"
  echo "senti args: ${SENTI_ARGS:-none}"
  echo "settings: THREADS=$THREADS PEER_WORKERS=$PEER_WORKERS PEER_HANDLER=$PEER_HANDLER LOAD_SECS=$LOAD_SECS ROUNDS=$ROUNDS CONCS='$CONCS' SERVERS='$SERVERS' WARMUP_SECS=$WARMUP_SECS QUIET_WAIT=$QUIET_WAIT"
  echo "pinning: $PIN$([ "$PIN" = split ] && echo " (servers on CPU $SERVER_CPUS, load generator and sampler on CPU $GEN_CPUS)")"
  echo "skipped: ${SKIPPED:-none}"
  [ "${NO_BUILD:-0}" = 1 ] && echo "binaries: NO_BUILD=1, existing target/release/senti used as it was (built $(date -u -r "$ROOT/target/release/senti" +%FT%TZ 2>/dev/null || echo '?'))"
  echo "pip freeze .venv-peer: $("$ROOT/bench/.venv-peer/bin/pip" freeze 2>/dev/null | tr '\n' ' ')"
} >"$RES/meta.txt"
python3 - "$RES/meta.json" "$ROUNDS" "$SERVERS" "$CONCS" "$LOAD_SECS" "$PIN" "$SKIPPED" "$TS" "$THREADS" \
  "$PEER_WORKERS" "$MODEL_NAME" "$PEER_MODEL_DIR" "${SENTENCES#"$ROOT"/}" <<'PY'
import json, sys
a = sys.argv[2:]
json.dump({"rounds": int(a[0]), "servers": a[1].split(), "concs": [int(x) for x in a[2].split()],
           "load_secs": float(a[3]), "pin": a[4], "skipped": a[5], "started": a[6],
           "threads": int(a[7]), "peer_workers": int(a[8]), "model": a[9], "model_dir": a[10],
           "sentences": a[11]},
          open(sys.argv[1], "w"), indent=1)
PY
cat "$RES/meta.txt" >&2

# --- one server --------------------------------------------------------------------------------
port_of() { case $1 in senti) echo 8191 ;; peer) echo 8192 ;; cascade) echo 8193 ;; *) die "unknown server $1" ;; esac; }
SERVER_PID="" SAMPLER_PID=""

start_server() { # start_server NAME PORT LOGFILE
  local name=$1 port=$2 logf=$3
  case $name in
    senti|cascade)
      # defaults: no SENTI_* variable from the caller's environment leaks in
      local unset=() v extra
      for v in $(env | sed -n 's/^\(SENTI_[A-Za-z0-9_]*\)=.*/\1/p'); do unset+=(-u "$v"); done
      read -r -a extra <<<"${SENTI_ARGS:-}"
      [ "$name" = cascade ] && extra+=(--cascade)
      env "${unset[@]}" "${SRV[@]}" "$ROOT/target/release/senti" serve --addr "127.0.0.1:$port" \
        --model-repo "$MODEL_REPO" --model "$MODEL_NAME" --model-threads "$THREADS" --device cpu \
        "${extra[@]}" >"$logf" 2>&1 & ;;
    peer)
      env PEER_MODEL_DIR="$PEER_MODEL_DIR" PEER_THREADS="$THREADS" PEER_HANDLER="$PEER_HANDLER" \
        "${SRV[@]}" "$ROOT/bench/.venv-peer/bin/uvicorn" --workers "$PEER_WORKERS" --host 127.0.0.1 \
        --port "$port" --app-dir "$HERE" --log-level warning --no-access-log peer:app >"$logf" 2>&1 & ;;
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
GEN_TIMES=$(mktemp)
cleanup() { stop_sampler; stop_server; rm -f "$GEN_TIMES"; }
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

post() { curl -s -m 10 -o "${3:-/dev/null}" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "$2" "$1" || true; }

READY_BODY=$(python3 -c 'import json, sys; print(json.dumps({"text": "ready?", "model": sys.argv[1]}))' "$MODEL_NAME")
wait_ready() { # wait_ready URL: up to 120 s (model loading) for a 200 to a real request
  local _
  for _ in $(seq 1 1200); do
    kill -0 "$SERVER_PID" 2>/dev/null || return 1
    [ "$(post "$1" "$READY_BODY")" = 200 ] && return 0
    sleep 0.1
  done
  return 1
}

check_answers() { # check_answers URL OUTFILE: the answers to the first CHECK_N bodies, one JSON a line
  python3 - "$1" "$2" "$RES/bodies.jsonl" "$CHECK_N" <<'PY'
import json, sys, urllib.request
url, out, bodies, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with open(bodies, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as o:
    for i, line in enumerate(f):
        if i >= n:
            break
        req = urllib.request.Request(url, data=line.strip().encode(), headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                o.write(json.dumps({"status": r.status, "answer": json.load(r)}, ensure_ascii=False) + "\n")
        except Exception as e:  # noqa: BLE001 - recorded, the summary counts it
            o.write(json.dumps({"status": getattr(e, "code", None), "error": str(e)}) + "\n")
PY
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
sys_ticks() { awk '/^cpu /{print $2 + $3 + $4, $9}' /proc/stat; }
gen_from_file() { # CPU seconds of this shell's reaped children (the load generator), from `times`
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
busy_pct() { # share of all CPUs busy over the next second
  python3 - <<'PY'
import time
def rd():
    f = open("/proc/stat").readline().split()[1:]
    v = list(map(int, f)); return sum(v), v[3] + v[4]
a = rd(); time.sleep(1); b = rd()
print(round(100 * (1 - (b[1] - a[1]) / max(1, b[0] - a[0]))))
PY
}

oha_run() { # oha_run OUTFILE CONCURRENCY SECS URL: closed loop (no rate), bodies rotating
  "${GEN[@]}" "$OHA" -z "${3}s" -c "$2" -m POST -T application/json -Z "$RES/bodies.jsonl" \
    --no-tui --output-format json -o "$1" "$4" >"$1.log" 2>&1 || true
  [ -s "$1.log" ] || rm -f "$1.log"
}

run_server() { # run_server ROUND NAME
  local r=$1 name=$2 port url pre c
  port=$(port_of "$name"); url=http://127.0.0.1:$port/v1/sentiment; pre=$RES/r$r-$name
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
  local t_start t_ready
  t_start=$(date +%s.%N)
  start_server "$name" "$port" "$pre-server.log"
  if ! wait_ready "$url"; then
    log "  $name did not become ready; see $pre-server.log"; tail -n 20 "$pre-server.log" >&2 || true
    stop_server; echo "not ready" >"$pre-failed.txt"; return 0
  fi
  t_ready=$(date +%s.%N)
  echo "ready_s $(python3 -c "print(round($t_ready - $t_start, 3))")" >"$pre-startup.txt"
  "${GEN[@]}" python3 "$LOAD/rss_sampler.py" "$SERVER_PID" "$pre-rss.txt" 0.1 &
  SAMPLER_PID=$!
  check_answers "$url" "$pre-answers.jsonl"
  log "  warm-up ${WARMUP_SECS}s"
  measure "$pre-cpu.txt" warmup oha_run "$pre-warmup.json" 16 "$WARMUP_SECS" "$url"
  for c in $CONCS; do
    sleep 1; log "  oha closed loop, concurrency $c, ${LOAD_SECS}s"
    measure "$pre-cpu.txt" "c$c" oha_run "$pre-oha-c$c.json" "$c" "$LOAD_SECS" "$url"
    python3 - "$pre-oha-c$c.json" <<'PY' >&2 || true
import json, sys
d = json.load(open(sys.argv[1])); s = d["summary"]; p = d.get("latencyPercentiles") or {}
ok = sum(n for k, n in (d.get("statusCodeDistribution") or {}).items() if k.startswith("2"))
print(f"    {ok / s['total']:.1f} req/s, P50 {1000 * (p.get('p50') or 0):.2f} ms, P99 {1000 * (p.get('p99') or 0):.2f} ms, 2xx {ok}")
PY
  done
  sleep 0.5
  stop_sampler
  tail -n 3 "$pre-rss.txt" | sed 's/^/    /' >&2
  stop_server
  sleep 2
}

for r in $(seq 1 "$ROUNDS"); do
  order=$SERVERS
  [ $((r % 2)) = 0 ] && order=$(echo "$SERVERS" | awk '{for (i = NF; i > 0; i--) printf "%s%s", $i, (i > 1 ? " " : "")}')
  for s in $order; do run_server "$r" "$s"; done
done
rm -f "$RES/bodies.jsonl"   # derived from the committed sentence file
log "raw output: ${RES#"$ROOT"/}"
python3 "$HERE/summarise.py" "$RES"
