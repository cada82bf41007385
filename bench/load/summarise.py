"""Summarises a bench/load/run.sh results folder as markdown (stdlib only).

    python3 bench/load/summarise.py bench/results/load-<UTC time>

Prints the tables and writes them to <folder>/summary.md: per server and load point the median
over the rounds with min-max, the senti/hello closed-loop throughput ratios (per round, then
median with min-max) and each goal of the issue with met/missed.
"""

import json
import os
import re
import statistics
import sys

GOAL_THROUGHPUT_SHARE = 0.85
GOAL_P99_MS = {1228: 1.0, 10000: 2.0}
GOAL_RSS_MB = 64.0  # MB = 10^6 bytes (the stricter reading; 64 MiB would be 67.1 MB)
ABORTED = "aborted due to deadline"


def med(xs):
    return statistics.median(xs) if xs else None


def fmt_num(x, unit=""):
    if x is None:
        return "–"
    if isinstance(x, int):
        return f"{int(x):,}{unit}"
    if abs(x) >= 100:
        s = f"{x:,.0f}"
    elif abs(x) >= 10:
        s = f"{x:.1f}"
    elif abs(x) >= 1:
        s = f"{x:.2f}"
    else:
        s = f"{x:.3f}"
    return s + unit


def fmt_range(xs, unit="", pct=False):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "–"
    if all(isinstance(x, int) for x in xs) and float(med(xs)).is_integer():
        xs_med = int(med(xs))
    else:
        xs_med = med(xs)
    f = (lambda v: f"{100 * v:.0f}%") if pct else (lambda v: fmt_num(v, unit))
    if len(xs) == 1:
        return f(xs[0])
    return f"{f(xs_med)} ({f(min(xs))}–{f(max(xs))})"


def read_wrk(path):
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    m = re.search(r"^WRK_JSON (\{.*\})$", text, re.MULTILINE)
    if not m:
        return None
    d = json.loads(m.group(1))
    secs = d["duration_us"] / 1e6
    lat = d["latency_us"]
    return {
        "rps": d["requests"] / secs if secs else 0.0,
        "p50": lat["percentiles"]["50"] / 1000,
        "p99": lat["percentiles"]["99"] / 1000,
        "max": lat["max"] / 1000,
        "errors": sum(d["errors"].values()),
        "error_kinds": {k: v for k, v in d["errors"].items() if v},
        "requests": d["requests"],
    }


