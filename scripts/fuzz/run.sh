#!/usr/bin/env bash
# Fuzzes every target (or the ones named) for a bounded time, one after another, and records
# what each did (issue 14): per target the executions libFuzzer counted and whether it
# crashed, in bench/results/fuzz-<UTC time>/summary.tsv beside each target's raw log. Then
# minimizes each corpus (libFuzzer's -merge=1, what `cargo fuzz cmin` runs) back into
# fuzz/corpus/<target>/, ready to commit.
#
#   scripts/fuzz/run.sh [TARGET...]
#
# Environment: FUZZ_SECONDS (per target, default 300), FUZZ_RUNS (stop after this many
# executions instead, if sooner), FUZZ_MAX_LEN (default 4096 bytes), FUZZ_MINIMIZE=0 (leave
# fuzz/corpus alone), FUZZ_SANITIZER (address, or none for speed), FUZZ_RESULTS (the results
# folder), FUZZ_JOBS (targets at a time, default 1). Needs the nightly toolchain (`rustup toolchain install nightly`); not cargo-fuzz.
# A crash leaves its input in fuzz/artifacts/<target>/ and the script exits 1.
set -uo pipefail
if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "$(basename "$0"): the nightly toolchain is not installed (rustup toolchain install nightly)" >&2
    exit 2
fi
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SECONDS_EACH=${FUZZ_SECONDS:-300}
MAX_LEN=${FUZZ_MAX_LEN:-4096}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=${FUZZ_RESULTS:-$ROOT/bench/results/fuzz-$STAMP}
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${FUZZ_TARGETS_ALL[@]}")
mkdir -p "$RESULTS"

t0=$(date +%s)
echo "== building ${TARGETS[*]} (nightly, $TRIPLE)"
if ! fuzz_build "${TARGETS[@]}" 2>&1 | tail -n 3; then
    echo "fuzz build failed" >&2
    exit 2
fi
echo "== built in $(($(date +%s) - t0)) s"

{
    echo "# senti fuzz run $STAMP: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '+dirty')"
    echo "# $(rustc +nightly --version); sanitizer ${FUZZ_SANITIZER:-address}; $(nproc) cores"
    printf 'target\tseconds\texecutions\tcrashes\texit\tcorpus_files\tcommand\n'
} >"$RESULTS/summary.tsv"

# fuzz_one TARGET: fuzzes it, minimizes its corpus, writes its summary row to $RESULTS/TARGET.row.
fuzz_one() {
    local t=$1
    local bin="$FUZZ_BIN_DIR/$t" seeds="$FUZZ_DIR/corpus/$t" work="$FUZZ_TARGET_DIR/corpus-work/$t"
    local arts="$FUZZ_DIR/artifacts/$t"
    mkdir -p "$seeds" "$work" "$arts"
    local before
    before=$(find "$arts" -type f | wc -l)
    local args=(-max_total_time="$SECONDS_EACH" -max_len="$MAX_LEN" -timeout=20 -rss_limit_mb=4096
        -print_final_stats=1 -artifact_prefix="$arts/" $(fuzz_target_flags "$t"))
    [ -z "${FUZZ_RUNS:-}" ] || args+=(-runs="$FUZZ_RUNS")
    local cmd="$bin ${args[*]} $work $seeds"
    cmd=${cmd//$ROOT\//}
    echo "== $t: $cmd"
    local s0 rc secs execs crashes files
    s0=$(date +%s)
    "$bin" "${args[@]}" "$work" "$seeds" >"$RESULTS/$t.log" 2>&1
    rc=$?
    secs=$(($(date +%s) - s0))
    execs=$(fuzz_execs "$RESULTS/$t.log")
    crashes=$(($(find "$arts" -type f | wc -l) - before))
    # A non-zero exit without an artifact (a crash outside an input) still counts.
    [ "$rc" -eq 0 ] || [ "$crashes" -gt 0 ] || crashes=1
    files=$(find "$work" "$seeds" -type f | wc -l)
    if [ "${FUZZ_MINIMIZE:-1}" = 1 ] && [ "$crashes" -eq 0 ]; then
        if ! fuzz_minimize "$t" "$seeds" "$work" >"$RESULTS/$t.merge.log" 2>&1; then
            echo "   $t: merge failed (see $t.merge.log); fuzz/corpus/$t left as it was"
        fi
        files=$(find "$seeds" -type f | wc -l)
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$secs" "$execs" "$crashes" "$rc" "$files" "$cmd" \
        >"$RESULTS/$t.row"
    if [ "$crashes" -gt 0 ]; then
        echo "   $t CRASHED: $crashes new artifact(s) in fuzz/artifacts/$t/; see ${RESULTS#"$ROOT"/}/$t.log"
    else
        echo "   $t: $execs executions in $secs s, no crash; corpus $files files"
    fi
}

# FUZZ_JOBS targets at a time (default 1: one core each, so timings compare across runs).
JOBS=${FUZZ_JOBS:-1}
for t in "${TARGETS[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
    fuzz_one "$t" &
done
wait
failed=0
for t in "${TARGETS[@]}"; do
    if [ -f "$RESULTS/$t.row" ]; then
        cat "$RESULTS/$t.row" >>"$RESULTS/summary.tsv" && rm "$RESULTS/$t.row"
    else
        printf '%s\t\t0\t1\t\t\t(no result)\n' "$t" >>"$RESULTS/summary.tsv"
    fi
done
awk -F'\t' '!/^#/ && NR > 3 && $4 != 0 { bad = 1 } END { exit bad }' "$RESULTS/summary.tsv" || failed=1
echo "== summary: ${RESULTS#"$ROOT"/}/summary.tsv ($(($(date +%s) - t0)) s in all)"
column -t -s $'\t' <(grep -v '^#' "$RESULTS/summary.tsv" | cut -f1-6)
exit $failed
