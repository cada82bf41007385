"""Slowloris: 1,000 connections that send their requests a byte at a time must not starve
normal clients.

    python3 scripts/reliability/slowloris.py [--attackers 1000] [--secs 5]

Phase 1 (quiet): a measuring client (its own process, one keep-alive connection, POSTs to
/v1/sentiment back to back) records its latencies for `--secs`. Phase 2: an attacker process
keeps `--attackers` connections open, half sending their headers a byte at a time, half
sending complete headers and then their body one byte every `--interval` (250 ms); a connection the server
closes (header timeout 500 ms, body timeout 10 s: 408) is opened again at once. Once they are
all connected, the measuring client runs again for `--secs`. Goal: the P99 under attack within
2x the quiet P99, and no failed request.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402

MEASURE = r"""
import http.client, json, sys, time
host, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
body = json.dumps({"text": "Normal traffic keeps flowing, and that is good."}).encode()
h = {"Content-Type": "application/json"}
c = http.client.HTTPConnection(host, port, timeout=10)
lat, errors = [], 0
end = time.perf_counter() + secs
while time.perf_counter() < end:
    t = time.perf_counter()
    try:
        c.request("POST", "/v1/sentiment", body, h)
        r = c.getresponse(); r.read()
        if r.status != 200:
            errors += 1
        lat.append(time.perf_counter() - t)
    except (OSError, http.client.HTTPException):
        errors += 1
        c.close(); c = http.client.HTTPConnection(host, port, timeout=10)
print(json.dumps({"lat": lat, "errors": errors}))
"""


async def attacker(host, port, slow_body, interval, stats, stop):
    head = (b"POST /v1/sentiment HTTP/1.1\r\nHost: victim\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000\r\n\r\n")
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            stats["connect_errors"] += 1
            await asyncio.sleep(0.05)
            continue
        stats["open"] += 1
        stats["connections"] += 1
        try:
            if slow_body:
                writer.write(head)
                payload = b'{"text": "' + b"a" * 99_990
            else:
                payload = head
            for i in range(len(payload)):
                if stop.is_set():
                    break
                writer.write(payload[i:i + 1])
                await writer.drain()
                # The server closes us at its timeout: notice and reconnect.
                try:
                    data = await asyncio.wait_for(reader.read(4096), interval)
                    if data == b"" or data:
                        break
                except asyncio.TimeoutError:
                    pass
        except OSError:
            pass
        finally:
            stats["open"] -= 1
            writer.close()


async def attack(host, port, n, interval, ready_file, stop_file):
    stats = {"open": 0, "connections": 0, "connect_errors": 0}
    stop = asyncio.Event()
    tasks = [asyncio.create_task(attacker(host, port, i % 2 == 1, interval, stats, stop)) for i in range(n)]
    announced = False
    while not os.path.exists(stop_file):
        await asyncio.sleep(0.05)
        if not announced and stats["open"] >= n * 0.95:
            with open(ready_file, "w") as f:
                f.write(str(stats["open"]))
            announced = True
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps(stats))


def measure(senti, secs, cpus):
    out = subprocess.run(common.pinned(cpus, [sys.executable, "-c", MEASURE, senti.host, str(senti.port), str(secs)]),
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--attackers", type=int, default=1000)
    ap.add_argument("--secs", type=float, default=5.0)
    ap.add_argument("--interval", type=float, default=0.25,
                    help="seconds between an attacker's bytes (default 0.25)")
    ap.add_argument("--no-row", action="store_true")
    ap.add_argument("--attack", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.attack:
        host, port, ready, stop = args.attack
        asyncio.run(attack(host, int(port), args.attackers, args.interval, ready, stop))
        return

    import tempfile
    server_cpus, attacker_cpus = common.cpu_sets()
    with common.Senti("--access-log-sample", "0", cpus=server_cpus) as senti, \
            tempfile.TemporaryDirectory() as tmp:
        measure(senti, 0.5, server_cpus)  # warm-up
        quiet = measure(senti, args.secs, server_cpus)
        ready, stop = os.path.join(tmp, "ready"), os.path.join(tmp, "stop")
        atk = subprocess.Popen(common.pinned(attacker_cpus, [
            sys.executable, __file__, "--attackers", str(args.attackers),
            "--interval", str(args.interval), "--attack", senti.host, str(senti.port), ready, stop]),
                               stdout=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while not os.path.exists(ready) and time.time() < deadline and atk.poll() is None:
            time.sleep(0.05)
        attack_ready = os.path.exists(ready)
        open_during = common.metric(senti.metrics(), "senti_http_connections_open")
        under = measure(senti, args.secs, server_cpus)
        open_after = common.metric(senti.metrics(), "senti_http_connections_open")
        with open(stop, "w"):
            pass
        atk_stats = json.loads(atk.communicate(timeout=60)[0] or "{}")
        m = senti.metrics()
        closed_header = common.metric(
            m, 'senti_http_connections_closed_by_server_total{code="header_timeout"}')
        alive = senti.proc.poll() is None
    q99, a99 = common.quantile(quiet["lat"], 0.99), common.quantile(under["lat"], 0.99)
    q50, a50 = common.quantile(quiet["lat"], 0.5), common.quantile(under["lat"], 0.5)
    ratio = a99 / q99
    errors = quiet["errors"] + under["errors"]
    passed = ratio <= 2.0 and errors == 0 and alive and attack_ready
    figures = {
        "attackers": args.attackers, "secs": args.secs,
        "quiet": {"requests": len(quiet["lat"]), "p50_ms": q50 * 1e3, "p99_ms": q99 * 1e3,
                  "errors": quiet["errors"]},
        "attack": {"requests": len(under["lat"]), "p50_ms": a50 * 1e3, "p99_ms": a99 * 1e3,
                   "errors": under["errors"]},
        "p99_ratio": ratio, "open_connections_during": [open_during, open_after],
        "attacker": atk_stats, "closed_for_header_timeout": closed_header,
        "cpus": {"server_and_client": server_cpus, "attacker": attacker_cpus},
    }
    print(json.dumps(figures, indent=1))
    common.write_row(
        "slowloris",
        save=not args.no_row,
        load=f"1 closed-loop client (own process), {args.secs:g} s quiet, then {args.secs:g} s "
             f"beside the attack",
        fault=f"{args.attackers} slowloris connections (half slow headers, half slow "
              f"bodies, 1 byte/{args.interval * 1e3:g} ms, reconnecting when closed)",
        bad_input="requests that never finish",
        result=f"P99 {q99 * 1e3:.2f} ms quiet, {a99 * 1e3:.2f} ms under attack "
               f"({ratio:.2f}x, goal <= 2x); {errors} failed of "
               f"{len(quiet['lat']) + len(under['lat'])}; {int(open_during)} connections "
               f"open during the attack",
        passed=passed,
        figures=figures,
    )
    common.finish(passed)


if __name__ == "__main__":
    main()
