"""Writes RELIABILITY.md from the rows the reliability scripts left in
bench/results/reliability/ and the newest fuzzing summary (bench/results/fuzz-*/summary.tsv).

    python3 scripts/reliability/report.py

Nothing in the table is typed by hand: each row is what one script measured, with its command.
"""

import csv
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402

ORDER = ["refusals", "log_secrets", "properties", "slowloris", "flood", "sigterm",
         "model_reload", "kill_redis", "kill_nats", "disk_full", "soak"]


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def fuzz_rows():
    summaries = sorted(glob.glob(os.path.join(common.ROOT, "bench", "results", "fuzz-*",
                                              "summary.tsv")))
    if not summaries:
        return [], None
    path = summaries[-1]
    with open(path, newline="") as f:
        # Lines starting with '#' say which commit and toolchain ran.
        rows = list(csv.DictReader((line for line in f if not line.startswith("#")),
                                   delimiter="\t"))
    return rows, os.path.relpath(path, common.ROOT)


def main():
    rows = {}
    for p in glob.glob(os.path.join(common.RESULTS, "*.json")):
        with open(p) as f:
            r = json.load(f)
        rows[r["name"]] = r
    names = [n for n in ORDER if n in rows] + sorted(set(rows) - set(ORDER))
    out = [
        "# Reliability",
        "",
        "What senti does under bad input, faults and time, as measured by the scripts in",
        "`scripts/reliability/` (each bounded, loopback only; `bash scripts/reliability/run.sh`",
        "runs them all but the soak, `--fast` the ones CI runs) and the fuzzers in `fuzz/`",
        "(`bash scripts/fuzz/run.sh`). This file is written by `scripts/reliability/report.py`",
        "from the rows those scripts left in `bench/results/reliability/*.json` (raw figures",
        "there) and the newest `bench/results/fuzz-*/summary.tsv`; do not edit it by hand.",
        "",
        "| Test | Load | Fault | Bad input | Result | Goal met | Command |",
        "|---|---|---|---|---|---|---|",
    ]
    machines = set()
    for n in names:
        r = rows[n]
        machines.add((r["hardware"], r["binary"]))
        out.append("| " + " | ".join(cell(x) for x in [
            f"{n} ({r['at'][:10]})", r["load"], r["fault"], r["bad_input"], r["result"],
            "yes" if r["passed"] else "**no**", f"`{r['command']}`"]) + " |")
    fuzz, fuzz_path = fuzz_rows()
    for f in fuzz:
        execs = int(f.get("executions") or 0)
        crashes = int(f.get("crashes") or 0)
        out.append("| " + " | ".join(cell(x) for x in [
            f"fuzz {f['target']}", f"libFuzzer, {f.get('seconds', '?')} s",
            "-", "generated inputs (coverage-guided, from the committed corpus)",
            f"{execs:,} executions, {crashes} crashes",
            "yes" if execs >= 1_000_000 and crashes == 0 else "**no**",
            f"`{f.get('command', 'bash scripts/fuzz/run.sh')}`"]) + " |")
    out += ["", "Machines and binaries of these rows:", ""]
    for hw, binary in sorted(machines):
        out.append(f"- {hw}; `{binary}`")
    if fuzz_path:
        out.append(f"- fuzzing: `{fuzz_path}`")
    out.append("")
    with open(os.path.join(common.ROOT, "RELIABILITY.md"), "w") as f:
        f.write("\n".join(out))
    print(f"RELIABILITY.md: {len(names)} rows from scripts, {len(fuzz)} fuzz targets")


if __name__ == "__main__":
    main()
