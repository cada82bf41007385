"""SIGTERM under load: every request the server took gets its answer.

    python3 scripts/reliability/sigterm.py [--clients 16] [--load-secs 2] [--drain-delay-ms 0]

`--clients` threads each keep one keep-alive connection busy with POSTs (single texts and
batches of 32), as fast as answers come. After `--load-secs`, the script sends SIGTERM and the
clients go on until the server is gone. A request counts as:
- answered: a 200 with a JSON body;
- refused: the connection was refused, so the request never reached the server (the
  listener had closed; a load balancer sends it elsewhere);
- dropped: anything else (a reset, a connection closed without an answer, a timeout, another
  status): a request lost in flight.
Goal: zero dropped, and senti exits 0 within its shutdown grace. With the default drain delay
(0) the listener closes at once; the connections already open finish the request in hand or
the one arriving, each answered with `Connection: close`.
"""

import argparse
import http.client
import json
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402

SINGLE = json.dumps({"text": "The service stayed up and every answer arrived. Great!"}).encode()
BATCH = json.dumps({"items": [{"text": f"comment {i}: not bad at all"} for i in range(32)]}).encode()
HEADERS = {"Content-Type": "application/json"}


def client(host, port, stop_at, counts, lock, errors):
    conn = None
    i = 0
    local = {"answered": 0, "refused": 0, "dropped": 0, "after_signal": 0}
    while True:
        if conn is None:
            conn = http.client.HTTPConnection(host, port, timeout=10)
        path, body = ("/v1/sentiment/batch", BATCH) if i % 4 == 3 else ("/v1/sentiment", SINGLE)
        i += 1
        signalled = stop_at[0] is not None
        try:
            conn.request("POST", path, body, HEADERS)
            r = conn.getresponse()
            data = r.read()
            if r.status == 200 and data.startswith(b"{"):
                local["answered"] += 1
                local["after_signal"] += signalled
            else:
                local["dropped"] += 1
                errors.append(f"status {r.status}: {data[:120]!r}")
            if r.will_close:
                conn.close()
                conn = None
        except ConnectionRefusedError:
            local["refused"] += 1
            break
        except (OSError, http.client.HTTPException) as e:
            local["dropped"] += 1
            errors.append(f"{type(e).__name__}: {e}")
            conn.close()
            conn = None
        if signalled and time.time() - stop_at[0] > 30:
            errors.append("the server still answered 30 s after SIGTERM")
            break
    with lock:
        for k, v in local.items():
            counts[k] += v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--load-secs", type=float, default=2.0)
    ap.add_argument("--drain-delay-ms", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=3, help="server starts, each SIGTERMed")
    ap.add_argument("--no-row", action="store_true")
    args = ap.parse_args()

    total = {"answered": 0, "refused": 0, "dropped": 0, "after_signal": 0}
    exits, stop_secs, errors = [], [], []
    for _ in range(args.rounds):
        with common.Senti("--drain-delay-ms", str(args.drain_delay_ms),
                          "--access-log-sample", "0") as senti:
            counts = dict.fromkeys(total, 0)
            lock = threading.Lock()
            stop_at = [None]
            threads = [threading.Thread(target=client,
                                        args=(senti.host, senti.port, stop_at, counts, lock, errors))
                       for _ in range(args.clients)]
            for t in threads:
                t.start()
            time.sleep(args.load_secs)
            stop_at[0] = time.time()
            senti.signal(signal.SIGTERM)
            rc = senti.proc.wait(60)
            stop_secs.append(round(time.time() - stop_at[0], 2))
            for t in threads:
                t.join(60)
            exits.append(rc)
            for k in total:
                total[k] += counts[k]
            print(f"round: {counts}, exit {rc} after {stop_secs[-1]} s", flush=True)
    passed = total["dropped"] == 0 and all(rc == 0 for rc in exits) and total["answered"] > 0
    for e in errors[:10]:
        print("  " + e)
    figures = dict(total, exits=exits, stop_seconds=stop_secs, errors=errors[:20],
                   clients=args.clients, rounds=args.rounds, load_secs=args.load_secs,
                   drain_delay_ms=args.drain_delay_ms)
    common.write_row(
        "sigterm",
        save=not args.no_row,
        load=f"{args.clients} keep-alive clients, closed loop (singles and batches of 32), "
             f"{args.load_secs:g} s, then SIGTERM; {args.rounds} rounds",
        fault=f"SIGTERM mid-load (drain delay {args.drain_delay_ms} ms)",
        bad_input="-",
        result=f"{total['dropped']} dropped of {total['answered'] + total['dropped']} "
               f"requests taken ({total['after_signal']} answered after the signal); "
               f"{total['refused']} refused at the closed listener; exit "
               f"{','.join(map(str, exits))} in {max(stop_secs)} s at most",
        passed=passed,
        figures=figures,
    )
    common.finish(passed)


if __name__ == "__main__":
    main()
