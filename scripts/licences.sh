#!/usr/bin/env bash
# The Rust crates that the `senti` binary (package senti-cli) is built from, counted by licence:
# senti-cli's normal (not dev, not build) dependencies for the host target with the features
# that build turns on, as `cargo tree -e normal` resolves them; licences and crate kinds from
# `cargo metadata`. Both run --locked, and offline where the crates are already downloaded (after
# `cargo build` or `cargo fetch --locked`). Prints a Markdown table; the README's "Licences"
# section holds a copy between the markers `<!-- licences:begin -->` and `<!-- licences:end -->`.
#
#   bash scripts/licences.sh            # print the table
#   bash scripts/licences.sh --check    # exit 1 if README.md's copy differs (CI's deny phase)
#   bash scripts/licences.sh --write    # replace README.md's copy
#
# Proc-macro crates run inside the compiler and leave only the code they generate; they are
# counted in their own column. Build scripts' dependencies ([build-dependencies]) and dev
# dependencies are not part of the binary and are not counted.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-print}
case "$mode" in print | --check | --write) ;; *) echo "usage: $0 [--check|--write]" >&2; exit 2 ;; esac

host=$(rustc -vV | sed -n 's/^host: //p')
meta=$(mktemp)
tree=$(mktemp)
table=$(mktemp)
trap 'rm -f "$meta" "$tree" "$table"' EXIT
# Offline first; only if a crate is missing from ~/.cargo/registry, with the network.
cargo_locked() { cargo "$@" --locked --offline 2>/dev/null || cargo "$@" --locked; }
cargo_locked metadata --format-version 1 --filter-platform "$host" >"$meta"
cargo_locked tree -p senti-cli -e normal --target "$host" --prefix none -f '{p}' >"$tree"

python3 - "$meta" "$tree" "$host" >"$table" <<'PY'
import collections, json, sys

meta = json.load(open(sys.argv[1]))
host = sys.argv[3]
members = set(meta["workspace_members"])
by_name_version = {(p["name"], p["version"]): p for p in meta["packages"]}
seen = {}
for line in open(sys.argv[2]):
    name, version = line.split()[:2]
    p = by_name_version[(name, version.lstrip("v"))]
    seen[p["id"]] = p

ours = sorted(p["name"] for i, p in seen.items() if i in members)
ours_lic = " / ".join(sorted({p["license"] or "none stated" for i, p in seen.items() if i in members}))
third = [p for i, p in seen.items() if i not in members]
def norm(lic):
    """A pure either-or list in one order (`/` is the old spelling of OR); others as stated."""
    if lic is None:
        return "none stated"
    terms = [t.strip() for t in lic.replace("/", " OR ").split(" OR ")]
    if any(not t or " " in t or "(" in t for t in terms):
        return lic
    return " OR ".join(sorted(set(terms)))

groups = collections.defaultdict(list)
for p in third:
    groups[norm(p["license"])].append(p)

print("| licence | crates | of which proc-macros | which (groups of 10 or fewer) |")
print("|---|---:|---:|---|")
for lic, ps in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
    macros = sum(any("proc-macro" in t["kind"] for t in p["targets"]) for p in ps)
    names = ", ".join(sorted(p["name"] for p in ps)) if len(ps) <= 10 else ""
    print(f"| {lic} | {len(ps)} | {macros} | {names} |")
n_macros = sum(any("proc-macro" in t["kind"] for t in p["targets"]) for p in third)
print(f"| **all third-party crates** | **{len(third)}** | **{n_macros}** | |")
print()
print(f"Target {host}; plus the {len(ours)} workspace crates ({', '.join(ours)}): {ours_lic}.")
PY

readme=README.md
begin='<!-- licences:begin -->'
end='<!-- licences:end -->'
current() { awk -v b="$begin" -v e="$end" '$0==e{f=0} f{print} $0==b{f=1}' "$readme"; }
case "$mode" in
  print) cat "$table" ;;
  --check)
    grep -qxF "$begin" "$readme" && grep -qxF "$end" "$readme" \
      || { echo "README.md lacks the $begin/$end markers" >&2; exit 1; }
    if ! diff -u <(current) "$table"; then
      echo "README.md's licence table is out of date: run bash scripts/licences.sh --write" >&2
      exit 1
    fi
    echo "README.md's licence table matches the dependency graph"
    ;;
  --write)
    out=$(mktemp)
    awk -v b="$begin" -v e="$end" -v t="$table" '
      $0==b {print; while ((getline l < t) > 0) print l; skip=1; next}
      $0==e {skip=0}
      !skip {print}' "$readme" >"$out"
    cat "$out" >"$readme"
    rm -f "$out"
    ;;
esac
