"""Summarises a bench/models/run.sh results folder as markdown (stdlib only).

    python3 bench/models/summarise.py bench/results/models-<UTC time>

Prints the tables and writes them to <folder>/summary.md: per server and concurrency the median
over the rounds with min-max of sentences/s (2xx answers per second), P50 and P99; peak RSS;
the senti/peer ratios paired by round; whether the two servers gave the same answers; and the
goals with met/missed:
  - concurrency 64: senti >= 1.3x the peer's throughput, and senti's P99 no worse than the peer's
  - concurrency 1: parity: senti's throughput >= 0.95x the peer's (a 5% margin for noise)
With a `cascade` server (senti --cascade) next to `senti`: the cascade/senti ratios paired by
round, and the cascade's goal: >= 5x model-only throughput (at every concurrency measured).
"""

import json
import os
import re
import statistics
import sys

GOAL_RATIO_C64 = 1.3
GOAL_CASCADE = 5.0
PARITY_MIN_RATIO_C1 = 0.95
ABORTED = "aborted due to deadline"


def med(xs):
    return statistics.median(xs) if xs else None


def fmt_num(x, unit=""):
    if x is None:
        return "–"
    if isinstance(x, int):
        return f"{x:,}{unit}"
    if abs(x) >= 100:
        s = f"{x:,.0f}"
    elif abs(x) >= 10:
        s = f"{x:.1f}"
    elif abs(x) >= 1:
        s = f"{x:.2f}"
    else:
        s = f"{x:.3f}"
    return s + unit


def fmt_range(xs, unit=""):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "–"
    m = med(xs)
    if all(isinstance(x, int) for x in xs) and float(m).is_integer():
        m = int(m)
    if len(xs) == 1:
        return fmt_num(xs[0], unit)
    return f"{fmt_num(m, unit)} ({fmt_num(min(xs), unit)}–{fmt_num(max(xs), unit)})"


def read_oha(path):
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError):
        return None
    s, pct = d.get("summary", {}), d.get("latencyPercentiles", {}) or {}
    codes = d.get("statusCodeDistribution") or {}
    errs = dict(d.get("errorDistribution") or {})
    aborted = errs.pop(ABORTED, 0)
    ok = sum(n for code, n in codes.items() if code.startswith("2"))
    total = s.get("total")

    def ms(v):
        return None if v is None else v * 1000

    return {
        "rps": ok / total if total else None,
        "p50": ms(pct.get("p50")),
        "p99": ms(pct.get("p99")),
        "max": ms(s.get("slowest")),
        "errors": sum(errs.values()) + sum(n for code, n in codes.items() if not code.startswith("2")),
        "aborted": aborted,
        "ok": ok,
    }


def read_rss(path):
    if not os.path.exists(path):
        return None
    out, nprocs = {}, 0
    with open(path) as f:
        for line in f:
            m = re.match(r"# (peak_sum_vmrss_kib|sum_vmhwm_kib|sum_pss_end_kib) (\d+)", line)
            if m:
                out[m.group(1)] = int(m.group(2)) * 1024 / 1e6
            elif not line.startswith("#"):
                nprocs = max(nprocs, int(line.split()[2]))
    if "peak_sum_vmrss_kib" not in out:
        return None
    out["nprocs"] = nprocs
    out["peak"] = max(out["peak_sum_vmrss_kib"], out.get("sum_vmhwm_kib", 0))
    return out


def read_cpu(path):
    """({phase: {"server", "gen", "other", "steal"}} in cores, busy% before the start)."""
    if not os.path.exists(path):
        return {}, None
    out, busy = {}, None
    with open(path) as fh:
        for line in fh:
            f = line.split()
            if f and f[0] == "busy_before_start_pct":
                busy = int(f[1])
            elif len(f) >= 9 and not line.startswith("#"):
                clk, wall = int(f[2]), float(f[4]) - float(f[3])
                if wall <= 0:
                    continue
                d = {"server": int(f[1]) / clk / wall, "gen": (float(f[8]) - float(f[7])) / wall}
                d["other"] = max(0.0, int(f[5]) / clk / wall - d["server"] - d["gen"])
                d["steal"] = int(f[6]) / clk / wall
                out[f[0]] = d
    return out, busy


def read_answers(path):
    try:
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError):
        return None


