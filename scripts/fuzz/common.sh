# Sourced by run.sh and smoke.sh: how the fuzz targets are built and found.
#
# The flags are cargo-fuzz's (`cargo fuzz build`: libFuzzer's coverage counters, comparison
# tracing, AddressSanitizer, debug assertions and overflow checks, --cfg fuzzing), so the
# scripts need only a nightly toolchain, not `cargo install cargo-fuzz`. --target keeps the
# flags off build scripts and proc macros, as cargo-fuzz does; the binaries land where
# cargo-fuzz puts them (fuzz/target/<triple>/release/<target>), so either can run them.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FUZZ_DIR="$ROOT/fuzz"
TRIPLE=${FUZZ_TRIPLE:-$(rustc +nightly -vV | sed -n 's/^host: //p')}
# CARGO_TARGET_DIR moves the build, as it does for cargo (a relative one is taken from fuzz/).
FUZZ_TARGET_DIR=$(cd "$FUZZ_DIR" && mkdir -p "${CARGO_TARGET_DIR:-target}" && cd "${CARGO_TARGET_DIR:-target}" && pwd)
FUZZ_BIN_DIR="$FUZZ_TARGET_DIR/$TRIPLE/release"
FUZZ_TARGETS_ALL=(vader zh_segment zh_score request_json room_ndjson cli_jsonl cli_csv config)

fuzz_rustflags() {
    local f=(
        --cfg fuzzing
        -Cpasses=sancov-module
        -Cllvm-args=-sanitizer-coverage-level=4
        -Cllvm-args=-sanitizer-coverage-inline-8bit-counters
        -Cllvm-args=-sanitizer-coverage-pc-table
        -Cllvm-args=-sanitizer-coverage-trace-compares
        -Cdebug-assertions
        -Coverflow-checks
    )
    if [ "${FUZZ_SANITIZER:-address}" != none ]; then
        f+=("-Zsanitizer=${FUZZ_SANITIZER:-address}")
    fi
    echo "${f[*]}"
}

# fuzz_target_flags TARGET : libFuzzer flags of one target. The CLI targets run the real
# pipeline, whose worker threads (spawned per input) free their thread-local scratch buffers in
# TLS destructors that may still be running when std::thread::scope has returned; LeakSanitizer
# then reports those buffers now and then (never twice for the same input). Leak checks are off
# for them; AddressSanitizer's other checks stay on.
fuzz_target_flags() {
    case $1 in
    cli_jsonl | cli_csv) echo -detect_leaks=0 ;;
    esac
}

# fuzz_build TARGET... : builds the named targets (all when none is named).
fuzz_build() {
    local bins=()
    for t in "$@"; do bins+=(--bin "$t"); done
    [ ${#bins[@]} -gt 0 ] || bins=(--bins)
    (cd "$FUZZ_DIR" && CARGO_TARGET_DIR="$FUZZ_TARGET_DIR" RUSTFLAGS="$(fuzz_rustflags)" cargo +nightly build --release --locked \
        --target "$TRIPLE" "${bins[@]}")
}

# fuzz_execs LOG : the executions libFuzzer reported last (its final stat line, else the
# "Done N runs" line, else the last status line).
fuzz_execs() {
    local n
    n=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$1" | tail -n1)
    [ -n "$n" ] || n=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$1" | tail -n1)
    [ -n "$n" ] || n=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$1" | tail -n1)
    echo "${n:-0}"
}

# fuzz_minimize TARGET DIR... : merges the inputs of the DIRs into a minimal set that keeps
# their coverage edges and writes it over fuzz/corpus/TARGET/ (what `cargo fuzz cmin` does,
# with -set_cover_merge and no hit-count features: a few hundred files instead of thousands,
# for about 1% of the edges the full set reaches). Returns non-zero and leaves the corpus as it
# was if the merge fails.
fuzz_minimize() {
    local t=$1
    shift
    local new="$FUZZ_TARGET_DIR/corpus-min/$t"
    rm -rf "$new" && mkdir -p "$new"
    "$FUZZ_BIN_DIR/$t" $(fuzz_target_flags "$t") -set_cover_merge=1 -use_counters=0 \
        -max_len="${FUZZ_MAX_LEN:-4096}" -timeout=20 "$new" "$@" || return 1
    rm -rf "$FUZZ_DIR/corpus/$t" && mv "$new" "$FUZZ_DIR/corpus/$t"
}
