"""Redis and NATS killed and restarted mid-load: zero failed, zero lost.

    python3 scripts/reliability/redis_nats.py [--clients 8] [--which redis,nats]

Each part starts a server of its own on a free loopback port (Debian's redis-server,
nats-server with JetStream and a store directory), a senti that uses it, and `--clients`
closed-loop client threads; after 2 s the server is killed (SIGKILL), after 1 s more it is
started again (NATS on the same store), and the load goes on for 2 s.
- Redis (`--redis-url`, lexicon results cached too, a 16-entry L1 so that most requests
  reach Redis): every
  request must be answered 200 while Redis is away (the L2 tier is skipped, with a counted
  error), and L2 hits must resume after the restart.
- NATS (`--nats-url`, a one-replica cluster): clients post comments with unique ids to 4 rooms;
  every post must be accepted (202: while NATS is away, ingest waits up to --nats-hold-ms for
  it instead of failing), and every accepted comment must be counted in its room's total once
  the replica has folded the stream.
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402

TEXTS = [f"review {i}: the food was {w}" for i in range(100)
         for w in ["great", "awful", "fine"]]


def wait_port(port, timeout=10):
    import socket
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listens on {port}")


class Own:
    """A redis-server or nats-server of this script's own."""

    def __init__(self, kind, port, store=None):
        self.kind, self.port, self.store = kind, port, store
        self.proc = None
        self.start()

    def start(self):
        if self.kind == "redis":
            cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no"]
        else:
            cmd = ["nats-server", "-a", "127.0.0.1", "-p", str(self.port), "-js",
                   "-sd", self.store]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def run_load(n, target, phases):
    """Runs `n` threads of `target(stop, out)`; calls each phase function in turn."""
    out = {"ok": 0, "failed": 0, "errors": [], "ids": {}, "lock": threading.Lock()}
    stop = threading.Event()
    threads = [threading.Thread(target=target, args=(k, stop, out)) for k in range(n)]
    for t in threads:
        t.start()
    marks = {}
    for name, wait, action in phases:
        time.sleep(wait)
        marks[name] = (out["ok"], out["failed"])
        if action:
            action()
    stop.set()
    for t in threads:
        t.join(60)
    return out, marks


def redis_part(clients):
    port = common.free_port()
    redis = Own("redis", port)
    try:
        # A 16-entry L1 in front of 300 texts: most lookups go on to Redis.
        with common.Senti("--redis-url", f"redis://127.0.0.1:{port}", "--cache-lexicon",
                          "--cache-l1-entries", "16", "--access-log-sample", "0") as senti:
            def client(k, stop, out):
                c = http.client.HTTPConnection(senti.host, senti.port, timeout=30)
                i = k
                while not stop.is_set():
                    body = json.dumps({"text": TEXTS[i % len(TEXTS)]}).encode()
                    i += 7
                    try:
                        c.request("POST", "/v1/sentiment", body, {"Content-Type": "application/json"})
                        r = c.getresponse()
                        data = r.read()
                        ok = r.status == 200
                    except (OSError, http.client.HTTPException) as e:
                        ok, data = False, repr(e).encode()
                        c.close()
                        c = http.client.HTTPConnection(senti.host, senti.port, timeout=30)
                    with out["lock"]:
                        out["ok" if ok else "failed"] += 1
                        if not ok and len(out["errors"]) < 10:
                            out["errors"].append(data[:200].decode(errors="replace"))

            def l2_hits():
                m = senti.metrics()
                return sum(float(line.split()[-1]) for line in m.splitlines()
                           if line.startswith("senti_cache_lookups_total{")
                           and 'tier="l2"' in line and 'result="hit"' in line)

            hits = {}
            phases = [
                ("before", 2.0, lambda: (hits.__setitem__("before_kill", l2_hits()), redis.kill())),
                ("down", 1.0, lambda: (hits.__setitem__("at_restart", l2_hits()), redis.start())),
                ("after", 2.0, lambda: hits.__setitem__("end", l2_hits())),
            ]
            out, marks = run_load(clients, client, phases)
            errors = sum(float(line.split()[-1]) for line in senti.metrics().splitlines()
                         if line.startswith("senti_cache_errors_total"))
            alive = senti.proc.poll() is None
    finally:
        redis.stop()
    resumed = hits["end"] > hits["at_restart"]
    passed = out["failed"] == 0 and out["ok"] > 0 and resumed and alive
    return passed, {
        "answered": out["ok"], "failed": out["failed"], "errors": out["errors"],
        "l2_hits": hits, "redis_errors_counted": errors, "marks": marks,
        "result": f"{out['failed']} failed of {out['ok'] + out['failed']}; {int(errors)} Redis "
                  f"errors counted while it was away; L2 hits "
                  f"{'resumed' if resumed else 'did NOT resume'} after the restart "
                  f"(+{int(hits['end'] - hits['at_restart'])})",
    }


