#!/usr/bin/env bash
# The fuzzing smoke test for CI (issue 14): builds every target with nightly and runs each
# over its committed corpus (fuzz/corpus/<target>/) for a few seconds more of fuzzing.
# Exits non-zero on any crash (or a failed build); prints each phase's time. Nothing in the
# repository is changed: new corpus entries and artifacts go to a temporary folder.
#
#   scripts/fuzz/smoke.sh            # FUZZ_SMOKE_SECONDS per target, default 15
#
# Needs the nightly toolchain only (cargo-fuzz is not used); builds into fuzz/target.
set -uo pipefail
if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "$(basename "$0"): the nightly toolchain is not installed (rustup toolchain install nightly)" >&2
    exit 2
fi
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SECS=${FUZZ_SMOKE_SECONDS:-15}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

t0=$(date +%s)
echo "== fuzz smoke: building (nightly, $TRIPLE)"
if ! fuzz_build 2>&1 | tail -n 3; then
    echo "fuzz smoke: build failed" >&2
    exit 2
fi
echo "== build: $(($(date +%s) - t0)) s"

failed=()
for t in "${FUZZ_TARGETS_ALL[@]}"; do
    s0=$(date +%s)
    mkdir -p "$TMP/$t/corpus" "$TMP/$t/artifacts"
    "$FUZZ_BIN_DIR/$t" -max_total_time="$SECS" -max_len=4096 -timeout=20 -rss_limit_mb=4096 \
        -print_final_stats=1 -artifact_prefix="$TMP/$t/artifacts/" $(fuzz_target_flags "$t") \
        "$TMP/$t/corpus" "$FUZZ_DIR/corpus/$t" >"$TMP/$t.log" 2>&1
    rc=$?
    execs=$(fuzz_execs "$TMP/$t.log")
    if [ "$rc" -ne 0 ]; then
        failed+=("$t")
        echo "== $t: CRASHED (exit $rc) after $execs executions, $(($(date +%s) - s0)) s"
        grep -m1 -A30 -E '^(==[0-9]+==ERROR|thread .* panicked)' "$TMP/$t.log" || tail -n 40 "$TMP/$t.log"
        for a in "$TMP/$t/artifacts"/*; do
            [ -f "$a" ] && echo "   input ($a): $(head -c 300 "$a" | od -An -c | head -n 8)"
        done
    else
        echo "== $t: $execs executions, $(($(date +%s) - s0)) s, no crash"
    fi
done
echo "== fuzz smoke: $(($(date +%s) - t0)) s in all"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz smoke FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz smoke: all ${#FUZZ_TARGETS_ALL[@]} targets ran without a crash"