def read_startup(path):
    try:
        with open(path) as f:
            return float(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None


def main():
    res = sys.argv[1].rstrip("/")
    with open(os.path.join(res, "meta.json")) as f:
        meta = json.load(f)
    rounds, servers, concs = range(1, meta["rounds"] + 1), meta["servers"], meta["concs"]

    load = {s: {c: {r: read_oha(f"{res}/r{r}-{s}-oha-c{c}.json") for r in rounds} for c in concs} for s in servers}
    rss = {s: {r: read_rss(f"{res}/r{r}-{s}-rss.txt") for r in rounds} for s in servers}
    cpu = {s: {r: read_cpu(f"{res}/r{r}-{s}-cpu.txt") for r in rounds} for s in servers}
    startup = {s: [read_startup(f"{res}/r{r}-{s}-startup.txt") for r in rounds] for s in servers}

    def col(d, key):
        return [v[key] for v in d.values() if v is not None and v.get(key) is not None]

    def cpu_col(s, phase, key="server"):
        return [cpu[s][r][0][phase][key] for r in rounds if key in cpu[s][r][0].get(phase, {})]

    L = [f"# Model-serving benchmark: {os.path.basename(res)}", ""]
    meta_txt = os.path.join(res, "meta.txt")
    if os.path.exists(meta_txt):
        with open(meta_txt) as f:
            for line in f:
                if line.startswith(("machine", "git", "model", "oha", "python", "onnxruntime", "settings",
                                    "pinning", "skipped", "binaries")):
                    L.append(f"- {line.strip()}")
    L.append(f"- each cell: median over {meta['rounds']} round(s), (min–max) when more than one; the servers "
             "alternate within each round, in the opposite order every other round")
    L.append(f"- closed loop: oha -c CONCURRENCY -z {meta['load_secs']:g}s, keep-alive, POST /v1/sentiment with "
             '`{"text": ..., "model": ...}` rotating over '
             f"{meta.get('sentences', 'bench/load/sentences.txt')}; sentences/s = 2xx answers per second; "
             "one sentence per request")
    L.append("")

    busy = [f"r{r} {s} {cpu[s][r][1]}%" for r in rounds for s in servers if (cpu[s][r][1] or 0) > 10]
    if busy:
        L += ["**WARNING**: the machine was busy with other work just before these runs (share of CPU busy "
              "over 1 s): " + ", ".join(busy) + ". Their numbers are suspect.", ""]
    other = [f"r{r} {s} {ph} {d['other']:.2f}" for r in rounds for s in servers
             for ph, d in cpu[s][r][0].items() if d.get("other", 0) > 0.2]
    if other:
        L += ["**WARNING**: other work used more than 0.2 cores during these runs (cores): " + ", ".join(other)
              + ". Their numbers are suspect.", ""]
    steal = [f"r{r} {s} {ph} {d['steal']:.2f}" for r in rounds for s in servers
             for ph, d in cpu[s][r][0].items() if d.get("steal", 0) > 0.1]
    if steal:
        L += ["**WARNING**: the VM's host took more than 0.1 cores (steal) during these runs (cores): "
              + ", ".join(steal) + ".", ""]

    L += ["## Closed loop", "",
          "| server | concurrency | sentences/s | P50 ms | P99 ms | max ms | errors | server CPU, cores | oha CPU, cores |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in servers:
        for c in concs:
            d = load[s][c]
            L.append(f"| {s} | {c} | {fmt_range(col(d, 'rps'))} | {fmt_range(col(d, 'p50'))} "
                     f"| {fmt_range(col(d, 'p99'))} | {fmt_range(col(d, 'max'))} | {fmt_range(col(d, 'errors'))} "
                     f"| {fmt_range(cpu_col(s, f'c{c}'))} | {fmt_range(cpu_col(s, f'c{c}', 'gen'))} |")
    L += ["", f'errors: failed requests and non-2xx answers; requests in flight at the deadline ("{ABORTED}") '
          "are not counted.", ""]

    L += ["## Memory and start-up (MB = 10^6 bytes)", "",
          "| server | processes | peak RSS (max of sampled Σ VmRSS and Σ VmHWM) | Σ Pss at the end | ready after, s |",
          "|---|---:|---:|---:|---:|"]
    for s in servers:
        d = rss[s]
        procs = col(d, "nprocs")
        L.append(f"| {s} | {max(procs) if procs else '–'} | {fmt_range(col(d, 'peak'), ' MB')} "
                 f"| {fmt_range(col(d, 'sum_pss_end_kib'), ' MB')} | {fmt_range([x for x in startup[s] if x])} |")
    L += ["", "Peak RSS over the server's process tree during the whole round (start-up, answers check, "
          "warm-up and every concurrency). Ready after: from start to the first 200 answer (model loading "
          "included).", ""]

    # answers: the first CHECK_N sentences, senti against peer, same round
    if "senti" in servers and "peer" in servers:
        same, n, dmax, bad = 0, 0, 0.0, 0
        for r in rounds:
            a, b = read_answers(f"{res}/r{r}-senti-answers.jsonl"), read_answers(f"{res}/r{r}-peer-answers.jsonl")
            if not a or not b:
                continue
            for x, y in zip(a, b):
                if x.get("status") != 200 or y.get("status") != 200:
                    bad += 1
                    continue
                xa, ya = x["answer"], y["answer"]
                n += 1
                same += xa.get("label") == ya.get("label")
                try:
                    dmax = max(dmax, abs(float(xa["compound"]) - float(ya["compound"])))
                except (KeyError, TypeError, ValueError):
                    bad += 1
        L += ["## Same answers?", ""]
        if n:
            L.append(f"Over the first sentences of each round ({n} pairs): same label {same}/{n}; largest "
                     f"|compound(senti) - compound(peer)| {dmax:.2e}; pairs with an error or a missing field: {bad}.")
        else:
            L.append("No answers to compare.")
        L.append("")

    def ratios(c, key="rps", num="senti", den="peer"):
        out = []
        for r in rounds:
            a, b = load[num][c][r], load[den][c][r]
            if a and b and a.get(key) and b.get(key):
                out.append(a[key] / b[key])
        return out

    have = "senti" in servers and "peer" in servers
    if have:
        L += ["## senti / peer (paired by round)", "",
              "| concurrency | sentences/s ratio | P99 ratio (lower is better) |", "|---:|---:|---:|"]
        for c in concs:
            L.append(f"| {c} | {fmt_range(ratios(c), '×')} | {fmt_range(ratios(c, 'p99'), '×')} |")
        L.append("")

    if "cascade" in servers and "senti" in servers:
        L += ["## cascade / senti model-only (paired by round)", "",
              "| concurrency | sentences/s ratio | P99 ratio (lower is better) | goal ≥ 5× |", "|---:|---:|---:|---|"]
        for c in concs:
            xs = ratios(c, num="cascade", den="senti")
            ok = "met" if xs and med(xs) >= GOAL_CASCADE else ("MISSED" if xs else "—")
            L.append(f"| {c} | {fmt_range(xs, '×')} | {fmt_range(ratios(c, 'p99', 'cascade', 'senti'), '×')} "
                     f"| {ok} |")
        L.append("")

    def disturbed(phase):
        return sorted({r for s in servers for r in rounds
                       if cpu[s][r][0].get(phase, {}).get("other", 0) > 0.2 or (cpu[s][r][1] or 0) > 10})

    def verdict(ok, phase):
        v = "—" if ok is None else ("met" if ok else "MISSED")
        bad = disturbed(phase) if ok is not None else []
        return v + (f" (suspect: other work disturbed round(s) {', '.join(map(str, bad))})" if bad else "")

    L += ["## Goals (judged on the median over rounds of the per-round ratios)", "",
          "| goal | senti | peer | verdict |", "|---|---:|---:|---|"]

    def cells(c, key, unit):
        return [fmt_range(col(load[s][c], key), unit) if s in servers else "not measured" for s in ("senti", "peer")]

    if 64 in concs:
        xs, ps = (ratios(64), ratios(64, "p99")) if have else ([], [])
        sc, pc = cells(64, "rps", " /s")
        ok = (med(xs) >= GOAL_RATIO_C64) if xs else None
        L.append(f"| throughput ≥ {GOAL_RATIO_C64:g}× the peer's at concurrency 64 | {sc} "
                 f"({fmt_range(xs, '×')} of the peer) | {pc} | {verdict(ok, 'c64')} |")
        sc, pc = cells(64, "p99", " ms")
        ok = (med(ps) <= 1.0) if ps else None
        L.append(f"| P99 no worse than the peer's at concurrency 64 | {sc} | {pc} | {verdict(ok, 'c64')} |")
    if 1 in concs:
        xs = ratios(1) if have else []
        sc, pc = cells(1, "rps", " /s")
        ok = (med(xs) >= PARITY_MIN_RATIO_C1) if xs else None
        L.append(f"| parity at concurrency 1 (throughput ≥ {PARITY_MIN_RATIO_C1:g}× the peer's) | {sc} "
                 f"({fmt_range(xs, '×')} of the peer) | {pc} | {verdict(ok, 'c1')} |")
    if meta.get("skipped"):
        L += ["", f"Skipped: {meta['skipped']}."]
    failed = sorted(f for f in os.listdir(res) if f.endswith("-failed.txt"))
    if failed:
        L += ["", "Did not start: " + ", ".join(f[: -len("-failed.txt")] for f in failed) + "."]

    text = "\n".join(L) + "\n"
    with open(os.path.join(res, "summary.md"), "w", encoding="utf-8") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