def nats_part(clients):
    port = common.free_port()
    store = tempfile.mkdtemp(prefix="senti-nats-")
    nats = Own("nats", port, store)
    rooms = [f"room{r}" for r in range(4)]
    try:
        with common.Senti("--nats-url", f"nats://127.0.0.1:{port}", "--nats-prefix",
                          f"rel{os.getpid()}", "--access-log-sample", "0") as senti:
            deadline = time.time() + 30
            while time.time() < deadline:  # the streams are set up in the background
                with urllib.request.urlopen(senti.url + "/readyz", timeout=5) as r:
                    if r.status == 200:
                        break
                time.sleep(0.1)

            def client(k, stop, out):
                c = http.client.HTTPConnection(senti.host, senti.port, timeout=30)
                i = 0
                while not stop.is_set():
                    room = rooms[(k + i) % len(rooms)]
                    ids = [f"c{k}-{i}-{j}" for j in range(5)]
                    i += 1
                    body = json.dumps([{"id": cid, "text": TEXTS[(k * 31 + i + j) % len(TEXTS)]}
                                       for j, cid in enumerate(ids)]).encode()
                    try:
                        c.request("POST", f"/v1/rooms/{room}/comments", body,
                                  {"Content-Type": "application/json"})
                        r = c.getresponse()
                        data = r.read()
                        ok = r.status == 202
                    except (OSError, http.client.HTTPException) as e:
                        ok, data = False, repr(e).encode()
                        c.close()
                        c = http.client.HTTPConnection(senti.host, senti.port, timeout=30)
                    with out["lock"]:
                        out["ok" if ok else "failed"] += 1
                        if ok:
                            out["ids"][room] = out["ids"].get(room, 0) + len(ids)
                        elif len(out["errors"]) < 10:
                            out["errors"].append(data[:200].decode(errors="replace"))

            phases = [("before", 2.0, nats.kill), ("down", 1.0, nats.start), ("after", 2.0, None)]
            out, marks = run_load(clients, client, phases)
            # Every accepted comment must reach its room's total once folded.
            want = out["ids"]
            got = {}
            deadline = time.time() + 60
            while time.time() < deadline:
                for room in rooms:
                    with urllib.request.urlopen(f"{senti.url}/v1/rooms/{room}", timeout=10) as r:
                        got[room] = json.loads(r.read()).get("total", 0)
                if all(got.get(r, 0) >= want.get(r, 0) for r in rooms):
                    break
                time.sleep(0.2)
            alive = senti.proc.poll() is None
    finally:
        nats.stop()
        shutil.rmtree(store, ignore_errors=True)
    accepted = sum(want.values())
    counted = sum(got.values())
    lost = sum(max(0, want.get(r, 0) - got.get(r, 0)) for r in rooms)
    extra = sum(max(0, got.get(r, 0) - want.get(r, 0)) for r in rooms)
    passed = out["failed"] == 0 and accepted > 0 and lost == 0 and extra == 0 and alive
    return passed, {
        "posts_accepted": out["ok"], "posts_failed": out["failed"], "errors": out["errors"],
        "comments_accepted": accepted, "comments_counted": counted, "lost": lost,
        "counted_twice": extra, "by_room": {"accepted": want, "counted": got}, "marks": marks,
        "result": f"{out['failed']} failed of {out['ok'] + out['failed']} posts; {accepted} "
                  f"comments accepted, {counted} counted ({lost} lost, {extra} twice)",
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--which", default="redis,nats")
    ap.add_argument("--no-row", action="store_true")
    args = ap.parse_args()
    ok_all = True
    for which in args.which.split(","):
        if which == "redis":
            passed, fig = redis_part(args.clients)
            load = f"{args.clients} closed-loop clients scoring 300 distinct texts (L2 cache on)"
            fault = "Redis SIGKILLed after 2 s, restarted 1 s later (empty)"
        elif which == "nats":
            passed, fig = nats_part(args.clients)
            load = (f"{args.clients} closed-loop clients posting 5-comment batches with unique ids "
                    "to 4 rooms of a one-replica cluster")
            fault = "NATS (JetStream, file store) SIGKILLed after 2 s, restarted 1 s later"
        else:
            sys.exit(f"unknown part {which}")
        print(json.dumps(fig, indent=1))
        ok_all &= passed
        if not args.no_row:
            common.write_row(f"kill_{which}", load=load, fault=fault, bad_input="-",
                             result=fig.pop("result"), passed=passed, figures=fig)
        else:
            print(("PASS " if passed else "FAIL ") + fig["result"])
    common.finish(ok_all)


if __name__ == "__main__":
    main()