def read_oha(path):
    if not os.path.exists(path):
        return None
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError):
        return None
    s, pct = d.get("summary", {}), d.get("latencyPercentiles", {}) or {}
    errs = dict(d.get("errorDistribution") or {})
    aborted = errs.pop(ABORTED, 0)
    non2xx = sum(n for code, n in (d.get("statusCodeDistribution") or {}).items() if not code.startswith("2"))

    def ms(v):
        return None if v is None else v * 1000

    answered = sum((d.get("statusCodeDistribution") or {}).values())
    return {
        # responses per second (oha's own requestsPerSec also counts the requests aborted at the deadline)
        "rps": answered / s["total"] if s.get("total") else None,
        "p50": ms(pct.get("p50")),
        "p99": ms(pct.get("p99")),
        "max": ms(s.get("slowest")),
        "errors": sum(errs.values()) + non2xx,
        "aborted": aborted,
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
    """({phase: {"server", "gen", "other", "steal"}}, busy%): CPU used during each phase, in cores
    (1.0 = one core busy throughout): by the server's process tree, by the load generator, by
    anything else on the machine (user+nice+system minus those two), and stolen by the VM host."""
    if not os.path.exists(path):
        return {}, None
    out, busy = {}, None
    with open(path) as fh:
        lines = fh.readlines()
    for line in lines:
        f = line.split()
        if f and f[0] == "busy_before_start_pct":
            busy = int(f[1])
        elif len(f) >= 5 and not line.startswith("#"):
            clk, wall = int(f[2]), float(f[4]) - float(f[3])
            if wall <= 0:
                continue
            d = {"server": int(f[1]) / clk / wall}
            if len(f) >= 9:
                d["gen"] = (float(f[8]) - float(f[7])) / wall
                d["other"] = max(0.0, int(f[5]) / clk / wall - d["server"] - d["gen"])
                d["steal"] = int(f[6]) / clk / wall
            out[f[0]] = d
    return out, busy


def main():
    res = sys.argv[1].rstrip("/")
    with open(os.path.join(res, "meta.json")) as f:
        meta = json.load(f)
    rounds, servers = range(1, meta["rounds"] + 1), meta["servers"]
    conns, rates = meta["conns"], meta["rates"]
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "sentences.txt"), encoding="utf-8") as f:
        n_sentences = sum(1 for line in f if line.strip())

    closed = {s: {c: {r: read_wrk(f"{res}/r{r}-{s}-wrk-c{c}.txt") for r in rounds} for c in conns} for s in servers}
    opened = {s: {q: {r: read_oha(f"{res}/r{r}-{s}-oha-q{q}.json") for r in rounds} for q in rates} for s in servers}
    rss = {s: {r: read_rss(f"{res}/r{r}-{s}-rss.txt") for r in rounds} for s in servers}
    cpu = {s: {r: read_cpu(f"{res}/r{r}-{s}-cpu.txt") for r in rounds} for s in servers}

    def cpu_col(s, phase, key="server"):
        return [cpu[s][r][0][phase][key] for r in rounds if key in cpu[s][r][0].get(phase, {})]

    # closed-loop max per server and round: the saturation threshold is twice that
    cmax = {
        s: {r: max([closed[s][c][r]["rps"] for c in conns if closed[s][c][r]] or [0]) for r in rounds} for s in servers
    }

    def col(d, key):
        return [v[key] for v in d.values() if v is not None and v.get(key) is not None]

    L = []
    L.append(f"# HTTP load benchmark: {os.path.basename(res)}")
    L.append("")
    meta_txt = os.path.join(res, "meta.txt")
    if os.path.exists(meta_txt):
        with open(meta_txt) as f:
            meta_lines = f.readlines()
        for line in meta_lines:
            if line.startswith(
                ("machine", "git", "wrk", "oha", "python", "settings", "pinning", "skipped", "binaries")
            ):
                L.append(f"- {line.strip()}")
    L.append(
        f"- each cell: median over {meta['rounds']} round(s), (min–max) when more than one; the servers alternate within each round"
    )
    L.append(
        f'- request bodies: `{{"text": ...}}` rotating over {n_sentences} tweets (bench/load/sentences.txt), POST /analyze'
    )
    L.append("")
    busy = [f"r{r} {s} {cpu[s][r][1]}%" for r in rounds for s in servers if (cpu[s][r][1] or 0) > 10]
    if busy:
        L.append(
            "**WARNING**: the machine was busy with other work just before these runs (share of CPU busy over 1 s): "
            + ", ".join(busy)
            + ". Their numbers are suspect."
        )
        L.append("")
    other = [
        f"r{r} {s} {ph} {d['other']:.2f}"
        for r in rounds
        for s in servers
        for ph, d in cpu[s][r][0].items()
        if d.get("other", 0) > 0.2
    ]
    steal = [
        f"r{r} {s} {ph} {d['steal']:.2f}"
        for r in rounds
        for s in servers
        for ph, d in cpu[s][r][0].items()
        if d.get("steal", 0) > 0.1
    ]
    if other:
        L.append(
            "**WARNING**: other work used more than 0.2 cores during these runs (cores): "
            + ", ".join(other)
            + ". Their numbers are suspect."
        )
        L.append("")
    if steal:
        L.append(
            "**WARNING**: the VM's host took more than 0.1 cores (steal) during these runs (cores): "
            + ", ".join(steal)
            + "."
        )
        L.append("")

    L.append("## Closed loop (wrk -t2, keep-alive; latencies not corrected for coordinated omission)")
    L.append("")
    L.append(
        "| server | connections | requests/s | P50 ms | P99 ms | max ms | errors | server CPU, cores | wrk CPU, cores |"
    )
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in servers:
        for c in conns:
            d = closed[s][c]
            L.append(
                f"| {s} | {c:,} | {fmt_range(col(d, 'rps'))} | {fmt_range(col(d, 'p50'))} | {fmt_range(col(d, 'p99'))} "
                f"| {fmt_range(col(d, 'max'))} | {fmt_range(col(d, 'errors'))} | {fmt_range(cpu_col(s, f'wrk-c{c}'))} "
                f"| {fmt_range(cpu_col(s, f'wrk-c{c}', 'gen'))} |"
            )
    kinds = {}
    for s in servers:
        for c in conns:
            for r, v in closed[s][c].items():
                if v and v["error_kinds"]:
                    kinds.setdefault(s, []).append(
                        f"c{c} r{r}: " + ", ".join(f"{k} {n:,}" for k, n in v["error_kinds"].items())
                    )
    if kinds:
        L.append("")
        L.append(
            "wrk errors by kind (status = non-2xx/3xx responses; timeout = no response within WRK_TIMEOUT): "
            + "; ".join(f"{s}: {', '.join(v)}" for s, v in kinds.items())
        )
    L.append("")

    L.append(f"## Open loop (oha -q RATE --latency-correction, {meta['load_secs']} s, keep-alive)")
    L.append("")
    L.append(
        "A rate above twice the server's closed-loop maximum in the same round is reported as saturated "
        "(its latencies are left out)."
    )
    L.append("")
    L.append(
        "| server | target req/s | achieved req/s | P50 ms | P99 ms | max ms | errors | server CPU, cores | note |"
    )
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for s in servers:
        for q in rates:
            d = opened[s][q]
            ok = {r: v for r, v in d.items() if v is not None and not (q > 2 * cmax[s][r] > 0)}
            sat = [r for r, v in d.items() if v is not None and q > 2 * cmax[s][r] > 0]
            measured = [r for r, v in d.items() if v is not None]
            note = ""
            if sat and not ok:
                note = f"saturated (closed-loop max {fmt_num(med([cmax[s][r] for r in sat]))} req/s)"
            elif sat:
                note = f"saturated in round(s) {', '.join(map(str, sat))}; latencies from the others"
            got = col(d, "rps")
            if got and med(got) < 0.95 * q and not (sat and not ok):
                note = (note + "; " if note else "") + f"overloaded: achieved {med(got) / q:.0%} of the target rate"
            if not measured:
                note = "not measured"
            lat = {k: fmt_range(col(ok, k)) if ok else ("saturated" if sat else "–") for k in ("p50", "p99", "max")}
            L.append(
                f"| {s} | {q:,} | {fmt_range(col(d, 'rps'))} | {lat['p50']} | {lat['p99']} | {lat['max']} "
                f"| {fmt_range(col(d, 'errors'))} | {fmt_range(cpu_col(s, f'oha-q{q}'))} | {note} |"
            )
    L.append("")
    L.append(
        f"errors: failed requests and non-2xx responses; requests still in flight at the deadline "
        f'("{ABORTED}") are not counted.'
    )
    L.append("")

    zh = {s: {r: read_wrk(f"{res}/r{r}-{s}-wrk-zh.txt") for r in rounds} for s in servers}
    L.append("## Memory (after English and Chinese requests; MB = 10^6 bytes)")
    L.append("")
    L.append(
        "| server | processes | peak of Σ VmRSS, sampled every 100 ms | Σ VmHWM at the end | Σ Pss at the end "
        "| Chinese phase req/s (errors) |"
    )
    L.append("|---|---:|---:|---:|---:|---:|")
    for s in servers:
        d = rss[s]
        procs = col(d, "nprocs")
        L.append(
            f"| {s} | {max(procs) if procs else '–'} | {fmt_range(col(d, 'peak_sum_vmrss_kib'), ' MB')} "
            f"| {fmt_range(col(d, 'sum_vmhwm_kib'), ' MB')} | {fmt_range(col(d, 'sum_pss_end_kib'), ' MB')} "
            f"| {fmt_range(col(zh[s], 'rps'))} ({fmt_range(col(zh[s], 'errors'))}) |"
        )
    L.append("")
    L.append(
        "The Chinese phase: wrk, 100 connections, bodies rotating over the 200 lines of bench/load/sentences_zh.txt, "
        "after the English load points and before the memory figures are read."
    )
    L.append("")
    L.append(
        "Σ VmRSS: resident memory summed over the server's process tree (master and workers), its maximum over "
        "the run; Σ VmHWM: each process's own peak RSS (kernel high-water mark), summed over the processes alive "
        "at the end; both count pages shared between forked workers once per process. Σ Pss splits shared pages."
    )
    L.append("")

    def ratio(a, b, c):
        return [
            closed[a][c][r]["rps"] / closed[b][c][r]["rps"]
            for r in rounds
            if closed[a][c][r] and closed[b][c][r] and closed[b][c][r]["rps"]
        ]

    L.append("## Ratios (closed-loop requests/s, paired by round)")
    L.append("")
    L.append("| ratio | connections | median (min–max) |")
    L.append("|---|---:|---:|")
    pairs = (
        [("senti", "hello"), ("senti-nolog", "hello"), ("senti", "senti-base")]
        + [("senti", p) for p in ("fastapi-vader", "flask-textblob")]
        + [("hello", p) for p in ("fastapi-vader", "flask-textblob")]
    )
    for a, b in pairs:
        if a in servers and b in servers:
            for c in conns:
                xs = ratio(a, b, c)
                cell = fmt_range(xs, pct=True) if b == "hello" and a.startswith("senti") else fmt_range(xs, "×")
                L.append(f"| {a} / {b} | {c:,} | {cell} |")
    L.append("")

    L.append("## Goals (for senti; judged on the median over rounds)")
    L.append("")
    L.append("| goal | senti | hello-world (reference) | verdict |")
    L.append("|---|---:|---:|---|")
    have = "senti" in servers and any(closed["senti"][c][r] for c in conns for r in rounds)

    def disturbed(phase, who=("senti", "hello")):
        """Rounds in which other work on the machine disturbed this phase of these servers."""
        return sorted(
            {
                r
                for s in who
                if s in servers
                for r in rounds
                if cpu[s][r][0].get(phase, {}).get("other", 0) > 0.2 or (cpu[s][r][1] or 0) > 10
            }
        )

    def verdict(ok, phase=None, who=("senti", "hello")):
        v = "—" if ok is None else ("met" if ok else "MISSED")
        bad = disturbed(phase, who) if phase and ok is not None else []
        return v + (f" (suspect: other work disturbed round(s) {', '.join(map(str, bad))})" if bad else "")

    for c in conns:
        xs = ratio("senti", "hello", c) if have and "hello" in servers else []
        hello = fmt_range(col(closed["hello"][c], "rps")) + " req/s" if "hello" in servers else "–"
        senti = fmt_range(xs, pct=True) + " of hello" if xs else "not measured"
        L.append(
            f"| closed-loop throughput ≥ {GOAL_THROUGHPUT_SHARE:.0%} of hello-world, {c:,} connections | {senti} | {hello} "
            f"| {verdict(med(xs) >= GOAL_THROUGHPUT_SHARE if xs else None, f'wrk-c{c}')} |"
        )
    for q, lim in GOAL_P99_MS.items():
        if q not in rates:
            continue
        cells, oks = {}, {}
        for s in ("senti", "hello"):
            if s not in servers:
                cells[s], oks[s] = "not measured", None
                continue
            d = opened[s][q]
            sat = [r for r, v in d.items() if v is not None and q > 2 * cmax[s][r] > 0]
            ok = {r: v for r, v in d.items() if v is not None and r not in sat}
            p99 = col(ok, "p99")
            if sat and not ok:
                cells[s], oks[s] = "saturated", False
            elif p99:
                cells[s], oks[s] = (
                    fmt_range(p99, " ms") + (" (saturated in some rounds)" if sat else ""),
                    med(p99) <= lim and not sat,
                )
            else:
                cells[s], oks[s] = "not measured", None
        L.append(
            f"| P99 ≤ {lim:g} ms at {q:,} req/s (open loop) | {cells['senti']} | {cells['hello']} "
            f"| {verdict(oks['senti'], f'oha-q{q}', ('senti',))} |"
        )
    cells, oks = {}, {}
    for s in ("senti", "hello"):
        peaks = col(rss[s], "peak") if s in servers else []
        cells[s] = fmt_range(peaks, " MB") if peaks else "not measured"
        oks[s] = (med(peaks) <= GOAL_RSS_MB) if peaks else None
    L.append(
        f"| peak RSS ≤ {GOAL_RSS_MB:g} MB (max of sampled Σ VmRSS and Σ VmHWM), after English and Chinese requests "
        f"| {cells['senti']} | {cells['hello']} | {verdict(oks['senti'])} |"
    )
    if meta.get("skipped"):
        L.append("")
        L.append(f"Skipped: {meta['skipped']}.")
    failed = sorted(f for f in os.listdir(res) if f.endswith("-failed.txt"))
    if failed:
        L.append("")
        L.append("Did not start: " + ", ".join(f[: -len("-failed.txt")] for f in failed) + ".")

    text = "\n".join(L) + "\n"
    with open(os.path.join(res, "summary.md"), "w", encoding="utf-8") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
