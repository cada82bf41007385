"""A soak: a fixed mixed rate for 10 minutes; memory flat, no errors, P99 steady.

    python3 scripts/reliability/soak.py [--secs 600] [--rate 400] [--warmup 150]

Open-loop load (each request has its send time fixed in advance; latency counts from that
time, so a stall is not hidden by the client waiting) at `--rate` requests/s in all: 60 %
single texts (/v1/sentiment, English and Chinese), 10 % batches of 20
(/v1/sentiment/batch), 30 % room ingest (/v1/rooms/<room>/comments, 10 comments with unique
ids over 8 rooms), plus 16 SSE subscribers on those rooms reading every event. Every 10 s it
records senti's RSS and the interval's latencies. Not for CI.
Goals, after the warm-up (`--warmup`, 150 s: past the rooms' 2-minute duplicate window, whose
id sets fill up until then): RSS grows < 10 % to the end, zero errors (every request answered
200/202, every SSE stream alive), and the P99 of each minute within 2x of the lowest minute's.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402

EN = ["I love this stream!", "worst play ever", "not bad, not great", "this is hilarious lol",
      "the ending made me cry", "meh"]
ZH = ["这家店的菜很好吃", "主播太厉害了", "垃圾游戏", "还行吧", "笑死我了", "服务态度很差"]
ROOMS = [f"soak{r}" for r in range(8)]


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.lat, self.errors, self.kinds, self.sent = [], 0, {}, 0

    def add(self, secs, ok, kind=None):
        with self.lock:
            self.sent += 1
            self.lat.append(secs)
            if not ok:
                self.errors += 1
                self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def take(self):
        with self.lock:
            out = (self.lat, self.errors, dict(self.kinds), self.sent)
            self.lat, self.errors, self.kinds, self.sent = [], 0, {}, 0
            return out


def sender(senti, rate, make, rec, stop, expect):
    """Open loop: request n is due at start + n / rate."""
    c = http.client.HTTPConnection(senti.host, senti.port, timeout=30)
    start = time.perf_counter()
    n = 0
    while not stop.is_set():
        due = start + n / rate
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        path, body = make(n)
        n += 1
        try:
            c.request("POST", path, body, {"Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            rec.add(time.perf_counter() - due, r.status == expect, str(r.status))
        except (OSError, http.client.HTTPException) as e:
            rec.add(time.perf_counter() - due, False, type(e).__name__)
            c.close()
            c = http.client.HTTPConnection(senti.host, senti.port, timeout=30)


def subscriber(senti, room, stop, state):
    c = http.client.HTTPConnection(senti.host, senti.port, timeout=30)
    try:
        c.request("GET", f"/v1/rooms/{room}/events")
        r = c.getresponse()
        if r.status != 200:
            state["failed"] += 1
            return
        while not stop.is_set():
            line = r.fp.readline()
            if not line:
                if not stop.is_set():
                    state["failed"] += 1
                return
            if line.startswith(b"event:"):
                state["events"] += 1
    except (OSError, http.client.HTTPException):
        if not stop.is_set():
            state["failed"] += 1
    finally:
        c.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--secs", type=float, default=600)
    ap.add_argument("--rate", type=float, default=400)
    ap.add_argument("--warmup", type=float, default=150)
    ap.add_argument("--no-row", action="store_true")
    args = ap.parse_args()

    def single(n):
        t = (EN if n % 2 else ZH)[n % 6] + f" #{n % 500}"
        return "/v1/sentiment", json.dumps({"text": t}).encode()

    def batch(n):
        items = [{"text": EN[(n + i) % 6] + f" {n % 97}-{i}"} for i in range(20)]
        return "/v1/sentiment/batch", json.dumps({"items": items}).encode()

    def ingest(n):
        room = ROOMS[n % len(ROOMS)]
        cs = [{"id": f"{n}-{i}", "text": (ZH if i % 2 else EN)[(n + i) % 6]} for i in range(10)]
        return f"/v1/rooms/{room}/comments", json.dumps(cs).encode()

    server_cpus, load_cpus = common.cpu_sets()
    if load_cpus:
        os.sched_setaffinity(0, {int(c) for c in load_cpus.split(",")})
    rec_single, rec_batch, rec_ingest = Recorder(), Recorder(), Recorder()
    series = []
    with common.Senti("--access-log-sample", "0", cpus=server_cpus) as senti:
        stop = threading.Event()
        sse = {"events": 0, "failed": 0}
        threads = []
        # The rate split over several threads per kind, so one slow answer delays few others.
        for make, share, rec, expect, k in [(single, 0.6, rec_single, 200, 4),
                                            (batch, 0.1, rec_batch, 200, 1),
                                            (ingest, 0.3, rec_ingest, 202, 2)]:
            for _ in range(k):
                threads.append(threading.Thread(
                    target=sender, args=(senti, args.rate * share / k, make, rec, stop, expect)))
        for i in range(16):
            threads.append(threading.Thread(target=subscriber,
                                            args=(senti, ROOMS[i % len(ROOMS)], stop, sse)))
        t0 = time.time()
        for t in threads:
            t.start()
        next_mark = t0 + 10
        while time.time() - t0 < args.secs:
            time.sleep(max(0, next_mark - time.time()))
            next_mark += 10
            row = {"t": round(time.time() - t0), "rss_mib": round(senti.rss_kib() / 1024, 1)}
            for name, rec in [("single", rec_single), ("batch", rec_batch), ("ingest", rec_ingest)]:
                lat, errors, kinds, sent = rec.take()
                row[name] = {"n": sent, "errors": errors, "kinds": kinds,
                             "p50_ms": round(common.quantile(lat, 0.5) * 1e3, 3),
                             "p99_ms": round(common.quantile(lat, 0.99) * 1e3, 3),
                             "max_ms": round(max(lat) * 1e3, 3) if lat else None,
                             "lat": lat}
            row["sse_events"] = sse["events"]
            series.append(row)
            print(f"t={row['t']:4d}s rss={row['rss_mib']} MiB " + " ".join(
                f"{k}: n={row[k]['n']} err={row[k]['errors']} p99={row[k]['p99_ms']}ms"
                for k in ("single", "batch", "ingest")) + f" sse={sse['events']}", flush=True)
        stop.set()
        alive = senti.proc.poll() is None
        for t in threads:
            t.join(5)
        rc = senti.stop()
    # Per minute, after the warm-up: P99 over all kinds together.
    after = [r for r in series if r["t"] > args.warmup]
    minutes = {}
    for r in after:
        m = int((r["t"] - args.warmup - 1) // 60)
        minutes.setdefault(m, []).extend(r["single"]["lat"] + r["batch"]["lat"] + r["ingest"]["lat"])
    p99s = {m: common.quantile(v, 0.99) * 1e3 for m, v in sorted(minutes.items()) if v}
    rss_start = after[0]["rss_mib"] if after else float("nan")
    rss_end = series[-1]["rss_mib"] if series else float("nan")
    growth = (rss_end - rss_start) / rss_start if after else float("nan")
    errors = sum(r[k]["errors"] for r in series for k in ("single", "batch", "ingest"))
    requests = sum(r[k]["n"] for r in series for k in ("single", "batch", "ingest"))
    spread = max(p99s.values()) / min(p99s.values()) if p99s else float("nan")
    passed = (alive and rc == 0 and errors == 0 and sse["failed"] == 0 and growth < 0.10
              and spread <= 2.0)
    for r in series:
        for k in ("single", "batch", "ingest"):
            r[k].pop("lat")
    figures = {"secs": args.secs, "rate": args.rate, "warmup": args.warmup,
               "requests": requests, "errors": errors, "sse": sse,
               "rss_mib": {"after_warmup": rss_start, "end": rss_end, "growth": growth,
                           "max": max(r["rss_mib"] for r in series)},
               "p99_ms_per_minute": p99s, "p99_spread": spread,
               "cpus": {"server": server_cpus, "load": load_cpus}, "series": series}
    print(json.dumps({k: v for k, v in figures.items() if k != "series"}, indent=1))
    common.write_row(
        "soak",
        save=not args.no_row,
        load=f"{args.rate:g} req/s open loop for {args.secs / 60:g} min: 60 % singles (en, zh), "
             "10 % batches of 20, 30 % room ingest (10 comments, 8 rooms); 16 SSE "
             "subscribers",
        fault="-",
        bad_input="-",
        result=f"{errors} errors of {requests}; RSS {rss_start} -> {rss_end} MiB after the "
               f"{args.warmup:g} s warm-up ({growth * 100:+.1f} %, goal < 10 %); P99 per "
               f"minute {min(p99s.values()):.2f}-{max(p99s.values()):.2f} ms "
               f"({spread:.2f}x, goal <= 2x); {sse['events']} SSE events, "
               f"{sse['failed']} streams lost",
        passed=passed,
        figures=figures,
    )
    common.finish(passed)


if __name__ == "__main__":
    main()
