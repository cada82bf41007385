"""A connection flood past --max-connections: the server holds its limit, keeps serving the
clients it has, serves the queued ones as slots free up, and recovers when the flood ends.

    python3 scripts/reliability/flood.py [--max-connections 200] [--flood 2000] [--secs 5]

senti runs with `--max-connections` (200). An attacker process (on its own CPU where there
are two) opens `--flood` connections as fast as it can and holds each without sending a byte,
opening it again when the server closes it (header timeout: 500 ms from accept). Beside it, in
processes of their own: a keep-alive client (connected before the flood) and a client that
opens a new connection per request, both POSTing /v1/sentiment back to back for `--secs`.
Meanwhile /metrics is read every 100 ms over a connection opened before the flood. Then the
flood stops and a new-connection client measures how soon service is back. Goals: open
connections never above the limit, no failed request (a request queued in the accept backlog
waits, it does not fail), the keep-alive client's P99 within 2x its quiet P99, and new
connections served again within 1 s of the flood's end.
"""

import argparse
import asyncio
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402

CLIENT = r"""
import http.client, json, sys, time
host, port, secs, fresh = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "1"
body = json.dumps({"text": "Regular traffic during a flood."}).encode()
h = {"Content-Type": "application/json"}
c = http.client.HTTPConnection(host, port, timeout=30)
lat, errors, kinds = [], 0, {}
end = time.perf_counter() + secs
while time.perf_counter() < end:
    t = time.perf_counter()
    try:
        if fresh:
            c = http.client.HTTPConnection(host, port, timeout=30)
        c.request("POST", "/v1/sentiment", body, h)
        r = c.getresponse(); r.read()
        if r.status != 200:
            errors += 1; kinds[str(r.status)] = kinds.get(str(r.status), 0) + 1
        lat.append(time.perf_counter() - t)
        if fresh:
            c.close()
    except (OSError, http.client.HTTPException) as e:
        errors += 1; kinds[type(e).__name__] = kinds.get(type(e).__name__, 0) + 1
        c.close(); c = http.client.HTTPConnection(host, port, timeout=30)
print(json.dumps({"lat": lat, "errors": errors, "kinds": kinds}))
"""


async def holder(host, port, stats, stop):
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            stats["connect_errors"] += 1
            await asyncio.sleep(0.05)
            continue
        stats["connections"] += 1
        try:
            while not stop.is_set():
                try:
                    if await asyncio.wait_for(reader.read(1024), 0.5) == b"":
                        break
                except asyncio.TimeoutError:
                    pass
        except OSError:
            pass
        finally:
            writer.close()


async def flood(host, port, n, stop_file):
    stats = {"connections": 0, "connect_errors": 0}
    stop = asyncio.Event()
    tasks = [asyncio.create_task(holder(host, port, stats, stop)) for _ in range(n)]
    while not os.path.exists(stop_file):
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps(stats))


def start_client(senti, secs, fresh, cpus):
    return subprocess.Popen(common.pinned(cpus, [sys.executable, "-c", CLIENT, senti.host,
                                          str(senti.port), str(secs), "1" if fresh else "0"]),
                            stdout=subprocess.PIPE, text=True)


