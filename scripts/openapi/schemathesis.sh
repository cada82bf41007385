#!/usr/bin/env bash
# Checks that GET /openapi.json is exact: schemathesis (pinned in requirements.txt) runs every
# check (`--checks all`) against a senti with default settings on a free loopback port, with a
# fixed seed and a bounded number of examples per operation. Exits non-zero on any failure.
#
#   bash scripts/openapi/schemathesis.sh
#
# SENTI_BIN: the binary (default target/debug/senti, built with cargo if missing).
# SEED (default 13), MAX_EXAMPLES (default 50), WORKERS (default 1). One worker: with two, the
# workers' threads race in CPython 3.11's ast.parse (hypothesis describes its strategies' lambdas
# with it) and a run can end in "SystemError: AST constructor recursion depth mismatch"
# (python/cpython#106905), a Runtime Error that is not a finding about senti.
set -euo pipefail
cd "$(dirname "$0")/../.."

START=$(date +%s)
BIN=${SENTI_BIN:-target/debug/senti}
VENV=.venv-schemathesis

[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r scripts/openapi/requirements.txt
if [ ! -x "$BIN" ]; then
  cargo build -p senti-cli --bin senti
fi

LOG=$(mktemp)
PID=
stop() {
  if [ -n "$PID" ]; then
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  rm -f "$LOG"
}
trap stop EXIT

# Default settings: no SENTI_* variable of this shell reaches the server. Port 0: the kernel
# picks a free port, read back from the "listening" log line.
unset_senti=()
for v in $(compgen -e); do
  case $v in SENTI_*) unset_senti+=(-u "$v") ;; esac
done
env "${unset_senti[@]}" "$BIN" serve --addr 127.0.0.1:0 --grpc-addr off >"$LOG" 2>&1 &
PID=$!

ADDR=
for _ in $(seq 100); do
  ADDR=$(grep -m1 listening "$LOG" | grep -oE '127\.0\.0\.1:[0-9]+' | head -1 || true)
  [ -n "$ADDR" ] && break
  kill -0 "$PID" 2>/dev/null || { cat "$LOG" >&2; echo "senti exited before listening" >&2; exit 1; }
  sleep 0.1
done
[ -n "$ADDR" ] || { cat "$LOG" >&2; echo "senti did not report its address" >&2; exit 1; }

"$VENV/bin/python" - "http://$ADDR/readyz" <<'EOF'
import sys, time, urllib.request
for _ in range(100):
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=1) as r:
            if r.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.1)
sys.exit(f"{sys.argv[1]} did not answer 200")
EOF
echo "senti $("$BIN" --version 2>/dev/null | awk '{print $NF}') at http://$ADDR"

rc=0
SCHEMATHESIS_HOOKS=scripts/openapi/hooks.py "$VENV/bin/schemathesis" \
  --config-file scripts/openapi/schemathesis.toml --no-color \
  run "http://$ADDR/openapi.json" \
  --checks all \
  --seed "${SEED:-13}" \
  --max-examples "${MAX_EXAMPLES:-50}" \
  --workers "${WORKERS:-1}" || rc=$?
echo "schemathesis exit status $rc, $(( $(date +%s) - START ))s in all"
exit "$rc"
