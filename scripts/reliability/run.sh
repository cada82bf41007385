#!/usr/bin/env bash
# Runs the reliability scripts; each writes its row to bench/results/reliability/<name>.json
# (not with --fast) and exits non-zero when its goal did not hold. Then report.py rebuilds
# RELIABILITY.md.
#
#   bash scripts/reliability/run.sh            # every script (the soak excepted: soak.py)
#   bash scripts/reliability/run.sh --fast     # the ones CI runs (about a minute)
#
# SENTI_BIN: the binary (default target/debug/senti, built if missing; the committed rows come
# from target/release/senti). NO_REPORT=1: leave RELIABILITY.md alone.
set -uo pipefail
cd "$(dirname "$0")/../.."

FAST=0
[ "${1:-}" = "--fast" ] && FAST=1
export SENTI_BIN=${SENTI_BIN:-target/debug/senti}
if [ ! -x "$SENTI_BIN" ]; then
  cargo build -p senti-cli --bin senti || exit 1
fi
VENV=.venv-reliability
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r scripts/reliability/requirements.txt || exit 1
PY="$VENV/bin/python"
if [ -z "${ORT_DYLIB_PATH:-}" ]; then
  ORT_DYLIB_PATH=$(bash scripts/ort-env.sh) || exit 1
  export ORT_DYLIB_PATH
fi

# Fast: bounded to seconds each. The rest measures latencies and wants a release binary.
fast=(refusals.py sigterm.py model_reload.py redis_nats.py disk_full.py log_secrets.py)
slow=(slowloris.py flood.py)
scripts=("${fast[@]}")
[ "$FAST" = 1 ] || scripts+=("${slow[@]}")

# CI's fast run checks the goals but leaves the committed rows (from a release binary) alone.
row_args=()
[ "$FAST" = 1 ] && row_args=(--no-row)
failed=()
for s in "${scripts[@]}"; do
  t0=$(date +%s)
  echo "--- $s ($SENTI_BIN)"
  if ! "$PY" "scripts/reliability/$s" "${row_args[@]}"; then
    failed+=("$s")
  fi
  echo "--- $s took $(( $(date +%s) - t0 ))s"
done
if [ "${NO_REPORT:-0}" != 1 ] && [ "$FAST" = 0 ]; then
  "$PY" scripts/reliability/report.py
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "reliability: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "reliability: all ${#scripts[@]} passed"