def result(p):
    return json.loads(p.communicate(timeout=120)[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--max-connections", type=int, default=200)
    ap.add_argument("--flood", type=int, default=2000)
    ap.add_argument("--secs", type=float, default=5.0)
    ap.add_argument("--no-row", action="store_true")
    ap.add_argument("--attack", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.attack:
        host, port, stop = args.attack
        asyncio.run(flood(host, int(port), args.flood, stop))
        return

    server_cpus, attacker_cpus = common.cpu_sets()
    with common.Senti("--max-connections", str(args.max_connections),
                      "--access-log-sample", "0", cpus=server_cpus) as senti, \
            tempfile.TemporaryDirectory() as tmp:
        quiet = result(start_client(senti, args.secs, False, server_cpus))
        watch = http.client.HTTPConnection(senti.host, senti.port, timeout=30)
        samples, done = [], threading.Event()

        def sampler():
            while not done.is_set():
                try:
                    watch.request("GET", "/metrics")
                    samples.append(common.metric(watch.getresponse().read().decode(),
                                                 "senti_http_connections_open"))
                except (OSError, http.client.HTTPException):
                    samples.append(-1)
                time.sleep(0.1)

        sampler_thread = threading.Thread(target=sampler)
        sampler_thread.start()
        keep = start_client(senti, args.secs, False, server_cpus)  # connects before the flood
        time.sleep(0.2)
        stop = os.path.join(tmp, "stop")
        atk = subprocess.Popen(common.pinned(attacker_cpus, [
            sys.executable, __file__, "--flood", str(args.flood),
            "--attack", senti.host, str(senti.port), stop]), stdout=subprocess.PIPE, text=True)
        time.sleep(0.5)
        fresh = start_client(senti, args.secs - 0.7, True, server_cpus)
        keep_r, fresh_r = result(keep), result(fresh)
        with open(stop, "w"):
            pass
        atk_stats = json.loads(atk.communicate(timeout=60)[0] or "{}")
        # How soon is a new connection served again?
        t0 = time.perf_counter()
        recovered = None
        while time.perf_counter() - t0 < 10:
            try:
                c = http.client.HTTPConnection(senti.host, senti.port, timeout=10)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    recovered = time.perf_counter() - t0
                    break
            except OSError:
                time.sleep(0.01)
        done.set()
        sampler_thread.join()
        after = result(start_client(senti, 1.0, True, server_cpus))
        alive = senti.proc.poll() is None
    max_open = max(samples) if samples else -1
    q99 = common.quantile(quiet["lat"], 0.99)
    k99 = common.quantile(keep_r["lat"], 0.99)
    f99 = common.quantile(fresh_r["lat"], 0.99)
    fmax = max(fresh_r["lat"]) if fresh_r["lat"] else float("nan")
    errors = keep_r["errors"] + fresh_r["errors"] + after["errors"]
    passed = (alive and errors == 0 and 0 < max_open <= args.max_connections + 1
              and k99 <= 2 * q99 and recovered is not None and recovered < 1.0)
    figures = {
        "max_connections": args.max_connections, "flood": args.flood, "secs": args.secs,
        "max_open_seen": max_open, "open_samples": len(samples),
        "quiet_p99_ms": q99 * 1e3,
        "keep_alive": {"requests": len(keep_r["lat"]), "p99_ms": k99 * 1e3,
                       "errors": keep_r["errors"], "kinds": keep_r["kinds"]},
        "new_connections": {"requests": len(fresh_r["lat"]), "p99_ms": f99 * 1e3,
                            "max_ms": fmax * 1e3, "errors": fresh_r["errors"],
                            "kinds": fresh_r["kinds"]},
        "after_flood": {"requests": len(after["lat"]), "errors": after["errors"]},
        "recovered_s": recovered, "attacker": atk_stats,
        "cpus": {"server_and_clients": server_cpus, "attacker": attacker_cpus},
    }
    print(json.dumps(figures, indent=1))
    common.write_row(
        "flood",
        save=not args.no_row,
        load="a keep-alive client and a new-connection-per-request client, closed loop, "
             f"{args.secs:g} s",
        fault=f"{args.flood} idle connections opened at once and held, past "
              f"--max-connections {args.max_connections}",
        bad_input="connections that never send a request",
        result=f"open connections at most {int(max_open)} (limit {args.max_connections}); "
               f"{errors} failed; keep-alive P99 {k99 * 1e3:.2f} ms ({k99 / q99:.2f}x quiet, "
               f"goal <= 2x); new connections P99 {f99 * 1e3:.0f} ms, max {fmax * 1e3:.0f} ms "
               f"(queued in the backlog); served again {recovered * 1e3 if recovered else -1:.0f}"
               f" ms after the flood",
        passed=passed,
        figures=figures,
    )
    common.finish(passed)


if __name__ == "__main__":
    main()
